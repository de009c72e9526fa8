// SPDX-License-Identifier: Apache-2.0
// ListItemDelegate, the list tables' cell painter: for the cells the console's
// tables have (text of any alignment, selected or not, alternating rows, text
// too long for its column) it paints the same pixels as QStyledItemDelegate,
// and hands cells with an icon or a check box to it unchanged.
#include "ui/common/ListItemDelegate.h"
#include "ui/common/ListTable.h"

#include <QApplication>
#include <QHeaderView>
#include <QImage>
#include <QPixmap>
#include <QStandardItemModel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

using wfx::ui::ListItemDelegate;

namespace {

std::unique_ptr<QStandardItemModel> sampleModel(bool withDecorations)
{
    auto model = std::make_unique<QStandardItemModel>(0, 4);
    const char *names[] = {"td-mpc2-procgen-coinrun-seed1",
                           "a name far too long for its column, so it is elided",
                           "Ünïcödé ✓ 日本語", "", "x"};
    for (int r = 0; r < 5; ++r) {
        QList<QStandardItem *> row;
        row << new QStandardItem(QString::fromUtf8(names[r]));
        row << new QStandardItem(r % 2 ? u"Completed"_s : u"Signature mismatch"_s);
        auto *number = new QStandardItem(QString::number(r * 120));
        number->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        row << number;
        auto *centred = new QStandardItem(u"centre"_s);
        centred->setTextAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        row << centred;
        if (withDecorations) {
            row[0]->setCheckable(true);
            row[0]->setCheckState(r % 2 ? Qt::Checked : Qt::Unchecked);
            QPixmap icon(12, 12);
            icon.fill(Qt::red);
            row[1]->setIcon(QIcon(icon));
        }
        model->appendRow(row);
    }
    return model;
}

QImage render(QAbstractItemModel *model, QAbstractItemDelegate *delegate)
{
    QTableView *view = wfx::ui::newListTable(nullptr, model, u"t"_s, u"t"_s);
    std::unique_ptr<QTableView> owner(view);
    if (delegate)
        view->setItemDelegate(delegate);
    view->horizontalHeader()->resizeSection(0, 160);
    view->horizontalHeader()->resizeSection(1, 90);
    view->resize(520, 200);
    view->selectRow(2);
    view->show();
    return view->viewport()->grab().toImage();
}

} // namespace

class TestListDelegate : public QObject
{
    Q_OBJECT
private slots:
    void newListTableUsesIt()
    {
        QStandardItemModel model(1, 1);
        std::unique_ptr<QTableView> view(wfx::ui::newListTable(nullptr, &model, u"t"_s, u"t"_s));
        QVERIFY(qobject_cast<ListItemDelegate *>(view->itemDelegate()));
    }

    void samePixelsAsTheStyledDelegate_data()
    {
        QTest::addColumn<bool>("decorations");
        QTest::newRow("text cells") << false;
        QTest::newRow("icons and check boxes (handed over)") << true;
    }
    void samePixelsAsTheStyledDelegate()
    {
        QFETCH(bool, decorations);
        auto model = sampleModel(decorations);
        const QImage fast = render(model.get(), nullptr);
        auto *styled = new QStyledItemDelegate;
        const QImage reference = render(model.get(), styled);
        delete styled;
        QCOMPARE(fast.size(), reference.size());
        // The text is there: the same table with every text cleared looks different.
        auto blank = sampleModel(decorations);
        for (int r = 0; r < blank->rowCount(); ++r)
            for (int c = 0; c < blank->columnCount(); ++c)
                blank->item(r, c)->setText(QString());
        QVERIFY(render(blank.get(), nullptr) != fast);
        QString differs;
        int count = 0;
        for (int y = 0; y < fast.height(); ++y)
            for (int x = 0; x < fast.width(); ++x)
                if (fast.pixel(x, y) != reference.pixel(x, y) && count++ < 8)
                    differs += QStringLiteral(" (%1,%2)").arg(x).arg(y);
        if (count > 0) {
            fast.save(u"tst_list_delegate_fast.png"_s);
            reference.save(u"tst_list_delegate_reference.png"_s);
        }
        QVERIFY2(count == 0,
                 qPrintable(QString::number(count) + u" pixels differ, first at"_s + differs));
    }
};

QTEST_MAIN(TestListDelegate)
#include "tst_list_delegate.moc"
