// SPDX-License-Identifier: Apache-2.0
// The DSAR panel: the queue with people and due dates, export of a person's
// data to a file (and cancel), cancelling or carrying out a scheduled deletion,
// lifting a restriction; effects and audit entries checked in the store. Runs
// on SQLite and PostgreSQL.
#include "TestStore.h"

#include "common/Confirm.h"
#include "dsar/DsarPanel.h"
#include "dsar/DsarService.h"
#include "workspaces/WorkspaceService.h"

#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace wfx;
using wfx::ui::Confirm;
using wfx::ui::DsarPanel;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
} // namespace

class TestDsarPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, carol;

    static bool idle(DsarPanel &p) { return QTest::qWaitFor([&] { return !p.isBusy(); }, 10000); }
    static void click(QWidget &w, const char *name)
    {
        auto *b = w.findChild<QPushButton *>(QString::fromLatin1(name));
        QVERIFY2(b, name);
        QVERIFY2(b->isEnabled(), name);
        QTest::mouseClick(b, Qt::LeftButton);
    }
    qint64 scalar(const QString &sql, const QString &user)
    {
        Query q(s->db->connection(), sql);
        q.bind(S(":u"), user);
        return q.exec() && q.next() ? q.i64(0) : -1;
    }
    QString requestOf(const QString &user, const QString &kind)
    {
        Query q(s->db->connection(), S("SELECT id FROM dsar_requests WHERE user_id = :u AND kind = :k"));
        q.bind(S(":u"), user).bind(S(":k"), kind);
        return q.exec() && q.next() ? q.str(0) : QString();
    }
    std::unique_ptr<DsarPanel> open()
    {
        auto p = std::make_unique<DsarPanel>(s->ctx, Actor::system());
        p->resize(1000, 600);
        p->show();
        if (!QTest::qWaitForWindowExposed(p.get()) || !idle(*p))
            qFatal("panel did not load");
        return p;
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(S("alice@example.com"));
        bob = s->createUser(S("bob@example.com"));
        carol = s->createUser(S("carol@example.com"));
    }
    void cleanup()
    {
        QTest::qWait(0);
        s.reset();
    }

    void queueShowsKindStatePersonAndDueDates()
    {
        DsarService d(s->ctx);
        QVERIFY(d.requestDeletion(s->actor(alice)).ok());
        s->clock.advanceMs(1);
        QVERIFY(d.setRestricted(s->actor(bob), true).ok());
        auto p = open();
        QTreeWidget *q = p->queue();
        QCOMPARE(q->topLevelItemCount(), 2);
        // Newest first.
        QCOMPARE(q->topLevelItem(0)->text(0), S("Restriction"));
        QCOMPARE(q->topLevelItem(0)->text(1), S("In force"));
        QCOMPARE(q->topLevelItem(0)->text(2), S("bob@example.com"));
        QCOMPARE(q->topLevelItem(1)->text(0), S("Deletion"));
        QCOMPARE(q->topLevelItem(1)->text(1), S("Scheduled"));
        QCOMPARE(q->topLevelItem(1)->text(2), S("alice@example.com"));
        QVERIFY(!q->topLevelItem(1)->text(5).isEmpty()); // scheduled for
        // Actions follow the selected row.
        auto *cancel = p->findChild<QPushButton *>(S("cancelDeletion"));
        auto *lift = p->findChild<QPushButton *>(S("liftRestriction"));
        q->setFocus();
        q->setCurrentItem(q->topLevelItem(0));
        QVERIFY(lift->isEnabled());
        QVERIFY(!cancel->isEnabled());
        QTest::keyClick(q, Qt::Key_Down);
        QVERIFY(cancel->isEnabled());
        QVERIFY(!lift->isEnabled());
        // New requests appear by themselves.
        QVERIFY(d.exportData(s->actor(carol)).ok());
        QVERIFY(QTest::qWaitFor([&] { return q->topLevelItemCount() == 3; }, 5000));
    }

    void exportsAPersonsDataToAFile()
    {
        WorkspaceService ws(s->ctx);
        QVERIFY(ws.create(s->actor(bob), S("Bob's lab")).ok());
        QTemporaryDir dir;
        auto p = open();
        QString askedFor;
        p->setExportPathProvider([&](const QString &email) {
            askedFor = email;
            return dir.filePath(S("export.json"));
        });
        QComboBox *user = p->userChooser();
        QCOMPARE(user->count(), 3);
        user->setCurrentIndex(user->findData(bob));
        QSignalSpy done(p.get(), &DsarPanel::exportFinished);
        click(*p, "exportData");
        QVERIFY(done.wait(10000));
        QVERIFY(done.at(0).at(0).toBool());
        QCOMPARE(askedFor, S("bob@example.com"));
        QFile f(dir.filePath(S("export.json")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject data = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(data.value(S("user")).toObject().value(S("email")).toString(), S("bob@example.com"));
        QVERIFY(QJsonDocument(data).toJson().contains("Bob's lab"));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM dsar_requests WHERE user_id = :u AND kind = 'export'"), bob), 1);
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM audit_log WHERE action = 'dsar.export' AND actor_id = :u"), bob), 1);
        QVERIFY(p->statusText().contains(S("bob@example.com")));
    }

    void cancelledExportWritesNoFile()
    {
        QTemporaryDir dir;
        auto p = open();
        p->setExportPathProvider([&](const QString &) { return dir.filePath(S("export.json")); });
        QSignalSpy done(p.get(), &DsarPanel::exportFinished);
        click(*p, "exportData");
        QVERIFY(p->isExporting());
        click(*p, "cancelExport");
        QVERIFY(done.wait(10000));
        QCOMPARE(done.at(0).at(0).toBool(), false);
        QVERIFY(!QFile::exists(dir.filePath(S("export.json"))));
        QVERIFY(p->statusText().contains(S("cancelled")));
    }

    void cancelsAScheduledDeletionAfterConfirmation()
    {
        DsarService d(s->ctx);
        QVERIFY(d.requestDeletion(s->actor(alice)).ok());
        auto p = open();
        QVERIFY(p->selectRequest(requestOf(alice, S("deletion"))));
        Confirm::setNextAnswer(false);
        click(*p, "cancelDeletion");
        QVERIFY(Confirm::lastText().contains(S("alice@example.com")));
        QVERIFY(idle(*p));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM dsar_requests WHERE user_id = :u AND state = 'scheduled'"), alice), 1);
        Confirm::setNextAnswer(true);
        click(*p, "cancelDeletion");
        QVERIFY(QTest::qWaitFor([&] { return p->queue()->topLevelItemCount() == 1
                                             && p->queue()->topLevelItem(0)->text(1) == S("Cancelled"); }, 5000));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM dsar_requests WHERE user_id = :u AND state = 'cancelled'"), alice), 1);
        QCOMPARE(s->auditCount(S("dsar.delete_cancel")), 1);
        QCOMPARE(d.deletionStatus(s->actor(alice))->state, S("none"));
    }

    void carriesOutADeletionEarly()
    {
        WorkspaceService ws(s->ctx);
        const QString owned = ws.create(s->actor(alice), S("Alice's"))->id;
        DsarService d(s->ctx);
        QVERIFY(d.requestDeletion(s->actor(alice)).ok());
        auto p = open();
        QVERIFY(p->selectRequest(requestOf(alice, S("deletion"))));
        Confirm::setNextAnswer(true);
        click(*p, "deleteNow");
        QVERIFY(Confirm::lastText().contains(S("alice@example.com")));
        QVERIFY(QTest::qWaitFor([&] { return p->statusText().contains(S("was deleted")); }, 5000));
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM users WHERE id = :u"), alice), 0);
        QCOMPARE(scalar(S("SELECT COUNT(*) FROM workspaces WHERE id = :u"), owned), 0);
        QCOMPARE(s->auditCount(S("dsar.deletion_executed")), 1);
        // The queue keeps the completed request, naming the account as deleted.
        QVERIFY(QTest::qWaitFor([&] { return p->queue()->topLevelItemCount() == 1
                                             && p->queue()->topLevelItem(0)->text(2).contains(S("deleted")); }, 5000));
    }

    void liftsARestriction()
    {
        DsarService d(s->ctx);
        QVERIFY(d.setRestricted(s->actor(carol), true).ok());
        auto p = open();
        QVERIFY(p->selectRequest(requestOf(carol, S("restriction"))));
        click(*p, "liftRestriction");
        QVERIFY(QTest::qWaitFor([&] { return p->statusText().contains(S("lifted")); }, 5000));
        QCOMPARE(scalar(S("SELECT restricted FROM users WHERE id = :u"), carol), 0);
        QCOMPARE(s->auditCount(S("dsar.unrestrict")), 1);
        QVERIFY(QTest::qWaitFor([&] { return p->queue()->topLevelItem(0)->text(1) == S("Lifted"); }, 5000));
    }
};

QTEST_MAIN(TestDsarPanel)
#include "tst_dsar_panel.moc"
