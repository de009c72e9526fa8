// SPDX-License-Identifier: Apache-2.0
// Claims (members) and the public reads: museum, VLA leaderboard, status.
#include "TestHttp.h"

#include "core/Ids.h"
#include "core/Services.h"

#include <QTest>

using namespace wfx;
using namespace wfxtest;

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
} // namespace

class TestClaimRoutes : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestServer> srv;
    TestUser A, B;
    QString runId, claimId, otherClaimId, museumEntryId;

    Services &services() { return srv->server->services(); }

    // A run with a loss series in a fresh project of A's, made through the model.
    QString makeRun(const QString &name)
    {
        const QString ws = createWorkspace(*A.api).value(S("id")).toString();
        const QString project = A.api->post(S("/api/projects"), QJsonObject{{S("workspace_id"), ws}, {S("name"), S("p")}})
                                    .object("project").value(S("id")).toString();
        QJsonArray metrics;
        for (int step = 0; step < 3; ++step)
            metrics.append(QJsonObject{{S("name"), S("loss")}, {S("step"), step}, {S("value"), 1.0 - 0.25 * step}});
        const QJsonObject body{{S("project_id"), project}, {S("client_run_id"), name}, {S("name"), name},
                               {S("status"), S("completed")}, {S("started_at"), S("2026-11-01T10:00:00Z")},
                               {S("finished_at"), S("2026-11-01T11:00:00Z")}, {S("manifest"), QJsonObject{{S("env"), S("vla")}}},
                               {S("metrics"), metrics}, {S("log"), S("ok")}};
        auto run = services().runs.sync(Actor::user(A.id), body);
        if (!run)
            qWarning() << run.error().message;
        return run ? run->run.id : QString();
    }

