// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/core/RateLimiter.h"
#include "models/runs/MetricStore.h"
#include "models/shares/PayloadPolicy.h"
#include "models/shares/PublicShareResolver.h"
#include "models/shares/ShareService.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

using namespace wfx;

namespace {
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

    QString insertRun(
        const QString &ws, const QString &project, const QString &evidence = u"unsigned"_s,
        const QString &manifest = uR"({"algo":"dreamer-v3","seed":1,"env":{"name":"cartpole"}})"_s,
        const QString &name = u"dreamer-v3-seed-1"_s)
    {
        const QString id = ids::newUuid();
        Query q(s->db->connection(),
                u"INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, "
                "started_at, finished_at, created_at, manifest, evidence) VALUES "
                "(:id, :p, :w, :c, :n, 'completed', :st, :fi, :t, :m, :e)"_s);
        q.bind(u":id"_s, id)
            .bind(u":p"_s, project)
            .bind(u":w"_s, ws)
            .bind(u":c"_s, id)
            .bind(u":n"_s, name)
            .bind(u":st"_s, qint64(1'700'000'000'000))
            .bind(u":fi"_s, qint64(1'700'003'600'000))
            .bind(u":t"_s, s->clock.nowMs())
            .bind(u":m"_s, manifest)
            .bind(u":e"_s, evidence);
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
                           const QString &name = u"weights.bin"_s, qint64 size = 4096)
    {
        const QString id = ids::newUuid();
        Query q(s->db->connection(),
                u"INSERT INTO artifacts (id, run_id, workspace_id, name, size_bytes, sha256, "
                "content_type, state, part_size, created_at) VALUES "
                "(:id, :r, :w, :n, :sz, :h, 'application/octet-stream', :st, 8388608, :t)"_s);
        q.bind(u":id"_s, id)
            .bind(u":r"_s, run)
            .bind(u":w"_s, ws)
            .bind(u":n"_s, name)
            .bind(u":sz"_s, size)
            .bind(u":h"_s, QString(64, QLatin1Char('a')))
            .bind(u":st"_s, state)
            .bind(u":t"_s, s->clock.nowMs());
        if (!q.exec())
            qFatal("insertArtifact: %s", qPrintable(q.errorText()));
        return id;
    }
    void exec(const QString &sql, const QString &id)
    {
        Query q(s->db->connection(), sql);
        q.bind(u":id"_s, id);
        if (!q.exec())
            qFatal("exec: %s", qPrintable(q.errorText()));
    }
    IssuedShare share(const QString &run, std::optional<QString> password = std::nullopt,
                      std::optional<QString> expiresAt = std::nullopt,
                      std::optional<QString> artifact = std::nullopt)
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
    qint64 rateRows() { return s->count(u"rate_counters"_s); }

private slots:
    void initTestCase() { wfxtest::useFastPasswordHashing(); }
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(u"alice@example.com"_s);
        bob = s->createUser(u"bob@example.com"_s);
        carol = s->createUser(u"carol@example.com"_s);
        WorkspaceService ws(s->ctx);
        wsA = ws.create(s->actor(alice), u"Alice Lab"_s)->id;
        wsB = ws.create(s->actor(bob), u"Bob Lab"_s)->id;
        projA = ws.createProject(s->actor(alice), wsA, u"world-models"_s)->id;
        projB = ws.createProject(s->actor(bob), wsB, u"other"_s)->id;
        Query m(
            s->db->connection(),
            u"INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (:w, :u, 'viewer', 0)"_s);
        m.bind(u":w"_s, wsA).bind(u":u"_s, carol);
        QVERIFY(m.exec());
        runA = insertRun(wsA, projA);
        insertMetric(runA, u"loss"_s, 0, 1.25);
        insertMetric(runA, u"loss"_s, 1, 0.75);
        insertMetric(runA, u"reward"_s, 0, 3.5);
        runB = insertRun(wsB, projB);
    }
    void cleanup() { s.reset(); }

    // ------------------------------------------------------------------ management

    void createIssuesTokenOnceAndStoresOnlyItsHash()
    {
        const qint64 auditBefore = s->auditCount(u"share.create"_s);
        IssuedShare is = share(runA);
        QVERIFY(ShareService::isWellFormedToken(is.token));
        QVERIFY(is.token.startsWith(u"wfxs_"_s));
        QCOMPARE(is.share.tokenPrefix, is.token.left(12));
        QCOMPARE(is.share.state, u"active"_s);
        QCOMPARE(is.share.hasPassword, false);
        QCOMPARE(is.share.workspaceId, wsA);
        Query q(s->db->connection(),
                u"SELECT token_hash, token_prefix, password_hash FROM shares WHERE id = :id"_s);
        q.bind(u":id"_s, is.share.id);
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.str(0), crypto::sha256Hex(is.token.toUtf8()));
        QVERIFY(q.str(0) != is.token);
        QVERIFY(q.isNull(2));
        const QString json = QString::fromUtf8(QJsonDocument(is.share.toJson()).toJson());
        QVERIFY(!json.contains(is.token));
        for (const char *k : {"id", "run_id", "artifact_id", "state", "expires_at", "has_password",
                              "token_prefix", "created_at"})
            QVERIFY2(is.share.toJson().contains(QString::fromUtf8(k)), k);
        QVERIFY(is.share.toJson().value(u"artifact_id"_s).isNull());
        QVERIFY(is.share.toJson().value(u"expires_at"_s).isNull());
        QCOMPARE(s->auditCount(u"share.create"_s), auditBefore + 1);
        Query a(
            s->db->connection(),
            u"SELECT detail, workspace_id, target_id FROM audit_log WHERE action = 'share.create'"_s);
        QVERIFY(a.exec() && a.next());
        QVERIFY(!a.str(0).contains(is.token.mid(5)));
        QCOMPARE(a.str(1), wsA);
        QCOMPARE(a.str(2), is.share.id);
    }

    void createWithPasswordStoresScryptHash()
    {
        IssuedShare is = share(runA, u"correct horse"_s, in(24 * 3600'000));
        QVERIFY(is.share.hasPassword);
        QVERIFY(is.share.expiresAt.has_value());
        Query q(s->db->connection(), u"SELECT password_hash FROM shares WHERE id = :id"_s);
        q.bind(u":id"_s, is.share.id);
        QVERIFY(q.exec() && q.next());
        QVERIFY(q.str(0).startsWith(u"scrypt$"_s));
        QVERIFY(crypto::verifyPassword(u"correct horse"_s, q.str(0)));
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
        const QString r = u"RUN"_s;
        QTest::newRow("run missing")
            << QString() << QString() << QString() << QString() << u"run_id"_s << u"required"_s;
        QTest::newRow("run not uuid")
            << u"abc"_s << QString() << QString() << QString() << u"run_id"_s << u"invalid"_s;
        QTest::newRow("short password")
            << r << u"1234567"_s << QString() << QString() << u"password"_s << u"too_short"_s;
        QTest::newRow("long password") << r << QString(1025, QLatin1Char('p')) << QString()
                                       << QString() << u"password"_s << u"too_long"_s;
        QTest::newRow("expiry garbage")
            << r << QString() << u"tomorrow"_s << QString() << u"expires_at"_s << u"invalid"_s;
        QTest::newRow("expiry past") << r << QString() << u"2020-01-01T00:00:00Z"_s << QString()
                                     << u"expires_at"_s << u"in_past"_s;
        QTest::newRow("artifact not uuid")
            << r << QString() << QString() << u"x"_s << u"artifact_id"_s << u"invalid"_s;
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
        d.runId = run == u"RUN"_s ? runA : run;
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
        QCOMPARE(s->count(u"shares"_s), 0);
        QCOMPARE(s->auditCount(u"share.create"_s), 0);
    }

    void createReportsEveryInvalidField()
    {
        ShareDraft d{u"nope"_s, u"short"_s, u"yesterday"_s, u"bad"_s};
        auto r = ShareService(s->ctx).create(s->actor(alice), d);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().details.size(), 4);
        QCOMPARE(r.error().details.at(0).field, u"run_id"_s);
        QCOMPARE(r.error().details.at(3).field, u"artifact_id"_s);
    }

    void createArtifactMustBelongToTheRun()
    {
        ShareService svc(s->ctx);
        const QString otherRun = insertRun(wsA, projA);
        const QString foreign = insertArtifact(otherRun, wsA, u"committed"_s);
        auto r = svc.create(s->actor(alice), ShareDraft{runA, {}, {}, foreign});
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QCOMPARE(r.error().details.value(0).issue, u"not_in_run"_s);
        auto unknown = svc.create(s->actor(alice), ShareDraft{runA, {}, {}, ids::newUuid()});
        QCOMPARE(unknown.error().details.value(0).issue, u"not_in_run"_s);
        const QString aborted = insertArtifact(runA, wsA, u"aborted"_s);
        QCOMPARE(svc.create(s->actor(alice), ShareDraft{runA, {}, {}, aborted})
                     .error()
                     .details.value(0)
                     .issue,
                 u"unavailable"_s);
        // A pending artifact may be shared (the public read then answers 409).
        const QString pending = insertArtifact(runA, wsA, u"pending"_s);
        auto ok = svc.create(s->actor(alice), ShareDraft{runA, {}, {}, pending});
        QVERIFY2(ok.ok(), ok.ok() ? "" : qPrintable(err(ok.error())));
        QCOMPARE(ok->share.artifactId, pending);
        QCOMPARE(ok->share.toJson().value(u"artifact_id"_s).toString(), pending);
    }

    void createForUnverifiedRunIsAllowed()
    {
        const QString run = insertRun(wsA, projA, u"unverified"_s);
        QVERIFY(ShareService(s->ctx).create(s->actor(alice), ShareDraft{run, {}, {}, {}}).ok());
    }

    void createNeedsMemberRoleAndWritableUser()
    {
        ShareService svc(s->ctx);
        QCOMPARE(svc.create(s->actor(bob), ShareDraft{runA, {}, {}, {}}).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(svc.create(s->actor(carol), ShareDraft{runA, {}, {}, {}}).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(svc.create(s->actor(alice), ShareDraft{ids::newUuid(), {}, {}, {}}).error().code,
                 ErrorCode::NotFound);
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = wsB;
        QCOMPARE(svc.create(scoped, ShareDraft{runA, {}, {}, {}}).error().code,
                 ErrorCode::NotFound);
        exec(u"UPDATE users SET restricted = 1 WHERE id = :id"_s, alice);
        QCOMPARE(svc.create(s->actor(alice), ShareDraft{runA, {}, {}, {}}).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(s->count(u"shares"_s), 0);
    }

    void otherWorkspacesAreNotFound()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        QCOMPARE(svc.get(s->actor(bob), is.share.id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.revoke(s->actor(bob), is.share.id).error().code, ErrorCode::NotFound);
        QCOMPARE(svc.extend(s->actor(bob), is.share.id, in(kMinute)).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(svc.list(s->actor(bob), ShareFilter{wsA, {}}, 50, {}).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(svc.list(s->actor(bob), ShareFilter{{}, runA}, 50, {}).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(svc.list(s->actor(bob), ShareFilter{}, 50, {})->items.size(), 0);
        QCOMPARE(svc.createConsent(s->actor(bob), is.share.id, u"x"_s, u"y"_s).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(svc.get(s->actor(alice), is.share.id)->state, u"active"_s);
        QCOMPARE(s->auditCount(u"share.revoke"_s), 0);
    }

    void viewerReadsButCannotChange()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        QVERIFY(svc.get(s->actor(carol), is.share.id).ok());
        QCOMPARE(svc.list(s->actor(carol), ShareFilter{wsA, {}}, 50, {})->items.size(), 1);
        QCOMPARE(svc.revoke(s->actor(carol), is.share.id).error().code, ErrorCode::Forbidden);
        QCOMPARE(svc.extend(s->actor(carol), is.share.id, in(kMinute)).error().code,
                 ErrorCode::Forbidden);
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
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{}, 0, {}).error().code,
                 ErrorCode::Validation);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{}, 201, {}).error().code,
                 ErrorCode::Validation);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{}, 50, u"forged"_s).error().code,
                 ErrorCode::Validation);
    }

    void revokeIsIdempotent()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        auto r1 = svc.revoke(s->actor(alice), is.share.id);
        QVERIFY(r1.ok());
        QCOMPARE(r1->state, u"revoked"_s);
        s->clock.advanceMs(kMinute);
        auto r2 = svc.revoke(s->actor(alice), is.share.id);
        QVERIFY(r2.ok());
        QCOMPARE(r2->state, u"revoked"_s);
        QCOMPARE(r2->revokedAt, r1->revokedAt);
        QCOMPARE(s->auditCount(u"share.revoke"_s), 1);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{{}, runA}, 50, {})->items.value(0).state,
                 u"revoked"_s);
        QCOMPARE(svc.revoke(s->actor(alice), ids::newUuid()).error().code, ErrorCode::NotFound);
    }

    void expiryIsComputedWithTheClockAndCanBeExtended()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA, {}, in(kMinute));
        s->clock.advanceMs(kMinute);
        QCOMPARE(svc.get(s->actor(alice), is.share.id)->state, u"expired"_s);
        QCOMPARE(svc.list(s->actor(alice), ShareFilter{{}, runA}, 50, {})->items.value(0).state,
                 u"expired"_s);
        auto e = svc.extend(s->actor(alice), is.share.id, in(kMinute));
        QVERIFY(e.ok());
        QCOMPARE(e->state, u"active"_s);
        QCOMPARE(s->auditCount(u"share.update"_s), 1);
        QVERIFY(svc.extend(s->actor(alice), is.share.id, ids::formatTime(*e->expiresAt)).ok());
        QCOMPARE(s->auditCount(u"share.update"_s), 1); // same expiry: nothing written
        auto never = svc.extend(s->actor(alice), is.share.id, std::nullopt);
        QVERIFY(never.ok());
        QVERIFY(!never->expiresAt.has_value());
        QCOMPARE(s->auditCount(u"share.update"_s), 2);
        QCOMPARE(svc.extend(s->actor(alice), is.share.id, u"2020-01-01T00:00:00Z"_s).error().code,
                 ErrorCode::Validation);
        QVERIFY(svc.revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(svc.extend(s->actor(alice), is.share.id, in(kMinute)).error().code,
                 ErrorCode::Conflict);
    }

    // ------------------------------------------------------------------ consents

    void consentLifecycle()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        auto c = svc.createConsent(s->actor(alice), is.share.id, u"  Dr. Chen  "_s,
                                   u"reliability-study-2026"_s);
        QVERIFY2(c.ok(), c.ok() ? "" : qPrintable(err(c.error())));
        QCOMPARE(c->subject, u"Dr. Chen"_s);
        QCOMPARE(c->toJson().value(u"state"_s).toString(), u"active"_s);
        QVERIFY(c->toJson().value(u"revoked_at"_s).isNull());
        QCOMPARE(s->auditCount(u"consent.create"_s), 1);
        QCOMPARE(svc.listConsents(s->actor(carol), is.share.id, 50, {})->items.size(), 1);

        s->clock.advanceMs(kMinute);
        auto r1 = svc.revokeConsent(s->actor(alice), is.share.id, c->id);
        QVERIFY(r1.ok());
        QCOMPARE(r1->toJson().value(u"state"_s).toString(), u"revoked"_s);
        QVERIFY(svc.revokeConsent(s->actor(alice), is.share.id, c->id).ok());
        QCOMPARE(s->auditCount(u"consent.revoke"_s), 1);

        auto doc = svc.exportConsent(s->actor(alice), is.share.id, c->id);
        QVERIFY(doc.ok());
        QCOMPARE(doc->value(u"consent"_s).toObject().value(u"id"_s).toString(), c->id);
        QCOMPARE(doc->value(u"consent"_s).toObject().value(u"share_id"_s).toString(), is.share.id);
        QCOMPARE(doc->value(u"share"_s).toObject().value(u"id"_s).toString(), is.share.id);
        QCOMPARE(doc->value(u"consent"_s).toObject().value(u"granted_at"_s).toString(),
                 ids::formatTime(c->grantedAt));
        QCOMPARE(doc->value(u"consent"_s).toObject().value(u"revoked_at"_s).toString(),
                 ids::formatTime(*r1->revokedAt));
        QVERIFY(!doc->value(u"exported_at"_s).toString().isEmpty());

        QVERIFY(svc.deleteConsent(s->actor(alice), is.share.id, c->id).ok());
        QCOMPARE(s->auditCount(u"consent.delete"_s), 1);
        QCOMPARE(svc.exportConsent(s->actor(alice), is.share.id, c->id).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(svc.deleteConsent(s->actor(alice), is.share.id, c->id).error().code,
                 ErrorCode::NotFound);
    }

    void consentValidationAndScoping()
    {
        ShareService svc(s->ctx);
        IssuedShare is = share(runA);
        IssuedShare other = share(runA);
        auto bad =
            svc.createConsent(s->actor(alice), is.share.id, u" "_s, QString(201, QLatin1Char('s')));
        QCOMPARE(bad.error().code, ErrorCode::Validation);
        QCOMPARE(bad.error().details.size(), 2);
        QCOMPARE(bad.error().details.at(0).field, u"subject"_s);
        QCOMPARE(bad.error().details.at(1).issue, u"too_long"_s);
        auto c = svc.createConsent(s->actor(alice), is.share.id, u"subject"_s, u"scope"_s);
        QVERIFY(c.ok());
        // A consent is reached only through its own share.
        QCOMPARE(svc.exportConsent(s->actor(alice), other.share.id, c->id).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(svc.revokeConsent(s->actor(alice), other.share.id, c->id).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(svc.exportConsent(s->actor(bob), is.share.id, c->id).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(svc.createConsent(s->actor(carol), is.share.id, u"a"_s, u"b"_s).error().code,
                 ErrorCode::Forbidden);
        QVERIFY(svc.revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(svc.createConsent(s->actor(alice), is.share.id, u"a"_s, u"b"_s).error().code,
                 ErrorCode::Conflict);
        QCOMPARE(s->auditCount(u"consent.create"_s), 1);
    }

    // ------------------------------------------------------------------ the eleven public states

    void state11ActiveAnswersTheSnapshotWithoutIds()
    {
        PublicShareResolver res(s->ctx);
        const QString art = insertArtifact(runA, wsA, u"committed"_s, u"policy.ckpt"_s, 123456);
        IssuedShare is = share(runA, {}, in(2 * 24 * 3600'000), art);
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 200);
        QCOMPARE(a.state, PublicState::Active);
        QVERIFY(a.code.isEmpty());
        QCOMPARE(a.header("Cache-Control"), QByteArray("private, no-store"));
        const QJsonObject run = a.json().value(u"run"_s).toObject();
        QCOMPARE(run.value(u"name"_s).toString(), u"dreamer-v3-seed-1"_s);
        QCOMPARE(run.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(run.value(u"evidence"_s).toString(), u"unsigned"_s);
        QCOMPARE(run.value(u"started_at"_s).toString(), ids::formatTime(1'700'000'000'000));
        QCOMPARE(run.value(u"finished_at"_s).toString(), ids::formatTime(1'700'003'600'000));
        QCOMPARE(run.value(u"manifest"_s).toObject().value(u"algo"_s).toString(), u"dreamer-v3"_s);
        QCOMPARE(run.value(u"metric_names"_s).toArray(), (QJsonArray{u"loss"_s, u"reward"_s}));
        QCOMPARE(run.value(u"metrics"_s).toObject().value(u"loss"_s).toArray(),
                 (QJsonArray{QJsonArray{0, 1.25}, QJsonArray{1, 0.75}}));
        QCOMPARE(a.json().value(u"artifact"_s).toObject(),
                 (QJsonObject{{u"name"_s, u"policy.ckpt"_s}, {u"size_bytes"_s, 123456}}));

        QStringList all;
        collect(a.json(), &all);
        static const QRegularExpression uuid(
            u"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"_s);
        const QString text = QString::fromUtf8(a.body);
        QVERIFY2(!uuid.match(text).hasMatch(), qPrintable(text));
        for (const QString &secret :
             {is.token, is.share.tokenPrefix, u"alice@example.com"_s, u"Alice Lab"_s,
              u"world-models"_s, ids::formatTime(*is.share.expiresAt)})
            QVERIFY2(!text.contains(secret), qPrintable(secret));
        for (const char *key :
             {"id", "token", "token_prefix", "has_password", "expires_at", "share_id", "run_id",
              "workspace_id", "project_id", "owner_id", "email"})
            QVERIFY2(!all.contains(QString::fromUtf8(key)), key);
    }

    void state2NotFoundMalformedOrMismatched()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA);
        QString mismatched = is.token;
        mismatched[mismatched.size() - 1] =
            mismatched.endsWith(QLatin1Char('A')) ? QLatin1Char('B') : QLatin1Char('A');
        for (const QString &t :
             {crypto::randomToken(u"wfxs_"_s, 32), u"not a*valid&token!"_s, mismatched, QString(),
              is.token.left(20), QString(is.token + u"x"_s)}) {
            PublicAnswer a = read(res, t);
            QCOMPARE(a.status, 404);
            QCOMPARE(a.code, u"share_not_found"_s);
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
        QCOMPARE(a.code, u"share_revoked"_s);
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
        QCOMPARE(a.code, u"share_expired"_s);
        QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
    }

    void states6and7PasswordRequiredWrongAndRight()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, u"pw-0123456789"_s);
        PublicAnswer none = read(res, is.token);
        QCOMPARE(none.status, 401);
        QCOMPARE(none.code, u"share_password_required"_s);
        QCOMPARE(read(res, is.token, kAddr, QString()).code, u"share_password_required"_s);
        PublicAnswer wrong = read(res, is.token, kAddr, u"pw-nope"_s);
        QCOMPARE(wrong.status, 401);
        QCOMPARE(wrong.code, u"share_wrong_password"_s);
        QCOMPARE(wrong.header("Cache-Control"), QByteArray("no-store"));
        PublicAnswer right = read(res, is.token, kAddr, u"pw-0123456789"_s);
        QCOMPARE(right.status, 200);
        QCOMPARE(right.header("Cache-Control"), QByteArray("private, no-store"));
        QVERIFY(!right.body.contains("has_password"));
    }

    void state5LockAfterFiveWrongPasswordsForThatClientOnly()
    {
        PublicShareResolver res(s->ctx);
        const QString pw = u"pw-0123456789"_s;
        IssuedShare is = share(runA, pw);
        for (int i = 1; i <= 5; ++i) {
            PublicAnswer a = read(res, is.token, kAddr, u"wrong-%1"_s.arg(i));
            QCOMPARE(a.status, 401); // the 5th still says wrong password
            QCOMPARE(a.code, u"share_wrong_password"_s);
            if (i < 5)
                s->clock.advanceMs(30'000);
        }
        for (const std::optional<QString> &attempt :
             {std::optional<QString>(pw), std::optional<QString>(),
              std::optional<QString>(u"wrong-again"_s)}) {
            PublicAnswer a = read(res, is.token, kAddr, attempt);
            QCOMPARE(a.status, 429);
            QCOMPARE(a.code, u"share_password_locked"_s);
            QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
            QCOMPARE(a.header("RateLimit-Limit"), QByteArray("5"));
            QCOMPARE(a.header("RateLimit-Remaining"), QByteArray("0"));
            const QByteArray reset = a.header("RateLimit-Reset");
            QVERIFY(reset.toLongLong() > 0 && reset.toLongLong() <= 900);
            QCOMPARE(a.header("Retry-After"), reset);
            QVERIFY(
                a.header("RateLimit").startsWith(QByteArray("\"share-password\";r=0;t=" + reset)));
            QVERIFY(a.header("RateLimit-Policy").startsWith("\"share-password\";q=5;w=900"));
        }
        // Another client is not locked.
        QCOMPARE(read(res, is.token, kOtherAddr, pw).status, 200);
        // The lock ends after 15 minutes.
        s->clock.advanceMs(15 * kMinute - 1000);
        QCOMPARE(read(res, is.token, kAddr, pw).code, u"share_password_locked"_s);
        s->clock.advanceMs(1000);
        QCOMPARE(read(res, is.token, kAddr, pw).status, 200);
    }

    void wrongPasswordsOutsideTheWindowDoNotLock()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, u"pw-0123456789"_s);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(read(res, is.token, kAddr, u"wrong"_s).code, u"share_wrong_password"_s);
        s->clock.advanceMs(16 * kMinute);
        QCOMPARE(read(res, is.token, kAddr, u"wrong"_s).code, u"share_wrong_password"_s);
        QCOMPARE(read(res, is.token, kAddr, u"pw-0123456789"_s).status, 200);
    }

    void state8EvidenceUnverified()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(insertRun(wsA, projA, u"unverified"_s));
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 409);
        QCOMPARE(a.code, u"evidence_unverified"_s);
        QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
        QVERIFY(a.body.isEmpty());
        QCOMPARE(read(res, share(insertRun(wsA, projA, u"verified"_s)).token).status, 200);
    }

    void state9ArtifactFiltered_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("pending") << u"pending"_s;
        QTest::newRow("aborted later") << u"aborted"_s;
        QTest::newRow("deleted state") << u"deleted"_s;
        QTest::newRow("row deleted") << u"gone"_s;
        QTest::newRow("moved to another run") << u"moved"_s;
    }
    void state9ArtifactFiltered()
    {
        QFETCH(QString, how);
        PublicShareResolver res(s->ctx);
        const QString art =
            insertArtifact(runA, wsA, how == u"pending"_s ? u"pending"_s : u"committed"_s);
        IssuedShare is = share(runA, {}, {}, art);
        QCOMPARE(read(res, is.token).status, how == u"pending"_s ? 409 : 200);
        if (how == u"aborted"_s || how == u"deleted"_s)
            exec(u"UPDATE artifacts SET state = '%1' WHERE id = :id"_s.arg(how), art);
        else if (how == u"gone"_s)
            exec(u"DELETE FROM artifacts WHERE id = :id"_s, art);
        else if (how == u"moved"_s) {
            Query q(s->db->connection(), u"UPDATE artifacts SET run_id = :r WHERE id = :id"_s);
            q.bind(u":r"_s, insertRun(wsA, projA)).bind(u":id"_s, art);
            QVERIFY(q.exec());
        }
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 409);
        QCOMPARE(a.code, u"artifact_filtered"_s);
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
        const QString plain = uR"({"seed":1})"_s;
        QTest::newRow("api_key key")
            << uR"({"api_key":"x","seed":3})"_s << u"r"_s << u"loss"_s << u"run.manifest.api_key"_s;
        QTest::newRow("nested secret any case")
            << uR"({"nested":{"Client_SECRET":"x"}})"_s << u"r"_s << u"loss"_s
            << u"run.manifest.nested.Client_SECRET"_s;
        QTest::newRow("API-Key") << uR"({"API-Key":"x"})"_s << u"r"_s << u"loss"_s
                                 << u"run.manifest.API-Key"_s;
        QTest::newRow("password in array") << uR"({"l":[{"db_password":1}]})"_s << u"r"_s
                                           << u"loss"_s << u"run.manifest.l.0.db_password"_s;
        QTest::newRow("email value") << uR"({"contact":"alice@example.com"})"_s << u"r"_s
                                     << u"loss"_s << u"run.manifest.contact"_s;
        QTest::newRow("wfx key value")
            << (uR"({"note":"wfx_)"_s + QString(43, QLatin1Char('A')) + uR"("})"_s) << u"r"_s
            << u"loss"_s << u"run.manifest.note"_s;
        QTest::newRow("email in run name")
            << plain << u"run shared by alice@example.com"_s << u"loss"_s << u"run.name"_s;
        QTest::newRow("email as metric name")
            << plain << u"r"_s << u"bob@example.com"_s << u"run.metric_names.0"_s;
        QTest::newRow("token metric name")
            << plain << u"r"_s << u"token_count"_s << u"run.metrics.token_count"_s;
    }
    void state10PayloadPolicy()
    {
        QFETCH(QString, manifest);
        QFETCH(QString, name);
        QFETCH(QString, metric);
        QFETCH(QString, path);
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA, u"verified"_s, manifest, name);
        insertMetric(run, metric, 0, 1.0);
        IssuedShare is = share(run);
        PublicAnswer a = read(res, is.token);
        QCOMPARE(a.status, 409);
        QCOMPARE(a.code, u"public_payload_policy_rejected"_s);
        QCOMPARE(a.header("Cache-Control"), QByteArray("no-store"));
        QVERIFY(a.body.isEmpty());
        QVERIFY(!a.message.contains(path)); // the path is for the administrator only
        QCOMPARE(a.policyPath, path);       // ... who reads it in the server log
        QCOMPARE(a.shareId, is.share.id);
        auto e = res.explain(s->actor(alice), is.token, {});
        QVERIFY(e.ok());
        QCOMPARE(e->verdict.state, PublicState::PayloadRejected);
        QCOMPARE(e->verdict.policyPath, path);
    }

    void payloadPolicyJudgesTheSnapshotNotTheLog()
    {
        PublicShareResolver res(s->ctx);
        Query q(s->db->connection(), u"INSERT INTO run_logs (run_id, content) VALUES (:r, :c)"_s);
        q.bind(u":r"_s, runA)
            .bind(u":c"_s,
                  QString(u"mail carol@example.com, key wfx_"_s + QString(43, QLatin1Char('C'))));
        QVERIFY(q.exec());
        PublicAnswer a = read(res, share(runA).token);
        QCOMPARE(a.status, 200);
        QVERIFY(!a.body.contains("carol@example.com"));
    }

    void payloadPolicyIsConfigurable()
    {
        const QString run =
            insertRun(wsA, projA, u"unsigned"_s, uR"({"hyper":{"lr":0.1},"api_key":"x"})"_s);
        IssuedShare is = share(run);
        PublicShareResolver lenient(s->ctx, ShareLimits{}, PayloadPolicy(u"^hyper$"_s, {}));
        PublicAnswer a = read(lenient, is.token);
        QCOMPARE(a.code, u"public_payload_policy_rejected"_s);
        QCOMPARE(lenient.explain(s->actor(alice), is.token, {})->verdict.policyPath,
                 u"run.manifest.hyper"_s);
        PublicShareResolver none(s->ctx, ShareLimits{}, PayloadPolicy(u"^nothing-matches$"_s, {}));
        QCOMPARE(read(none, is.token).status, 200);
        PayloadPolicy broken(u"("_s, {});
        QVERIFY(!broken.isValid());
        QVERIFY(broken.judge(QJsonObject{{u"a"_s, 1}}).has_value()); // a broken policy refuses
        QVERIFY(!PayloadPolicy()
                     .judge(QJsonObject{{u"run"_s, QJsonObject{{u"name"_s, u"wfxs is fine"_s}}}})
                     .has_value());
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
                insertMetric(run, u"a_long"_s, i, i * 0.5);
            insertMetric(run, u"b"_s, 0, 1);
            insertMetric(run, u"c"_s, 0, 1);
            QVERIFY(tx.commit().ok());
        }
        // The bounds apply when the snapshot is taken: at the share's creation.
        auto made = ShareService(s->ctx, lim).create(s->actor(alice), ShareDraft{run, {}, {}, {}});
        QVERIFY(made.ok());
        PublicAnswer a = read(res, made->token);
        QCOMPARE(a.status, 200);
        const QJsonObject r = a.json().value(u"run"_s).toObject();
        const QJsonArray series = r.value(u"metrics"_s).toObject().value(u"a_long"_s).toArray();
        QVERIFY2(series.size() <= 10 && series.size() >= 5,
                 qPrintable(QString::number(series.size())));
        QCOMPARE(series.first().toArray().at(0).toInt(), 0);
        QCOMPARE(series.last().toArray().at(0).toInt(), 94); // the last point is kept
        QCOMPARE(r.value(u"metric_names"_s).toArray(), (QJsonArray{u"a_long"_s, u"b"_s}));
        QCOMPARE(r.value(u"metrics"_s).toObject().size(), 2);
        QVERIFY(r.value(u"metrics_truncated"_s).toBool());
    }

    void theSnapshotIsTakenWhenTheShareIsCreated()
    {
        // CONTRACT.md section 3: later syncs of a growing run do not change what
        // the link shows; the run's evidence is still checked at each read.
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA);
        insertMetric(run, u"loss"_s, 0, 1.5);
        IssuedShare is = share(run);
        const QByteArray before = read(res, is.token).body;
        QVERIFY(before.contains("\"loss\""));
        insertMetric(run, u"loss"_s, 1, 0.5);
        insertMetric(run, u"reward"_s, 0, 3.0);
        Query rename(s->db->connection(),
                     u"UPDATE runs SET name = 'renamed later' WHERE id = :r"_s);
        rename.bind(u":r"_s, run);
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
        Query unverify(s->db->connection(),
                       u"UPDATE runs SET evidence = 'unverified' WHERE id = :r"_s);
        unverify.bind(u":r"_s, run);
        QVERIFY(unverify.exec());
        QCOMPARE(read(res, is.token).code, u"evidence_unverified"_s);
    }

    // The gate judges the run's evidence as it is now, the snapshot keeps the
    // evidence it had when shared: a run shared while unverified and verified
    // since is shown, saying "unverified" (why the public schema lists it).
    void aSnapshotKeepsTheEvidenceItWasTakenWith()
    {
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA, u"unverified"_s);
        IssuedShare is = share(run);
        QCOMPARE(read(res, is.token).code, u"evidence_unverified"_s);
        Query verify(s->db->connection(), u"UPDATE runs SET evidence = 'verified' WHERE id = :r"_s);
        verify.bind(u":r"_s, run);
        QVERIFY(verify.exec());
        PublicAnswer now = read(res, is.token);
        QCOMPARE(now.status, 200);
        QVERIFY(now.body.contains("\"evidence\":\"unverified\""));
        QVERIFY(read(res, share(run).token).body.contains("\"evidence\":\"verified\""));
    }

    void aShareFromBeforeKeptSnapshotsTakesOneAtItsFirstRead()
    {
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA);
        insertMetric(run, u"loss"_s, 0, 1.5);
        IssuedShare is = share(run);
        // As a share made by an earlier version: no snapshot kept.
        Query clear(s->db->connection(), u"UPDATE shares SET snapshot = NULL WHERE id = :id"_s);
        clear.bind(u":id"_s, is.share.id);
        QVERIFY(clear.exec());
        insertMetric(run, u"loss"_s, 1, 0.5);
        // The inspector looks without recording: nothing is kept by explain().
        auto looked = res.explain(s->actor(alice), is.token, {});
        QVERIFY(looked.ok());
        QCOMPARE(looked->verdict.state, PublicState::Active);
        {
            Query none(s->db->connection(),
                       u"SELECT snapshot IS NULL FROM shares WHERE id = :id"_s);
            none.bind(u":id"_s, is.share.id);
            QVERIFY(none.exec() && none.next());
            QVERIFY(none.i64(0) != 0);
        }
        const PublicAnswer first = read(res, is.token);
        QCOMPARE(first.status, 200);
        QCOMPARE(first.json()
                     .value(u"run"_s)
                     .toObject()
                     .value(u"metrics"_s)
                     .toObject()
                     .value(u"loss"_s)
                     .toArray()
                     .size(),
                 2);
        Query kept(s->db->connection(), u"SELECT snapshot FROM shares WHERE id = :id"_s);
        kept.bind(u":id"_s, is.share.id);
        QVERIFY(kept.exec() && kept.next());
        QCOMPARE(kept.str(0).toUtf8(), first.body);
        insertMetric(run, u"loss"_s, 2, 0.25);
        QCOMPARE(read(res, is.token).body, first.body); // kept from then on
    }

    // ------------------------------------------------------------------ order between states

    void orderRevokedBeforePassword()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(insertRun(wsA, projA, u"unverified"_s), u"pw-0123456789"_s);
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(read(res, is.token).code, u"share_revoked"_s);
        QCOMPARE(read(res, is.token, kAddr, u"wrong-password"_s).code, u"share_revoked"_s);
    }

    void orderExpiredBeforePassword()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, u"pw-0123456789"_s, in(1000));
        s->clock.advanceMs(1000);
        QCOMPARE(read(res, is.token).code, u"share_expired"_s);
        QCOMPARE(read(res, is.token, kAddr, u"pw-0123456789"_s).code, u"share_expired"_s);
    }

    void orderRevokedBeforePasswordLock()
    {
        // A locked client sees revoked first: revocation outranks the lock.
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, u"pw-0123456789"_s);
        for (int i = 0; i < 5; ++i)
            read(res, is.token, kAddr, u"wrong-password"_s);
        QCOMPARE(read(res, is.token).code, u"share_password_locked"_s);
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(read(res, is.token).code, u"share_revoked"_s);
    }

    void orderPasswordBeforeEvidence()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(insertRun(wsA, projA, u"unverified"_s), u"pw-0123456789"_s);
        QCOMPARE(read(res, is.token).code, u"share_password_required"_s);
        QCOMPARE(read(res, is.token, kAddr, u"wrong-password"_s).code, u"share_wrong_password"_s);
        QCOMPARE(read(res, is.token, kAddr, u"pw-0123456789"_s).code, u"evidence_unverified"_s);
    }

    void orderEvidenceBeforeArtifact()
    {
        PublicShareResolver res(s->ctx);
        const QString run = insertRun(wsA, projA, u"unverified"_s);
        IssuedShare is = share(run, {}, {}, insertArtifact(run, wsA, u"pending"_s));
        QCOMPARE(read(res, is.token).code, u"evidence_unverified"_s);
    }

    void orderArtifactBeforePayloadPolicy()
    {
        PublicShareResolver res(s->ctx);
        const QString run =
            insertRun(wsA, projA, u"unsigned"_s, uR"({"api_key":"wfx_AAAAAAAAAAAAAAAAAAAAAAAA"})"_s,
                      u"run shared by alice@example.com"_s);
        IssuedShare is = share(run, {}, {}, insertArtifact(run, wsA, u"pending"_s));
        QCOMPARE(read(res, is.token).code, u"artifact_filtered"_s);
    }

    void orderRateLimitBeforeEverything()
    {
        ShareLimits lim;
        lim.readLimit = 2;
        PublicShareResolver res(s->ctx, lim);
        IssuedShare is = share(runA);
        QVERIFY(ShareService(s->ctx).revoke(s->actor(alice), is.share.id).ok());
        QCOMPARE(read(res, is.token).code, u"share_revoked"_s);
        QCOMPARE(read(res, is.token).code, u"share_revoked"_s);
        QCOMPARE(read(res, is.token).code, u"share_rate_limited"_s);
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
            QCOMPARE(a.header("RateLimit"),
                     "\"share-read\";r=" + QByteArray::number(3 - i) + ";t=" + reset);
            QVERIFY(a.header("Retry-After").isEmpty());
            s->clock.advanceMs(10'000);
        }
        // At +30 s: refused. The refused read counts too, so the next read is allowed
        // once the reads of +0 s and +10 s have left: at +70 s, 40 s from now.
        PublicAnswer limited = read(res, is.token);
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.code, u"share_rate_limited"_s);
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
        QCOMPARE(read(res, crypto::randomToken(u"wfxs_"_s, 32)).code, u"share_not_found"_s);
        QCOMPARE(read(res, u"garbage!"_s).code, u"share_not_found"_s);
        QCOMPARE(read(res, crypto::randomToken(u"wfxs_"_s, 32)).code, u"share_not_found"_s);
        PublicAnswer a = read(res, crypto::randomToken(u"wfxs_"_s, 32));
        QCOMPARE(a.code, u"share_rate_limited"_s);
        QCOMPARE(a.status, 429);
        QCOMPARE(read(res, u"more garbage"_s).code, u"share_rate_limited"_s);
        // Garbage does not grow the table: the address's one bucket, its head row and one
        // sub-window.
        QCOMPARE(rateRows(), rowsBefore + 2);
        // A real share keeps its own bucket; another address has its own unknown bucket.
        QCOMPARE(read(res, share(runA).token).status, 200);
        QCOMPARE(read(res, crypto::randomToken(u"wfxs_"_s, 32), kOtherAddr).code,
                 u"share_not_found"_s);
    }

    // ------------------------------------------------------------------ explain

    void explainCountsNothing()
    {
        ShareLimits lim;
        lim.readLimit = 2;
        PublicShareResolver res(s->ctx, lim);
        IssuedShare is = share(runA, u"pw-0123456789"_s);
        for (int i = 0; i < 5; ++i) {
            auto e = res.explain(s->actor(alice), is.token, kAddr);
            QVERIFY(e.ok());
            QCOMPARE(e->verdict.state, PublicState::PasswordRequired);
            QVERIFY(e->withPassword.has_value());
            QCOMPARE(e->withPassword->state, PublicState::Active);
            QCOMPARE(e->shareId, is.share.id);
        }
        QCOMPARE(rateRows(), 0);
        QCOMPARE(read(res, is.token, kAddr, u"pw-0123456789"_s).status, 200);
        QCOMPARE(read(res, is.token, kAddr, u"pw-0123456789"_s).status, 200);
        auto e = res.explain(s->actor(alice), is.share.id, kAddr);
        QCOMPARE(e->verdict.state, PublicState::RateLimited);
        QVERIFY2(e->verdict.reason.contains(kAddr), qPrintable(e->verdict.reason));
        QVERIFY(e->notes.join(QLatin1Char(' ')).contains(u"share_password_required"_s));
        QCOMPARE(read(res, is.token, kAddr, u"pw-0123456789"_s).status, 429);
    }

    void explainSaysWhyInWords()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare expired = share(runA, {}, in(kMinute));
        IssuedShare locked = share(runA, u"pw-0123456789"_s);
        const QString policyRun = insertRun(wsA, projA, u"unsigned"_s, uR"({"api_key":"x"})"_s);
        IssuedShare rejected = share(policyRun);
        s->clock.advanceMs(3 * 24 * 3600'000LL + kMinute);
        for (int i = 0; i < 5; ++i)
            read(res, locked.token, kAddr, u"wrong-password"_s);

        auto e1 = res.explain(s->actor(alice), expired.share.id, kAddr);
        QCOMPARE(e1->verdict.code, u"share_expired"_s);
        QVERIFY2(e1->verdict.reason.startsWith(u"expired 3 days ago"_s),
                 qPrintable(e1->verdict.reason));
        auto e2 = res.explain(s->actor(alice), locked.token, kAddr);
        QCOMPARE(e2->verdict.code, u"share_password_locked"_s);
        QVERIFY2(e2->verdict.reason.startsWith(u"locked for 203.0.113.7 until "_s),
                 qPrintable(e2->verdict.reason));
        QVERIFY2(e2->verdict.reason.contains(u"(in 15 minutes)"_s), qPrintable(e2->verdict.reason));
        auto e3 = res.explain(s->actor(alice), locked.token, kOtherAddr);
        QCOMPARE(e3->verdict.code, u"share_password_required"_s);
        auto e4 = res.explain(
            s->actor(alice),
            u"https://console.example/api/public/r/"_s + rejected.token + u"?x=1"_s, {});
        QCOMPARE(e4->verdict.code, u"public_payload_policy_rejected"_s);
        QVERIFY2(e4->verdict.reason.contains(u"run.manifest.api_key"_s),
                 qPrintable(e4->verdict.reason));
        QCOMPARE(e4->toJson().value(u"policy_path"_s).toString(), u"run.manifest.api_key"_s);
        auto e5 = res.explain(s->actor(alice), u"nonsense"_s, kAddr);
        QCOMPARE(e5->verdict.state, PublicState::NotFound);
        QVERIFY(e5->verdict.reason.contains(u"malformed"_s));
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
        IssuedShare is = share(runA, u"pw-0123456789"_s);
        for (int i = 0; i < 5; ++i) {
            read(res, is.token, kAddr, u"wrong-password"_s);
            read(res, is.token, kOtherAddr, u"wrong-password"_s);
        }
        QCOMPARE(read(res, is.token, kAddr).code, u"share_password_locked"_s);
        auto u = res.unlock(Actor::system(), is.share.id, kAddr);
        QVERIFY2(u.ok(), u.ok() ? "" : qPrintable(err(u.error())));
        QVERIFY(*u);
        QCOMPARE(s->auditCount(u"share.unlock"_s), 1);
        QCOMPARE(read(res, is.token, kAddr).code, u"share_password_required"_s);
        QCOMPARE(read(res, is.token, kOtherAddr).code, u"share_password_locked"_s);
        // The wrong passwords were forgotten too: one more does not lock again.
        QCOMPARE(read(res, is.token, kAddr, u"wrong-password"_s).code, u"share_wrong_password"_s);
        QCOMPARE(read(res, is.token, kAddr).code, u"share_password_required"_s);
        // Nothing locked: nothing changes, nothing is audited.
        auto again = res.unlock(s->actor(alice), is.share.id, kAddr);
        QVERIFY(again.ok());
        QVERIFY(!*again);
        QCOMPARE(s->auditCount(u"share.unlock"_s), 1);
    }

    void passwordMatchesCountsNothing()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, u"pw-0123456789"_s);
        const qint64 before = rateRows();
        QCOMPARE(*res.passwordMatches(s->actor(alice), is.share.id, u"pw-0123456789"_s), true);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(*res.passwordMatches(s->actor(alice), is.share.id, u"wrong-password"_s),
                     false);
        QCOMPARE(rateRows(), before);
        QCOMPARE(read(res, is.token).code, u"share_password_required"_s);
        QCOMPARE(res.passwordMatches(s->actor(bob), is.share.id, u"pw-0123456789"_s).error().code,
                 ErrorCode::NotFound);
    }

    void unlockNeedsMemberOfTheSharesWorkspace()
    {
        PublicShareResolver res(s->ctx);
        IssuedShare is = share(runA, u"pw-0123456789"_s);
        for (int i = 0; i < 5; ++i)
            read(res, is.token, kAddr, u"wrong-password"_s);
        QCOMPARE(res.unlock(s->actor(bob), is.share.id, kAddr).error().code, ErrorCode::NotFound);
        QCOMPARE(res.unlock(s->actor(carol), is.share.id, kAddr).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(res.unlock(s->actor(alice), ids::newUuid(), kAddr).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(res.unlock(s->actor(alice), is.share.id, {}).error().code, ErrorCode::Validation);
        QCOMPARE(read(res, is.token, kAddr).code, u"share_password_locked"_s);
        QCOMPARE(s->auditCount(u"share.unlock"_s), 0);
    }
};

QTEST_GUILESS_MAIN(TestShares)
#include "tst_shares.moc"
