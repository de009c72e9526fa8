// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "core/RateLimiter.h"
#include "runs/MetricStore.h"
#include "shares/PayloadPolicy.h"
#include "shares/PublicShareResolver.h"
#include "shares/ShareService.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

using namespace wfx;

namespace {
QString S(const char *s) { return QString::fromUtf8(s); }
constexpr qint64 kMinute = 60'000;
const QString kAddr = QStringLiteral("203.0.113.7");
const QString kOtherAddr = QStringLiteral("198.51.100.9");

QString err(const Error &e)
{
    QString d;
    for (const auto &i : e.details)
        d += QLatin1Char(' ') + i.field + QLatin1Char('=') + i.issue;
    return errorCodeName(e.code) + QLatin1Char(' ') + e.message + d;
}

// Every scalar and key of a JSON value, for "this never appears" checks.
void collect(const QJsonValue &v, QStringList *out)
{
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            out->append(it.key());
            collect(it.value(), out);
        }
    } else if (v.isArray()) {
        for (const auto &x : v.toArray())
            collect(x, out);
    } else if (v.isString()) {
        out->append(v.toString());
    }
}
} // namespace

class TestShares : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob, carol;
    QString wsA, wsB, projA, projB, runA, runB;

    QString insertRun(const QString &ws, const QString &project, const QString &evidence = S("unsigned"),
                      const QString &manifest = S(R"({"algo":"dreamer-v3","seed":1,"env":{"name":"cartpole"}})"),
                      const QString &name = S("dreamer-v3-seed-1"))
    {
        const QString id = ids::newUuid();
        Query q(s->db->connection(), S("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                                       "started_at, finished_at, created_at, manifest, evidence) VALUES "
                                       "(:id, :p, :w, :c, :n, 'completed', :st, :fi, :t, :m, :e)"));
        q.bind(S(":id"), id).bind(S(":p"), project).bind(S(":w"), ws).bind(S(":c"), id).bind(S(":n"), name)
            .bind(S(":st"), qint64(1'700'000'000'000)).bind(S(":fi"), qint64(1'700'003'600'000))
            .bind(S(":t"), s->clock.nowMs()).bind(S(":m"), manifest).bind(S(":e"), evidence);
        if (!q.exec())
            qFatal("insertRun: %s", qPrintable(q.errorText()));
        return id;
    }
    void insertMetric(const QString &run, const QString &name, qint64 step, double value)
    {
        auto added = metricstore::add(s->db->connection(), run, {MetricInput{name, step, value}});
        if (!added || *added != 1)
            qFatal("insertMetric failed");
    }
    QString insertArtifact(const QString &run, const QString &ws, const QString &state,
                           const QString &name = S("weights.bin"), qint64 size = 4096)
    {
        const QString id = ids::newUuid();
        Query q(s->db->connection(), S("INSERT INTO artifacts (id, run_id, workspace_id, name, size_bytes, sha256, "
                                       "content_type, state, part_size, created_at) VALUES "
                                       "(:id, :r, :w, :n, :sz, :h, 'application/octet-stream', :st, 8388608, :t)"));
        q.bind(S(":id"), id).bind(S(":r"), run).bind(S(":w"), ws).bind(S(":n"), name).bind(S(":sz"), size)
            .bind(S(":h"), QString(64, QLatin1Char('a'))).bind(S(":st"), state).bind(S(":t"), s->clock.nowMs());
        if (!q.exec())
            qFatal("insertArtifact: %s", qPrintable(q.errorText()));
        return id;
    }
    void exec(const QString &sql, const QString &id)
    {
        Query q(s->db->connection(), sql);
        q.bind(S(":id"), id);
        if (!q.exec())
            qFatal("exec: %s", qPrintable(q.errorText()));
    }
    IssuedShare share(const QString &run, std::optional<QString> password = std::nullopt,
                      std::optional<QString> expiresAt = std::nullopt, std::optional<QString> artifact = std::nullopt)
    {
        ShareService svc(s->ctx);
        auto r = svc.create(s->actor(alice), ShareDraft{run, password, expiresAt, artifact});
        if (!r)
            qFatal("share: %s", qPrintable(err(r.error())));
        return *r;
    }
    QString in(qint64 ms) { return ids::formatTime(s->clock.nowMs() + ms); }
    PublicAnswer read(PublicShareResolver &res, const QString &token, const QString &addr = kAddr,
                      std::optional<QString> password = std::nullopt)
    {
        auto a = res.resolve(token, addr, password);
        if (!a)
            qFatal("resolve: %s", qPrintable(err(a.error())));
        return *a;
    }
    qint64 rateRows()
    {
        return s->count(S("rate_counters"));
    }

