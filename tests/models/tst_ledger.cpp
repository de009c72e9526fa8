// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "runs/LedgerService.h"
#include "workspaces/WorkspaceService.h"

#include <atomic>
#include <latch>
#include <thread>

using namespace wfx;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
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
        alice = s->createUser(S("alice@example.com"));
        bob = s->createUser(S("bob@example.com"));
        ws = WorkspaceService(s->ctx).create(s->actor(alice), S("A"))->id;
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
        QCOMPARE(j.value(S("workspace_id")).toString(), ws);
        QCOMPARE(j.value(S("head")).type(), QJsonValue::Null);
        QCOMPARE(j.value(S("version")).toInt(), 0);
        QCOMPARE(j.value(S("updated_at")).type(), QJsonValue::Null);
    }

    void advanceMovesTheHeadAndAudits()
    {
        LedgerService ledger(s->ctx);
        auto first = ledger.advance(s->actor(alice), ws, {}, S("h1"));
        QVERIFY(first.ok());
        QCOMPARE(first->head, S("h1"));
        QCOMPARE(first->version, 1);
        QCOMPARE(first->updatedAt, s->clock.nowMs());
        s->clock.advanceMs(10);
        auto second = ledger.advance(s->actor(alice), ws, S("h1"), S("h2"));
        QVERIFY(second.ok());
        QCOMPARE(second->version, 2);
        auto h = ledger.head(s->actor(alice), ws);
        QCOMPARE(h->head, S("h2"));
        QCOMPARE(h->version, 2);
        QCOMPARE(h->toJson().value(S("updated_at")).toString(), ids::formatTime(s->clock.nowMs()));
        QCOMPARE(s->auditCount(S("ledger.advance")), 2);
    }

    void staleExpectedHeadIsAConflictCarryingTheCurrentHead()
    {
        LedgerService ledger(s->ctx);
        QVERIFY(ledger.advance(s->actor(alice), ws, {}, S("h1")).ok());
        QVERIFY(ledger.advance(s->actor(alice), ws, S("h1"), S("h2")).ok());
        const qint64 audit = s->count(S("audit_log"));
        for (const QString &expected : {QString(), S("h1"), S("nope")}) {
            auto r = ledger.advance(s->actor(alice), ws, expected, S("h3"));
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::Conflict);
            const QJsonObject current = r.error().extra.value(S("current")).toObject();
            QCOMPARE(current.value(S("head")).toString(), S("h2"));
            QCOMPARE(current.value(S("version")).toInt(), 2);
        }
        QCOMPARE(ledger.head(s->actor(alice), ws)->head, S("h2"));
        QCOMPARE(s->count(S("audit_log")), audit);
    }

    void expectingAHeadThatDoesNotExistYetIsAConflict()
    {
        LedgerService ledger(s->ctx);
        auto r = ledger.advance(s->actor(alice), ws, S("h0"), S("h1"));
        QCOMPARE(r.error().code, ErrorCode::Conflict);
        const QJsonObject current = r.error().extra.value(S("current")).toObject();
        QCOMPARE(current.value(S("head")).type(), QJsonValue::Null);
        QCOMPARE(current.value(S("version")).toInt(), 0);
        QCOMPARE(s->count(S("ledger_heads")), 0);
    }

    void validation_data()
    {
        QTest::addColumn<QString>("workspace");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("head");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        QTest::newRow("no head") << QString() << QString() << QString() << S("head")
                                 << S("required");
        QTest::newRow("long head") << QString() << QString() << QString(201, QLatin1Char('h'))
                                   << S("head") << S("too_long");
        QTest::newRow("space in head")
            << QString() << QString() << S("a b") << S("head") << S("invalid");
        QTest::newRow("control in expected")
            << QString() << S("a\u0001") << S("h") << S("expected_head") << S("invalid");
        QTest::newRow("bad workspace")
            << S("nope") << QString() << S("h") << S("workspace_id") << S("invalid");
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
        QCOMPARE(s->count(S("ledger_heads")), 0);
    }

    void otherWorkspacesAreNotFoundAndViewersCannotAdvance()
    {
        LedgerService ledger(s->ctx);
        QVERIFY(ledger.advance(s->actor(alice), ws, {}, S("h1")).ok());
        QCOMPARE(ledger.head(s->actor(bob), ws).error().code, ErrorCode::NotFound);
        QCOMPARE(ledger.advance(s->actor(bob), ws, S("h1"), S("x")).error().code,
                 ErrorCode::NotFound);
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = WorkspaceService(s->ctx).create(s->actor(alice), S("B"))->id;
        QCOMPARE(ledger.head(scoped, ws).error().code, ErrorCode::NotFound);
        QCOMPARE(ledger.advance(scoped, ws, S("h1"), S("x")).error().code, ErrorCode::NotFound);

        WorkspaceService wss(s->ctx);
        auto inv = wss.invite(s->actor(alice), ws, S("bob@example.com"), S("viewer"));
        QVERIFY(wss.acceptInvitation(s->actor(bob), inv->token).ok());
        QCOMPARE(ledger.head(s->actor(bob), ws)->head, S("h1"));
        QCOMPARE(ledger.advance(s->actor(bob), ws, S("h1"), S("x")).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(ledger.head(s->actor(alice), ws)->version, 1);
    }

    void restrictedUserCannotAdvance()
    {
        Query q(s->db->connection(), S("UPDATE users SET restricted = 1 WHERE id = :u"));
        q.bind(S(":u"), alice);
        QVERIFY(q.exec());
        LedgerService ledger(s->ctx);
        QCOMPARE(ledger.advance(s->actor(alice), ws, {}, S("h1")).error().code,
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
                    const QString next = S("r%1-t%2").arg(round).arg(t);
                    start.arrive_and_wait();
                    auto r = mine.advance(s->actor(alice), ws, expected, next);
                    if (r.ok()) {
                        ++won;
                        winners[t] = r->head;
                    } else if (r.error().code == ErrorCode::Conflict &&
                               r.error()
                                       .extra.value(S("current"))
                                       .toObject()
                                       .value(S("version"))
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
        QCOMPARE(s->auditCount(S("ledger.advance")), wins);
    }
};

QTEST_GUILESS_MAIN(TestLedger)
#include "tst_ledger.moc"
