// SPDX-License-Identifier: Apache-2.0
// TextRowsModel, the short lists' model: rows keep their texts, ids, tooltips and
// colours by column; replacing the rows is a reset the model tester accepts; the
// view helpers find and make current a row by id.
#include "ui/common/TextRowsModel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

using namespace Qt::StringLiterals;
using wfx::ui::TextRowsModel;

class TestTextRowsModel : public QObject
{
    Q_OBJECT

private slots:
    void rowsReadByColumnAndRole()
    {
        TextRowsModel model({u"Name"_s, u"Plan"_s});
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setRows({{u"w1"_s, {u"Lab"_s, u"free"_s}, {u"owner"_s}, {{1, u"tip"_s}}, {}},
                       {u"w2"_s, {u"Vision"_s, u"pro"_s}, {}, {}, {{0, QColor(Qt::red)}}}});
        QCOMPARE(resets.size(), 1);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), 2);
        QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), u"Plan"_s);
        QCOMPARE(model.index(1, 0).data().toString(), u"Vision"_s);
        QCOMPARE(model.index(1, 1).data(TextRowsModel::IdRole).toString(), u"w2"_s);
        QCOMPARE(model.index(0, 1).data(Qt::ToolTipRole).toString(), u"tip"_s);
        QVERIFY(!model.index(0, 0).data(Qt::ToolTipRole).isValid());
        QCOMPARE(model.index(1, 0).data(Qt::ForegroundRole).value<QColor>(), QColor(Qt::red));
        QCOMPARE(model.rowOf(u"w2"_s), 1);
        QCOMPARE(model.rowOf(u"nope"_s), -1);
        QCOMPARE(model.rowAt(0).values, QStringList{u"owner"_s});
        model.setRows({});
        QCOMPARE(model.rowCount(), 0);
    }

    void viewFindsRowsById()
    {
        QWidget parent;
        QTreeView *view =
            wfx::ui::newTextRowsView(&parent, {u"Email"_s, u"Role"_s}, u"members"_s, u"Members"_s);
        QCOMPARE(view->objectName(), u"members"_s);
        QCOMPARE(view->accessibleName(), u"Members"_s);
        wfx::ui::textRows(view)->setRows({{u"u1"_s, {u"a@x"_s, u"Admin"_s}, {}, {}, {}},
                                          {u"u2"_s, {u"b@x"_s, u"Viewer"_s}, {}, {}, {}}});
        QVERIFY(wfx::ui::currentRowId(view).isEmpty());
        QVERIFY(wfx::ui::setCurrentRowId(view, u"u2"_s));
        QCOMPARE(wfx::ui::currentRowId(view), u"u2"_s);
        QCOMPARE(wfx::ui::currentRowText(view, 1), u"Viewer"_s);
        QVERIFY(!wfx::ui::setCurrentRowId(view, u"gone"_s));
        QCOMPARE(wfx::ui::currentRowId(view), u"u2"_s);
    }
};

QTEST_MAIN(TestTextRowsModel)
#include "tst_text_rows_model.moc"
