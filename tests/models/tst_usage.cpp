// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/usage/UsageService.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonDocument>

#include <atomic>
#include <thread>
#include <vector>

using namespace wfx;

class TestUsage : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, wsId;

    qint64 cap(const QString &metric)
    {
        return WorkspaceService::planLimits(s->db->connection(), QStringLiteral("free"))
            .value(metric);
    }
    void addMember(const QString &user, const QString &role)
    {
        Query q(s->db->connection(),
                QStringLiteral("INSERT INTO memberships (workspace_id, user_id, role, created_at) "
                               "VALUES (:w, :u, :r, 0)"));
        q.bind(QStringLiteral(":w"), wsId)
            .bind(QStringLiteral(":u"), user)
            .bind(QStringLiteral(":r"), role);
        QVERIFY(q.exec());
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(QStringLiteral("alice@example.com"));
        bob = s->createUser(QStringLiteral("bob@example.com"));
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("Lab"));
        QVERIFY(w.ok());
        wsId = w->id;
    }
    void cleanup() { s.reset(); }

    void reserveCreatesAndAudits()
    {
        UsageService us(s->ctx);
        auto r = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 3, QStringLiteral("k1"));
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
        QVERIFY(r->created);
        QCOMPARE(r->reservation.state, QStringLiteral("reserved"));
        QCOMPARE(r->reservation.amount, 3);
        QCOMPARE(r->reservation.expiresAt, s->clock.nowMs() + UsageService::kDefaultTtlMs);
        QCOMPARE(s->auditCount(QStringLiteral("usage.reserve")), 1);
        const QJsonObject j = r->reservation.toJson();
        for (const char *k : {"id", "workspace_id", "metric", "amount", "idempotency_key", "state",
                              "created_at", "expires_at"})
            QVERIFY2(j.contains(QLatin1String(k)), k);
    }

    void sameKeyReturnsSameReservationWithoutAudit()
    {
        UsageService us(s->ctx);
        auto a = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 3, QStringLiteral("k1"));
        auto b = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 3, QStringLiteral("k1"));
        QVERIFY(a.ok() && b.ok());
        QVERIFY(!b->created);
        QCOMPARE(b->reservation.id, a->reservation.id);
        QCOMPARE(s->count(QStringLiteral("usage_reservations")), 1);
        QCOMPARE(s->auditCount(QStringLiteral("usage.reserve")), 1);
    }

    void sameKeyWithOtherAmountIsConflict()
    {
        UsageService us(s->ctx);
        QVERIFY(us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 3, QStringLiteral("k1"))
                    .ok());
        QCOMPARE(us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 4, QStringLiteral("k1"))
                     .error()
                     .code,
                 ErrorCode::Conflict);
    }

    void reachingTheCapIsAllowedPassingItIsNot()
    {
        UsageService us(s->ctx);
        const qint64 c = cap(QStringLiteral("runs"));
        QVERIFY(
            us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), c - 1, QStringLiteral("a"))
                .ok());
        auto over =
            us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 2, QStringLiteral("b"));
        QVERIFY(!over.ok());
        QCOMPARE(over.error().code, ErrorCode::QuotaExceeded);
        QCOMPARE(errorHttpStatus(over.error().code), 402);
        QVERIFY(
            us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1, QStringLiteral("c")).ok());
        QCOMPARE(us.usage(s->actor(alice), wsId)->metrics[0].reserved, c);
        QCOMPARE(s->auditCount(QStringLiteral("usage.reserve")), 2);
    }

    void committedCountsRevertedDoesNot()
    {
        UsageService us(s->ctx);
        const qint64 c = cap(QStringLiteral("compute_seconds"));
        auto a = us.reserve(s->actor(alice), wsId, QStringLiteral("compute_seconds"), c,
                            QStringLiteral("a"));
        QVERIFY(us.commit(s->actor(alice), a->reservation.id).ok());
        QCOMPARE(us.reserve(s->actor(alice), wsId, QStringLiteral("compute_seconds"), 1,
                            QStringLiteral("b"))
                     .error()
                     .code,
                 ErrorCode::QuotaExceeded);
        // Other metrics have their own caps.
        QVERIFY(
            us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1, QStringLiteral("r")).ok());
        auto u = us.usage(s->actor(alice), wsId);
        QVERIFY(u.ok());
        QCOMPARE(u->metrics[2].metric, QStringLiteral("compute_seconds"));
        QCOMPARE(u->metrics[2].committed, c);
        QCOMPARE(u->metrics[2].reserved, 0);

        UsageService us2(s->ctx);
        auto big = us2.reserve(s->actor(alice), wsId, QStringLiteral("artifact_bytes"),
                               cap(QStringLiteral("artifact_bytes")), QStringLiteral("x"));
        QVERIFY(us2.revert(s->actor(alice), big->reservation.id).ok());
        QVERIFY(us2.reserve(s->actor(alice), wsId, QStringLiteral("artifact_bytes"), 5,
                            QStringLiteral("y"))
                    .ok());
    }

    void expiredReservationsStopCounting()
    {
        UsageService us(s->ctx, 60'000);
        const qint64 c = cap(QStringLiteral("runs"));
        auto a = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), c, QStringLiteral("a"));
        QCOMPARE(a->reservation.expiresAt, s->clock.nowMs() + 60'000);
        QCOMPARE(us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1, QStringLiteral("b"))
                     .error()
                     .code,
                 ErrorCode::QuotaExceeded);
        s->clock.advanceMs(60'000);
        QCOMPARE(us.get(s->actor(alice), a->reservation.id)->state, QStringLiteral("expired"));
        QVERIFY(
            us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1, QStringLiteral("b")).ok());
        // An expired reservation can no longer be settled.
        QCOMPARE(us.commit(s->actor(alice), a->reservation.id).error().code, ErrorCode::Conflict);
        QCOMPARE(us.openReservations(s->actor(alice), wsId, 50, {})->items.size(), 1);
    }

    void expireStaleMarksAndAuditsAsSystem()
    {
        UsageService us(s->ctx, 1000);
        auto a = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1, QStringLiteral("a"));
        auto b = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1, QStringLiteral("b"));
        QVERIFY(us.commit(s->actor(alice), b->reservation.id).ok());
        QCOMPARE(*us.expireStale(), 0);
        s->clock.advanceMs(1000);
        QCOMPARE(*us.expireStale(), 1);
        QCOMPARE(*us.expireStale(), 0);
        Query q(s->db->connection(),
                QStringLiteral("SELECT state FROM usage_reservations WHERE id = :id"));
        q.bind(QStringLiteral(":id"), a->reservation.id);
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.str(0), QStringLiteral("expired"));
        Query au(s->db->connection(),
                 QStringLiteral(
                     "SELECT actor_id, workspace_id FROM audit_log WHERE action = 'usage.expire'"));
        QVERIFY(au.exec() && au.next());
        QVERIFY(au.isNull(0));
        QCOMPARE(au.str(1), wsId);
        QVERIFY(!au.next());
    }

    void commitRevertTransitions()
    {
        UsageService us(s->ctx);
        auto a = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 2, QStringLiteral("a"));
        auto c1 = us.commit(s->actor(alice), a->reservation.id);
        QVERIFY(c1.ok());
        QCOMPARE(c1->state, QStringLiteral("committed"));
        auto c2 = us.commit(s->actor(alice), a->reservation.id);
        QVERIFY(c2.ok());
        QCOMPARE(c2->id, a->reservation.id);
        QCOMPARE(c2->state, QStringLiteral("committed"));
        QCOMPARE(us.revert(s->actor(alice), a->reservation.id).error().code, ErrorCode::Conflict);
        QCOMPARE(s->auditCount(QStringLiteral("usage.commit")), 1);
        QCOMPARE(s->auditCount(QStringLiteral("usage.revert")), 0);

        auto b = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 2, QStringLiteral("b"));
        QCOMPARE(us.revert(s->actor(alice), b->reservation.id)->state, QStringLiteral("reverted"));
        QCOMPARE(us.revert(s->actor(alice), b->reservation.id)->state, QStringLiteral("reverted"));
        QCOMPARE(us.commit(s->actor(alice), b->reservation.id).error().code, ErrorCode::Conflict);
        QCOMPARE(s->auditCount(QStringLiteral("usage.revert")), 1);
    }

    void unknownOrForeignReservationIsNotFound()
    {
        UsageService us(s->ctx);
        auto a = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 2, QStringLiteral("a"));
        QCOMPARE(us.commit(s->actor(alice), ids::newUuid()).error().code, ErrorCode::NotFound);
        QCOMPARE(us.commit(s->actor(bob), a->reservation.id).error().code, ErrorCode::NotFound);
        QCOMPARE(us.revert(s->actor(bob), a->reservation.id).error().code, ErrorCode::NotFound);
        QCOMPARE(us.reserve(s->actor(bob), wsId, QStringLiteral("runs"), 1, QStringLiteral("z"))
                     .error()
                     .code,
                 ErrorCode::NotFound);
        QCOMPARE(us.usage(s->actor(bob), wsId).error().code, ErrorCode::NotFound);
        QCOMPARE(us.get(s->actor(alice), a->reservation.id)->state, QStringLiteral("reserved"));
    }

    void viewerCannotReserveMemberCan()
    {
        UsageService us(s->ctx);
        addMember(bob, QStringLiteral("viewer"));
        QCOMPARE(us.reserve(s->actor(bob), wsId, QStringLiteral("runs"), 1, QStringLiteral("v"))
                     .error()
                     .code,
                 ErrorCode::Forbidden);
        QVERIFY(us.usage(s->actor(bob), wsId).ok());
        Query q(s->db->connection(),
                QStringLiteral("UPDATE memberships SET role = 'member' WHERE user_id = :u"));
        q.bind(QStringLiteral(":u"), bob);
        QVERIFY(q.exec());
        QVERIFY(
            us.reserve(s->actor(bob), wsId, QStringLiteral("runs"), 1, QStringLiteral("v")).ok());
    }

    void restrictedUserCannotReserve()
    {
        UsageService us(s->ctx);
        Query q(s->db->connection(),
                QStringLiteral("UPDATE users SET restricted = 1 WHERE id = :u"));
        q.bind(QStringLiteral(":u"), alice);
        QVERIFY(q.exec());
        QCOMPARE(us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1, QStringLiteral("v"))
                     .error()
                     .code,
                 ErrorCode::Forbidden);
    }

    void validation_data()
    {
        QTest::addColumn<QString>("workspace");
        QTest::addColumn<QString>("metric");
        QTest::addColumn<qint64>("amount");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        QTest::newRow("ws") << QStringLiteral("nope") << QStringLiteral("runs") << qint64(1)
                            << QStringLiteral("k") << QStringLiteral("workspace_id")
                            << QStringLiteral("invalid");
        QTest::newRow("metric") << QString() << QStringLiteral("gpus") << qint64(1)
                                << QStringLiteral("k") << QStringLiteral("metric")
                                << QStringLiteral("invalid");
        QTest::newRow("zero") << QString() << QStringLiteral("runs") << qint64(0)
                              << QStringLiteral("k") << QStringLiteral("amount")
                              << QStringLiteral("out_of_range");
        QTest::newRow("negative") << QString() << QStringLiteral("runs") << qint64(-5)
                                  << QStringLiteral("k") << QStringLiteral("amount")
                                  << QStringLiteral("out_of_range");
        QTest::newRow("huge") << QString() << QStringLiteral("runs")
                              << (UsageService::kMaxAmount + 1) << QStringLiteral("k")
                              << QStringLiteral("amount") << QStringLiteral("out_of_range");
        QTest::newRow("nokey") << QString() << QStringLiteral("runs") << qint64(1) << QString()
                               << QStringLiteral("idempotency_key") << QStringLiteral("required");
        QTest::newRow("longkey") << QString() << QStringLiteral("runs") << qint64(1)
                                 << QString(201, QLatin1Char('k'))
                                 << QStringLiteral("idempotency_key") << QStringLiteral("too_long");
    }
    void validation()
    {
        QFETCH(QString, workspace);
        QFETCH(QString, metric);
        QFETCH(qint64, amount);
        QFETCH(QString, key);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        UsageService us(s->ctx);
        auto r = us.reserve(s->actor(alice), workspace.isEmpty() ? wsId : workspace, metric, amount,
                            key);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QCOMPARE(r.error().details.value(0).field, field);
        QCOMPARE(r.error().details.value(0).issue, issue);
        QCOMPARE(s->count(QStringLiteral("usage_reservations")), 0);
    }

    void keyOf200CharactersIsAccepted()
    {
        UsageService us(s->ctx);
        QVERIFY(us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1,
                           QString(200, QLatin1Char('k')))
                    .ok());
    }

    void openReservationsPages()
    {
        UsageService us(s->ctx);
        for (int i = 0; i < 5; ++i) {
            QVERIFY(us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1,
                               QStringLiteral("k%1").arg(i))
                        .ok());
            s->clock.advanceMs(1);
        }
        auto first = us.openReservations(s->actor(alice), wsId, 2, {});
        QVERIFY(first.ok());
        QCOMPARE(first->items.size(), 2);
        QCOMPARE(first->items[0].idempotencyKey, QStringLiteral("k4"));
        QSet<QString> seen;
        QString cur = first->nextCursor;
        for (const auto &r : first->items)
            seen.insert(r.id);
        while (!cur.isEmpty()) {
            auto p = us.openReservations(s->actor(alice), wsId, 2, cur);
            QVERIFY(p.ok());
            for (const auto &r : p->items)
                seen.insert(r.id);
            cur = p->nextCursor;
        }
        QCOMPARE(seen.size(), 5);
        QCOMPARE(
            us.openReservations(s->actor(alice), wsId, 2, QStringLiteral("bogus")).error().code,
            ErrorCode::Validation);
    }

    // N threads, each with its own connection, reserve against one cap at once:
    // exactly floor(cap / amount) succeed and the total never passes the cap.
    void concurrentReservationsNeverPassTheCap()
    {
        const qint64 c = cap(QStringLiteral("runs"));
        const qint64 amount = 7;
        const int threads = 8, perThread = 25;
        QVERIFY(threads * perThread * amount > c);
        std::atomic<int> ok{0}, quota{0}, other{0};
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                UsageService us(s->ctx);
                for (int i = 0; i < perThread; ++i) {
                    auto r = us.reserve(s->actor(alice), wsId, QStringLiteral("runs"), amount,
                                        QStringLiteral("t%1-%2").arg(t).arg(i));
                    if (r.ok())
                        ++ok;
                    else if (r.error().code == ErrorCode::QuotaExceeded)
                        ++quota;
                    else
                        ++other;
                }
            });
        }
        for (auto &th : pool)
            th.join();
        QCOMPARE(other.load(), 0);
        QCOMPARE(qint64(ok.load()), c / amount);
        QCOMPARE(ok.load() + quota.load(), threads * perThread);
        UsageService us(s->ctx);
        const auto u = us.usage(s->actor(alice), wsId);
        QVERIFY(u->metrics[0].reserved <= c);
        QCOMPARE(u->metrics[0].reserved, (c / amount) * amount);
        QCOMPARE(s->auditCount(QStringLiteral("usage.reserve")), c / amount);
    }

    void concurrentCommitAndRevertResolveOnce()
    {
        UsageService setup(s->ctx);
        QList<QString> ids;
        for (int i = 0; i < 20; ++i)
            ids.append(setup
                           .reserve(s->actor(alice), wsId, QStringLiteral("runs"), 1,
                                    QStringLiteral("k%1").arg(i))
                           ->reservation.id);
        std::atomic<int> other{0};
        auto worker = [&](bool commit) {
            UsageService us(s->ctx);
            for (const QString &id : std::as_const(ids)) {
                auto r = commit ? us.commit(s->actor(alice), id) : us.revert(s->actor(alice), id);
                if (!r.ok() && r.error().code != ErrorCode::Conflict)
                    ++other;
            }
        };
        std::thread a(worker, true), b(worker, false);
        a.join();
        b.join();
        QCOMPARE(other.load(), 0);
        QCOMPARE(s->auditCount(QStringLiteral("usage.commit")) +
                     s->auditCount(QStringLiteral("usage.revert")),
                 20);
    }

    // A reservation's JSON, byte for byte (it comes from a field table).
    void reservationJsonBytes()
    {
        const qint64 at = 1'800'000'000'123LL;
        const Reservation r{QStringLiteral("6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"),
                            QStringLiteral("8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"),
                            QStringLiteral("compute_seconds"),
                            9007199254740991LL,
                            QStringLiteral("key \"1\""),
                            QStringLiteral("reserved"),
                            at,
                            at + 60'000};
        QCOMPARE(QString::fromUtf8(QJsonDocument(r.toJson()).toJson(QJsonDocument::Compact)),
                 QStringLiteral("{\"amount\":9007199254740991,\"created_at\":\"%1\","
                                "\"expires_at\":\"%2\",\"id\":\"6f1c2b3a-1d2e-4f50-8a9b-"
                                "0c1d2e3f4a5b\",\"idempotency_key\":\"key \\\"1\\\"\","
                                "\"metric\":\"compute_seconds\",\"state\":\"reserved\","
                                "\"workspace_id\":\"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\"}")
                     .arg(ids::formatTime(at), ids::formatTime(at + 60'000)));
    }
};

QTEST_GUILESS_MAIN(TestUsage)
#include "tst_usage.moc"