private slots:
    void initTestCase()
    {
        useFastPasswordHashing();
        srv = std::make_unique<TestServer>();
        A = signup(srv->port, S("claims-a"));
        B = signup(srv->port, S("claims-b"));
        QVERIFY(!A.secret.isEmpty() && !B.secret.isEmpty());
        runId = makeRun(S("dreamer-seed-1"));
        QVERIFY(!runId.isEmpty());
        const Actor a = Actor::user(A.id);
        auto c1 = services().claims.create(a, runId, S("final loss below 0.6"), S("loss"), S("<"), 0.6, S("last"));
        QVERIFY(c1);
        srv->store.clock.advanceMs(1000);
        auto c2 = services().claims.create(a, runId, S("best loss below 0.9"), S("loss"), S("<="), 0.9, S("min"));
        QVERIFY(c2);
        claimId = c1->id;
        otherClaimId = c2->id;
        QVERIFY(services().claims.publish(a, claimId, true));
        auto entry = services().museum.publish(a, runId, S("Dreamer on VLA"), S("A short description."));
        QVERIFY(entry);
        museumEntryId = entry->id;
        QVERIFY(services().leaderboard.buildSnapshot(S("vla")));
    }
    void cleanupTestCase()
    {
        A = {};
        B = {};
        srv.reset();
    }

    void claimsListsTheCallersClaimsNewestFirst()
    {
        const HttpResult r = A.api->get(S("/api/claims"));
        QCOMPARE(r.status, 200);
        const QJsonArray items = r.items();
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[0].toObject().value(S("id")).toString(), otherClaimId);
        QCOMPARE(items[1].toObject().value(S("id")).toString(), claimId);
        const QJsonObject c = items[1].toObject();
        QCOMPARE(c.value(S("status")).toString(), S("supported"));
        QCOMPARE(c.value(S("observed")).toDouble(), 0.5);
        QCOMPARE(c.value(S("run_id")).toString(), runId);
        QVERIFY(r.json().value(S("next_cursor")).isNull());
    }

    void claimsPageWithACursor()
    {
        const HttpResult p1 = A.api->get(S("/api/claims?limit=1"));
        QCOMPARE(p1.items().size(), 1);
        const QString cursor = p1.json().value(S("next_cursor")).toString();
        QVERIFY(!cursor.isEmpty());
        const HttpResult p2 = A.api->get(S("/api/claims?limit=1&cursor=") + QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
        QCOMPARE(p2.items().size(), 1);
        QCOMPARE(p2.items()[0].toObject().value(S("id")).toString(), claimId);
        QVERIFY(p2.json().value(S("next_cursor")).isNull());
    }

    void badClaimsPagingIs422()
    {
        for (const char *q : {"limit=0", "limit=201", "limit=x", "cursor=made-up"}) {
            const HttpResult r = A.api->get(S("/api/claims?") + S(q));
            QCOMPARE(r.status, 422);
            QCOMPARE(r.code(), S("validation_error"));
        }
    }

    void claimIsWrapped()
    {
        const HttpResult r = A.api->get(S("/api/claims/") + claimId);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object("claim").value(S("id")).toString(), claimId);
        QCOMPARE(r.object("claim").value(S("published")).toBool(), true);
    }

    void anotherUsersClaimsAre404()
    {
        QVERIFY(B.api->get(S("/api/claims")).items().isEmpty());
        for (const QString &id : {claimId, ids::newUuid(), S("not-an-id")}) {
            const HttpResult r = B.api->get(S("/api/claims/") + id);
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), S("not_found"));
        }
    }

    void claimsNeedCredentials()
    {
        HttpClient anon(srv->port);
        QCOMPARE(anon.get(S("/api/claims")).status, 401);
        QCOMPARE(anon.get(S("/api/claims/") + claimId).status, 401);
    }

    void museumIsPublicAndRevealsNoInternalId()
    {
        HttpClient anon(srv->port);
        const HttpResult r = anon.get(S("/api/museum?limit=5"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.items().size(), 1);
        const QJsonObject e = r.items()[0].toObject();
        QCOMPARE(e.value(S("id")).toString(), museumEntryId);
        QCOMPARE(e.value(S("title")).toString(), S("Dreamer on VLA"));
        QCOMPARE(e.value(S("run")).toObject().value(S("name")).toString(), S("dreamer-seed-1"));
        QVERIFY(!r.body.contains(runId.toLatin1()));
        QVERIFY(!r.body.contains(A.email.toLatin1()));
        QVERIFY(!r.body.contains(A.id.toLatin1()));
        QCOMPARE(anon.get(S("/api/museum?limit=0")).status, 422);
        QCOMPARE(anon.get(S("/api/museum?unknown=1")).status, 200);
    }

    void leaderboardIsPublicAndRanksThePublishedClaim()
    {
        HttpClient anon(srv->port);
        const HttpResult r = anon.get(S("/api/public/vla-leaderboard"));
        QCOMPARE(r.status, 200);
        const QJsonObject board = r.object("leaderboard");
        QCOMPARE(board.value(S("board")).toString(), S("vla"));
        const QJsonArray groups = board.value(S("groups")).toArray();
        QCOMPARE(groups.size(), 1); // the unpublished claim is left out
        const QJsonObject g = groups[0].toObject();
        QCOMPARE(g.value(S("metric")).toString(), S("loss"));
        QCOMPARE(g.value(S("direction")).toString(), S("lower_is_better"));
        const QJsonObject entry = g.value(S("entries")).toArray()[0].toObject();
        QCOMPARE(entry.value(S("rank")).toInt(), 1);
        QCOMPARE(entry.value(S("museum_entry_id")).toString(), museumEntryId);
        QVERIFY(!r.body.contains(claimId.toLatin1()) && !r.body.contains(runId.toLatin1()));

        const HttpResult h = anon.get(S("/api/public/vla-leaderboard/history?limit=1"));
        QCOMPARE(h.status, 200);
        QCOMPARE(h.items()[0].toObject().value(S("id")).toString(), board.value(S("id")).toString());
        QCOMPARE(anon.get(S("/api/public/vla-leaderboard/history?limit=500")).status, 422);
    }

    void statusIsPublic()
    {
        HttpClient anon(srv->port);
        HttpResult r = anon.get(S("/api/status"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("status")).toString(), S("operational"));
        QStringList names;
        for (const auto &c : r.json().value(S("components")).toArray())
            names << c.toObject().value(S("name")).toString();
        names.sort();
        QCOMPARE(names, (QStringList{S("artifact_store"), S("database")}));
        QCOMPARE(r.json().value(S("history")).toArray().size(), 24);
        r = anon.get(S("/api/status/operational"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{S("status"), S("operational")}}));
    }

    void publicRoutesAnswerTheSameWhateverCredentialsCome()
    {
        HttpClient anon(srv->port);
        HttpClient bogusKey(srv->port, S("wfx_") + QString(43, QLatin1Char('Z')));
        for (const char *path : {"/api/status", "/api/status/operational", "/api/museum", "/api/public/vla-leaderboard"}) {
            const HttpResult base = anon.get(S(path));
            QCOMPARE(base.status, 200);
            for (HttpClient *c : {A.web.get(), A.api.get(), &bogusKey}) {
                const HttpResult r = c->get(S(path));
                QCOMPARE(r.status, 200);
                QCOMPARE(r.json().keys(), base.json().keys());
            }
            const HttpResult cross = A.web->request("GET", S(path), {}, {{"Sec-Fetch-Site", "cross-site"},
                                                                         {"Origin", "http://elsewhere.example"}});
            QCOMPARE(cross.status, 200);
        }
    }
};

QTEST_MAIN(TestClaimRoutes)
#include "tst_claim_routes.moc"
