// SPDX-License-Identifier: Apache-2.0
// Usage reservations and the audit log over HTTP against the real server.
#include "TestHttp.h"

#include "core/Ids.h"
#include "core/Services.h"

#include <QTest>

using namespace wfx;
using namespace wfxtest;

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
QString newKey() { return S("idem-") + ids::newUuid(); }

QJsonObject reserveBody(const QString &ws, const QString &metric = S("runs"), qint64 amount = 1, const QString &key = newKey())
{
    return {{S("workspace_id"), ws}, {S("metric"), metric}, {S("amount"), double(amount)}, {S("idempotency_key"), key}};
}
} // namespace

class TestUsageRoutes : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestServer> srv;
    TestUser A, B;

    QJsonObject reserve(TestUser &u, const QString &ws, const QString &metric = S("runs"), qint64 amount = 1)
    {
        const HttpResult r = u.api->post(S("/api/usage/reserve"), reserveBody(ws, metric, amount));
        if (r.status != 201)
            qWarning() << r.status << r.body;
        return r.object("reservation");
    }

    // B joins A's workspace with `role` (invited over HTTP, accepted through the model).
    void join(const QString &ws, const QString &role)
    {
        const HttpResult inv = A.api->post(S("/api/workspaces/") + ws + S("/invitations"),
                                           QJsonObject{{S("email"), B.email}, {S("role"), role}});
        QCOMPARE(inv.status, 201);
        QVERIFY(srv->server->services().workspaces.acceptInvitation(Actor::user(B.id), inv.json().value(S("token")).toString()));
    }

    QJsonArray audit(TestUser &u, const QString &query)
    {
        const HttpResult r = u.api->get(S("/api/audit/logs?") + query);
        if (r.status != 200)
            qWarning() << r.status << r.body;
        return r.items();
    }

