// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/runs/LedgerService.h"
#include "models/workspaces/WorkspaceService.h"

#include <atomic>
#include <latch>
#include <thread>

using namespace Qt::StringLiterals;

using namespace wfx;

namespace {
} // namespace

class TestLedger : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, ws;

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(u"alice@example.com"_s);
        bob = s->createUser(u"bob@example.com"_s);
        ws = WorkspaceService(s->ctx).create(s->actor(alice), u"A"_s)->id;
    }
    void cleanup() { s.reset(); }

    void headIsEmptyAtFirst()
    {
        LedgerService ledger(s->ctx);
        auto h = ledger.head(s->actor(alice), ws);
        QVERIFY(h.ok());
        QVERIFY(h->head.isEmpty());
        QCOMPARE(h->version, 0);
        const QJsonObject j = h->toJson();
        QCOMPARE(j.value(u"workspace_id"_s).toString(), ws);
        QCOMPARE(j.value(u"head"_s).type(), QJsonValue::Null);
        QCOMPARE(j.value(u"version"_s).toInt(), 0);
        QCOMPARE(j.value(u"updated_at"_s).type(), QJsonValue::Null);
    }

    void advanceMovesTheHeadAndAudits()
    {
        LedgerService ledger(s->ctx);
        auto first = ledger.advance(s->actor(alice), ws, {}, u"h1"_s);
        QVERIFY(first.ok());
        QCOMPARE(first->head, u"h1"_s);
        QCOMPARE(first->version, 1);
        QCOMPARE(first->updatedAt, s->clock.nowMs());
        s->clock.advanceMs(10);
        auto second = ledger.advance(s->actor(alice), ws, u"h1"_s, u"h2"_s);
        QVERIFY(second.ok());
        QCOMPARE(second->version, 2);
        auto h = ledger.head(s->actor(alice), ws);
        QCOMPARE(h->head, u"h2"_s);
        QCOMPARE(h->version, 2);
        QCOMPARE(h->toJson().value(u"updated_at"_s).toString(), ids::formatTime(s->clock.nowMs()));
        QCOMPARE(s->auditCount(u"ledger.advance"_s), 2);
    }

    void staleExpectedHeadIsAConflictCarryingTheCurrentHead()
    {
        LedgerService ledger(s->ctx);
        QVERIFY(ledger.advance(s->actor(alice), ws, {}, u"h1"_s).ok());
        QVERIFY(ledger.advance(s->actor(alice), ws, u"h1"_s, u"h2"_s).ok());
        const qint64 audit = s->count(u"audit_log"_s);
        for (const QString &expected : {QString(), u"h1"_s, u"nope"_s}) {
            auto r = ledger.advance(s->actor(alice), ws, expected, u"h3"_s);
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::Conflict);
            const QJsonObject current = r.error().extra.value(u"current"_s).toObject();
            QCOMPARE(current.value(u"head"_s).toString(), u"h2"_s);
            QCOMPARE(current.value(u"version"_s).toInt(), 2);
        }
        QCOMPARE(ledger.head(s->actor(alice), ws)->head, u"h2"_s);
        QCOMPARE(s->count(u"audit_log"_s), audit);
    }

    void expectingAHeadThatDoesNotExistYetIsAConflict()
    {
        LedgerService ledger(s->ctx);
        auto r = ledger.advance(s->actor(alice), ws, u"h0"_s, u"h1"_s);
        QCOMPARE(r.error().code, ErrorCode::Conflict);
        const QJsonObject current = r.error().extra.value(u"current"_s).toObject();
        QCOMPARE(current.value(u"head"_s).type(), QJsonValue::Null);
        QCOMPARE(current.value(u"version"_s).toInt(), 0);
        QCOMPARE(s->count(u"ledger_heads"_s), 0);
    }

    void validation_data()
    {
        QTest::addColumn<QString>("workspace");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("head");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        QTest::newRow("no head") << QString() << QString() << QString() << u"head"_s
                                 << u"required"_s;
        QTest::newRow("long head") << QString() << QString() << QString(201, QLatin1Char('h'))
                                   << u"head"_s << u"too_long"_s;
        QTest::newRow("space in head")
            << QString() << QString() << u"a b"_s << u"head"_s << u"invalid"_s;
        QTest::newRow("control in expected")
            << QString() << u"a\u0001"_s << u"h"_s << u"expected_head"_s << u"invalid"_s;
        QTest::newRow("bad workspace")
            << u"nope"_s << QString() << u"h"_s << u"workspace_id"_s << u"invalid"_s;
    }
    void validation()
    {
        QFETCH(QString, workspace);
        QFETCH(QString, expected);
        QFETCH(QString, head);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        LedgerService ledger(s->ctx);
        auto r =
            ledger.advance(s->actor(alice), workspace.isEmpty() ? ws : workspace, expected, head);
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QCOMPARE(r.error().details.value(0).field, field);
        QCOMPARE(r.error().details.value(0).issue, issue);
        QCOMPARE(s->count(u"ledger_heads"_s), 0);
    }

    void otherWorkspacesAreNotFoundAndViewersCannotAdvance()
    {
        LedgerService ledger(s->ctx);
        QVERIFY(ledger.advance(s->actor(alice), ws, {}, u"h1"_s).ok());
        QCOMPARE(ledger.head(s->actor(bob), ws).error().code, ErrorCode::NotFound);
        QCOMPARE(ledger.advance(s->actor(bob), ws, u"h1"_s, u"x"_s).error().code,
                 ErrorCode::NotFound);
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = WorkspaceService(s->ctx).create(s->actor(alice), u"B"_s)->id;
        QCOMPARE(ledger.head(scoped, ws).error().code, ErrorCode::NotFound);
        QCOMPARE(ledger.advance(scoped, ws, u"h1"_s, u"x"_s).error().code, ErrorCode::NotFound);

        WorkspaceService wss(s->ctx);
        auto inv = wss.invite(s->actor(alice), ws, u"bob@example.com"_s, u"viewer"_s);
        QVERIFY(wss.acceptInvitation(s->actor(bob), inv->token).ok());
        QCOMPARE(ledger.head(s->actor(bob), ws)->head, u"h1"_s);
        QCOMPARE(ledger.advance(s->actor(bob), ws, u"h1"_s, u"x"_s).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(ledger.head(s->actor(alice), ws)->version, 1);
    }

    void restrictedUserCannotAdvance()
    {
        Query q(s->db->connection(), u"UPDATE users SET restricted = 1 WHERE id = :u"_s);
        q.bind(u":u"_s, alice);
        QVERIFY(q.exec());
        LedgerService ledger(s->ctx);
        QCOMPARE(ledger.advance(s->actor(alice), ws, {}, u"h1"_s).error().code,
                 ErrorCode::Forbidden);
        QVERIFY(ledger.head(s->actor(alice), ws).ok());
    }

    // Threads with their own connections race from the same head, round after
    // round: exactly one wins each round and no advance is lost.
    void racingAdvancesHaveOneWinnerPerRound()
    {
        constexpr int kThreads = 5;
        constexpr int kRounds = 6;
        LedgerService ledger(s->ctx);
        QString expected;
        int wins = 0;
        for (int round = 0; round < kRounds; ++round) {
            std::latch start(kThreads);
            std::atomic<int> won{0}, conflicts{0}, other{0};
            QString winners[kThreads];
            std::vector<std::thread> threads;
            for (int t = 0; t < kThreads; ++t) {
                threads.emplace_back([&, t] {
                    LedgerService mine(s->ctx);
                    const QString next = u"r%1-t%2"_s.arg(round).arg(t);
                    start.arrive_and_wait();
                    auto r = mine.advance(s->actor(alice), ws, expected, next);
                    if (r.ok()) {
                        ++won;
                        winners[t] = r->head;
                    } else if (r.error().code == ErrorCode::Conflict &&
                               r.error()
                                       .extra.value(u"current"_s)
                                       .toObject()
                                       .value(u"version"_s)
                                       .toInt() == round + 1) {
                        ++conflicts;
                    } else {
                        ++other;
                    }
                });
            }
            for (auto &th : threads)
                th.join();
            QCOMPARE(other.load(), 0);
            QCOMPARE(won.load(), 1);
            QCOMPARE(conflicts.load(), kThreads - 1);
            wins += won.load();
            auto h = ledger.head(s->actor(alice), ws);
            QVERIFY(h.ok());
            QStringList winner;
            for (const auto &w : winners) {
                if (!w.isEmpty())
                    winner << w;
            }
            QCOMPARE(winner, QStringList{h->head});
            expected = h->head;
        }
        QCOMPARE(ledger.head(s->actor(alice), ws)->version, wins);
        QCOMPARE(s->auditCount(u"ledger.advance"_s), wins);
    }
};

QTEST_GUILESS_MAIN(TestLedger)
#include "tst_ledger.moc"
