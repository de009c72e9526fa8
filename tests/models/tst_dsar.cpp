// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/audit/AuditService.h"
#include "models/dsar/DsarService.h"
#include "models/runs/MetricStore.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace wfx;

class TestDsar : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString alice, bob;

    void exec(const QString &sql, const QVariantMap &binds)
    {
        Query q(s->db->connection(), sql);
        for (auto it = binds.cbegin(); it != binds.cend(); ++it)
            q.bind(it.key(), it.value());
        QVERIFY2(q.exec(), qPrintable(q.errorText()));
    }
    qint64 scalar(const QString &sql, const QString &bindName = {}, const QVariant &v = {})
    {
        Query q(s->db->connection(), sql);
        if (!bindName.isEmpty())
            q.bind(bindName, v);
        return q.exec() && q.next() ? q.i64(0) : -1;
    }
    // A key, a session and a share for `user` with recognisable secret hashes.
    void seedCredentials(const QString &user, const QString &wsId)
    {
        const qint64 t = s->clock.nowMs();
        exec(QStringLiteral("UPDATE users SET password_hash = 'PWHASH_MARKER' WHERE id = :u"),
             {{QStringLiteral(":u"), user}});
        exec(QStringLiteral("INSERT INTO api_keys (id, user_id, workspace_id, name, prefix, "
                            "secret_hash, created_at) "
                            "VALUES (:id, :u, :w, 'ci', 'wfx_abcd', 'KEYHASH_MARKER', :t)"),
             {{QStringLiteral(":id"), ids::newUuid()},
              {QStringLiteral(":u"), user},
              {QStringLiteral(":w"), wsId},
              {QStringLiteral(":t"), t}});
        exec(QStringLiteral(
                 "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, "
                 "expires_at, ip) "
                 "VALUES ('SESSIONHASH_MARKER', :u, 'CSRF_MARKER', :t, :t, :t, '10.0.0.1')"),
             {{QStringLiteral(":u"), user}, {QStringLiteral(":t"), t}});
        const QString project = ids::newUuid(), run = ids::newUuid();
        exec(QStringLiteral("INSERT INTO projects (id, workspace_id, name, created_at) VALUES "
                            "(:id, :w, 'p', :t)"),
             {{QStringLiteral(":id"), project},
              {QStringLiteral(":w"), wsId},
              {QStringLiteral(":t"), t}});
        exec(QStringLiteral("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, "
                            "status, created_at, "
                            "evidence, created_by) VALUES (:id, :p, :w, 'c1', 'run-1', "
                            "'completed', :t, 'unsigned', :u)"),
             {{QStringLiteral(":id"), run},
              {QStringLiteral(":p"), project},
              {QStringLiteral(":w"), wsId},
              {QStringLiteral(":t"), t},
              {QStringLiteral(":u"), user}});
        exec(QStringLiteral("INSERT INTO run_metric_rollups (run_id, name, level, points, data) "
                            "VALUES (:r, 'loss', 4, 5000, :d)"),
             {{QStringLiteral(":r"), run}, {QStringLiteral(":d"), QByteArray(16, '\0')}});
        QVERIFY(metricstore::add(s->db->connection(), run,
                                 {MetricInput{QStringLiteral("loss"), 1, 0.5}})
                    .ok());
        exec(QStringLiteral("INSERT INTO shares (id, workspace_id, run_id, token_hash, "
                            "token_prefix, password_hash, "
                            "created_by, created_at) VALUES (:id, :w, :r, 'SHARETOKENHASH_MARKER', "
                            "'wfxs_PREFIXMARK', "
                            "'SHAREPWHASH_MARKER', :u, :t)"),
             {{QStringLiteral(":id"), ids::newUuid()},
              {QStringLiteral(":w"), wsId},
              {QStringLiteral(":r"), run},
              {QStringLiteral(":u"), user},
              {QStringLiteral(":t"), t}});
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        alice = s->createUser(QStringLiteral("alice@example.com"));
        bob = s->createUser(QStringLiteral("bob@example.com"));
    }
    void cleanup() { s.reset(); }

    void exportHoldsEverythingButNoSecret()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("Lab"));
        QVERIFY(w.ok());
        QVERIFY(ws.create(s->actor(bob), QStringLiteral("Bob's")).ok());
        seedCredentials(alice, w->id);
        DsarService d(s->ctx);
        QVERIFY(d.object(s->actor(alice), QStringLiteral("marketing"), true).ok());

        auto e = d.exportData(s->actor(alice));
        QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().message));
        const QJsonObject x = *e;
        QCOMPARE(x[QStringLiteral("user")][QStringLiteral("email")].toString(),
                 QStringLiteral("alice@example.com"));
        QCOMPARE(x[QStringLiteral("user")][QStringLiteral("restricted")].toBool(), false);
        const QJsonArray wss = x[QStringLiteral("workspaces")].toArray();
        QCOMPARE(wss.size(), 1);
        QCOMPARE(wss[0][QStringLiteral("role")].toString(), QStringLiteral("owner"));
        const QJsonArray keys = x[QStringLiteral("api_keys")].toArray();
        QCOMPARE(keys.size(), 1);
        QCOMPARE(keys[0][QStringLiteral("prefix")].toString(), QStringLiteral("wfx_abcd"));
        QCOMPARE(keys[0][QStringLiteral("workspace_id")].toString(), w->id);
        QVERIFY(keys[0][QStringLiteral("last_used_at")].isNull());
        QCOMPARE(x[QStringLiteral("sessions")].toArray().size(), 1);
        QCOMPARE(x[QStringLiteral("shares")].toArray().size(), 1);
        QCOMPARE(x[QStringLiteral("shares")][0][QStringLiteral("has_password")].toBool(), true);
        QCOMPARE(x[QStringLiteral("runs")].toArray().size(), 1);
        // Each section's fields, exactly: no hash or token among them.
        const auto fields = [&x](const char *section) {
            return x[QLatin1String(section)].toArray().at(0).toObject().keys().join(u' ');
        };
        QCOMPARE(fields("workspaces"),
                 QStringLiteral("created_at id joined_at name owner plan role"));
        QCOMPARE(x[QStringLiteral("workspaces")][0][QStringLiteral("owner")].toBool(), true);
        QCOMPARE(fields("api_keys"),
                 QStringLiteral("created_at id last_used_at name prefix revoked_at workspace_id"));
        QCOMPARE(fields("sessions"), QStringLiteral("created_at expires_at ip last_seen_at"));
        QCOMPARE(fields("shares"), QStringLiteral("artifact_id created_at expires_at has_password "
                                                  "id revoked_at run_id workspace_id"));
        QCOMPARE(fields("runs"),
                 QStringLiteral("created_at id name project_id status workspace_id"));
        QVERIFY(x[QStringLiteral("shares")][0][QStringLiteral("artifact_id")].isNull());
        QVERIFY(x[QStringLiteral("shares")][0][QStringLiteral("created_at")].isString());
        QCOMPARE(x[QStringLiteral("objections")].toArray().size(), 1);

        QStringList actions;
        for (const QJsonValue &a : x[QStringLiteral("audit")].toArray()) {
            QCOMPARE(a[QStringLiteral("actor_id")].toString(), alice);
            actions << a[QStringLiteral("action")].toString();
        }
        QCOMPARE(actions,
                 (QStringList{QStringLiteral("workspace.create"), QStringLiteral("dsar.object"),
                              QStringLiteral("dsar.export")}));
        bool exportRecorded = false;
        for (const QJsonValue &r : x[QStringLiteral("dsar_requests")].toArray())
            exportRecorded |= r[QStringLiteral("kind")] == QStringLiteral("export") &&
                              r[QStringLiteral("state")] == QStringLiteral("completed");
        QVERIFY(exportRecorded);

        const QByteArray all = QJsonDocument(x).toJson(QJsonDocument::Compact);
        for (const char *banned :
             {"secret_hash", "password_hash", "token_hash", "id_hash", "csrf", "PWHASH_MARKER",
              "KEYHASH_MARKER", "SESSIONHASH_MARKER", "CSRF_MARKER", "SHARETOKENHASH_MARKER",
              "SHAREPWHASH_MARKER", "PREFIXMARK", "bob@example.com"})
            QVERIFY2(!all.contains(banned), banned);
        QCOMPARE(s->auditCount(QStringLiteral("dsar.export")), 1);
    }

    void exportReadsWholeHistoriesPastOneBatch()
    {
        WorkspaceService ws(s->ctx);
        auto w = ws.create(s->actor(alice), QStringLiteral("Lab"));
        const int n = DsarService::kExportBatch + 5;
        for (int i = 0; i < n; ++i)
            QVERIFY(ws.createProject(s->actor(alice), w->id, QStringLiteral("p%1").arg(i)).ok());
        for (int i = 0; i < n; ++i) {
            exec(QStringLiteral(
                     "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash, created_at) "
                     "VALUES (:id, :u, 'k', 'wfx_k', :h, 0)"),
                 {{QStringLiteral(":id"), ids::newUuid()},
                  {QStringLiteral(":u"), alice},
                  {QStringLiteral(":h"), QStringLiteral("h%1").arg(i)}});
        }
        auto e = DsarService(s->ctx).exportData(s->actor(alice));
        QVERIFY(e.ok());
        // workspace.create + n project.create + dsar.export
        QCOMPARE(e->value(QStringLiteral("audit")).toArray().size(), n + 2);
        QCOMPARE(e->value(QStringLiteral("api_keys")).toArray().size(), n);
        QSet<QString> keyIds;
        for (const QJsonValue &k : e->value(QStringLiteral("api_keys")).toArray())
            keyIds.insert(k[QStringLiteral("id")].toString());
        QCOMPARE(keyIds.size(), n);
    }

    void systemAndScopedKeysCannotExport()
    {
        DsarService d(s->ctx);
        QCOMPARE(d.exportData(Actor::system()).error().code, ErrorCode::Forbidden);
        Actor scoped = s->actor(alice);
        scoped.keyWorkspaceId = ids::newUuid();
        QCOMPARE(d.exportData(scoped).error().code, ErrorCode::Forbidden);
        QCOMPARE(s->count(QStringLiteral("dsar_requests")), 0);
    }

    void deletionIsScheduledOnceAndCancelled()
    {
        DsarService d(s->ctx);
        auto r = d.requestDeletion(s->actor(alice));
        QVERIFY(r.ok());
        QCOMPARE(r->state, QStringLiteral("scheduled"));
        QCOMPARE(r->scheduledFor, s->clock.nowMs() + DsarService::kDefaultGraceMs);
        QVERIFY(r->toJson().contains(QStringLiteral("scheduled_for")));
        s->clock.advanceMs(1000);
        auto again = d.requestDeletion(s->actor(alice));
        QCOMPARE(again->scheduledFor, r->scheduledFor);
        QCOMPARE(s->auditCount(QStringLiteral("dsar.delete_request")), 1);
        QCOMPARE(d.deletionStatus(s->actor(alice))->state, QStringLiteral("scheduled"));

        auto c = d.cancelDeletion(s->actor(alice));
        QVERIFY(c.ok());
        QCOMPARE(c->toJson(),
                 QJsonObject({{QStringLiteral("state"), QStringLiteral("cancelled")}}));
        QCOMPARE(d.cancelDeletion(s->actor(alice)).error().code, ErrorCode::Conflict);
        QCOMPARE(s->auditCount(QStringLiteral("dsar.delete_cancel")), 1);
        QCOMPARE(d.deletionStatus(s->actor(alice))->state, QStringLiteral("none"));
        // A cancelled deletion never runs.
        s->clock.advanceMs(DsarService::kDefaultGraceMs + 1);
        QCOMPARE(*d.executeDueDeletions(), 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM users WHERE id = :u"),
                        QStringLiteral(":u"), alice),
                 1);
    }

    void dueDeletionRemovesTheAccountAndOwnedWorkspaces()
    {
        WorkspaceService ws(s->ctx);
        auto own = ws.create(s->actor(alice), QStringLiteral("Alice's"));
        auto bobs = ws.create(s->actor(bob), QStringLiteral("Bob's"));
        auto inv = ws.invite(s->actor(bob), bobs->id, QStringLiteral("alice@example.com"),
                             QStringLiteral("member"));
        QVERIFY(ws.acceptInvitation(s->actor(alice), inv->token).ok());
        seedCredentials(alice, own->id);
        DsarService d(s->ctx, 60'000);
        QVERIFY(d.requestDeletion(s->actor(alice)).ok());
        s->clock.advanceMs(59'999);
        QCOMPARE(*d.executeDueDeletions(), 0);
        s->clock.advanceMs(1);
        QCOMPARE(*d.executeDueDeletions(), 1);
        QCOMPARE(*d.executeDueDeletions(), 0);

        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM users WHERE id = :u"),
                        QStringLiteral(":u"), alice),
                 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM workspaces WHERE id = :w"),
                        QStringLiteral(":w"), own->id),
                 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM workspaces WHERE id = :w"),
                        QStringLiteral(":w"), bobs->id),
                 1);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM memberships WHERE user_id = :u"),
                        QStringLiteral(":u"), alice),
                 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM api_keys WHERE user_id = :u"),
                        QStringLiteral(":u"), alice),
                 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE user_id = :u"),
                        QStringLiteral(":u"), alice),
                 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM run_metric_rollups")),
                 0); // with the owned workspace's runs
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM run_metric_chunks")), 0);
        QCOMPARE(
            scalar(
                QStringLiteral(
                    "SELECT COUNT(*) FROM dsar_requests WHERE user_id = :u AND kind = 'deletion' "
                    "AND state = 'completed'"),
                QStringLiteral(":u"), alice),
            1);
        Query a(s->db->connection(),
                QStringLiteral("SELECT actor_id, target_id, detail FROM audit_log WHERE action = "
                               "'dsar.deletion_executed'"));
        QVERIFY(a.exec() && a.next());
        QVERIFY(a.isNull(0));
        QCOMPARE(a.str(1), alice);
        QCOMPARE(QJsonDocument::fromJson(a.str(2).toUtf8())
                     .object()
                     .value(QStringLiteral("workspaces_deleted"))
                     .toArray(),
                 QJsonArray{own->id});
        QVERIFY(!a.next());
        QVERIFY(AuditService(s->ctx).verify().ok);
    }

    void restrictionBlocksOtherWritesButNotDsar()
    {
        DsarService d(s->ctx);
        WorkspaceService ws(s->ctx);
        QCOMPARE(*d.setRestricted(s->actor(alice), true), true);
        QCOMPARE(*d.setRestricted(s->actor(alice), true), true);
        QCOMPARE(s->auditCount(QStringLiteral("dsar.restrict")), 1);
        QCOMPARE(scalar(QStringLiteral("SELECT restricted FROM users WHERE id = :u"),
                        QStringLiteral(":u"), alice),
                 1);
        QCOMPARE(ws.create(s->actor(alice), QStringLiteral("x")).error().code,
                 ErrorCode::Forbidden);
        // The person's own rights still work while restricted.
        QVERIFY(d.exportData(s->actor(alice)).ok());
        QVERIFY(d.object(s->actor(alice), QStringLiteral("analytics"), true).ok());
        QVERIFY(d.requestDeletion(s->actor(alice)).ok());
        QVERIFY(d.cancelDeletion(s->actor(alice)).ok());
        QCOMPARE(*d.setRestricted(s->actor(alice), false), false);
        QCOMPARE(s->auditCount(QStringLiteral("dsar.unrestrict")), 1);
        QVERIFY(ws.create(s->actor(alice), QStringLiteral("x")).ok());
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM dsar_requests WHERE kind = "
                                       "'restriction' AND state = 'lifted'")),
                 1);
    }

    void objectionsUpsertAndAuditChangesOnly()
    {
        DsarService d(s->ctx);
        auto o = d.object(s->actor(alice), QStringLiteral("research"), true);
        QVERIFY(o.ok());
        QVERIFY(o->objected);
        QVERIFY(d.object(s->actor(alice), QStringLiteral("research"), true).ok());
        QCOMPARE(s->auditCount(QStringLiteral("dsar.object")), 1);
        QVERIFY(d.object(s->actor(alice), QStringLiteral("research"), false).ok());
        QCOMPARE(s->auditCount(QStringLiteral("dsar.object")), 2);
        QCOMPARE(s->count(QStringLiteral("user_objections")), 1);
        QVERIFY(!d.objections(s->actor(alice))->first().objected);
        // Withdrawing an objection never made changes nothing.
        QVERIFY(d.object(s->actor(alice), QStringLiteral("marketing"), false).ok());
        QCOMPARE(s->auditCount(QStringLiteral("dsar.object")), 2);
        auto bad = d.object(s->actor(alice), QStringLiteral("profiling"), true);
        QCOMPARE(bad.error().code, ErrorCode::Validation);
        QCOMPARE(bad.error().details.value(0).field, QStringLiteral("purpose"));
    }

    void consoleListsRequestsForAdminsOnly()
    {
        DsarService d(s->ctx);
        for (int i = 0; i < 3; ++i) {
            QVERIFY(d.exportData(s->actor(i % 2 ? bob : alice)).ok());
            s->clock.advanceMs(1);
        }
        QCOMPARE(d.listRequests(s->actor(alice), 50, {}).error().code, ErrorCode::Forbidden);
        Actor admin = s->actor(bob);
        admin.instanceAdmin = true;
        auto p = d.listRequests(admin, 2, {});
        QVERIFY(p.ok());
        QCOMPARE(p->items.size(), 2);
        QCOMPARE(p->items[0].userId, alice);
        auto rest = d.listRequests(admin, 2, p->nextCursor);
        QCOMPARE(rest->items.size(), 1);
        QVERIFY(rest->nextCursor.isEmpty());
        QCOMPARE(d.listRequests(Actor::system(), 50, QStringLiteral("nope")).error().code,
                 ErrorCode::Validation);
        const QJsonObject j = p->items[0].toJson();
        for (const char *k : {"id", "user_id", "kind", "state", "detail", "created_at", "due_at",
                              "scheduled_for", "completed_at"})
            QVERIFY2(j.contains(QLatin1String(k)), k);
    }

    void consoleCarriesOutAScheduledDeletionEarly()
    {
        WorkspaceService ws(s->ctx);
        auto own = ws.create(s->actor(alice), QStringLiteral("Alice's"));
        DsarService d(s->ctx);
        // Nothing scheduled: nothing to carry out.
        QCOMPARE(d.executeDeletionNow(Actor::system(), alice).error().code, ErrorCode::Conflict);
        QVERIFY(d.requestDeletion(s->actor(alice)).ok());
        // Only the system or an instance administrator.
        QCOMPARE(d.executeDeletionNow(s->actor(bob), alice).error().code, ErrorCode::Forbidden);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM users WHERE id = :u"),
                        QStringLiteral(":u"), alice),
                 1);
        QVERIFY(d.executeDeletionNow(Actor::system(), alice).ok());
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM users WHERE id = :u"),
                        QStringLiteral(":u"), alice),
                 0);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM workspaces WHERE id = :w"),
                        QStringLiteral(":w"), own->id),
                 0);
        QCOMPARE(
            scalar(
                QStringLiteral(
                    "SELECT COUNT(*) FROM dsar_requests WHERE user_id = :u AND kind = 'deletion' "
                    "AND state = 'completed'"),
                QStringLiteral(":u"), alice),
            1);
        Query a(
            s->db->connection(),
            QStringLiteral(
                "SELECT target_id, detail FROM audit_log WHERE action = 'dsar.deletion_executed'"));
        QVERIFY(a.exec() && a.next());
        QCOMPARE(a.str(0), alice);
        QVERIFY(QJsonDocument::fromJson(a.str(1).toUtf8())
                    .object()
                    .value(QStringLiteral("early"))
                    .toBool());
        QVERIFY(!a.next());
        // Done once: a second call finds nothing scheduled, and the due job has nothing left.
        QCOMPARE(d.executeDeletionNow(Actor::system(), alice).error().code, ErrorCode::Conflict);
        QCOMPARE(*d.executeDueDeletions(), 0);
        QVERIFY(AuditService(s->ctx).verify().ok);
    }
};

QTEST_GUILESS_MAIN(TestDsar)
#include "tst_dsar.moc"