private slots:
    void initTestCase()
    {
        useFastPasswordHashing();
        srv = std::make_unique<TestServer>();
        A = signup(srv->port, S("usage-a"));
        B = signup(srv->port, S("usage-b"));
        QVERIFY(!A.secret.isEmpty() && !B.secret.isEmpty());
    }
    void cleanupTestCase()
    {
        A = {};
        B = {};
        srv.reset();
    }

    // ---------------------------------------------------------------- usage

    void reserveAnswers201ThenTheSameKey200WithTheSameReservation()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const QJsonObject body = reserveBody(ws, S("compute_seconds"), 30);
        const HttpResult first = A.api->post(S("/api/usage/reserve"), body);
        QCOMPARE(first.status, 201);
        const QJsonObject res = first.object("reservation");
        QVERIFY(ids::isUuid(res.value(S("id")).toString()));
        QCOMPARE(res.value(S("state")).toString(), S("reserved"));
        QCOMPARE(res.value(S("metric")).toString(), S("compute_seconds"));
        QCOMPARE(res.value(S("amount")).toInteger(), 30);
        QVERIFY(*ids::parseTime(res.value(S("expires_at")).toString()) > srv->store.clock.nowMs());
        const HttpResult again = A.api->post(S("/api/usage/reserve"), body);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.object("reservation").value(S("id")).toString(), res.value(S("id")).toString());
    }

    void commitTwiceIs200ThenRevertIs409()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const QString id = reserve(A, ws).value(S("id")).toString();
        for (int i = 0; i < 2; ++i) {
            const HttpResult c = A.api->post(S("/api/usage/commit"), QJsonObject{{S("reservation_id"), id}});
            QCOMPARE(c.status, 200);
            QCOMPARE(c.object("reservation").value(S("state")).toString(), S("committed"));
        }
        const HttpResult r = A.api->post(S("/api/usage/revert"), QJsonObject{{S("reservation_id"), id}});
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), S("conflict"));
    }

    void revertTwiceIs200ThenCommitIs409()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const QString id = reserve(A, ws).value(S("id")).toString();
        for (int i = 0; i < 2; ++i) {
            const HttpResult r = A.api->post(S("/api/usage/revert"), QJsonObject{{S("reservation_id"), id}});
            QCOMPARE(r.status, 200);
            QCOMPARE(r.object("reservation").value(S("state")).toString(), S("reverted"));
        }
        QCOMPARE(A.api->post(S("/api/usage/commit"), QJsonObject{{S("reservation_id"), id}}).status, 409);
    }

    void reservationsMayReachTheCapButNotPassIt()
    {
        const QJsonObject ws = createWorkspace(*A.api);
        const qint64 cap = ws.value(S("limits")).toObject().value(S("runs")).toInteger();
        QVERIFY(cap >= 2);
        const QString committed = reserve(A, ws.value(S("id")).toString(), S("runs"), cap / 2).value(S("id")).toString();
        QCOMPARE(A.api->post(S("/api/usage/commit"), QJsonObject{{S("reservation_id"), committed}}).status, 200);
        const QString held = reserve(A, ws.value(S("id")).toString(), S("runs"), cap - cap / 2).value(S("id")).toString();
        QVERIFY(!held.isEmpty());
        const HttpResult over = A.api->post(S("/api/usage/reserve"), reserveBody(ws.value(S("id")).toString()));
        QCOMPARE(over.status, 402);
        QCOMPARE(over.code(), S("quota_exceeded"));
        QCOMPARE(A.api->post(S("/api/usage/revert"), QJsonObject{{S("reservation_id"), held}}).status, 200);
        QCOMPARE(A.api->post(S("/api/usage/reserve"), reserveBody(ws.value(S("id")).toString())).status, 201);
    }

    void overTheCapAtOnceIs402()
    {
        const QJsonObject ws = createWorkspace(*A.api);
        const qint64 cap = ws.value(S("limits")).toObject().value(S("artifact_bytes")).toInteger();
        const HttpResult r = A.api->post(S("/api/usage/reserve"),
                                         reserveBody(ws.value(S("id")).toString(), S("artifact_bytes"), cap + 1));
        QCOMPARE(r.status, 402);
        QCOMPARE(r.code(), S("quota_exceeded"));
    }

    void badReserveInputIs422NamingTheField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("workspace_id missing") << S("workspace_id") << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("workspace_id not an id") << S("workspace_id") << QJsonValue(S("ws-1"));
        QTest::newRow("workspace_id a number") << S("workspace_id") << QJsonValue(7);
        QTest::newRow("metric missing") << S("metric") << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("metric unknown") << S("metric") << QJsonValue(S("storage_bytes"));
        QTest::newRow("metric null") << S("metric") << QJsonValue(QJsonValue::Null);
        QTest::newRow("amount missing") << S("amount") << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("amount negative") << S("amount") << QJsonValue(-5);
        QTest::newRow("amount zero") << S("amount") << QJsonValue(0);
        QTest::newRow("amount fraction") << S("amount") << QJsonValue(1.5);
        QTest::newRow("amount huge") << S("amount") << QJsonValue(double(UsageService::kMaxAmount) * 4);
        QTest::newRow("amount a string") << S("amount") << QJsonValue(S("1"));
        QTest::newRow("idempotency_key missing") << S("idempotency_key") << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("idempotency_key empty") << S("idempotency_key") << QJsonValue(S(""));
        QTest::newRow("idempotency_key too long") << S("idempotency_key") << QJsonValue(QString(201, QLatin1Char('k')));
        QTest::newRow("idempotency_key a number") << S("idempotency_key") << QJsonValue(12);
    }
    void badReserveInputIs422NamingTheField()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        QJsonObject body = reserveBody(ws);
        if (value.isUndefined())
            body.remove(field);
        else
            body.insert(field, value);
        const HttpResult r = A.api->post(S("/api/usage/reserve"), body);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.code(), S("validation_error"));
        QVERIFY2(r.fields().contains(field), r.body.constData());
        QVERIFY(A.api->get(S("/api/audit/logs?action=usage.reserve&workspace_id=") + ws).items().isEmpty());
    }

    void badReservationIdIs422_data()
    {
        QTest::addColumn<QString>("action");
        QTest::addColumn<QJsonValue>("value");
        for (const char *action : {"commit", "revert"}) {
            QTest::newRow(qPrintable(S(action) + S(" missing"))) << S(action) << QJsonValue(QJsonValue::Undefined);
            QTest::newRow(qPrintable(S(action) + S(" not an id"))) << S(action) << QJsonValue(S("res-1"));
            QTest::newRow(qPrintable(S(action) + S(" a number"))) << S(action) << QJsonValue(3);
        }
    }
    void badReservationIdIs422()
    {
        QFETCH(QString, action);
        QFETCH(QJsonValue, value);
        QJsonObject body;
        if (!value.isUndefined())
            body.insert(S("reservation_id"), value);
        const HttpResult r = A.api->post(S("/api/usage/") + action, body);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{S("reservation_id")});
    }

    void unknownWorkspaceOrReservationIs404()
    {
        QCOMPARE(A.api->post(S("/api/usage/reserve"), reserveBody(ids::newUuid())).code(), S("not_found"));
        for (const char *action : {"commit", "revert"})
            QCOMPARE(A.api->post(S("/api/usage/") + S(action), QJsonObject{{S("reservation_id"), ids::newUuid()}}).status, 404);
    }

    void anotherWorkspacesReservationsAre404AndUnchanged()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const QString id = reserve(A, ws).value(S("id")).toString();
        QCOMPARE(B.api->post(S("/api/usage/reserve"), reserveBody(ws)).status, 404);
        const HttpResult c = B.api->post(S("/api/usage/commit"), QJsonObject{{S("reservation_id"), id}});
        QCOMPARE(c.status, 404);
        QCOMPARE(c.code(), S("not_found"));
        QCOMPARE(B.api->post(S("/api/usage/revert"), QJsonObject{{S("reservation_id"), id}}).status, 404);
        // Still reserved: A can commit it, and then reverting is a conflict.
        QCOMPARE(A.api->post(S("/api/usage/commit"), QJsonObject{{S("reservation_id"), id}}).status, 200);
        QCOMPARE(A.api->post(S("/api/usage/revert"), QJsonObject{{S("reservation_id"), id}}).status, 409);
    }

    void aViewerMayNotReserve()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        join(ws, S("viewer"));
        const HttpResult r = B.api->post(S("/api/usage/reserve"), reserveBody(ws));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), S("forbidden"));
    }

    void usageNeedsCredentials()
    {
        HttpClient anon(srv->port);
        QCOMPARE(anon.post(S("/api/usage/reserve"), reserveBody(ids::newUuid())).status, 401);
        HttpClient wrong(srv->port, S("wfx_") + QString(43, QLatin1Char('Z')));
        QCOMPARE(wrong.post(S("/api/usage/commit"), QJsonObject{{S("reservation_id"), ids::newUuid()}}).code(), S("login_required"));
    }

    // ---------------------------------------------------------------- audit

    void auditListsAWorkspacesEntriesNewestFirstWithTheContractFields()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        for (const char *name : {"one", "two"}) {
            srv->store.clock.advanceMs(1000);
            QCOMPARE(A.api->patch(S("/api/workspaces/") + ws, QJsonObject{{S("name"), S(name)}}).status, 200);
        }
        const QJsonArray items = audit(A, S("workspace_id=") + ws);
        QCOMPARE(items.size(), 3);
        QStringList actions;
        for (const auto &v : items) {
            const QJsonObject e = v.toObject();
            for (const char *f : {"id", "at", "action", "actor_id", "workspace_id", "target_type", "target_id", "ip",
                                  "prev_hash", "hash"})
                QVERIFY2(e.contains(S(f)), f);
            QVERIFY(ids::isUuid(e.value(S("id")).toString()));
            QCOMPARE(e.value(S("actor_id")).toString(), A.id);
            QCOMPARE(e.value(S("workspace_id")).toString(), ws);
            QCOMPARE(e.value(S("target_id")).toString(), ws);
            QVERIFY(e.value(S("ip")).toString().contains(S("127.0.0.1")));
            actions << e.value(S("action")).toString();
        }
        QCOMPARE(actions, (QStringList{S("workspace.update"), S("workspace.update"), S("workspace.create")}));
        QVERIFY(*ids::parseTime(items[0].toObject().value(S("at")).toString())
                > *ids::parseTime(items[2].toObject().value(S("at")).toString()));
        // One chain: each entry's prev_hash is the hash of the entry written before it.
        QCOMPARE(items[0].toObject().value(S("prev_hash")).toString(), items[1].toObject().value(S("hash")).toString());
    }

    void auditOfAWorkspaceTheCallerDoesNotAdministerIs404()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        HttpResult r = B.api->get(S("/api/audit/logs?workspace_id=") + ws);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), S("not_found"));
        QCOMPARE(A.api->get(S("/api/audit/logs?workspace_id=") + ids::newUuid()).status, 404);
        join(ws, S("member"));
        QCOMPARE(B.api->get(S("/api/audit/logs?workspace_id=") + ws).status, 404);
        // Promoted to admin, B sees the workspace's entries.
        QVERIFY(srv->server->services().workspaces.setMemberRole(Actor::user(A.id), ws, B.id, S("admin")));
        r = B.api->get(S("/api/audit/logs?workspace_id=") + ws);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.items().isEmpty());
    }

    void auditFiltersByActionActorTargetAndTime()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        srv->store.clock.advanceMs(60'000);
        const qint64 mid = srv->store.clock.nowMs();
        QCOMPARE(A.api->patch(S("/api/workspaces/") + ws, QJsonObject{{S("name"), S("later")}}).status, 200);
        const QString base = S("workspace_id=") + ws;
        QJsonArray items = audit(A, base + S("&action=workspace.create"));
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].toObject().value(S("action")).toString(), S("workspace.create"));
        QCOMPARE(audit(A, base + S("&actor_id=") + A.id).size(), 2);
        QCOMPARE(audit(A, base + S("&actor_id=") + B.id).size(), 0);
        QCOMPARE(audit(A, base + S("&target_type=workspace&target_id=") + ws).size(), 2);
        const QString at = QString::fromLatin1(QUrl::toPercentEncoding(ids::formatTime(mid)));
        items = audit(A, base + S("&from=") + at);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].toObject().value(S("action")).toString(), S("workspace.update"));
        items = audit(A, base + S("&to=") + at);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].toObject().value(S("action")).toString(), S("workspace.create"));
    }

    void badAuditQueryIs422_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("field");
        QTest::newRow("workspace_id") << S("workspace_id=nope") << S("workspace_id");
        QTest::newRow("actor_id") << S("actor_id=12") << S("actor_id");
        QTest::newRow("from") << S("from=yesterday") << S("from");
        QTest::newRow("to") << S("to=2026-13-45T00:00:00Z") << S("to");
        QTest::newRow("action too long") << S("action=") + QString(201, QLatin1Char('a')) << S("action");
        QTest::newRow("limit zero") << S("limit=0") << S("limit");
        QTest::newRow("limit 201") << S("limit=201") << S("limit");
        QTest::newRow("limit empty") << S("limit=") << S("limit");
        QTest::newRow("cursor") << S("cursor=not-issued") << S("cursor");
    }
    void badAuditQueryIs422()
    {
        QFETCH(QString, query);
        QFETCH(QString, field);
        const HttpResult r = A.api->get(S("/api/audit/logs?") + query);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{field});
    }

    void auditPagesWithAnOpaqueCursor()
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        QCOMPARE(A.api->patch(S("/api/workspaces/") + ws, QJsonObject{{S("name"), S("x")}}).status, 200);
        const HttpResult p1 = A.api->get(S("/api/audit/logs?limit=1&workspace_id=") + ws);
        QCOMPARE(p1.items().size(), 1);
        const QString cursor = p1.json().value(S("next_cursor")).toString();
        QVERIFY(!cursor.isEmpty());
        const HttpResult p2 = A.api->get(S("/api/audit/logs?limit=1&workspace_id=") + ws + S("&cursor=")
                                         + QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
        QCOMPARE(p2.status, 200);
        QCOMPARE(p2.items().size(), 1);
        QVERIFY(p2.items()[0].toObject().value(S("id")) != p1.items()[0].toObject().value(S("id")));
        QCOMPARE(p2.items()[0].toObject().value(S("action")).toString(), S("workspace.create"));
        QVERIFY(p2.json().value(S("next_cursor")).isNull());
    }

    void entriesWithoutAWorkspaceAreVisibleToTheirActorOnly()
    {
        const HttpResult k = A.api->post(S("/api/api-keys"), QJsonObject{{S("name"), S("unscoped")}});
        QCOMPARE(k.status, 201);
        const QString keyId = k.object("api_key").value(S("id")).toString();
        const QString q = S("action=api_key.create&target_id=") + keyId;
        const QJsonArray mine = audit(A, q);
        QCOMPARE(mine.size(), 1);
        QVERIFY(mine[0].toObject().value(S("workspace_id")).isNull());
        QCOMPARE(audit(B, q).size(), 0);
    }

    void auditNeedsCredentials()
    {
        HttpClient anon(srv->port);
        const HttpResult r = anon.get(S("/api/audit/logs"));
        QCOMPARE(r.status, 401);
        QCOMPARE(r.code(), S("login_required"));
    }
};

QTEST_MAIN(TestUsageRoutes)
#include "tst_usage_routes.moc"
