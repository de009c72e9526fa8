// SPDX-License-Identifier: Apache-2.0
// The Audit log panel: keyset paging, filters, Verify (intact, tampered row
// named, cancel) and Export to CSV and JSON of the current filter. Runs on
// SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/workspaces/WorkspaceService.h"
#include "ui/audit/AuditExporter.h"
#include "ui/audit/AuditModel.h"
#include "ui/audit/AuditPanel.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::AuditExporter;
using wfx::ui::AuditModel;
using wfx::ui::AuditPanel;

namespace {
} // namespace

class TestAuditPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob;

    static bool waitIdle(AuditModel *m)
    {
        return QTest::qWaitFor([m] { return !m->isLoading(); }, 10000);
    }
    static void click(QWidget &w, const char *name)
    {
        auto *b = w.findChild<QPushButton *>(QString::fromLatin1(name));
        QVERIFY2(b, name);
        QTest::mouseClick(b, Qt::LeftButton);
    }
    // n project creations by alice (one audit entry each), one ms apart.
    void makeEntries(int n)
    {
        WorkspaceService ws(s->ctx);
        const QString w = ws.create(s->actor(alice), u"Lab"_s)->id;
        for (int i = 0; i < n; ++i) {
            s->clock.advanceMs(1);
            QVERIFY(ws.createProject(s->actor(alice), w, u"p%1"_s.arg(i)).ok());
        }
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(u"alice@example.com"_s);
        bob = s->createUser(u"bob@example.com"_s);
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void modelPagesNewestFirst()
    {
        makeEntries(449); // + the workspace: 450 entries
        AuditModel model(s->ctx, Actor::system());
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.reload();
        QVERIFY(waitIdle(&model));
        while (model.canFetchMore({})) {
            model.fetchMore({});
            QVERIFY(waitIdle(&model));
        }
        QCOMPARE(model.rowCount(), 450);
        QCOMPARE(model.entryAt(0).seq, qint64(450));
        QCOMPARE(model.entryAt(449).seq, qint64(1));
        QCOMPARE(model.index(0, AuditModel::Actor).data().toString(), alice); // no names given yet
        model.setUserNames({{alice, u"alice@example.com"_s}});
        QCOMPARE(model.index(0, AuditModel::Actor).data().toString(), u"alice@example.com"_s);
    }

    void filtersByActorActionAndTarget()
    {
        WorkspaceService ws(s->ctx);
        const QString a = ws.create(s->actor(alice), u"A"_s)->id;
        const QString b = ws.create(s->actor(bob), u"B"_s)->id;
        const QString p = ws.createProject(s->actor(bob), b, u"vit"_s)->id;
        AuditPanel panel(s->ctx, Actor::system());
        panel.show();
        AuditModel *m = panel.model();
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 3);

        auto *actor = panel.findChild<QComboBox *>(u"actorFilter"_s);
        QVERIFY(QTest::qWaitFor([&] { return actor->count() == 3; }));
        actor->setCurrentIndex(actor->findData(bob));
        panel.applyFilter();
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 2);

        auto *action = panel.findChild<QComboBox *>(u"actionFilter"_s);
        action->setFocus();
        action->lineEdit()->clear();
        QTest::keyClicks(action->lineEdit(), u"project.create"_s);
        QTest::keyClick(action->lineEdit(), Qt::Key_Return);
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 1);
        QCOMPARE(m->entryAt(0).targetId, p);

        actor->setCurrentIndex(0);
        action->lineEdit()->clear();
        auto *target = panel.findChild<QLineEdit *>(u"targetIdFilter"_s);
        QTest::keyClicks(target, a);
        QTest::keyClick(target, Qt::Key_Return);
        QVERIFY(waitIdle(m));
        QCOMPARE(m->rowCount(), 1);
        QCOMPARE(m->entryAt(0).action, u"workspace.create"_s);
    }

    void timeRangeLimitsEntries()
    {
        WorkspaceService ws(s->ctx);
        QVERIFY(ws.create(s->actor(alice), u"Old"_s).ok());
        s->clock.advanceMs(3LL * 24 * 3600 * 1000);
        QVERIFY(ws.create(s->actor(alice), u"New"_s).ok());
        AuditPanel panel(s->ctx, Actor::system());
        panel.show();
        QVERIFY(waitIdle(panel.model()));
        QCOMPARE(panel.model()->rowCount(), 2);
        auto *from = panel.findChild<QDateTimeEdit *>(u"fromTime"_s);
        from->setDateTime(QDateTime::fromMSecsSinceEpoch(s->clock.nowMs() - 24 * 3600 * 1000));
        QTest::mouseClick(panel.findChild<QCheckBox *>(u"fromEnabled"_s), Qt::LeftButton);
        QVERIFY(waitIdle(panel.model()));
        QCOMPARE(panel.model()->rowCount(), 1);
        QCOMPARE(panel.model()->entryAt(0).detail.value(u"name"_s).toString(), u"New"_s);
    }

    void verifyReportsAnIntactChain()
    {
        makeEntries(20);
        AuditPanel panel(s->ctx, Actor::system());
        panel.show();
        QSignalSpy done(&panel, &AuditPanel::verifyFinished);
        click(panel, "verifyChain");
        QVERIFY(panel.isWorking());
        QVERIFY(done.wait(10000));
        QVERIFY(panel.lastVerifyOk());
        QVERIFY2(panel.verdictText().contains(u"intact"_s), qPrintable(panel.verdictText()));
        QVERIFY(panel.verdictText().contains(u"21 entr"_s));
    }

    void verifyNamesTheTamperedEntry()
    {
        makeEntries(30);
        // Someone edits entry 17 in the database.
        Query q(s->db->connection(), u"UPDATE audit_log SET detail = :d WHERE seq = 17"_s);
        q.bind(u":d"_s, u"{\"name\":\"forged\"}"_s);
        QVERIFY(q.exec());
        AuditPanel panel(s->ctx, Actor::system());
        panel.show();
        QVERIFY(waitIdle(panel.model()));
        QSignalSpy done(&panel, &AuditPanel::verifyFinished);
        click(panel, "verifyChain");
        QVERIFY(done.wait(10000));
        QCOMPARE(done.at(0).at(0).toBool(), false);
        QCOMPARE(panel.lastBadSeq(), qint64(17));
        const QString v = panel.verdictText();
        QVERIFY2(v.contains(u"#17"_s), qPrintable(v));
        QVERIFY2(v.contains(u"altered"_s), qPrintable(v));
        QVERIFY2(v.contains(u"project.create"_s), qPrintable(v));
        QVERIFY2(v.contains(u"16 entr"_s), qPrintable(v)); // the intact ones before it
        // The bad row is selected in the table.
        const QModelIndexList sel = panel.view()->selectionModel()->selectedRows();
        QCOMPARE(sel.size(), 1);
        QCOMPARE(panel.model()->entryAt(sel.first().row()).seq, qint64(17));
    }

    void verifyCanBeCancelled()
    {
        // More than one verify batch (5000) so that Cancel lands between batches.
        {
            auto began = Tx::begin(*s->db);
            QVERIFY(began.ok());
            Tx &tx = *began;
            for (int i = 0; i < 12000; ++i)
                QVERIFY(AuditService::append(tx, s->clock.nowMs(), s->actor(alice), u"test.entry"_s,
                                             QString(), u"user"_s, alice)
                            .ok());
            QVERIFY(tx.commit().ok());
        }
        AuditPanel panel(s->ctx, Actor::system());
        panel.show();
        QSignalSpy done(&panel, &AuditPanel::verifyFinished);
        panel.verify();
        auto *cancel = panel.findChild<QPushButton *>(u"cancelWork"_s);
        QVERIFY(cancel->isVisible());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(done.wait(20000));
        QVERIFY(!panel.lastVerifyOk());
        QCOMPARE(panel.lastBadSeq(), qint64(0));
        QVERIFY2(panel.verdictText().contains(u"cancelled"_s), qPrintable(panel.verdictText()));
        QVERIFY(!panel.isWorking());
    }

    void exportsTheCurrentFilterAsCsvAndJson()
    {
        WorkspaceService ws(s->ctx);
        const QString a = ws.create(s->actor(alice), u"Lab, \"main\""_s)->id;
        QVERIFY(ws.create(s->actor(bob), u"Bob's"_s).ok());
        for (int i = 0; i < 1200; ++i) // more than one export page
            QVERIFY(ws.createProject(s->actor(alice), a, u"p%1"_s.arg(i)).ok());
        QTemporaryDir dir;
        AuditPanel panel(s->ctx, Actor::system());
        QString asked;
        panel.setExportPathProvider([&](const QString &format) {
            asked = format;
            return dir.filePath(u"audit."_s + format);
        });
        panel.show();
        QSignalSpy done(&panel, &AuditPanel::exportFinished);

        click(panel, "exportCsv");
        QVERIFY(done.wait(20000));
        QCOMPARE(asked, u"csv"_s);
        QVERIFY(done.at(0).at(0).toBool());
        QFile csv(dir.filePath(u"audit.csv"_s));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().split('\n');
        QCOMPARE(lines.size(), 1 + 1202 + 1); // header, entries, the empty tail
        QVERIFY(lines.at(0).startsWith("seq,id,at,actor_id"));
        const QByteArray all = lines.join('\n');
        QVERIFY(all.contains("\"{\"\"name\"\":\"\"Lab, \\\"\"main\\\"\"\"\"}\""));

        // JSON of a narrower filter: bob's entries only.
        auto *actor = panel.findChild<QComboBox *>(u"actorFilter"_s);
        QVERIFY(QTest::qWaitFor([&] { return actor->count() == 3; }));
        actor->setCurrentIndex(actor->findData(bob));
        click(panel, "exportJson");
        QVERIFY(done.wait(20000));
        QFile json(dir.filePath(u"audit.json"_s));
        QVERIFY(json.open(QIODevice::ReadOnly));
        QJsonParseError err;
        const QJsonArray arr = QJsonDocument::fromJson(json.readAll(), &err).array();
        QCOMPARE(err.error, QJsonParseError::NoError);
        QCOMPARE(arr.size(), 1);
        QCOMPARE(arr.at(0).toObject().value(u"actor_id"_s).toString(), bob);
        QCOMPARE(arr.at(0).toObject().value(u"action"_s).toString(), u"workspace.create"_s);
    }

    void csvFieldsAreQuotedAndDefused()
    {
        QCOMPARE(AuditExporter::csvField(u"plain"_s), QByteArray("plain"));
        QCOMPARE(AuditExporter::csvField(u"a,b"_s), QByteArray("\"a,b\""));
        QCOMPARE(AuditExporter::csvField(u"say \"hi\""_s), QByteArray("\"say \"\"hi\"\"\""));
        QCOMPARE(AuditExporter::csvField(u"=1+1"_s), QByteArray("\"'=1+1\""));
        QCOMPARE(AuditExporter::csvField(u"@SUM"_s), QByteArray("\"'@SUM\""));
    }
};

QTEST_MAIN(TestAuditPanel)
#include "tst_audit_panel.moc"