private slots:
    void initTestCase()
    {
        wfxtest::useFastPasswordHashing();
    }
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(S("alice@example.com"));
        bob = s->createUser(S("bob@example.com"));
        carol = s->createUser(S("carol@example.com"));
        WorkspaceService ws(s->ctx);
        wsA = ws.create(s->actor(alice), S("Alice Lab"))->id;
        wsB = ws.create(s->actor(bob), S("Bob Lab"))->id;
        projA = ws.createProject(s->actor(alice), wsA, S("world-models"))->id;
        projB = ws.createProject(s->actor(bob), wsB, S("other"))->id;
        Query m(s->db->connection(), S("INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (:w, :u, 'viewer', 0)"));
        m.bind(S(":w"), wsA).bind(S(":u"), carol);
        QVERIFY(m.exec());
        runA = insertRun(wsA, projA);
        insertMetric(runA, S("loss"), 0, 1.25);
        insertMetric(runA, S("loss"), 1, 0.75);
        insertMetric(runA, S("reward"), 0, 3.5);
        runB = insertRun(wsB, projB);
    }
    void cleanup() { s.reset(); }

    // ------------------------------------------------------------------ management

    void createIssuesTokenOnceAndStoresOnlyItsHash()
    {
        const qint64 auditBefore = s->auditCount(S("share.create"));
        IssuedShare is = share(runA);
        QVERIFY(ShareService::isWellFormedToken(is.token));
        QVERIFY(is.token.startsWith(S("wfxs_")));
        QCOMPARE(is.share.tokenPrefix, is.token.left(12));
        QCOMPARE(is.share.state, S("active"));
        QCOMPARE(is.share.hasPassword, false);
        QCOMPARE(is.share.workspaceId, wsA);
        Query q(s->db->connection(), S("SELECT token_hash, token_prefix, password_hash FROM shares WHERE id = :id"));
        q.bind(S(":id"), is.share.id);
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.str(0), crypto::sha256Hex(is.token.toUtf8()));
        QVERIFY(q.str(0) != is.token);
        QVERIFY(q.isNull(2));
        const QString json = QString::fromUtf8(QJsonDocument(is.share.toJson()).toJson());
        QVERIFY(!json.contains(is.token));
        for (const char *k : {"id", "run_id", "artifact_id", "state", "expires_at", "has_password", "token_prefix", "created_at"})
            QVERIFY2(is.share.toJson().contains(S(k)), k);
        QVERIFY(is.share.toJson().value(S("artifact_id")).isNull());
        QVERIFY(is.share.toJson().value(S("expires_at")).isNull());
        QCOMPARE(s->auditCount(S("share.create")), auditBefore + 1);
        Query a(s->db->connection(), S("SELECT detail, workspace_id, target_id FROM audit_log WHERE action = 'share.create'"));
        QVERIFY(a.exec() && a.next());
        QVERIFY(!a.str(0).contains(is.token.mid(5)));
        QCOMPARE(a.str(1), wsA);
        QCOMPARE(a.str(2), is.share.id);
    }

    void createWithPasswordStoresScryptHash()
    {
        IssuedShare is = share(runA, S("correct horse"), in(24 * 3600'000));
        QVERIFY(is.share.hasPassword);
        QVERIFY(is.share.expiresAt.has_value());
        Query q(s->db->connection(), S("SELECT password_hash FROM shares WHERE id = :id"));
        q.bind(S(":id"), is.share.id);
        QVERIFY(q.exec() && q.next());
        QVERIFY(q.str(0).startsWith(S("scrypt$")));
        QVERIFY(crypto::verifyPassword(S("correct horse"), q.str(0)));
        QVERIFY(!QJsonDocument(is.share.toJson()).toJson().contains("correct horse"));
    }

    void createValidation_data()
    {
        QTest::addColumn<QString>("run");
        QTest::addColumn<QString>("password");
        QTest::addColumn<QString>("expires");
        QTest::addColumn<QString>("artifact");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("issue");
        const QString r = S("RUN");
        QTest::newRow("run missing") << QString() << QString() << QString() << QString() << S("run_id") << S("required");
        QTest::newRow("run not uuid") << S("abc") << QString() << QString() << QString() << S("run_id") << S("invalid");
        QTest::newRow("short password") << r << S("1234567") << QString() << QString() << S("password") << S("too_short");
        QTest::newRow("long password") << r << QString(1025, QLatin1Char('p')) << QString() << QString() << S("password") << S("too_long");
        QTest::newRow("expiry garbage") << r << QString() << S("tomorrow") << QString() << S("expires_at") << S("invalid");
        QTest::newRow("expiry past") << r << QString() << S("2020-01-01T00:00:00Z") << QString() << S("expires_at") << S("in_past");
        QTest::newRow("artifact not uuid") << r << QString() << QString() << S("x") << S("artifact_id") << S("invalid");
    }
    void createValidation()
    {
        QFETCH(QString, run);
        QFETCH(QString, password);
        QFETCH(QString, expires);
        QFETCH(QString, artifact);
        QFETCH(QString, field);
        QFETCH(QString, issue);
        ShareDraft d;
        d.runId = run == S("RUN") ? runA : run;
        if (!password.isEmpty())
            d.password = password;
        if (!expires.isEmpty())
            d.expiresAt = expires;
        if (!artifact.isEmpty())
            d.artifactId = artifact;
        auto r = ShareService(s->ctx).create(s->actor(alice), d);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QCOMPARE(r.error().details.value(0).field, field);
        QCOMPARE(r.error().details.value(0).issue, issue);
        QCOMPARE(s->count(S("shares")), 0);
        QCOMPARE(s->auditCount(S("share.create")), 0);
    }

    void createReportsEveryInvalidField()
    {
        ShareDraft d{S("nope"), S("short"), S("yesterday"), S("bad")};
        auto r = ShareService(s->ctx).create(s->actor(alice), d);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().details.size(), 4);
        QCOMPARE(r.error().details.at(0).field, S("run_id"));
        QCOMPARE(r.error().details.at(3).field, S("artifact_id"));
    }

    void createArtifactMustBelongToTheRun()
    {
        ShareService svc(s->ctx);
        const QString otherRun = insertRun(wsA, projA);
        const QString foreign = insertArtifact(otherRun, wsA, S("committed"));
        auto r = svc.create(s->actor(alice), ShareDraft{runA, {}, {}, foreign});
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QCOMPARE(r.error().details.value(0).issue, S("not_in_run"));
        auto unknown = svc.create(s->actor(alice), ShareDraft{runA, {}, {}, ids::newUuid()});
        QCOMPARE(unknown.error().details.value(0).issue, S("not_in_run"));
        const QString aborted = insertArtifact(runA, wsA, S("aborted"));
        QCOMPARE(svc.create(s->actor(alice), ShareDraft{runA, {}, {}, aborted}).error().details.value(0).issue,
                 S("unavailable"));
        // A pending artifact may be shared (the public read then answers 409).
        const QString pending = insertArtifact(runA, wsA, S("pending"));
        auto ok = svc.create(s->actor(alice), ShareDraft{runA, {}, {}, pending});
        QVERIFY2(ok.ok(), ok.ok() ? "" : qPrintable(err(ok.error())));
        QCOMPARE(ok->share.artifactId, pending);
        QCOMPARE(ok->share.toJson().value(S("artifact_id")).toString(), pending);
    }

    void createForUnverifiedRunIsAllowed()
    {
        const QString run = insertRun(wsA, projA, S("unverified"));
        QVERIFY(ShareService(s->ctx).create(s->actor(alice), ShareDraft{run, {}, {}, {}}).ok());
    }

    void createNeedsMemberRoleAndWritableUser()
    {
        ShareService svc(s->ctx);
        QCOMPARE(svc.create(s->actor(bob), ShareDraft{runA, {}, {}, {}}).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.create(s->actor(carol), ShareDraft{runA, {}, {}, {}}).error().code, ErrorCode::Forbidden);
        QCOMPARE(svc.create(s->actor(alice), ShareDraft{ids::newUuid(), {}, {}, {}}).error().code, ErrorCode::NotFound);
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = wsB;
        QCOMPARE(svc.create(scoped, ShareDraft{runA, {}, {}, {}}).error().code, ErrorCode::NotFound);
        exec(S("UPDATE users SET restricted = 1 WHERE id = :id"), alice);
        QCOMPARE(svc.create(s->actor(alice), ShareDraft{runA, {}, {}, {}}).error().code, ErrorCode::Forbidden);
        QCOMPARE(s->count(S("shares")), 0);
    }

    void otherWorkspacesAreNotFound()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        QCOMPARE(svc.get(s->actor(bob), is.share.id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.revoke(s->actor(bob), is.share.id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.extend(s->actor(bob), is.share.id, in(kMinute)).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.list(s->actor(bob), ShareFilter{wsA, {}}, 50, {}).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.list(s->actor(bob), ShareFilter{{}, runA}, 50, {}).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.list(s->actor(bob), ShareFilter{}, 50, {})->items.size(), 0);
        QCOMPARE(svc.createConsent(s->actor(bob), is.share.id, S("x"), S("y")).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.get(s->actor(alice), is.share.id)->state, S("active"));
        QCOMPARE(s->auditCount(S("share.revoke")), 0);
    }

    void viewerReadsButCannotChange()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        QVERIFY(svc.get(s->actor(carol), is.share.id).ok());
        QCOMPARE(svc.list(s->actor(carol), ShareFilter{wsA, {}}, 50, {})->items.size(), 1);
        QCOMPARE(svc.revoke(s->actor(carol), is.share.id).error().code, ErrorCode::Forbidden);
        QCOMPARE(svc.extend(s->actor(carol), is.share.id, in(kMinute)).error().code, ErrorCode::Forbidden);
    }

    void listPagesByKeysetAndNeverShowsTokens()
    {
        ShareService svc(s->ctx);
        QStringList tokens;
        QSet<QString> made;
        for (int i = 0; i < 5; ++i) {
            IssuedShare is = share(runA);
            tokens << is.token;
            made.insert(is.share.id);
            s->clock.advanceMs(i % 2); // some equal created_at: the id breaks ties
        }
        made.insert(share(runA).share.id);
        QSet<QString> seen;
        QString cursor;
        int pages = 0;
        do {
            auto p = svc.list(s->actor(alice), ShareFilter{wsA, {}}, 2, cursor);
            QVERIFY2(p.ok(), p.ok() ? "" : qPrintable(err(p.error())));
            QVERIFY(p->items.size() <= 2);
            for (const auto &sh : p->items) {
                QVERIFY(!seen.contains(sh.id));
                seen.insert(sh.id);
                const QByteArray j = QJsonDocument(sh.toJson()).toJson();
                for (const auto &t : std::as_const(tokens))
                    QVERIFY(!j.contains(t.toUtf8()));
            }
            cursor = p->nextCursor;
            ++pages;
        } while (!cursor.isEmpty());
        QCOMPARE(seen, made);
        QCOMPARE(pages, 3);
        const QString otherRun = insertRun(wsA, projA);
        share(otherRun);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{{}, otherRun}, 50, {})->items.size(), 1);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{}, 50, {})->items.size(), 7);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{}, 0, {}).error().code, ErrorCode::Validation);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{}, 201, {}).error().code, ErrorCode::Validation);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{}, 50, S("forged")).error().code, ErrorCode::Validation);
    }

    void revokeIsIdempotent()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        auto r1 = svc.revoke(s->actor(alice), is.share.id);
        QVERIFY(r1.ok());
        QCOMPARE(r1->state, S("revoked"));
        s->clock.advanceMs(kMinute);
        auto r2 = svc.revoke(s->actor(alice), is.share.id);
        QVERIFY(r2.ok());
        QCOMPARE(r2->state, S("revoked"));
        QCOMPARE(r2->revokedAt, r1->revokedAt);
        QCOMPARE(s->auditCount(S("share.revoke")), 1);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{{}, runA}, 50, {})->items.value(0).state, S("revoked"));
        QCOMPARE(svc.revoke(s->actor(alice), ids::newUuid()).error().code, ErrorCode::NotFound);
    }

    void expiryIsComputedWithTheClockAndCanBeExtended()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA, {}, in(kMinute));
        s->clock.advanceMs(kMinute);
        QCOMPARE(svc.get(s->actor(alice), is.share.id)->state, S("expired"));
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{{}, runA}, 50, {})->items.value(0).state, S("expired"));
        auto e = svc.extend(s->actor(alice), is.share.id, in(kMinute));
        QVERIFY(e.ok());
        QCOMPARE(e->state, S("active"));
        QCOMPARE(s->auditCount(S("share.update")), 1);
        QVERIFY(svc.extend(s->actor(alice), is.share.id, ids::formatTime(*e->expiresAt)).ok());
        QCOMPARE(s->auditCount(S("share.update")), 1); // same expiry: nothing written
        auto never = svc.extend(s->actor(alice), is.share.id, std::nullopt);
        QVERIFY(never.ok());
        QVERIFY(!never->expiresAt.has_value());
        QCOMPARE(s->auditCount(S("share.update")), 2);
        QCOMPARE(svc.extend(s->actor(alice), is.share.id, S("2020-01-01T00:00:00Z")).error().code, ErrorCode::Validation);
        QVERIFY(svc.revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(svc.extend(s->actor(alice), is.share.id, in(kMinute)).error().code, ErrorCode::Conflict);
    }

    // ------------------------------------------------------------------ consents

    void consentLifecycle()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        auto c = svc.createConsent(s->actor(alice), is.share.id, S("  Dr. Chen  "), S("reliability-study-2026"));
        QVERIFY2(c.ok(), c.ok() ? "" : qPrintable(err(c.error())));
        QCOMPARE(c->subject, S("Dr. Chen"));
        QCOMPARE(c->toJson().value(S("state")).toString(), S("active"));
        QVERIFY(c->toJson().value(S("revoked_at")).isNull());
        QCOMPARE(s->auditCount(S("consent.create")), 1);
        QCOMPARE(svc.listConsents(s->actor(carol), is.share.id, 50, {})->items.size(), 1);

        s->clock.advanceMs(kMinute);
        auto r1 = svc.revokeConsent(s->actor(alice), is.share.id, c->id);
        QVERIFY(r1.ok());
        QCOMPARE(r1->toJson().value(S("state")).toString(), S("revoked"));
        QVERIFY(svc.revokeConsent(s->actor(alice), is.share.id, c->id).ok());
        QCOMPARE(s->auditCount(S("consent.revoke")), 1);

        auto doc = svc.exportConsent(s->actor(alice), is.share.id, c->id);
        QVERIFY(doc.ok());
        QCOMPARE(doc->value(S("consent")).toObject().value(S("id")).toString(), c->id);
        QCOMPARE(doc->value(S("consent")).toObject().value(S("share_id")).toString(), is.share.id);
        QCOMPARE(doc->value(S("share")).toObject().value(S("id")).toString(), is.share.id);
        QCOMPARE(doc->value(S("consent")).toObject().value(S("granted_at")).toString(), ids::formatTime(c->grantedAt));
        QCOMPARE(doc->value(S("consent")).toObject().value(S("revoked_at")).toString(), ids::formatTime(*r1->revokedAt));
        QVERIFY(!doc->value(S("exported_at")).toString().isEmpty());

        QVERIFY(svc.deleteConsent(s->actor(alice), is.share.id, c->id).ok());
        QCOMPARE(s->auditCount(S("consent.delete")), 1);
        QCOMPARE(svc.exportConsent(s->actor(alice), is.share.id, c->id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.deleteConsent(s->actor(alice), is.share.id, c->id).error().code, ErrorCode::NotFound);
    }

    void consentValidationAndScoping()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        IssuedShare other = share(runA);
        auto bad = svc.createConsent(s->actor(alice), is.share.id, S(" "), QString(201, QLatin1Char('s')));
        QCOMPARE(bad.error().code, ErrorCode::Validation);
        QCOMPARE(bad.error().details.size(), 2);
        QCOMPARE(bad.error().details.at(0).field, S("subject"));
        QCOMPARE(bad.error().details.at(1).issue, S("too_long"));
        auto c = svc.createConsent(s->actor(alice), is.share.id, S("subject"), S("scope"));
        QVERIFY(c.ok());
        // A consent is reached only through its own share.
        QCOMPARE(svc.exportConsent(s->actor(alice), other.share.id, c->id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.revokeConsent(s->actor(alice), other.share.id, c->id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.exportConsent(s->actor(bob), is.share.id, c->id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.createConsent(s->actor(carol), is.share.id, S("a"), S("b")).error().code, ErrorCode::Forbidden);
        QVERIFY(svc.revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(svc.createConsent(s->actor(alice), is.share.id, S("a"), S("b")).error().code, ErrorCode::Conflict);
        QCOMPARE(s->auditCount(S("consent.create")), 1);
    }

    // ------------------------------------------------------------------ the eleven public states

    void state11ActiveAnswersTheSnapshotWithoutIds()
    {
        PublicShareResolver res(s->ctx);
        const QString art = insertArtifact(runA, wsA, S("committed"), S("policy.ckpt"), 123456);
        IssuedShare is = share(runA, {}, in(2 * 24 * 3600'000), art);
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.state, PublicState::Active);
        QVERIFY(a.code.isEmpty());
        QCOMPARE(a.header("Cache-Control"), QByteArray("private, no-store"));
        const QJsonObject run = a.json().value(S("run")).toObject();
        QCOMPARE(run.value(S("name")).toString(), S("dreamer-v3-seed-1"));
        QCOMPARE(run.value(S("status")).toString(), S("completed"));
        QCOMPARE(run.value(S("evidence")).toString(), S("unsigned"));
        QCOMPARE(run.value(S("started_at")).toString(), ids::formatTime(1'700'000'000'000));
        QCOMPARE(run.value(S("finished_at")).toString(), ids::formatTime(1'700'003'600'000));
        QCOMPARE(run.value(S("manifest")).toObject().value(S("algo")).toString(), S("dreamer-v3"));
        QCOMPARE(run.value(S("metric_names")).toArray(), (QJsonArray{S("loss"), S("reward")}));
        QCOMPARE(run.value(S("metrics")).toObject().value(S("loss")).toArray(),
                 (QJsonArray{QJsonArray{0, 1.25}, QJsonArray{1, 0.75}}));
        QCOMPARE(a.json().value(S("artifact")).toObject(),
                 (QJsonObject{{S("name"), S("policy.ckpt")}, {S("size_bytes"), 123456}}));

        QStringList all;
        collect(a.json(), &all);
        static const QRegularExpression uuid(S("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
        const QString text = QString::fromUtf8(a.body);
        QVERIFY2(!uuid.match(text).hasMatch(), qPrintable(text));
        for (const QString &secret : {is.token, is.share.tokenPrefix, S("alice@example.com"), S("Alice Lab"),
                                      S("world-models"), ids::formatTime(*is.share.expiresAt)})
            QVERIFY2(!text.contains(secret), qPrintable(secret));
        for (const char *key : {"id", "token", "token_prefix", "has_password", "expires_at", "share_id", "run_id",
                                "workspace_id", "project_id", "owner_id", "email"})
            QVERIFY2(!all.contains(S(key)), key);
    }

    void state2NotFoundMalformedOrMismatched()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA);
        QString mismatched = is.token;
        mismatched[mismatched.size() - 1] = mismatched.endsWith(QLatin1Char('A')) ? QLatin1Char('B') : QLatin1Char('A');
        for (const QString &t : {crypto::randomToken(S("wfxs_"), 32), S("not a*valid&token!"), mismatched, QString(),
                                 is.token.left(20), QString(is.token + S("x"))}) {
            PublicAnswer a = read(res, t);
            QCOMPARE(a.status, 404);
            QCOMPARE(a.code, S("share_not_found"));
            QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
            QVERIFY(a.body.isEmpty());
            QVERIFY(!a.header("RateLimit-Limit").isEmpty()); // counted, in the unknown bucket
        }
        QCOMPARE(read(res, is.token).status, 200);
    }

    void state3Revoked()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA);
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), is.share.id).ok());
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 410);
        QCOMPARE(a.code, S("share_revoked"));
        QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
    }

    void state4ExpiredOnceTheClockPassesExpiry()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, {}, in(3000));
        QCOMPARE(read(res, is.token).status, 200);
        s->clock.advanceMs(2999);
        QCOMPARE(read(res, is.token).status, 200);
        s->clock.advanceMs(1);
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 410);
        QCOMPARE(a.code, S("share_expired"));
        QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
    }

    void states6and7PasswordRequiredWrongAndRight()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, S("pw-0123456789"));
        PublicAnswer none = read(res, is.token);
        QCOMPARE(none.status, 401);
        QCOMPARE(none.code, S("share_password_required"));
        QCOMPARE(read(res, is.token, kAddr, QString()).code, S("share_password_required"));
        PublicAnswer wrong = read(res, is.token, kAddr, S("pw-nope"));
        QCOMPARE(wrong.status, 401);
        QCOMPARE(wrong.code, S("share_wrong_password"));
        QCOMPARE(wrong.header("Cache-Control"), QByteArray("no-store"));
        PublicAnswer right = read(res, is.token, kAddr, S("pw-0123456789"));
        QCOMPARE(right.status, 200);
        QCOMPARE(right.header("Cache-Control"), QByteArray("private, no-store"));
        QVERIFY(!right.body.contains("has_password"));
    }

    void state5LockAfterFiveWrongPasswordsForThatClientOnly()
    {
        PublicShareResolver res(s->ctx);
        const QString pw = S("pw-0123456789");
        IssuedShare is = share(runA, pw);
        for (int i = 1; i <= 5; ++i) {
            PublicAnswer a = read(res, is.token, kAddr, S("wrong-%1").arg(i));
            QCOMPARE(a.status, 401); // the 5th still says wrong password
            QCOMPARE(a.code, S("share_wrong_password"));
            if (i < 5)
                s->clock.advanceMs(30'000);
        }
        for (const std::optional<QString> &attempt : {std::optional<QString>(pw), std::optional<QString>(),
                                                       std::optional<QString>(S("wrong-again"))}) {
            PublicAnswer a = read(res, is.token, kAddr, attempt);
            QCOMPARE(a.status, 429);
            QCOMPARE(a.code, S("share_password_locked"));
            QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
            QCOMPARE(a.header("RateLimit-Limit"), QByteArray("5"));
            QCOMPARE(a.header("RateLimit-Remaining"), QByteArray("0"));
            const QByteArray reset = a.header("RateLimit-Reset");
            QVERIFY(reset.toLongLong() > 0 && reset.toLongLong() <= 900);
            QCOMPARE(a.header("Retry-After"), reset);
            QVERIFY(a.header("RateLimit").startsWith(QByteArray("\"share-password\";r=0;t=" + reset)));
            QVERIFY(a.header("RateLimit-Policy").startsWith("\"share-password\";q=5;w=900"));
        }
        // Another client is not locked.
        QCOMPARE(read(res, is.token, kOtherAddr, pw).status, 200);
        // The lock ends after 15 minutes.
        s->clock.advanceMs(15 * kMinute - 1000);
        QCOMPARE(read(res, is.token, kAddr, pw).code, S("share_password_locked"));
        s->clock.advanceMs(1000);
        QCOMPARE(read(res, is.token, kAddr, pw).status, 200);
    }

    void wrongPasswordsOutsideTheWindowDoNotLock()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, S("pw-0123456789"));
        for (int i = 0; i < 4; ++i)
            QCOMPARE(read(res, is.token, kAddr, S("wrong")).code, S("share_wrong_password"));
        s->clock.advanceMs(16 * kMinute);
        QCOMPARE(read(res, is.token, kAddr, S("wrong")).code, S("share_wrong_password"));
        QCOMPARE(read(res, is.token, kAddr, S("pw-0123456789")).status, 200);
    }

    void state8EvidenceUnverified()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(insertRun(wsA, projA, S("unverified")));
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 409);
        QCOMPARE(a.code, S("evidence_unverified"));
        QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
        QVERIFY(a.body.isEmpty());
        QCOMPARE(read(res, share(insertRun(wsA, projA, S("verified"))).token).status, 200);
    }

    void state9ArtifactFiltered_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("pending") << S("pending");
        QTest::newRow("aborted later") << S("aborted");
        QTest::newRow("deleted state") << S("deleted");
        QTest::newRow("row deleted") << S("gone");
        QTest::newRow("moved to another run") << S("moved");
    }
    void state9ArtifactFiltered()
    {
        QFETCH(QString, how);
        PublicShareResolver res(s->ctx);
        const QString art = insertArtifact(runA, wsA, how == S("pending") ? S("pending") : S("committed"));
        IssuedShare is = share(runA, {}, {}, art);
        QCOMPARE(read(res, is.token).status, how == S("pending") ? 409 : 200);
        if (how == S("aborted") || how == S("deleted"))
            exec(S("UPDATE artifacts SET state = '%1' WHERE id = :id").arg(how), art);
        else if (how == S("gone"))
            exec(S("DELETE FROM artifacts WHERE id = :id"), art);
        else if (how == S("moved")) {
            Query q(s->db->connection(), S("UPDATE artifacts SET run_id = :r WHERE id = :id"));
            q.bind(S(":r"), insertRun(wsA, projA)).bind(S(":id"), art);
            QVERIFY(q.exec());
        }
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 409);
        QCOMPARE(a.code, S("artifact_filtered"));
        QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
        // The share still says which artifact it was for, even after the row is gone.
        QCOMPARE(ShareService(s->ctx).get(s->actor(alice), is.share.id)->artifactId, art);
    }

    void state10PayloadPolicy_data()
    {
        QTest::addColumn<QString>("manifest");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("metric");
        QTest::addColumn<QString>("path");
        const QString plain = S(R"({"seed":1})");
        QTest::newRow("api_key key") << S(R"({"api_key":"x","seed":3})") << S("r") << S("loss") << S("run.manifest.api_key");
        QTest::newRow("nested secret any case") << S(R"({"nested":{"Client_SECRET":"x"}})") << S("r") << S("loss")
                                                << S("run.manifest.nested.Client_SECRET");
        QTest::newRow("API-Key") << S(R"({"API-Key":"x"})") << S("r") << S("loss") << S("run.manifest.API-Key");
        QTest::newRow("password in array") << S(R"({"l":[{"db_password":1}]})") << S("r") << S("loss")
                                           << S("run.manifest.l.0.db_password");
        QTest::newRow("email value") << S(R"({"contact":"alice@example.com"})") << S("r") << S("loss")
                                     << S("run.manifest.contact");
        QTest::newRow("wfx key value") << (S(R"({"note":"wfx_)") + QString(43, QLatin1Char('A')) + S(R"("})"))
                                       << S("r") << S("loss") << S("run.manifest.note");
        QTest::newRow("email in run name") << plain << S("run shared by alice@example.com") << S("loss") << S("run.name");
        QTest::newRow("email as metric name") << plain << S("r") << S("bob@example.com")
                                              << S("run.metric_names.0");
        QTest::newRow("token metric name") << plain << S("r") << S("token_count") << S("run.metrics.token_count");
    }
    void state10PayloadPolicy()
    {
        QFETCH(QString, manifest);
        QFETCH(QString, name);
        QFETCH(QString, metric);
        QFETCH(QString, path);
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA, S("verified"), manifest, name);
        insertMetric(run, metric, 0, 1.0);
        IssuedShare is = share(run);
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 409);
        QCOMPARE(a.code, S("public_payload_policy_rejected"));
        QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
        QVERIFY(a.body.isEmpty());
        QVERIFY(!a.message.contains(path)); // the path is for the administrator only
        QCOMPARE(a.policyPath, path);        // ... who reads it in the server log
        QCOMPARE(a.shareId, is.share.id);
        auto e = res.explain(s->actor(alice), is.token, {});
        QVERIFY(e.ok());
        QCOMPARE(e->verdict.state, PublicState::PayloadRejected);
        QCOMPARE(e->verdict.policyPath, path);
    }

    void payloadPolicyJudgesTheSnapshotNotTheLog()
    {
        PublicShareResolver res(s->ctx);
        Query q(s->db->connection(), S("INSERT INTO run_logs (run_id, content) VALUES (:r, :c)"));
        q.bind(S(":r"), runA).bind(S(":c"), QString(S("mail carol@example.com, key wfx_") + QString(43, QLatin1Char('C'))));
        QVERIFY(q.exec());
        PublicAnswer a = read(res, share(runA).token);
        QCOMPARE(a.status, 200);
        QVERIFY(!a.body.contains("carol@example.com"));
    }

    void payloadPolicyIsConfigurable()
    {
        const QString run = insertRun(wsA, projA, S("unsigned"), S(R"({"hyper":{"lr":0.1},"api_key":"x"})"));
        IssuedShare is = share(run);
        PublicShareResolver lenient(s->ctx, ShareLimits{}, PayloadPolicy(S("^hyper$"), {}));
        PublicAnswer a = read(lenient, is.token);
        QCOMPARE(a.code, S("public_payload_policy_rejected"));
        QCOMPARE(lenient.explain(s->actor(alice), is.token, {})->verdict.policyPath, S("run.manifest.hyper"));
        PublicShareResolver none(s->ctx, ShareLimits{}, PayloadPolicy(S("^nothing-matches$"), {}));
        QCOMPARE(read(none, is.token).status, 200);
        PayloadPolicy broken(S("("), {});
        QVERIFY(!broken.isValid());
        QVERIFY(broken.judge(QJsonObject{{S("a"), 1}}).has_value()); // a broken policy refuses
        QVERIFY(!PayloadPolicy().judge(QJsonObject{{S("run"), QJsonObject{{S("name"), S("wfxs is fine")}}}}).has_value());
    }

    void snapshotSeriesAreBounded()
    {
        ShareLimits lim;
        lim.maxPointsPerSeries = 10;
        lim.maxSeries = 2;
        PublicShareResolver res(s->ctx, lim);
        const QString run = insertRun(wsA, projA);
        {
            auto began = Tx::begin(*s->db);
            QVERIFY(began.ok());
            Tx &tx = *began;
            for (int i = 0; i < 95; ++i)
                insertMetric(run, S("a_long"), i, i * 0.5);
            insertMetric(run, S("b"), 0, 1);
            insertMetric(run, S("c"), 0, 1);
            QVERIFY(tx.commit().ok());
        }
        // The bounds apply when the snapshot is taken: at the share's creation.
        auto made = ShareService(s->ctx, lim).create(s->actor(alice), ShareDraft{run, {}, {}, {}});
        QVERIFY(made.ok());
        PublicAnswer a = read(res, made->token);
        QCOMPARE(a.status, 200);
        const QJsonObject r = a.json().value(S("run")).toObject();
        const QJsonArray series = r.value(S("metrics")).toObject().value(S("a_long")).toArray();
        QVERIFY2(series.size() <= 10 && series.size() >= 5, qPrintable(QString::number(series.size())));
        QCOMPARE(series.first().toArray().at(0).toInt(), 0);
        QCOMPARE(series.last().toArray().at(0).toInt(), 94); // the last point is kept
        QCOMPARE(r.value(S("metric_names")).toArray(), (QJsonArray{S("a_long"), S("b")}));
        QCOMPARE(r.value(S("metrics")).toObject().size(), 2);
        QVERIFY(r.value(S("metrics_truncated")).toBool());
    }

    void theSnapshotIsTakenWhenTheShareIsCreated()
    {
        // CONTRACT.md section 3: later syncs of a growing run do not change what
        // the link shows; the run's evidence is still checked at each read.
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA);
        insertMetric(run, S("loss"), 0, 1.5);
        IssuedShare is = share(run);
        const QByteArray before = read(res, is.token).body;
        QVERIFY(before.contains("\"loss\""));
        insertMetric(run, S("loss"), 1, 0.5);
        insertMetric(run, S("reward"), 0, 3.0);
        Query rename(s->db->connection(), S("UPDATE runs SET name = 'renamed later' WHERE id = :r"));
        rename.bind(S(":r"), run);
        QVERIFY(rename.exec());
        PublicAnswer after = read(res, is.token);
        QCOMPARE(after.status, 200);
        QCOMPARE(after.body, before);
        QVERIFY(!after.body.contains("renamed later"));
        // A second share of the run now sees the run as it stands.
        PublicAnswer second = read(res, share(run).token);
        QVERIFY(second.body.contains("renamed later"));
        QVERIFY(second.body.contains("\"reward\""));
        // Evidence is the run's own, now.
        Query unverify(s->db->connection(), S("UPDATE runs SET evidence = 'unverified' WHERE id = :r"));
        unverify.bind(S(":r"), run);
        QVERIFY(unverify.exec());
        QCOMPARE(read(res, is.token).code, S("evidence_unverified"));
    }

    void aShareFromBeforeKeptSnapshotsTakesOneAtItsFirstRead()
    {
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA);
        insertMetric(run, S("loss"), 0, 1.5);
        IssuedShare is = share(run);
        // As a share made by an earlier version: no snapshot kept.
        Query clear(s->db->connection(), S("UPDATE shares SET snapshot = NULL WHERE id = :id"));
        clear.bind(S(":id"), is.share.id);
        QVERIFY(clear.exec());
        insertMetric(run, S("loss"), 1, 0.5);
        // The inspector looks without recording: nothing is kept by explain().
        auto looked = res.explain(s->actor(alice), is.token, {});
        QVERIFY(looked.ok());
        QCOMPARE(looked->verdict.state, PublicState::Active);
        {
            Query none(s->db->connection(), S("SELECT snapshot IS NULL FROM shares WHERE id = :id"));
            none.bind(S(":id"), is.share.id);
            QVERIFY(none.exec() && none.next());
            QVERIFY(none.i64(0) != 0);
        }
        const PublicAnswer first = read(res, is.token);
        QCOMPARE(first.status, 200);
        QCOMPARE(first.json().value(S("run")).toObject().value(S("metrics")).toObject().value(S("loss")).toArray().size(), 2);
        Query kept(s->db->connection(), S("SELECT snapshot FROM shares WHERE id = :id"));
        kept.bind(S(":id"), is.share.id);
        QVERIFY(kept.exec() && kept.next());
        QCOMPARE(kept.str(0).toUtf8(), first.body);
        insertMetric(run, S("loss"), 2, 0.25);
        QCOMPARE(read(res, is.token).body, first.body); // kept from then on
    }

    // ------------------------------------------------------------------ order between states

    void orderRevokedBeforePassword()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(insertRun(wsA, projA, S("unverified")), S("pw-0123456789"));
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(read(res, is.token).code, S("share_revoked"));
        QCOMPARE(read(res, is.token, kAddr, S("wrong-password")).code, S("share_revoked"));
    }

    void orderExpiredBeforePassword()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, S("pw-0123456789"), in(1000));
        s->clock.advanceMs(1000);
        QCOMPARE(read(res, is.token).code, S("share_expired"));
        QCOMPARE(read(res, is.token, kAddr, S("pw-0123456789")).code, S("share_expired"));
    }

    void orderRevokedBeforePasswordLock()
    {
        // A locked client sees revoked first: revocation outranks the lock.
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, S("pw-0123456789"));
        for (int i = 0; i < 5; ++i)
            read(res, is.token, kAddr, S("wrong-password"));
        QCOMPARE(read(res, is.token).code, S("share_password_locked"));
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(read(res, is.token).code, S("share_revoked"));
    }

    void orderPasswordBeforeEvidence()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(insertRun(wsA, projA, S("unverified")), S("pw-0123456789"));
        QCOMPARE(read(res, is.token).code, S("share_password_required"));
        QCOMPARE(read(res, is.token, kAddr, S("wrong-password")).code, S("share_wrong_password"));
        QCOMPARE(read(res, is.token, kAddr, S("pw-0123456789")).code, S("evidence_unverified"));
    }

    void orderEvidenceBeforeArtifact()
    {
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA, S("unverified"));
        IssuedShare is = share(run, {}, {}, insertArtifact(run, wsA, S("pending")));
        QCOMPARE(read(res, is.token).code, S("evidence_unverified"));
    }

    void orderArtifactBeforePayloadPolicy()
    {
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA, S("unsigned"), S(R"({"api_key":"wfx_AAAAAAAAAAAAAAAAAAAAAAAA"})"),
                                      S("run shared by alice@example.com"));
        IssuedShare is = share(run, {}, {}, insertArtifact(run, wsA, S("pending")));
        QCOMPARE(read(res, is.token).code, S("artifact_filtered"));
    }

    void orderRateLimitBeforeEverything()
    {
        ShareLimits lim;
        lim.readLimit = 2;
        PublicShareResolver res(s->ctx, lim);
        IssuedShare is = share(runA);
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(read(res, is.token).code, S("share_revoked"));
        QCOMPARE(read(res, is.token).code, S("share_revoked"));
        QCOMPARE(read(res, is.token).code, S("share_rate_limited"));
    }

    // ------------------------------------------------------------------ read budget

    void state1ReadBudgetIsPerShareAndClientAddress()
    {
        ShareLimits lim;
        lim.readLimit = 3;
        PublicShareResolver res(s->ctx, lim);
        IssuedShare is = share(runA);
        IssuedShare other = share(runA);
        // Three reads 10 s apart; RateLimit-Reset: when the oldest counted read leaves the window.
        for (int i = 1; i <= 3; ++i) {
            PublicAnswer a = read(res, is.token);
            QCOMPARE(a.status, 200);
            QCOMPARE(a.header("RateLimit-Limit"), QByteArray("3"));
            QCOMPARE(a.header("RateLimit-Remaining"), QByteArray::number(3 - i));
            const QByteArray reset = QByteArray::number(60 - (i - 1) * 10);
            QCOMPARE(a.header("RateLimit-Reset"), reset);
            QCOMPARE(a.header("RateLimit-Policy"), QByteArray("\"share-read\";q=3;w=60"));
            QCOMPARE(a.header("RateLimit"), "\"share-read\";r=" + QByteArray::number(3 - i) + ";t=" + reset);
            QVERIFY(a.header("Retry-After").isEmpty());
            s->clock.advanceMs(10'000);
        }
        // At +30 s: refused. The refused read counts too, so the next read is allowed
        // once the reads of +0 s and +10 s have left: at +70 s, 40 s from now.
        PublicAnswer limited = read(res, is.token);
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.code, S("share_rate_limited"));
        QCOMPARE(limited.header("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(limited.header("RateLimit-Remaining"), QByteArray("0"));
        QCOMPARE(limited.header("Retry-After"), QByteArray("40"));
        QCOMPARE(limited.header("RateLimit-Reset"), QByteArray("40"));
        QCOMPARE(limited.header("RateLimit"), QByteArray("\"share-read\";r=0;t=40"));
        QVERIFY(limited.body.isEmpty());
        // Other address, other share: their own budgets.
        QCOMPARE(read(res, is.token, kOtherAddr).status, 200);
        QCOMPARE(read(res, other.token).status, 200);
        // The window slides: at +70 s one read is allowed, and it uses the last slot
        // (the reads of +20 s and +30 s still count), where a fixed window would have restarted.
        s->clock.advanceMs(40'000);
        PublicAnswer again = read(res, is.token);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.header("RateLimit-Remaining"), QByteArray("0"));
        QCOMPARE(read(res, is.token).status, 429);
    }

    void unknownTokensShareOneBucketPerAddress()
    {
        ShareLimits lim;
        lim.readLimit = 3;
        PublicShareResolver res(s->ctx, lim);
        s->clock.setMs(s->clock.nowMs() - s->clock.nowMs() % kMinute);
        const qint64 rowsBefore = rateRows();
        QCOMPARE(read(res, crypto::randomToken(S("wfxs_"), 32)).code, S("share_not_found"));
        QCOMPARE(read(res, S("garbage!")).code, S("share_not_found"));
        QCOMPARE(read(res, crypto::randomToken(S("wfxs_"), 32)).code, S("share_not_found"));
        PublicAnswer a = read(res, crypto::randomToken(S("wfxs_"), 32));
        QCOMPARE(a.code, S("share_rate_limited"));
        QCOMPARE(a.status, 429);
        QCOMPARE(read(res, S("more garbage")).code, S("share_rate_limited"));
        // Garbage does not grow the table: the address's one bucket, its head row and one sub-window.
        QCOMPARE(rateRows(), rowsBefore + 2);
        // A real share keeps its own bucket; another address has its own unknown bucket.
        QCOMPARE(read(res, share(runA).token).status, 200);
        QCOMPARE(read(res, crypto::randomToken(S("wfxs_"), 32), kOtherAddr).code, S("share_not_found"));
    }

    // ------------------------------------------------------------------ explain

    void explainCountsNothing()
    {
        ShareLimits lim;
        lim.readLimit = 2;
        PublicShareResolver res(s->ctx, lim);
        IssuedShare is = share(runA, S("pw-0123456789"));
        for (int i = 0; i < 5; ++i) {
            auto e = res.explain(s->actor(alice), is.token, kAddr);
            QVERIFY(e.ok());
            QCOMPARE(e->verdict.state, PublicState::PasswordRequired);
            QVERIFY(e->withPassword.has_value());
            QCOMPARE(e->withPassword->state, PublicState::Active);
            QCOMPARE(e->shareId, is.share.id);
        }
        QCOMPARE(rateRows(), 0);
        QCOMPARE(read(res, is.token, kAddr, S("pw-0123456789")).status, 200);
        QCOMPARE(read(res, is.token, kAddr, S("pw-0123456789")).status, 200);
        auto e = res.explain(s->actor(alice), is.share.id, kAddr);
        QCOMPARE(e->verdict.state, PublicState::RateLimited);
        QVERIFY2(e->verdict.reason.contains(kAddr), qPrintable(e->verdict.reason));
        QVERIFY(e->notes.join(QLatin1Char(' ')).contains(S("share_password_required")));
        QCOMPARE(read(res, is.token, kAddr, S("pw-0123456789")).status, 429);
    }

    void explainSaysWhyInWords()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare expired = share(runA, {}, in(kMinute));
        IssuedShare locked = share(runA, S("pw-0123456789"));
        const QString policyRun = insertRun(wsA, projA, S("unsigned"), S(R"({"api_key":"x"})"));
        IssuedShare rejected = share(policyRun);
        s->clock.advanceMs(3 * 24 * 3600'000LL + kMinute);
        for (int i = 0; i < 5; ++i)
            read(res, locked.token, kAddr, S("wrong-password"));

        auto e1 = res.explain(s->actor(alice), expired.share.id, kAddr);
        QCOMPARE(e1->verdict.code, S("share_expired"));
        QVERIFY2(e1->verdict.reason.startsWith(S("expired 3 days ago")), qPrintable(e1->verdict.reason));
        auto e2 = res.explain(s->actor(alice), locked.token, kAddr);
        QCOMPARE(e2->verdict.code, S("share_password_locked"));
        QVERIFY2(e2->verdict.reason.startsWith(S("locked for 203.0.113.7 until ")), qPrintable(e2->verdict.reason));
        QVERIFY2(e2->verdict.reason.contains(S("(in 15 minutes)")), qPrintable(e2->verdict.reason));
        auto e3 = res.explain(s->actor(alice), locked.token, kOtherAddr);
        QCOMPARE(e3->verdict.code, S("share_password_required"));
        auto e4 = res.explain(s->actor(alice), S("https://console.example/api/public/r/") + rejected.token + S("?x=1"), {});
        QCOMPARE(e4->verdict.code, S("public_payload_policy_rejected"));
        QVERIFY2(e4->verdict.reason.contains(S("run.manifest.api_key")), qPrintable(e4->verdict.reason));
        QCOMPARE(e4->toJson().value(S("policy_path")).toString(), S("run.manifest.api_key"));
        auto e5 = res.explain(s->actor(alice), S("nonsense"), kAddr);
        QCOMPARE(e5->verdict.state, PublicState::NotFound);
        QVERIFY(e5->verdict.reason.contains(S("malformed")));
        // Outside the actor's workspaces: not found, nothing revealed.
        auto e6 = res.explain(s->actor(bob), rejected.token, kAddr);
        QCOMPARE(e6->verdict.state, PublicState::NotFound);
        QVERIFY(e6->shareId.isEmpty());
        QVERIFY(e6->verdict.policyPath.isEmpty());
    }

    void systemActorListsEveryWorkspacesShares()
    {
        share(runA);
        ShareService svc(s->ctx);
        QVERIFY(svc.create(s->actor(bob), ShareDraft{runB, {}, {}, {}}).ok());
        auto all = svc.list(Actor::system(), ShareFilter{}, 50, {});
        QVERIFY2(all.ok(), all.ok() ? "" : qPrintable(err(all.error())));
        QCOMPARE(all->items.size(), 2);
        // A user sees only the shares of their own workspaces.
        QCOMPARE(svc.list(s->actor(bob), ShareFilter{}, 50, {})->items.size(), 1);
    }

    void unlockLiftsThePasswordLockForThatClientOnly()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, S("pw-0123456789"));
        for (int i = 0; i < 5; ++i) {
            read(res, is.token, kAddr, S("wrong-password"));
            read(res, is.token, kOtherAddr, S("wrong-password"));
        }
        QCOMPARE(read(res, is.token, kAddr).code, S("share_password_locked"));
        auto u = res.unlock(Actor::system(), is.share.id, kAddr);
        QVERIFY2(u.ok(), u.ok() ? "" : qPrintable(err(u.error())));
        QVERIFY(*u);
        QCOMPARE(s->auditCount(S("share.unlock")), 1);
        QCOMPARE(read(res, is.token, kAddr).code, S("share_password_required"));
        QCOMPARE(read(res, is.token, kOtherAddr).code, S("share_password_locked"));
        // The wrong passwords were forgotten too: one more does not lock again.
        QCOMPARE(read(res, is.token, kAddr, S("wrong-password")).code, S("share_wrong_password"));
        QCOMPARE(read(res, is.token, kAddr).code, S("share_password_required"));
        // Nothing locked: nothing changes, nothing is audited.
        auto again = res.unlock(s->actor(alice), is.share.id, kAddr);
        QVERIFY(again.ok());
        QVERIFY(!*again);
        QCOMPARE(s->auditCount(S("share.unlock")), 1);
    }

    void passwordMatchesCountsNothing()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, S("pw-0123456789"));
        const qint64 before = rateRows();
        QCOMPARE(*res.passwordMatches(s->actor(alice), is.share.id, S("pw-0123456789")), true);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(*res.passwordMatches(s->actor(alice), is.share.id, S("wrong-password")), false);
        QCOMPARE(rateRows(), before);
        QCOMPARE(read(res, is.token).code, S("share_password_required"));
        QCOMPARE(res.passwordMatches(s->actor(bob), is.share.id, S("pw-0123456789")).error().code, ErrorCode::NotFound);
    }

    void unlockNeedsMemberOfTheSharesWorkspace()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, S("pw-0123456789"));
        for (int i = 0; i < 5; ++i)
            read(res, is.token, kAddr, S("wrong-password"));
        QCOMPARE(res.unlock(s->actor(bob), is.share.id, kAddr).error().code, ErrorCode::NotFound);
        QCOMPARE(res.unlock(s->actor(carol), is.share.id, kAddr).error().code, ErrorCode::Forbidden);
        QCOMPARE(res.unlock(s->actor(alice), ids::newUuid(), kAddr).error().code, ErrorCode::NotFound);
        QCOMPARE(res.unlock(s->actor(alice), is.share.id, {}).error().code, ErrorCode::Validation);
        QCOMPARE(read(res, is.token, kAddr).code, S("share_password_locked"));
        QCOMPARE(s->auditCount(S("share.unlock")), 0);
    }
};

QTEST_GUILESS_MAIN(TestShares)
#include "tst_shares.moc"
