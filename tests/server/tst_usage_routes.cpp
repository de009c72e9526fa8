// SPDX-License-Identifier: Apache-2.0
// Usage reservations and the audit log over HTTP against the real server.
#include "TestHttp.h"

#include "models/core/Ids.h"
#include "server/core/Services.h"

#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfxtest;

namespace {
QString newKey()
{
    return u"idem-"_s + ids::newUuid();
}

QJsonObject reserveBody(const QString &ws, const QString &metric = u"runs"_s, qint64 amount = 1,
                        const QString &key = newKey())
{
    return {{u"workspace_id"_s, ws},
            {u"metric"_s, metric},
            {u"amount"_s, double(amount)},
            {u"idempotency_key"_s, key}};
}
} // namespace

class TestUsageRoutes : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestServer> srv;
    TestUser A, B;

    QJsonObject reserve(TestUser &u, const QString &ws, const QString &metric = u"runs"_s,
                        qint64 amount = 1)
    {
        const HttpResult r = u.api->post(u"/api/usage/reserve"_s, reserveBody(ws, metric, amount));
        if (r.status != 201)
            qWarning() << r.status << r.body;
        return r.object("reservation");
    }

    // B joins A's workspace with `role` (invited over HTTP, accepted through the model).
    void join(const QString &ws, const QString &role)
    {
        const HttpResult inv = A.api->post(u"/api/workspaces/"_s + ws + u"/invitations"_s,
                                           QJsonObject{{u"email"_s, B.email}, {u"role"_s, role}});
        QCOMPARE(inv.status, 201);
        QVERIFY(srv->server->services().workspaces.acceptInvitation(
            Actor::user(B.id), inv.json().value(u"token"_s).toString()));
    }

    QJsonArray audit(TestUser &u, const QString &query)
    {
        const HttpResult r = u.api->get(u"/api/audit/logs?"_s + query);
        if (r.status != 200)
            qWarning() << r.status << r.body;
        return r.items();
    }

