// SPDX-License-Identifier: Apache-2.0
// The caller's account and data-subject rights over HTTP.
#include "TestHttp.h"

#include "models/core/Ids.h"
#include "models/dsar/DsarService.h"

#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfxtest;

namespace {
} // namespace

class TestMeRoutes : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestServer> srv;

private slots:
    void initTestCase()
    {
        useFastPasswordHashing();
        srv = std::make_unique<TestServer>();
    }
    void cleanupTestCase() { srv.reset(); }

    void meIsTheCaller()
    {
        TestUser u = signup(srv->port, u"me"_s);
        const HttpResult r = u.api->get(u"/api/me"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object("user").value(u"id"_s).toString(), u.id);
        QCOMPARE(r.object("user").value(u"email"_s).toString(), u.email);
        QCOMPARE(r.object("user").value(u"restricted"_s).toBool(), false);
        QVERIFY(!r.body.contains("password"));
    }

    void meNeedsCredentials()
    {
        HttpClient anon(srv->port);
        for (const char *path : {"/api/me", "/api/me/export"})
            QCOMPARE(anon.get(QString::fromLatin1(path)).code(), u"login_required"_s);
        for (const char *path : {"/api/me/delete", "/api/me/delete/cancel"})
            QCOMPARE(anon.post(QString::fromLatin1(path)).status, 401);
        QCOMPARE(anon.post(u"/api/me/restrict"_s, QJsonObject{{u"restricted"_s, true}}).status,
                 401);
    }

    void patchChangesTheDisplayName()
    {
        TestUser u = signup(srv->port, u"rename"_s);
        const HttpResult r =
            u.api->patch(u"/api/me"_s, QJsonObject{{u"display_name"_s, u"Ada L."_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object("user").value(u"display_name"_s).toString(), u"Ada L."_s);
        QCOMPARE(u.api->get(u"/api/me"_s).object("user").value(u"display_name"_s).toString(),
                 u"Ada L."_s);
    }

    void badDisplayNameIs422_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::newRow("missing") << QJsonObject{};
        QTest::newRow("a number") << QJsonObject{{u"display_name"_s, 3}};
        QTest::newRow("null") << QJsonObject{{u"display_name"_s, QJsonValue(QJsonValue::Null)}};
        QTest::newRow("too long") << QJsonObject{
            {u"display_name"_s, QString(201, QLatin1Char('n'))}};
        QTest::newRow("control character") << QJsonObject{{u"display_name"_s, u"a\u0007b"_s}};
    }
    void badDisplayNameIs422()
    {
        QFETCH(QJsonObject, body);
        TestUser u = signup(srv->port, u"badname"_s);
        const HttpResult r = u.api->patch(u"/api/me"_s, body);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{u"display_name"_s});
        QCOMPARE(u.api->get(u"/api/me"_s).object("user").value(u"display_name"_s).toString(),
                 QString());
    }

    void exportHoldsUserWorkspacesKeysAndOwnAuditButNoSecret()
    {
        TestUser u = signup(srv->port, u"export"_s);
        const QString ws = createWorkspace(*u.api).value(u"id"_s).toString();
        const HttpResult r = u.api->get(u"/api/me/export"_s);
        QCOMPARE(r.status, 200);
        const QJsonObject body = r.json();
        QCOMPARE(body.value(u"user"_s).toObject().value(u"email"_s).toString(), u.email);
        auto ids = [&](const char *list) {
            QStringList out;
            for (const auto &v : body.value(QString::fromLatin1(list)).toArray())
                out << v.toObject().value(u"id"_s).toString();
            return out;
        };
        QVERIFY(ids("workspaces").contains(ws));
        QVERIFY(ids("api_keys").contains(u.keyId));
        const QJsonArray audit = body.value(u"audit"_s).toArray();
        QVERIFY(!audit.isEmpty());
        for (const auto &e : audit)
            QCOMPARE(e.toObject().value(u"actor_id"_s).toString(), u.id);
        QVERIFY(!r.body.contains(u.secret.toUtf8()));
        QVERIFY(!r.body.contains(u.secret.mid(12).toUtf8()));
        QVERIFY(!r.body.contains(u.password.toUtf8()));
    }

    void deleteIsScheduledAfterTheGraceThenCancelled()
    {
        TestUser u = signup(srv->port, u"delete"_s);
        HttpResult r = u.api->post(u"/api/me/delete"_s);
        QCOMPARE(r.status, 202);
        QCOMPARE(r.object("deletion").value(u"state"_s).toString(), u"scheduled"_s);
        const QString when = r.object("deletion").value(u"scheduled_for"_s).toString();
        QCOMPARE(*ids::parseTime(when), srv->store.clock.nowMs() + DsarService::kDefaultGraceMs);
        srv->store.clock.advanceMs(5000);
        r = u.api->post(u"/api/me/delete"_s); // asking again keeps the first date
        QCOMPARE(r.status, 202);
        QCOMPARE(r.object("deletion").value(u"scheduled_for"_s).toString(), when);
        r = u.api->post(u"/api/me/delete/cancel"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object("deletion").value(u"state"_s).toString(), u"cancelled"_s);
        QCOMPARE(u.api->get(u"/api/me"_s).status, 200);
        r = u.api->post(u"/api/me/delete/cancel"_s);
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), u"conflict"_s);
    }

    void restrictionRefusesWritesAllowsReadsAndLifts()
    {
        TestUser u = signup(srv->port, u"restrict"_s);
        const QJsonObject ws = createWorkspace(*u.api, u"before"_s);
        const QString wsId = ws.value(u"id"_s).toString();
        HttpResult r = u.api->post(u"/api/me/restrict"_s, QJsonObject{{u"restricted"_s, true}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"restricted"_s).toBool(), true);

        const QList<std::pair<QByteArray, std::pair<QString, QJsonObject>>> writes{
            {"POST", {u"/api/workspaces"_s, QJsonObject{{u"name"_s, u"new"_s}}}},
            {"PATCH", {u"/api/workspaces/"_s + wsId, QJsonObject{{u"name"_s, u"renamed"_s}}}},
            {"POST",
             {u"/api/projects"_s, QJsonObject{{u"workspace_id"_s, wsId}, {u"name"_s, u"p"_s}}}},
            {"POST",
             {u"/api/usage/reserve"_s, QJsonObject{{u"workspace_id"_s, wsId},
                                                   {u"metric"_s, u"runs"_s},
                                                   {u"amount"_s, 1},
                                                   {u"idempotency_key"_s, u"k1"_s}}}},
            {"POST", {u"/api/api-keys"_s, QJsonObject{{u"name"_s, u"k"_s}}}},
        };
        for (const auto &[method, call] : writes) {
            r = u.api->json(method, call.first, call.second);
            QVERIFY2(r.status == 403 && r.code() == u"forbidden"_s,
                     qPrintable(call.first + u": "_s + QString::fromUtf8(r.body)));
        }
        QCOMPARE(u.api->get(u"/api/me"_s).object("user").value(u"restricted"_s).toBool(), true);
        QCOMPARE(u.api->get(u"/api/workspaces/"_s + wsId).status, 200);
        QCOMPARE(u.api->get(u"/api/workspaces"_s).status, 200);
        QCOMPARE(u.api->get(u"/api/me/export"_s).status, 200);
        QCOMPARE(u.api
                     ->post(u"/api/me/object"_s,
                            QJsonObject{{u"purpose"_s, u"marketing"_s}, {u"objected"_s, true}})
                     .status,
                 200);

        r = u.api->post(u"/api/me/restrict"_s, QJsonObject{{u"restricted"_s, false}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"restricted"_s).toBool(), false);
        QCOMPARE(u.api->get(u"/api/workspaces/"_s + wsId)
                     .object("workspace")
                     .value(u"name"_s)
                     .toString(),
                 u"before"_s);
        QCOMPARE(u.api->post(u"/api/workspaces"_s, QJsonObject{{u"name"_s, u"after"_s}}).status,
                 201);
        // Restricted again, deletion may still be asked for.
        QCOMPARE(u.api->post(u"/api/me/restrict"_s, QJsonObject{{u"restricted"_s, true}}).status,
                 200);
        QCOMPARE(u.api->post(u"/api/me/delete"_s).status, 202);
    }

    void badRestrictInputIs422()
    {
        TestUser u = signup(srv->port, u"badrestrict"_s);
        for (const QJsonObject &body :
             {QJsonObject{}, QJsonObject{{u"restricted"_s, u"yes"_s}},
              QJsonObject{{u"restricted"_s, 1}},
              QJsonObject{{u"restricted"_s, QJsonValue(QJsonValue::Null)}}}) {
            const HttpResult r = u.api->post(u"/api/me/restrict"_s, body);
            QCOMPARE(r.status, 422);
            QCOMPARE(r.fields(), QStringList{u"restricted"_s});
        }
        QCOMPARE(u.api->get(u"/api/me"_s).object("user").value(u"restricted"_s).toBool(), false);
    }

    void objectToEachPurpose()
    {
        TestUser u = signup(srv->port, u"object"_s);
        for (const QString &purpose : DsarService::purposes()) {
            for (bool objected : {true, false}) {
                const HttpResult r =
                    u.api->post(u"/api/me/object"_s,
                                QJsonObject{{u"purpose"_s, purpose}, {u"objected"_s, objected}});
                QCOMPARE(r.status, 200);
                QCOMPARE(r.object("objection").value(u"purpose"_s).toString(), purpose);
                QCOMPARE(r.object("objection").value(u"objected"_s).toBool(), objected);
            }
        }
    }

    void badObjectionInputIs422_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QStringList>("fields");
        QTest::newRow("unknown purpose")
            << QJsonObject{{u"purpose"_s, u"profiling"_s}, {u"objected"_s, true}}
            << QStringList{u"purpose"_s};
        QTest::newRow("purpose a number")
            << QJsonObject{{u"purpose"_s, 1}, {u"objected"_s, true}} << QStringList{u"purpose"_s};
        QTest::newRow("objected a string")
            << QJsonObject{{u"purpose"_s, u"analytics"_s}, {u"objected"_s, u"yes"_s}}
            << QStringList{u"objected"_s};
        QTest::newRow("both missing") << QJsonObject{} << QStringList{u"purpose"_s, u"objected"_s};
    }
    void badObjectionInputIs422()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QStringList, fields);
        TestUser u = signup(srv->port, u"badobject"_s);
        const HttpResult r = u.api->post(u"/api/me/object"_s, body);
        QCOMPARE(r.status, 422);
        QStringList got = r.fields();
        got.sort();
        fields.sort();
        QCOMPARE(got, fields);
    }
};

QTEST_MAIN(TestMeRoutes)
#include "tst_me_routes.moc"
