// SPDX-License-Identifier: Apache-2.0
// The DSAR panel: the queue with people and due dates, export of a person's
// data to a file (and cancel), cancelling or carrying out a scheduled deletion,
// lifting a restriction; effects and audit entries checked in the store. Runs
// on SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/dsar/DsarService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/Confirm.h"
#include "ui/dsar/DsarPanel.h"

#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::Confirm;
using wfx::ui::DsarPanel;

namespace {
} // namespace

class TestDsarPanel : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, carol;

    static bool idle(DsarPanel &p)
    {
        return QTest::qWaitFor([&] { return !p.isBusy(); }, 10000);
    }
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
        q.bind(u":u"_s, user);
        return q.exec() && q.next() ? q.i64(0) : -1;
    }
    QString requestOf(const QString &user, const QString &kind)
    {
        Query q(s->db->connection(),
                u"SELECT id FROM dsar_requests WHERE user_id = :u AND kind = :k"_s);
        q.bind(u":u"_s, user).bind(u":k"_s, kind);
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
        alice = s->createUser(u"alice@example.com"_s);
        bob = s->createUser(u"bob@example.com"_s);
        carol = s->createUser(u"carol@example.com"_s);
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
        QTreeView *q = p->queue();
        QCOMPARE(q->model()->rowCount(), 2);
        // Newest first.
        QCOMPARE(q->model()->index(0, 0).data().toString(), u"Restriction"_s);
        QCOMPARE(q->model()->index(0, 1).data().toString(), u"In force"_s);
        QCOMPARE(q->model()->index(0, 2).data().toString(), u"bob@example.com"_s);
        QCOMPARE(q->model()->index(1, 0).data().toString(), u"Deletion"_s);
        QCOMPARE(q->model()->index(1, 1).data().toString(), u"Scheduled"_s);
        QCOMPARE(q->model()->index(1, 2).data().toString(), u"alice@example.com"_s);
        QVERIFY(!q->model()->index(1, 5).data().toString().isEmpty()); // scheduled for
        // Actions follow the selected row.
        auto *cancel = p->findChild<QPushButton *>(u"cancelDeletion"_s);
        auto *lift = p->findChild<QPushButton *>(u"liftRestriction"_s);
        q->setFocus();
        q->setCurrentIndex(q->model()->index(0, 0));
        QVERIFY(lift->isEnabled());
        QVERIFY(!cancel->isEnabled());
        QTest::keyClick(q, Qt::Key_Down);
        QVERIFY(cancel->isEnabled());
        QVERIFY(!lift->isEnabled());
        // New requests appear by themselves.
        QVERIFY(d.exportData(s->actor(carol)).ok());
        QVERIFY(QTest::qWaitFor([&] { return q->model()->rowCount() == 3; }, 5000));
    }

    void exportsAPersonsDataToAFile()
    {
        WorkspaceService ws(s->ctx);
        QVERIFY(ws.create(s->actor(bob), u"Bob's lab"_s).ok());
        QTemporaryDir dir;
        auto p = open();
        QString askedFor;
        p->setExportPathProvider([&](const QString &email) {
            askedFor = email;
            return dir.filePath(u"export.json"_s);
        });
        QComboBox *user = p->userChooser();
        QCOMPARE(user->count(), 3);
        user->setCurrentIndex(user->findData(bob));
        QSignalSpy done(p.get(), &DsarPanel::exportFinished);
        click(*p, "exportData");
        QVERIFY(done.wait(10000));
        QVERIFY(done.at(0).at(0).toBool());
        QCOMPARE(askedFor, u"bob@example.com"_s);
        QFile f(dir.filePath(u"export.json"_s));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject data = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(data.value(u"user"_s).toObject().value(u"email"_s).toString(),
                 u"bob@example.com"_s);
        QVERIFY(QJsonDocument(data).toJson().contains("Bob's lab"));
        QCOMPARE(
            scalar(u"SELECT COUNT(*) FROM dsar_requests WHERE user_id = :u AND kind = 'export'"_s,
                   bob),
            1);
        QCOMPARE(
            scalar(
                u"SELECT COUNT(*) FROM audit_log WHERE action = 'dsar.export' AND actor_id = :u"_s,
                bob),
            1);
        QVERIFY(p->statusText().contains(u"bob@example.com"_s));
    }

    void cancelledExportWritesNoFile()
    {
        QTemporaryDir dir;
        auto p = open();
        p->setExportPathProvider([&](const QString &) { return dir.filePath(u"export.json"_s); });
        QSignalSpy done(p.get(), &DsarPanel::exportFinished);
        click(*p, "exportData");
        QVERIFY(p->isExporting());
        click(*p, "cancelExport");
        QVERIFY(done.wait(10000));
        QCOMPARE(done.at(0).at(0).toBool(), false);
        QVERIFY(!QFile::exists(dir.filePath(u"export.json"_s)));
        QVERIFY(p->statusText().contains(u"cancelled"_s));
    }

    void cancelsAScheduledDeletionAfterConfirmation()
    {
        DsarService d(s->ctx);
        QVERIFY(d.requestDeletion(s->actor(alice)).ok());
        auto p = open();
        QVERIFY(p->selectRequest(requestOf(alice, u"deletion"_s)));
        Confirm::setNextAnswer(false);
        click(*p, "cancelDeletion");
        QVERIFY(Confirm::lastText().contains(u"alice@example.com"_s));
        QVERIFY(idle(*p));
        QCOMPARE(
            scalar(
                u"SELECT COUNT(*) FROM dsar_requests WHERE user_id = :u AND state = 'scheduled'"_s,
                alice),
            1);
        Confirm::setNextAnswer(true);
        click(*p, "cancelDeletion");
        QVERIFY(QTest::qWaitFor(
            [&] {
                return p->queue()->model()->rowCount() == 1 &&
                       p->queue()->model()->index(0, 1).data().toString() == u"Cancelled"_s;
            },
            5000));
        QCOMPARE(
            scalar(
                u"SELECT COUNT(*) FROM dsar_requests WHERE user_id = :u AND state = 'cancelled'"_s,
                alice),
            1);
        QCOMPARE(s->auditCount(u"dsar.delete_cancel"_s), 1);
        QCOMPARE(d.deletionStatus(s->actor(alice))->state, u"none"_s);
    }

    void carriesOutADeletionEarly()
    {
        WorkspaceService ws(s->ctx);
        const QString owned = ws.create(s->actor(alice), u"Alice's"_s)->id;
        DsarService d(s->ctx);
        QVERIFY(d.requestDeletion(s->actor(alice)).ok());
        auto p = open();
        QVERIFY(p->selectRequest(requestOf(alice, u"deletion"_s)));
        Confirm::setNextAnswer(true);
        click(*p, "deleteNow");
        QVERIFY(Confirm::lastText().contains(u"alice@example.com"_s));
        QVERIFY(QTest::qWaitFor([&] { return p->statusText().contains(u"was deleted"_s); }, 5000));
        QCOMPARE(scalar(u"SELECT COUNT(*) FROM users WHERE id = :u"_s, alice), 0);
        QCOMPARE(scalar(u"SELECT COUNT(*) FROM workspaces WHERE id = :u"_s, owned), 0);
        QCOMPARE(s->auditCount(u"dsar.deletion_executed"_s), 1);
        // The queue keeps the completed request, naming the account as deleted.
        QVERIFY(QTest::qWaitFor(
            [&] {
                return p->queue()->model()->rowCount() == 1 &&
                       p->queue()->model()->index(0, 2).data().toString().contains(u"deleted"_s);
            },
            5000));
    }

    void liftsARestriction()
    {
        DsarService d(s->ctx);
        QVERIFY(d.setRestricted(s->actor(carol), true).ok());
        auto p = open();
        QVERIFY(p->selectRequest(requestOf(carol, u"restriction"_s)));
        click(*p, "liftRestriction");
        QVERIFY(QTest::qWaitFor([&] { return p->statusText().contains(u"lifted"_s); }, 5000));
        QCOMPARE(scalar(u"SELECT restricted FROM users WHERE id = :u"_s, carol), 0);
        QCOMPARE(s->auditCount(u"dsar.unrestrict"_s), 1);
        QVERIFY(QTest::qWaitFor(
            [&] { return p->queue()->model()->index(0, 1).data().toString() == u"Lifted"_s; },
            5000));
    }
};

QTEST_MAIN(TestDsarPanel)
#include "tst_dsar_panel.moc"
