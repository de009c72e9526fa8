// SPDX-License-Identifier: Apache-2.0
// The caller's account and data-subject rights over HTTP.
#include "TestHttp.h"

#include "core/Ids.h"
#include "dsar/DsarService.h"

#include <QTest>

using namespace wfx;
using namespace wfxtest;

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
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
        TestUser u = signup(srv->port, S("me"));
        const HttpResult r = u.api->get(S("/api/me"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object("user").value(S("id")).toString(), u.id);
        QCOMPARE(r.object("user").value(S("email")).toString(), u.email);
        QCOMPARE(r.object("user").value(S("restricted")).toBool(), false);
        QVERIFY(!r.body.contains("password"));
    }

    void meNeedsCredentials()
    {
        HttpClient anon(srv->port);
        for (const char *path : {"/api/me", "/api/me/export"})
            QCOMPARE(anon.get(S(path)).code(), S("login_required"));
        for (const char *path : {"/api/me/delete", "/api/me/delete/cancel"})
            QCOMPARE(anon.post(S(path)).status, 401);
        QCOMPARE(anon.post(S("/api/me/restrict"), QJsonObject{{S("restricted"), true}}).status, 401);
    }

    void patchChangesTheDisplayName()
    {
        TestUser u = signup(srv->port, S("rename"));
        const HttpResult r = u.api->patch(S("/api/me"), QJsonObject{{S("display_name"), S("Ada L.")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object("user").value(S("display_name")).toString(), S("Ada L."));
        QCOMPARE(u.api->get(S("/api/me")).object("user").value(S("display_name")).toString(), S("Ada L."));
    }

    void badDisplayNameIs422_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::newRow("missing") << QJsonObject{};
        QTest::newRow("a number") << QJsonObject{{S("display_name"), 3}};
        QTest::newRow("null") << QJsonObject{{S("display_name"), QJsonValue(QJsonValue::Null)}};
        QTest::newRow("too long") << QJsonObject{{S("display_name"), QString(201, QLatin1Char('n'))}};
        QTest::newRow("control character") << QJsonObject{{S("display_name"), S("a\u0007b")}};
    }
    void badDisplayNameIs422()
    {
        QFETCH(QJsonObject, body);
        TestUser u = signup(srv->port, S("badname"));
        const HttpResult r = u.api->patch(S("/api/me"), body);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{S("display_name")});
        QCOMPARE(u.api->get(S("/api/me")).object("user").value(S("display_name")).toString(), QString());
    }

    void exportHoldsUserWorkspacesKeysAndOwnAuditButNoSecret()
    {
        TestUser u = signup(srv->port, S("export"));
        const QString ws = createWorkspace(*u.api).value(S("id")).toString();
        const HttpResult r = u.api->get(S("/api/me/export"));
        QCOMPARE(r.status, 200);
        const QJsonObject body = r.json();
        QCOMPARE(body.value(S("user")).toObject().value(S("email")).toString(), u.email);
        auto ids = [&](const char *list) {
            QStringList out;
            for (const auto &v : body.value(S(list)).toArray())
                out << v.toObject().value(S("id")).toString();
            return out;
        };
        QVERIFY(ids("workspaces").contains(ws));
        QVERIFY(ids("api_keys").contains(u.keyId));
        const QJsonArray audit = body.value(S("audit")).toArray();
        QVERIFY(!audit.isEmpty());
        for (const auto &e : audit)
            QCOMPARE(e.toObject().value(S("actor_id")).toString(), u.id);
        QVERIFY(!r.body.contains(u.secret.toUtf8()));
        QVERIFY(!r.body.contains(u.secret.mid(12).toUtf8()));
        QVERIFY(!r.body.contains(u.password.toUtf8()));
    }

    void deleteIsScheduledAfterTheGraceThenCancelled()
    {
        TestUser u = signup(srv->port, S("delete"));
        HttpResult r = u.api->post(S("/api/me/delete"));
        QCOMPARE(r.status, 202);
        QCOMPARE(r.object("deletion").value(S("state")).toString(), S("scheduled"));
        const QString when = r.object("deletion").value(S("scheduled_for")).toString();
        QCOMPARE(*ids::parseTime(when), srv->store.clock.nowMs() + DsarService::kDefaultGraceMs);
        srv->store.clock.advanceMs(5000);
        r = u.api->post(S("/api/me/delete")); // asking again keeps the first date
        QCOMPARE(r.status, 202);
        QCOMPARE(r.object("deletion").value(S("scheduled_for")).toString(), when);
        r = u.api->post(S("/api/me/delete/cancel"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object("deletion").value(S("state")).toString(), S("cancelled"));
        QCOMPARE(u.api->get(S("/api/me")).status, 200);
        r = u.api->post(S("/api/me/delete/cancel"));
        QCOMPARE(r.status, 409);
        QCOMPARE(r.code(), S("conflict"));
    }

    void restrictionRefusesWritesAllowsReadsAndLifts()
    {
        TestUser u = signup(srv->port, S("restrict"));
        const QJsonObject ws = createWorkspace(*u.api, S("before"));
        const QString wsId = ws.value(S("id")).toString();
        HttpResult r = u.api->post(S("/api/me/restrict"), QJsonObject{{S("restricted"), true}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("restricted")).toBool(), true);

        const QList<std::pair<QByteArray, std::pair<QString, QJsonObject>>> writes{
            {"POST", {S("/api/workspaces"), QJsonObject{{S("name"), S("new")}}}},
            {"PATCH", {S("/api/workspaces/") + wsId, QJsonObject{{S("name"), S("renamed")}}}},
            {"POST", {S("/api/projects"), QJsonObject{{S("workspace_id"), wsId}, {S("name"), S("p")}}}},
            {"POST", {S("/api/usage/reserve"), QJsonObject{{S("workspace_id"), wsId}, {S("metric"), S("runs")},
                                                          {S("amount"), 1}, {S("idempotency_key"), S("k1")}}}},
            {"POST", {S("/api/api-keys"), QJsonObject{{S("name"), S("k")}}}},
        };
        for (const auto &[method, call] : writes) {
            r = u.api->json(method, call.first, call.second);
            QVERIFY2(r.status == 403 && r.code() == S("forbidden"), qPrintable(call.first + S(": ") + QString::fromUtf8(r.body)));
        }
        QCOMPARE(u.api->get(S("/api/me")).object("user").value(S("restricted")).toBool(), true);
        QCOMPARE(u.api->get(S("/api/workspaces/") + wsId).status, 200);
        QCOMPARE(u.api->get(S("/api/workspaces")).status, 200);
        QCOMPARE(u.api->get(S("/api/me/export")).status, 200);
        QCOMPARE(u.api->post(S("/api/me/object"), QJsonObject{{S("purpose"), S("marketing")}, {S("objected"), true}}).status, 200);

        r = u.api->post(S("/api/me/restrict"), QJsonObject{{S("restricted"), false}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("restricted")).toBool(), false);
        QCOMPARE(u.api->get(S("/api/workspaces/") + wsId).object("workspace").value(S("name")).toString(), S("before"));
        QCOMPARE(u.api->post(S("/api/workspaces"), QJsonObject{{S("name"), S("after")}}).status, 201);
        // Restricted again, deletion may still be asked for.
        QCOMPARE(u.api->post(S("/api/me/restrict"), QJsonObject{{S("restricted"), true}}).status, 200);
        QCOMPARE(u.api->post(S("/api/me/delete")).status, 202);
    }

    void badRestrictInputIs422()
    {
        TestUser u = signup(srv->port, S("badrestrict"));
        for (const QJsonObject &body : {QJsonObject{}, QJsonObject{{S("restricted"), S("yes")}},
                                        QJsonObject{{S("restricted"), 1}}, QJsonObject{{S("restricted"), QJsonValue(QJsonValue::Null)}}}) {
            const HttpResult r = u.api->post(S("/api/me/restrict"), body);
            QCOMPARE(r.status, 422);
            QCOMPARE(r.fields(), QStringList{S("restricted")});
        }
        QCOMPARE(u.api->get(S("/api/me")).object("user").value(S("restricted")).toBool(), false);
    }

    void objectToEachPurpose()
    {
        TestUser u = signup(srv->port, S("object"));
        for (const QString &purpose : DsarService::purposes()) {
            for (bool objected : {true, false}) {
                const HttpResult r = u.api->post(S("/api/me/object"), QJsonObject{{S("purpose"), purpose}, {S("objected"), objected}});
                QCOMPARE(r.status, 200);
                QCOMPARE(r.object("objection").value(S("purpose")).toString(), purpose);
                QCOMPARE(r.object("objection").value(S("objected")).toBool(), objected);
            }
        }
    }

    void badObjectionInputIs422_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QStringList>("fields");
        QTest::newRow("unknown purpose") << QJsonObject{{S("purpose"), S("profiling")}, {S("objected"), true}} << QStringList{S("purpose")};
        QTest::newRow("purpose a number") << QJsonObject{{S("purpose"), 1}, {S("objected"), true}} << QStringList{S("purpose")};
        QTest::newRow("objected a string") << QJsonObject{{S("purpose"), S("analytics")}, {S("objected"), S("yes")}} << QStringList{S("objected")};
        QTest::newRow("both missing") << QJsonObject{} << QStringList{S("purpose"), S("objected")};
    }
    void badObjectionInputIs422()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QStringList, fields);
        TestUser u = signup(srv->port, S("badobject"));
        const HttpResult r = u.api->post(S("/api/me/object"), body);
        QCOMPARE(r.status, 422);
        QStringList got = r.fields();
        got.sort();
        fields.sort();
        QCOMPARE(got, fields);
    }
};

QTEST_MAIN(TestMeRoutes)
#include "tst_me_routes.moc"