private slots:
    void initTestCase()
    {
        useFastPasswordHashing();
        srv = std::make_unique<TestServer>();
        A = signup(srv->port, u"usage-a"_s);
        B = signup(srv->port, u"usage-b"_s);
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
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const QJsonObject body = reserveBody(ws, u"compute_seconds"_s, 30);
        const HttpResult first = A.api->post(u"/api/usage/reserve"_s, body);
        QCOMPARE(first.status, 201);
        const QJsonObject res = first.object("reservation");
        QVERIFY(ids::isUuid(res.value(u"id"_s).toString()));
        QCOMPARE(res.value(u"state"_s).toString(), u"reserved"_s);
        QCOMPARE(res.value(u"metric"_s).toString(), u"compute_seconds"_s);
        QCOMPARE(res.value(u"amount"_s).toInteger(), 30);
        QVERIFY(*ids::parseTime(res.value(u"expires_at"_s).toString()) > srv->store.clock.nowMs());
        const HttpResult again = A.api->post(u"/api/usage/reserve"_s, body);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.object("reservation").value(u"id"_s).toString(),
                 res.value(u"id"_s).toString());
    }

    void commitTwiceIs200ThenRevertIs409()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const QString id = reserve(A, ws).value(u"id"_s).toString();
        for (int i = 0; i < 2; ++i) {
            const HttpResult c =
                A.api->post(u"/api/usage/commit"_s, QJsonObject{{u"reservation_id"_s, id}});
            QCOMPARE(c.status, 200);
            QCOMPARE(c.object("reservation").value(u"state"_s).toString(), u"committed"_s);
        }
        const HttpResult r =
            A.api->post(u"/api/usage/revert"_s, QJsonObject{{u"reservation_id"_s, id}});
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), u"conflict"_s);
    }

    void revertTwiceIs200ThenCommitIs409()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const QString id = reserve(A, ws).value(u"id"_s).toString();
        for (int i = 0; i < 2; ++i) {
            const HttpResult r =
                A.api->post(u"/api/usage/revert"_s, QJsonObject{{u"reservation_id"_s, id}});
            QCOMPARE(r.status, 200);
            QCOMPARE(r.object("reservation").value(u"state"_s).toString(), u"reverted"_s);
        }
        QCOMPARE(A.api->post(u"/api/usage/commit"_s, QJsonObject{{u"reservation_id"_s, id}}).status,
                 409);
    }

    void reservationsMayReachTheCapButNotPassIt()
    {
        const QJsonObject ws = createWorkspace(*A.api);
        const qint64 cap = ws.value(u"limits"_s).toObject().value(u"runs"_s).toInteger();
        QVERIFY(cap >= 2);
        const QString committed =
            reserve(A, ws.value(u"id"_s).toString(), u"runs"_s, cap / 2).value(u"id"_s).toString();
        QCOMPARE(A.api->post(u"/api/usage/commit"_s, QJsonObject{{u"reservation_id"_s, committed}})
                     .status,
                 200);
        const QString held = reserve(A, ws.value(u"id"_s).toString(), u"runs"_s, cap - cap / 2)
                                 .value(u"id"_s)
                                 .toString();
        QVERIFY(!held.isEmpty());
        const HttpResult over =
            A.api->post(u"/api/usage/reserve"_s, reserveBody(ws.value(u"id"_s).toString()));
        QCOMPARE(over.status, 402);
        QCOMPARE(over.code(), u"quota_exceeded"_s);
        QCOMPARE(
            A.api->post(u"/api/usage/revert"_s, QJsonObject{{u"reservation_id"_s, held}}).status,
            200);
        QCOMPARE(
            A.api->post(u"/api/usage/reserve"_s, reserveBody(ws.value(u"id"_s).toString())).status,
            201);
    }

    void overTheCapAtOnceIs402()
    {
        const QJsonObject ws = createWorkspace(*A.api);
        const qint64 cap = ws.value(u"limits"_s).toObject().value(u"artifact_bytes"_s).toInteger();
        const HttpResult r =
            A.api->post(u"/api/usage/reserve"_s,
                        reserveBody(ws.value(u"id"_s).toString(), u"artifact_bytes"_s, cap + 1));
        QCOMPARE(r.status, 402);
        QCOMPARE(r.code(), u"quota_exceeded"_s);
    }

    void badReserveInputIs422NamingTheField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("workspace_id missing")
            << u"workspace_id"_s << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("workspace_id not an id") << u"workspace_id"_s << QJsonValue(u"ws-1"_s);
        QTest::newRow("workspace_id a number") << u"workspace_id"_s << QJsonValue(7);
        QTest::newRow("metric missing") << u"metric"_s << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("metric unknown") << u"metric"_s << QJsonValue(u"storage_bytes"_s);
        QTest::newRow("metric null") << u"metric"_s << QJsonValue(QJsonValue::Null);
        QTest::newRow("amount missing") << u"amount"_s << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("amount negative") << u"amount"_s << QJsonValue(-5);
        QTest::newRow("amount zero") << u"amount"_s << QJsonValue(0);
        QTest::newRow("amount fraction") << u"amount"_s << QJsonValue(1.5);
        QTest::newRow("amount huge")
            << u"amount"_s << QJsonValue(double(UsageService::kMaxAmount) * 4);
        QTest::newRow("amount a string") << u"amount"_s << QJsonValue(u"1"_s);
        QTest::newRow("idempotency_key missing")
            << u"idempotency_key"_s << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("idempotency_key empty") << u"idempotency_key"_s << QJsonValue(u""_s);
        QTest::newRow("idempotency_key too long")
            << u"idempotency_key"_s << QJsonValue(QString(201, QLatin1Char('k')));
        QTest::newRow("idempotency_key a number") << u"idempotency_key"_s << QJsonValue(12);
    }
    void badReserveInputIs422NamingTheField()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        QJsonObject body = reserveBody(ws);
        if (value.isUndefined())
            body.remove(field);
        else
            body.insert(field, value);
        const HttpResult r = A.api->post(u"/api/usage/reserve"_s, body);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.code(), u"validation_error"_s);
        QVERIFY2(r.fields().contains(field), r.body.constData());
        QVERIFY(A.api->get(u"/api/audit/logs?action=usage.reserve&workspace_id="_s + ws)
                    .items()
                    .isEmpty());
    }

    void badReservationIdIs422_data()
    {
        QTest::addColumn<QString>("action");
        QTest::addColumn<QJsonValue>("value");
        for (const char *action : {"commit", "revert"}) {
            QTest::newRow(qPrintable(QString::fromLatin1(action) + u" missing"_s))
                << QString::fromLatin1(action) << QJsonValue(QJsonValue::Undefined);
            QTest::newRow(qPrintable(QString::fromLatin1(action) + u" not an id"_s))
                << QString::fromLatin1(action) << QJsonValue(u"res-1"_s);
            QTest::newRow(qPrintable(QString::fromLatin1(action) + u" a number"_s))
                << QString::fromLatin1(action) << QJsonValue(3);
        }
    }
    void badReservationIdIs422()
    {
        QFETCH(QString, action);
        QFETCH(QJsonValue, value);
        QJsonObject body;
        if (!value.isUndefined())
            body.insert(u"reservation_id"_s, value);
        const HttpResult r = A.api->post(u"/api/usage/"_s + action, body);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{u"reservation_id"_s});
    }

    void unknownWorkspaceOrReservationIs404()
    {
        QCOMPARE(A.api->post(u"/api/usage/reserve"_s, reserveBody(ids::newUuid())).code(),
                 u"not_found"_s);
        for (const char *action : {"commit", "revert"})
            QCOMPARE(A.api
                         ->post(u"/api/usage/"_s + QString::fromLatin1(action),
                                QJsonObject{{u"reservation_id"_s, ids::newUuid()}})
                         .status,
                     404);
    }

    void anotherWorkspacesReservationsAre404AndUnchanged()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const QString id = reserve(A, ws).value(u"id"_s).toString();
        QCOMPARE(B.api->post(u"/api/usage/reserve"_s, reserveBody(ws)).status, 404);
        const HttpResult c =
            B.api->post(u"/api/usage/commit"_s, QJsonObject{{u"reservation_id"_s, id}});
        QCOMPARE(c.status, 404);
        QCOMPARE(c.code(), u"not_found"_s);
        QCOMPARE(B.api->post(u"/api/usage/revert"_s, QJsonObject{{u"reservation_id"_s, id}}).status,
                 404);
        // Still reserved: A can commit it, and then reverting is a conflict.
        QCOMPARE(A.api->post(u"/api/usage/commit"_s, QJsonObject{{u"reservation_id"_s, id}}).status,
                 200);
        QCOMPARE(A.api->post(u"/api/usage/revert"_s, QJsonObject{{u"reservation_id"_s, id}}).status,
                 409);
    }

    void aViewerMayNotReserve()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        join(ws, u"viewer"_s);
        const HttpResult r = B.api->post(u"/api/usage/reserve"_s, reserveBody(ws));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), u"forbidden"_s);
    }

    void usageNeedsCredentials()
    {
        HttpClient anon(srv->port);
        QCOMPARE(anon.post(u"/api/usage/reserve"_s, reserveBody(ids::newUuid())).status, 401);
        HttpClient wrong(srv->port, u"wfx_"_s + QString(43, QLatin1Char('Z')));
        QCOMPARE(
            wrong.post(u"/api/usage/commit"_s, QJsonObject{{u"reservation_id"_s, ids::newUuid()}})
                .code(),
            u"login_required"_s);
    }

    // ---------------------------------------------------------------- audit

    void auditListsAWorkspacesEntriesNewestFirstWithTheContractFields()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        for (const char *name : {"one", "two"}) {
            srv->store.clock.advanceMs(1000);
            QCOMPARE(A.api
                         ->patch(u"/api/workspaces/"_s + ws,
                                 QJsonObject{{u"name"_s, QString::fromLatin1(name)}})
                         .status,
                     200);
        }
        const QJsonArray items = audit(A, u"workspace_id="_s + ws);
        QCOMPARE(items.size(), 3);
        QStringList actions;
        for (const auto &v : items) {
            const QJsonObject e = v.toObject();
            for (const char *f : {"id", "at", "action", "actor_id", "workspace_id", "target_type",
                                  "target_id", "ip", "prev_hash", "hash"})
                QVERIFY2(e.contains(QString::fromLatin1(f)), f);
            QVERIFY(ids::isUuid(e.value(u"id"_s).toString()));
            QCOMPARE(e.value(u"actor_id"_s).toString(), A.id);
            QCOMPARE(e.value(u"workspace_id"_s).toString(), ws);
            QCOMPARE(e.value(u"target_id"_s).toString(), ws);
            QVERIFY(e.value(u"ip"_s).toString().contains(u"127.0.0.1"_s));
            actions << e.value(u"action"_s).toString();
        }
        QCOMPARE(actions, (QStringList{u"workspace.update"_s, u"workspace.update"_s,
                                       u"workspace.create"_s}));
        QVERIFY(*ids::parseTime(items[0].toObject().value(u"at"_s).toString()) >
                *ids::parseTime(items[2].toObject().value(u"at"_s).toString()));
        // One chain: each entry's prev_hash is the hash of the entry written before it.
        QCOMPARE(items[0].toObject().value(u"prev_hash"_s).toString(),
                 items[1].toObject().value(u"hash"_s).toString());
    }

    void auditOfAWorkspaceTheCallerDoesNotAdministerIs404()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        HttpResult r = B.api->get(u"/api/audit/logs?workspace_id="_s + ws);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), u"not_found"_s);
        QCOMPARE(A.api->get(u"/api/audit/logs?workspace_id="_s + ids::newUuid()).status, 404);
        join(ws, u"member"_s);
        QCOMPARE(B.api->get(u"/api/audit/logs?workspace_id="_s + ws).status, 404);
        // Promoted to admin, B sees the workspace's entries.
        QVERIFY(srv->server->services().workspaces.setMemberRole(Actor::user(A.id), ws, B.id,
                                                                 u"admin"_s));
        r = B.api->get(u"/api/audit/logs?workspace_id="_s + ws);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.items().isEmpty());
    }

    void auditFiltersByActionActorTargetAndTime()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        srv->store.clock.advanceMs(60'000);
        const qint64 mid = srv->store.clock.nowMs();
        QCOMPARE(
            A.api->patch(u"/api/workspaces/"_s + ws, QJsonObject{{u"name"_s, u"later"_s}}).status,
            200);
        const QString base = u"workspace_id="_s + ws;
        QJsonArray items = audit(A, base + u"&action=workspace.create"_s);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].toObject().value(u"action"_s).toString(), u"workspace.create"_s);
        QCOMPARE(audit(A, base + u"&actor_id="_s + A.id).size(), 2);
        QCOMPARE(audit(A, base + u"&actor_id="_s + B.id).size(), 0);
        QCOMPARE(audit(A, base + u"&target_type=workspace&target_id="_s + ws).size(), 2);
        const QString at = QString::fromLatin1(QUrl::toPercentEncoding(ids::formatTime(mid)));
        items = audit(A, base + u"&from="_s + at);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].toObject().value(u"action"_s).toString(), u"workspace.update"_s);
        items = audit(A, base + u"&to="_s + at);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].toObject().value(u"action"_s).toString(), u"workspace.create"_s);
    }

    void badAuditQueryIs422_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("field");
        QTest::newRow("workspace_id") << u"workspace_id=nope"_s << u"workspace_id"_s;
        QTest::newRow("actor_id") << u"actor_id=12"_s << u"actor_id"_s;
        QTest::newRow("from") << u"from=yesterday"_s << u"from"_s;
        QTest::newRow("to") << u"to=2026-13-45T00:00:00Z"_s << u"to"_s;
        QTest::newRow("action too long")
            << u"action="_s + QString(201, QLatin1Char('a')) << u"action"_s;
        QTest::newRow("limit zero") << u"limit=0"_s << u"limit"_s;
        QTest::newRow("limit 201") << u"limit=201"_s << u"limit"_s;
        QTest::newRow("limit empty") << u"limit="_s << u"limit"_s;
        QTest::newRow("cursor") << u"cursor=not-issued"_s << u"cursor"_s;
    }
    void badAuditQueryIs422()
    {
        QFETCH(QString, query);
        QFETCH(QString, field);
        const HttpResult r = A.api->get(u"/api/audit/logs?"_s + query);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{field});
    }

    void auditPagesWithAnOpaqueCursor()
    {
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        QCOMPARE(A.api->patch(u"/api/workspaces/"_s + ws, QJsonObject{{u"name"_s, u"x"_s}}).status,
                 200);
        const HttpResult p1 = A.api->get(u"/api/audit/logs?limit=1&workspace_id="_s + ws);
        QCOMPARE(p1.items().size(), 1);
        const QString cursor = p1.json().value(u"next_cursor"_s).toString();
        QVERIFY(!cursor.isEmpty());
        const HttpResult p2 =
            A.api->get(u"/api/audit/logs?limit=1&workspace_id="_s + ws + u"&cursor="_s +
                       QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
        QCOMPARE(p2.status, 200);
        QCOMPARE(p2.items().size(), 1);
        QVERIFY(p2.items()[0].toObject().value(u"id"_s) != p1.items()[0].toObject().value(u"id"_s));
        QCOMPARE(p2.items()[0].toObject().value(u"action"_s).toString(), u"workspace.create"_s);
        QVERIFY(p2.json().value(u"next_cursor"_s).isNull());
    }

    void entriesWithoutAWorkspaceAreVisibleToTheirActorOnly()
    {
        const HttpResult k =
            A.api->post(u"/api/api-keys"_s, QJsonObject{{u"name"_s, u"unscoped"_s}});
        QCOMPARE(k.status, 201);
        const QString keyId = k.object("api_key").value(u"id"_s).toString();
        const QString q = u"action=api_key.create&target_id="_s + keyId;
        const QJsonArray mine = audit(A, q);
        QCOMPARE(mine.size(), 1);
        QVERIFY(mine[0].toObject().value(u"workspace_id"_s).isNull());
        QCOMPARE(audit(B, q).size(), 0);
    }

    void auditNeedsCredentials()
    {
        HttpClient anon(srv->port);
        const HttpResult r = anon.get(u"/api/audit/logs"_s);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.code(), u"login_required"_s);
    }
};

QTEST_MAIN(TestUsageRoutes)
#include "tst_usage_routes.moc"
