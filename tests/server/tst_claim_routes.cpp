// SPDX-License-Identifier: Apache-2.0
// Claims (members) and the public reads: museum, VLA leaderboard, status.
#include "TestHttp.h"

#include "models/core/Ids.h"
#include "server/core/Services.h"

#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfxtest;

namespace {
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
        const QString ws = createWorkspace(*A.api).value(u"id"_s).toString();
        const QString project = A.api
                                    ->post(u"/api/projects"_s, QJsonObject{{u"workspace_id"_s, ws},
                                                                           {u"name"_s, u"p"_s}})
                                    .object("project")
                                    .value(u"id"_s)
                                    .toString();
        QJsonArray metrics;
        for (int step = 0; step < 3; ++step)
            metrics.append(QJsonObject{
                {u"name"_s, u"loss"_s}, {u"step"_s, step}, {u"value"_s, 1.0 - 0.25 * step}});
        const QJsonObject body{{u"project_id"_s, project},
                               {u"client_run_id"_s, name},
                               {u"name"_s, name},
                               {u"status"_s, u"completed"_s},
                               {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
                               {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s},
                               {u"manifest"_s, QJsonObject{{u"env"_s, u"vla"_s}}},
                               {u"metrics"_s, metrics},
                               {u"log"_s, u"ok"_s}};
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
        A = signup(srv->port, u"claims-a"_s);
        B = signup(srv->port, u"claims-b"_s);
        QVERIFY(!A.secret.isEmpty() && !B.secret.isEmpty());
        runId = makeRun(u"dreamer-seed-1"_s);
        QVERIFY(!runId.isEmpty());
        const Actor a = Actor::user(A.id);
        auto c1 = services().claims.create(a, runId, u"final loss below 0.6"_s, u"loss"_s, u"<"_s,
                                           0.6, u"last"_s);
        QVERIFY(c1);
        srv->store.clock.advanceMs(1000);
        auto c2 = services().claims.create(a, runId, u"best loss below 0.9"_s, u"loss"_s, u"<="_s,
                                           0.9, u"min"_s);
        QVERIFY(c2);
        claimId = c1->id;
        otherClaimId = c2->id;
        QVERIFY(services().claims.publish(a, claimId, true));
        auto entry =
            services().museum.publish(a, runId, u"Dreamer on VLA"_s, u"A short description."_s);
        QVERIFY(entry);
        museumEntryId = entry->id;
        QVERIFY(services().leaderboard.buildSnapshot(u"vla"_s));
    }
    void cleanupTestCase()
    {
        A = {};
        B = {};
        srv.reset();
    }

