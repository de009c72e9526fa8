// SPDX-License-Identifier: Apache-2.0
// Claims, the museum and the leaderboard, on SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/claims/ClaimService.h"
#include "models/claims/LeaderboardService.h"
#include "models/claims/MuseumService.h"
#include "models/runs/MetricStore.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

using namespace wfx;

namespace {
QString L(const char *s)
{
    return QString::fromLatin1(s);
}
} // namespace

class TestClaims : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, carol;
    QString wsA, projA;

    QString addRun(const QString &ws, const QString &project, const QString &name,
                   const QString &evidence = QStringLiteral("verified"))
    {
        const QString id = ids::newUuid();
        Query q(s->db->connection(),
                L("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                  "started_at, finished_at, created_at, evidence) VALUES "
                  "(:id, :p, :w, :c, :n, 'completed', :s, NULL, :t, :e)"));
        q.bind(L(":id"), id)
            .bind(L(":p"), project)
            .bind(L(":w"), ws)
            .bind(L(":c"), id)
            .bind(L(":n"), name)
            .bind(L(":s"), s->clock.nowMs() - 1000)
            .bind(L(":t"), s->clock.nowMs())
            .bind(L(":e"), evidence);
        if (!q.exec())
            qFatal("addRun: %s", qPrintable(q.errorText()));
        return id;
    }
    void addPoint(const QString &run, const QString &name, qint64 step, double value)
    {
        // A point per call, as syncs of a growing run add them (runs/MetricStore.h).
        auto added = metricstore::add(s->db->connection(), run, {MetricInput{name, step, value}});
        if (!added || *added != 1)
            qFatal("addPoint failed");
    }
    void join(const QString &ws, const QString &user, const QString &role)
    {
        Query q(s->db->connection(), L("INSERT INTO memberships (workspace_id, user_id, role, "
                                       "created_at) VALUES (:w, :u, :r, 0)"));
        q.bind(L(":w"), ws).bind(L(":u"), user).bind(L(":r"), role);
        QVERIFY(q.exec());
    }
    // The loss series of every run: out of step order on purpose, so "last"
    // must follow the step and not the order of insertion.
    void addLoss(const QString &run)
    {
        addPoint(run, L("loss"), 2, 0.8);
        addPoint(run, L("loss"), 0, 1.0);
        addPoint(run, L("loss"), 1, 0.5);
    }
    static bool mentions(const QJsonValue &v, const QString &needle)
    {
        return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson()).contains(needle);
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(L("alice@example.com"));
        bob = s->createUser(L("bob@example.com"));
        carol = s->createUser(L("carol@example.com"));
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), L("Lab"));
        QVERIFY(w.ok());
        wsA = w->id;
        auto p = ws.createProject(s->actor(alice), wsA, L("P"));
        QVERIFY(p.ok());
        projA = p->id;
    }
    void cleanup() { s.reset(); }

    // ---------------------------------------------------------------- claims

    void verdicts_data()
    {
        QTest::addColumn<QString>("metric");
        QTest::addColumn<QString>("aggregate");
        QTest::addColumn<QString>("comparator");
        QTest::addColumn<double>("threshold");
        QTest::addColumn<QString>("status");
        QTest::addColumn<double>("observed"); // NaN: null
        const double none = qQNaN();
        QTest::newRow("last<") << L("loss") << L("last") << L("<") << 0.9 << L("supported") << 0.8;
        QTest::newRow("last< equal refuted")
            << L("loss") << L("last") << L("<") << 0.8 << L("refuted") << 0.8;
        QTest::newRow("last<= equal")
            << L("loss") << L("last") << L("<=") << 0.8 << L("supported") << 0.8;
        QTest::newRow("min<") << L("loss") << L("min") << L("<") << 0.6 << L("supported") << 0.5;
        QTest::newRow("max> refuted")
            << L("loss") << L("max") << L(">") << 1.0 << L("refuted") << 1.0;
        QTest::newRow("max>=") << L("loss") << L("max") << L(">=") << 1.0 << L("supported") << 1.0;
        QTest::newRow("mean>") << L("loss") << L("mean") << L(">") << 0.76 << L("supported")
                               << (2.3 / 3.0);
        QTest::newRow("mean< refuted")
            << L("loss") << L("mean") << L("<") << 0.76 << L("refuted") << (2.3 / 3.0);
        QTest::newRow("no points")
            << L("reward") << L("max") << L(">") << 0.0 << L("unverifiable") << none;
    }
    void verdicts()
    {
        QFETCH(QString, metric);
        QFETCH(QString, aggregate);
        QFETCH(QString, comparator);
        QFETCH(double, threshold);
        QFETCH(QString, status);
        QFETCH(double, observed);
        const QString run = addRun(wsA, projA, L("r1"));
        addLoss(run);
        addPoint(addRun(wsA, projA, L("other")), L("loss"), 9,
                 -100.0); // another run's points never count
        ClaimService claims(s->ctx);
        auto c = claims.create(s->actor(alice), run, L("statement"), metric, comparator, threshold,
                               aggregate);
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().message));
        QCOMPARE(c->status, status);
        if (qIsNaN(observed)) {
            QVERIFY(!c->observed.has_value());
            QVERIFY(c->toJson().value(L("observed")).isNull());
        } else {
            QVERIFY(c->observed.has_value());
            QVERIFY(qAbs(*c->observed - observed) < 1e-9);
        }
        // What was stored is what was returned.
        auto g = claims.get(s->actor(alice), c->id);
        QVERIFY(g.ok());
        QCOMPARE(g->status, status);
        QCOMPARE(g->observed.has_value(), c->observed.has_value());
    }

    void createWritesOneAuditEntryAndTheContractShape()
    {
        const QString run = addRun(wsA, projA, L("r1"));
        addLoss(run);
        ClaimService claims(s->ctx);
        auto c = claims.create(s->actor(alice), run, L("  Loss ends below 0.9  "), L("loss"),
                               L("<"), 0.9, QString());
        QVERIFY(c.ok());
        QCOMPARE(c->aggregate, L("last")); // the default
        QCOMPARE(c->statement, L("Loss ends below 0.9"));
        const QJsonObject j = c->toJson();
        const QStringList keys{L("id"),          L("workspace_id"), L("run_id"),    L("statement"),
                               L("metric_name"), L("comparator"),   L("threshold"), L("aggregate"),
                               L("status"),      L("observed"),     L("published"), L("created_at"),
                               L("verified_at")};
        const QStringList got = j.keys();
        QCOMPARE(QSet<QString>(got.begin(), got.end()), QSet<QString>(keys.begin(), keys.end()));
        QCOMPARE(j.value(L("workspace_id")).toString(), wsA);
        QCOMPARE(j.value(L("published")).toBool(), false);
        QCOMPARE(j.value(L("threshold")).toDouble(), 0.9);
        QCOMPARE(j.value(L("created_at")).toString(), ids::formatTime(s->clock.nowMs()));
        QCOMPARE(s->auditCount(L("claim.create")), 1);
        Query q(s->db->connection(), L("SELECT actor_id, workspace_id, target_id FROM audit_log "
                                       "WHERE action = 'claim.create'"));
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.str(0), alice);
        QCOMPARE(q.str(1), wsA);
        QCOMPARE(q.str(2), c->id);
    }

    void validation_data()
    {
        QTest::addColumn<QString>("statement");
        QTest::addColumn<QString>("metric");
        QTest::addColumn<QString>("comparator");
        QTest::addColumn<double>("threshold");
        QTest::addColumn<QString>("aggregate");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        QTest::newRow("statement empty") << QString() << L("loss") << L("<") << 1.0 << L("last")
                                         << L("statement") << L("required");
        QTest::newRow("statement long") << QString(501, QLatin1Char('x')) << L("loss") << L("<")
                                        << 1.0 << L("last") << L("statement") << L("too_long");
        QTest::newRow("metric empty") << L("s") << QString() << L("<") << 1.0 << L("last")
                                      << L("metric_name") << L("required");
        QTest::newRow("comparator") << L("s") << L("loss") << L("==") << 1.0 << L("last")
                                    << L("comparator") << L("invalid");
        QTest::newRow("comparator empty") << L("s") << L("loss") << QString() << 1.0 << L("last")
                                          << L("comparator") << L("required");
        QTest::newRow("threshold nan") << L("s") << L("loss") << L("<") << qQNaN() << L("last")
                                       << L("threshold") << L("invalid");
        QTest::newRow("threshold inf") << L("s") << L("loss") << L("<") << qInf() << L("last")
                                       << L("threshold") << L("invalid");
        QTest::newRow("aggregate") << L("s") << L("loss") << L("<") << 1.0 << L("median")
                                   << L("aggregate") << L("invalid");
    }
    void validation()
    {
        QFETCH(QString, statement);
        QFETCH(QString, metric);
        QFETCH(QString, comparator);
        QFETCH(double, threshold);
        QFETCH(QString, aggregate);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        const QString run = addRun(wsA, projA, L("r1"));
        ClaimService claims(s->ctx);
        auto c = claims.create(s->actor(alice), run, statement, metric, comparator, threshold,
                               aggregate);
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, ErrorCode::Validation);
        QCOMPARE(c.error().details.size(), 1);
        QCOMPARE(c.error().details.value(0).field, field);
        QCOMPARE(c.error().details.value(0).issue, issue);
        QCOMPARE(s->count(L("claims")), 0);
        QCOMPARE(s->auditCount(L("claim.create")), 0);
    }

    void validationReportsEveryIssueAtOnce()
    {
        ClaimService claims(s->ctx);
        auto c = claims.create(s->actor(alice), L("not-a-uuid"), QString(), QString(), L("~"),
                               qQNaN(), L("x"));
        QVERIFY(!c.ok());
        QStringList fields;
        for (const auto &d : c.error().details)
            fields << d.field;
        QCOMPARE(fields, (QStringList{L("run_id"), L("statement"), L("metric_name"),
                                      L("comparator"), L("threshold"), L("aggregate")}));
    }

    void rolesAndWorkspaceBoundaries()
    {
        const QString run = addRun(wsA, projA, L("r1"));
        addLoss(run);
        join(wsA, bob, L("viewer"));
        ClaimService claims(s->ctx);
        // A run elsewhere is not found, never forbidden; so is a run that does not exist.
        QCOMPARE(claims.create(s->actor(carol), run, L("s"), L("loss"), L("<"), 1, L("last"))
                     .error()
                     .code,
                 ErrorCode::NotFound);
        QCOMPARE(
            claims.create(s->actor(alice), ids::newUuid(), L("s"), L("loss"), L("<"), 1, L("last"))
                .error()
                .code,
            ErrorCode::NotFound);
        // A viewer reads but does not claim.
        QCOMPARE(
            claims.create(s->actor(bob), run, L("s"), L("loss"), L("<"), 1, L("last")).error().code,
            ErrorCode::Forbidden);
        auto c = claims.create(s->actor(alice), run, L("s"), L("loss"), L("<"), 1, L("last"));
        QVERIFY(c.ok());
        QVERIFY(claims.get(s->actor(bob), c->id).ok());
        QCOMPARE(claims.reverify(s->actor(bob), c->id).error().code, ErrorCode::Forbidden);
        QCOMPARE(claims.get(s->actor(carol), c->id).error().code, ErrorCode::NotFound);
        QCOMPARE(claims.reverify(s->actor(carol), c->id).error().code, ErrorCode::NotFound);
        QCOMPARE(claims.publish(s->actor(carol), c->id, true).error().code, ErrorCode::NotFound);
        QCOMPARE(claims.get(s->actor(alice), L("garbage")).error().code, ErrorCode::NotFound);
        QCOMPARE(claims.list(s->actor(carol), 50, {})->items.size(), 0);
        // Publishing is for admins: a member may not.
        Query q(s->db->connection(),
                L("UPDATE memberships SET role = 'member' WHERE user_id = :u"));
        q.bind(L(":u"), bob);
        QVERIFY(q.exec());
        QCOMPARE(claims.publish(s->actor(bob), c->id, true).error().code, ErrorCode::Forbidden);
        QVERIFY(claims.create(s->actor(bob), run, L("s2"), L("loss"), L("<"), 1, L("last")).ok());
        QCOMPARE(s->auditCount(L("claim.publish")), 0);
    }

    void restrictedUserCannotClaim()
    {
        const QString run = addRun(wsA, projA, L("r1"));
        Query q(s->db->connection(), L("UPDATE users SET restricted = 1 WHERE id = :u"));
        q.bind(L(":u"), alice);
        QVERIFY(q.exec());
        ClaimService claims(s->ctx);
        QCOMPARE(claims.create(s->actor(alice), run, L("s"), L("loss"), L("<"), 1, L("last"))
                     .error()
                     .code,
                 ErrorCode::Forbidden);
        QCOMPARE(s->count(L("claims")), 0);
    }

    void reverifyAuditsOnlyWhenTheVerdictChanges()
    {
        const QString run = addRun(wsA, projA, L("r1"));
        ClaimService claims(s->ctx);
        auto c = claims.create(s->actor(alice), run, L("s"), L("loss"), L("<"), 0.9, L("last"));
        QVERIFY(c.ok());
        QCOMPARE(c->status, L("unverifiable"));
        s->clock.advanceMs(5000);
        auto same = claims.reverify(s->actor(alice), c->id);
        QVERIFY(same.ok());
        QCOMPARE(same->status, L("unverifiable"));
        QCOMPARE(same->verifiedAt, c->createdAt + 5000);
        QCOMPARE(claims.get(s->actor(alice), c->id)->verifiedAt, c->createdAt + 5000);
        QCOMPARE(s->auditCount(L("claim.verify")), 0);

        addLoss(run); // last = 0.8
        auto now = claims.reverify(s->actor(alice), c->id);
        QVERIFY(now.ok());
        QCOMPARE(now->status, L("supported"));
        QCOMPARE(*now->observed, 0.8);
        QCOMPARE(s->auditCount(L("claim.verify")), 1);
        QVERIFY(claims.reverify(s->actor(alice), c->id).ok());
        QCOMPARE(s->auditCount(L("claim.verify")), 1);

        // A later point moves "last": observed changes though the status stays.
        addPoint(run, L("loss"), 3, 0.7);
        auto moved = claims.reverify(s->actor(alice), c->id);
        QCOMPARE(moved->status, L("supported"));
        QCOMPARE(*moved->observed, 0.7);
        QCOMPARE(s->auditCount(L("claim.verify")), 2);
        addPoint(run, L("loss"), 4, 0.95);
        QCOMPARE(claims.reverify(s->actor(alice), c->id)->status, L("refuted"));
        QCOMPARE(s->auditCount(L("claim.verify")), 3);
    }

    void publishIsAuditedOncePerChange()
    {
        const QString run = addRun(wsA, projA, L("r1"));
        ClaimService claims(s->ctx);
        auto c = claims.create(s->actor(alice), run, L("s"), L("loss"), L("<"), 0.9, L("last"));
        auto p = claims.publish(s->actor(alice), c->id, true);
        QVERIFY(p.ok());
        QVERIFY(p->published);
        QVERIFY(claims.get(s->actor(alice), c->id)->published);
        QVERIFY(claims.publish(s->actor(alice), c->id, true).ok());
        QCOMPARE(s->auditCount(L("claim.publish")), 1);
        QVERIFY(!claims.publish(s->actor(alice), c->id, false)->published);
        QCOMPARE(s->auditCount(L("claim.publish")), 2);
    }

    void listIsScopedAndPaged()
    {
        WorkspaceService ws(s->ctx);
        auto other = ws.create(s->actor(bob), L("Other"));
        auto otherProject = ws.createProject(s->actor(bob), other->id, L("P"));
        const QString mine = addRun(wsA, projA, L("mine"));
        const QString theirs = addRun(other->id, otherProject->id, L("theirs"));
        ClaimService claims(s->ctx);
        for (int i = 0; i < 5; ++i) {
            QVERIFY(
                claims
                    .create(s->actor(alice), mine, L("c%1").arg(i), L("loss"), L("<"), 1, L("last"))
                    .ok());
            if (i % 2)
                s->clock.advanceMs(1); // some share a timestamp: the id breaks the tie
        }
        QVERIFY(claims.create(s->actor(bob), theirs, L("b"), L("loss"), L("<"), 1, L("last")).ok());
        QStringList seen;
        QString cur;
        int pages = 0;
        do {
            auto page = claims.list(s->actor(alice), 2, cur);
            QVERIFY(page.ok());
            for (const auto &c : page->items)
                seen << c.statement;
            cur = page->nextCursor;
            ++pages;
        } while (!cur.isEmpty() && pages < 10);
        QCOMPARE(pages, 3);
        QCOMPARE(seen.size(), 5);
        QCOMPARE(QSet<QString>(seen.begin(), seen.end()).size(), 5);
        QCOMPARE(seen.first(), L("c4"));
        QCOMPARE(claims.list(s->actor(bob), 50, {})->items.size(), 1);
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = other->id;
        QCOMPARE(claims.list(scoped, 50, {})->items.size(), 0);
        QCOMPARE(claims.list(s->actor(alice), 2, L("bogus")).error().code, ErrorCode::Validation);
        QCOMPARE(claims.list(s->actor(alice), 0, {}).error().code, ErrorCode::Validation);
        QCOMPARE(claims.list(s->actor(alice), 201, {}).error().code, ErrorCode::Validation);
    }

    // ---------------------------------------------------------------- museum

    void museumPublicEntryCarriesNoInternalIds()
    {
        const QString run = addRun(wsA, projA, L("dreamer-v3"));
        addLoss(run);
        addPoint(run, L("accuracy"), 0, 0.3);
        MuseumService museum(s->ctx);
        auto e = museum.publish(s->actor(alice), run, L("  Dreamer  "), L("line one\nline two"));
        QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().message));
        QCOMPARE(e->title, L("Dreamer"));
        QCOMPARE(s->auditCount(L("museum.publish")), 1);
        auto page = museum.listPublic(50, {});
        QVERIFY(page.ok());
        QCOMPARE(page->items.size(), 1);
        const QJsonObject j = page->items.first().toJson();
        QCOMPARE(j.value(L("id")).toString(), e->id);
        QCOMPARE(j.value(L("description")).toString(), L("line one\nline two"));
        const QJsonObject r = j.value(L("run")).toObject();
        QCOMPARE(r.value(L("name")).toString(), L("dreamer-v3"));
        QCOMPARE(r.value(L("status")).toString(), L("completed"));
        QCOMPARE(r.value(L("evidence")).toString(), L("verified"));
        QVERIFY(r.value(L("started_at")).isString());
        QVERIFY(r.value(L("finished_at")).isNull());
        QCOMPARE(r.value(L("metric_names")).toArray(), (QJsonArray{L("accuracy"), L("loss")}));
        const QStringList runKeys = r.keys();
        QCOMPARE(QSet<QString>(runKeys.begin(), runKeys.end()),
                 (QSet<QString>{L("name"), L("status"), L("evidence"), L("started_at"),
                                L("finished_at"), L("metric_names")}));
        for (const QString &secret : {run, wsA, projA, alice, L("alice@example.com"), L("Lab")})
            QVERIFY2(!mentions(j, secret), qPrintable(secret));
    }

    void museumPublishRules()
    {
        const QString run = addRun(wsA, projA, L("r"));
        const QString bad = addRun(wsA, projA, L("bad"), L("unverified"));
        join(wsA, bob, L("member"));
        MuseumService museum(s->ctx);
        QCOMPARE(museum.publish(s->actor(carol), run, L("t"), {}).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(museum.publish(s->actor(bob), run, L("t"), {}).error().code, ErrorCode::Forbidden);
        QCOMPARE(museum.publish(s->actor(alice), bad, L("t"), {}).error().code,
                 ErrorCode::Conflict);
        QCOMPARE(museum.publish(s->actor(alice), ids::newUuid(), L("t"), {}).error().code,
                 ErrorCode::NotFound);
        auto v =
            museum.publish(s->actor(alice), L("x"), QString(), QString(4001, QLatin1Char('d')));
        QCOMPARE(v.error().code, ErrorCode::Validation);
        QCOMPARE(v.error().details.size(), 3);
        QCOMPARE(v.error().details.value(2).field, L("description"));
        QCOMPARE(museum.unpublish(s->actor(carol), run).error().code, ErrorCode::NotFound);
        QCOMPARE(s->count(L("museum_entries")), 0);
        QCOMPARE(s->auditCount(L("museum.publish")), 0);
    }

    void museumRepublishAndUnpublish()
    {
        const QString run = addRun(wsA, projA, L("r"));
        MuseumService museum(s->ctx);
        auto first = museum.publish(s->actor(alice), run, L("T"), L("d"));
        QVERIFY(first.ok());
        s->clock.advanceMs(1000);
        auto again = museum.publish(s->actor(alice), run, L("T"), L("d"));
        QCOMPARE(again->id, first->id);
        QCOMPARE(again->publishedAt, first->publishedAt);
        QCOMPARE(s->auditCount(L("museum.publish")), 1);
        auto renamed = museum.publish(s->actor(alice), run, L("T2"), L("d"));
        QCOMPARE(renamed->id, first->id);
        QCOMPARE(renamed->title, L("T2"));
        QCOMPARE(s->auditCount(L("museum.publish")), 2);
        QCOMPARE(s->count(L("museum_entries")), 1);
        QVERIFY(museum.unpublish(s->actor(alice), run).ok());
        QCOMPARE(s->auditCount(L("museum.unpublish")), 1);
        QCOMPARE(museum.listPublic(50, {})->items.size(), 0);
        QVERIFY(museum.unpublish(s->actor(alice), run).ok());
        QCOMPARE(s->auditCount(L("museum.unpublish")), 1);
    }

    void museumListIsPagedAndHidesUnverifiedRuns()
    {
        MuseumService museum(s->ctx);
        QStringList runs;
        for (int i = 0; i < 5; ++i) {
            runs << addRun(wsA, projA, L("r%1").arg(i));
            QVERIFY(museum.publish(s->actor(alice), runs.last(), L("t%1").arg(i), {}).ok());
            s->clock.advanceMs(i % 2);
        }
        // Evidence found wrong after publishing: the entry disappears from the public list.
        Query q(s->db->connection(), L("UPDATE runs SET evidence = 'unverified' WHERE id = :id"));
        q.bind(L(":id"), runs.at(2));
        QVERIFY(q.exec());
        QStringList seen;
        QString cur;
        int pages = 0;
        do {
            auto page = museum.listPublic(2, cur);
            QVERIFY(page.ok());
            for (const auto &e : page->items)
                seen << e.title;
            cur = page->nextCursor;
            ++pages;
        } while (!cur.isEmpty() && pages < 10);
        QCOMPARE(pages, 2);
        // t0 and t1 share a timestamp: the id breaks the tie, so their order is the ids'.
        QCOMPARE(seen.size(), 4);
        QCOMPARE(seen.mid(0, 2), (QStringList{L("t4"), L("t3")}));
        QCOMPARE(QSet<QString>(seen.begin() + 2, seen.end()), (QSet<QString>{L("t1"), L("t0")}));
        QCOMPARE(museum.listPublic(2, L("bogus")).error().code, ErrorCode::Validation);
        QCOMPARE(museum.listPublic(0, {}).error().code, ErrorCode::Validation);
    }

    // ----------------------------------------------------------- leaderboard

    void leaderboardRanksPublishedSupportedClaimsOnMuseumRuns()
    {
        ClaimService claims(s->ctx);
        MuseumService museum(s->ctx);
        struct R
        {
            QString name;
            double success;
        };
        const QList<R> rs{{L("a"), 0.90}, {L("b"), 0.95}, {L("c"), 0.90}, {L("d"), 0.70}};
        QHash<QString, QString> runByName;
        for (const auto &r : rs) {
            const QString run = addRun(wsA, projA, r.name);
            runByName.insert(r.name, run);
            addPoint(run, L("success"), 0, 0.1);
            addPoint(run, L("success"), 1, r.success);
            addLoss(run);
            QVERIFY(museum.publish(s->actor(alice), run, L("Title ") + r.name, {}).ok());
            auto c = claims.create(s->actor(alice), run, L("succeeds"), L("success"), L(">="), 0.8,
                                   L("max"));
            QVERIFY(c.ok());
            QVERIFY(claims.publish(s->actor(alice), c->id, true)
                        .ok()); // d's claim is refuted: left out
            s->clock.advanceMs(10);
        }
        // Lower is better for "<" claims, and a run appears once per group.
        for (const QString &n : {L("a"), L("b")}) {
            auto c = claims.create(s->actor(alice), runByName.value(n), L("low loss"), L("loss"),
                                   L("<"), 0.9, L("min"));
            QVERIFY(claims.publish(s->actor(alice), c->id, true).ok());
        }
        auto dup = claims.create(s->actor(alice), runByName.value(L("a")), L("dup"), L("loss"),
                                 L("<="), 5, L("min"));
        QVERIFY(claims.publish(s->actor(alice), dup->id, true).ok());
        // Left out: an unpublished claim, and a published claim on a run not in the museum.
        QVERIFY(claims
                    .create(s->actor(alice), runByName.value(L("c")), L("x"), L("loss"), L("<"), 9,
                            L("last"))
                    .ok());
        const QString hidden = addRun(wsA, projA, L("hidden"));
        addPoint(hidden, L("success"), 0, 0.99);
        auto hc =
            claims.create(s->actor(alice), hidden, L("h"), L("success"), L(">="), 0.8, L("max"));
        QVERIFY(claims.publish(s->actor(alice), hc->id, true).ok());

        LeaderboardService board(s->ctx);
        auto snap = board.buildSnapshot();
        QVERIFY2(snap.ok(), qPrintable(snap.ok() ? QString() : snap.error().message));
        QCOMPARE(snap->groups.size(), 2);
        const QJsonObject loss = snap->groups.at(0).toObject();
        QCOMPARE(loss.value(L("metric")).toString(), L("loss"));
        QCOMPARE(loss.value(L("aggregate")).toString(), L("min"));
        QCOMPARE(loss.value(L("direction")).toString(), L("lower_is_better"));
        QCOMPARE(loss.value(L("entries")).toArray().size(), 2);
        const QJsonObject success = snap->groups.at(1).toObject();
        QCOMPARE(success.value(L("direction")).toString(), L("higher_is_better"));
        const QJsonArray e = success.value(L("entries")).toArray();
        QCOMPARE(e.size(), 3);
        QStringList names;
        QList<int> ranks;
        for (const auto &v : e) {
            names << v.toObject().value(L("run")).toObject().value(L("name")).toString();
            ranks << v.toObject().value(L("rank")).toInt();
        }
        QCOMPARE(names, (QStringList{L("b"), L("a"), L("c")})); // ties keep the earlier claim first
        QCOMPARE(ranks, (QList<int>{1, 2, 2}));
        QCOMPARE(e.at(0).toObject().value(L("observed")).toDouble(), 0.95);
        QCOMPARE(e.at(0).toObject().value(L("title")).toString(), L("Title b"));
        const QJsonObject j = snap->toJson();
        for (const QString &secret :
             {runByName.value(L("a")), wsA, projA, alice, L("alice@example.com"), hc->id})
            QVERIFY2(!mentions(j, secret), qPrintable(secret));
    }

    void leaderboardLatestAndHistory()
    {
        LeaderboardService board(s->ctx);
        QCOMPARE(s->count(L("leaderboard_snapshots")), 0);
        auto first = board.latest();
        QVERIFY(first.ok());
        QCOMPARE(first->groups.size(), 0);
        QCOMPARE(s->count(L("leaderboard_snapshots")), 1);
        QCOMPARE(board.latest()->id, first->id); // not rebuilt on every read
        QCOMPARE(s->count(L("leaderboard_snapshots")), 1);

        const QString run = addRun(wsA, projA, L("r"));
        addLoss(run);
        QVERIFY(MuseumService(s->ctx).publish(s->actor(alice), run, L("T"), {}).ok());
        ClaimService claims(s->ctx);
        auto c = claims.create(s->actor(alice), run, L("s"), L("loss"), L("<"), 1, L("last"));
        QVERIFY(claims.publish(s->actor(alice), c->id, true).ok());
        s->clock.advanceMs(1000);
        auto second = board.buildSnapshot(L("vla"));
        QVERIFY(second.ok());
        auto latest = board.latest(L("vla"));
        QCOMPARE(latest->id, second->id);
        QCOMPARE(latest->groups.size(), 1);
        QCOMPARE(latest->toJson(), second->toJson()); // read back as it was stored
        QVERIFY(board.buildSnapshot().ok());

        auto h1 = board.history(L("vla"), 2);
        QVERIFY(h1.ok());
        QCOMPARE(h1->items.size(), 2);
        QVERIFY(!h1->nextCursor.isEmpty());
        auto h2 = board.history(L("vla"), 2, h1->nextCursor);
        QCOMPARE(h2->items.size(), 1);
        QCOMPARE(h2->items.first().id, first->id);
        QVERIFY(h2->nextCursor.isEmpty());
        QCOMPARE(board.latest(L("other")).error().code, ErrorCode::NotFound);
        QCOMPARE(board.history(L("vla"), 0).error().code, ErrorCode::Validation);
        QCOMPARE(board.history(L("vla"), 2, L("bogus")).error().code, ErrorCode::Validation);
    }
};

QTEST_GUILESS_MAIN(TestClaims)
#include "tst_claims.moc"