    void claimsListsTheCallersClaimsNewestFirst()
    {
        const HttpResult r = A.api->get(u"/api/claims"_s);
        QCOMPARE(r.status, 200);
        const QJsonArray items = r.items();
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[0].toObject().value(u"id"_s).toString(), otherClaimId);
        QCOMPARE(items[1].toObject().value(u"id"_s).toString(), claimId);
        const QJsonObject c = items[1].toObject();
        QCOMPARE(c.value(u"status"_s).toString(), u"supported"_s);
        QCOMPARE(c.value(u"observed"_s).toDouble(), 0.5);
        QCOMPARE(c.value(u"run_id"_s).toString(), runId);
        QVERIFY(r.json().value(u"next_cursor"_s).isNull());
    }

    void claimsPageWithACursor()
    {
        const HttpResult p1 = A.api->get(u"/api/claims?limit=1"_s);
        QCOMPARE(p1.items().size(), 1);
        const QString cursor = p1.json().value(u"next_cursor"_s).toString();
        QVERIFY(!cursor.isEmpty());
        const HttpResult p2 = A.api->get(u"/api/claims?limit=1&cursor="_s +
                                         QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
        QCOMPARE(p2.items().size(), 1);
        QCOMPARE(p2.items()[0].toObject().value(u"id"_s).toString(), claimId);
        QVERIFY(p2.json().value(u"next_cursor"_s).isNull());
    }

    void badClaimsPagingIs422()
    {
        for (const char *q : {"limit=0", "limit=201", "limit=x", "cursor=made-up"}) {
            const HttpResult r = A.api->get(u"/api/claims?"_s + QString::fromLatin1(q));
            QCOMPARE(r.status, 422);
            QCOMPARE(r.code(), u"validation_error"_s);
        }
    }

    void claimIsWrapped()
    {
        const HttpResult r = A.api->get(u"/api/claims/"_s + claimId);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.object("claim").value(u"id"_s).toString(), claimId);
        QCOMPARE(r.object("claim").value(u"published"_s).toBool(), true);
    }

    void anotherUsersClaimsAre404()
    {
        QVERIFY(B.api->get(u"/api/claims"_s).items().isEmpty());
        for (const QString &id : {claimId, ids::newUuid(), u"not-an-id"_s}) {
            const HttpResult r = B.api->get(u"/api/claims/"_s + id);
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), u"not_found"_s);
        }
    }

    void claimsNeedCredentials()
    {
        HttpClient anon(srv->port);
        QCOMPARE(anon.get(u"/api/claims"_s).status, 401);
        QCOMPARE(anon.get(u"/api/claims/"_s + claimId).status, 401);
    }

    void museumIsPublicAndRevealsNoInternalId()
    {
        HttpClient anon(srv->port);
        const HttpResult r = anon.get(u"/api/museum?limit=5"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.items().size(), 1);
        const QJsonObject e = r.items()[0].toObject();
        QCOMPARE(e.value(u"id"_s).toString(), museumEntryId);
        QCOMPARE(e.value(u"title"_s).toString(), u"Dreamer on VLA"_s);
        QCOMPARE(e.value(u"run"_s).toObject().value(u"name"_s).toString(), u"dreamer-seed-1"_s);
        QVERIFY(!r.body.contains(runId.toLatin1()));
        QVERIFY(!r.body.contains(A.email.toLatin1()));
        QVERIFY(!r.body.contains(A.id.toLatin1()));
        QCOMPARE(anon.get(u"/api/museum?limit=0"_s).status, 422);
        QCOMPARE(anon.get(u"/api/museum?unknown=1"_s).status, 200);
    }

    void leaderboardIsPublicAndRanksThePublishedClaim()
    {
        HttpClient anon(srv->port);
        const HttpResult r = anon.get(u"/api/public/vla-leaderboard"_s);
        QCOMPARE(r.status, 200);
        const QJsonObject board = r.object("leaderboard");
        QCOMPARE(board.value(u"board"_s).toString(), u"vla"_s);
        const QJsonArray groups = board.value(u"groups"_s).toArray();
        QCOMPARE(groups.size(), 1); // the unpublished claim is left out
        const QJsonObject g = groups[0].toObject();
        QCOMPARE(g.value(u"metric"_s).toString(), u"loss"_s);
        QCOMPARE(g.value(u"direction"_s).toString(), u"lower_is_better"_s);
        const QJsonObject entry = g.value(u"entries"_s).toArray()[0].toObject();
        QCOMPARE(entry.value(u"rank"_s).toInt(), 1);
        QCOMPARE(entry.value(u"museum_entry_id"_s).toString(), museumEntryId);
        QVERIFY(!r.body.contains(claimId.toLatin1()) && !r.body.contains(runId.toLatin1()));

        const HttpResult h = anon.get(u"/api/public/vla-leaderboard/history?limit=1"_s);
        QCOMPARE(h.status, 200);
        QCOMPARE(h.items()[0].toObject().value(u"id"_s).toString(),
                 board.value(u"id"_s).toString());
        QCOMPARE(anon.get(u"/api/public/vla-leaderboard/history?limit=500"_s).status, 422);
    }

    void statusIsPublic()
    {
        HttpClient anon(srv->port);
        HttpResult r = anon.get(u"/api/status"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"status"_s).toString(), u"operational"_s);
        QStringList names;
        for (const auto &c : r.json().value(u"components"_s).toArray())
            names << c.toObject().value(u"name"_s).toString();
        names.sort();
        QCOMPARE(names, (QStringList{u"artifact_store"_s, u"database"_s}));
        QCOMPARE(r.json().value(u"history"_s).toArray().size(), 24);
        r = anon.get(u"/api/status/operational"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{u"status"_s, u"operational"_s}}));
    }

    void publicRoutesAnswerTheSameWhateverCredentialsCome()
    {
        HttpClient anon(srv->port);
        HttpClient bogusKey(srv->port, u"wfx_"_s + QString(43, QLatin1Char('Z')));
        for (const char *path : {"/api/status", "/api/status/operational", "/api/museum",
                                 "/api/public/vla-leaderboard"}) {
            const HttpResult base = anon.get(QString::fromLatin1(path));
            QCOMPARE(base.status, 200);
            for (HttpClient *c : {A.web.get(), A.api.get(), &bogusKey}) {
                const HttpResult r = c->get(QString::fromLatin1(path));
                QCOMPARE(r.status, 200);
                QCOMPARE(r.json().keys(), base.json().keys());
            }
            const HttpResult cross = A.web->request(
                "GET", QString::fromLatin1(path), {},
                {{"Sec-Fetch-Site", "cross-site"}, {"Origin", "http://elsewhere.example"}});
            QCOMPARE(cross.status, 200);
        }
    }
};

QTEST_MAIN(TestClaimRoutes)
#include "tst_claim_routes.moc"
