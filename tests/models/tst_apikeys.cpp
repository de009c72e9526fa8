// SPDX-License-Identifier: Apache-2.0
#include "TestStore.h"

#include "models/accounts/ApiKeyService.h"
#include "models/audit/AuditService.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonDocument>
#include <QSet>

#include <thread>
#include <vector>

using namespace wfx;

class TestApiKeys : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    std::shared_ptr<ApiKeyUsage> usage;
    QString alice, bob;

    ApiKeyService keys() { return ApiKeyService(s->ctx, usage); }
    QString workspace(const QString &owner, const QString &name = QStringLiteral("W"))
    {
        auto w = WorkspaceService(s->ctx).create(s->actor(owner), name);
        if (!w.ok())
            qFatal("workspace: %s", qPrintable(w.error().message));
        return w->id;
    }
    QVariant column(const QString &col, const QString &keyId)
    {
        // col is a literal from this file
        Query q(s->db->connection(),
                QStringLiteral("SELECT ") + col + QStringLiteral(" FROM api_keys WHERE id = :id"));
        q.bind(QStringLiteral(":id"), keyId);
        return q.exec() && q.next() ? q.value(0) : QVariant(QStringLiteral("<missing>"));
    }
    AuditEntry lastAudit(const QString &action)
    {
        AuditFilter f;
        f.action = action;
        auto page = AuditService(s->ctx).list(Actor::system(), f, 1, {});
        return page.ok() ? page->items.value(0) : AuditEntry{};
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        usage = std::make_shared<ApiKeyUsage>();
        alice = s->createUser(QStringLiteral("alice@example.com"), true);
        bob = s->createUser(QStringLiteral("bob@example.com"));
    }
    void cleanup() { s.reset(); }

    void issueShowsTheSecretOnceAndStoresItsHash()
    {
        auto k = keys().issue(s->actor(alice), QStringLiteral("  laptop "));
        QVERIFY2(k.ok(), qPrintable(k.ok() ? QString() : k.error().message));
        QVERIFY(k->secret.startsWith(QStringLiteral("wfx_")));
        QCOMPARE(k->secret.size(), 4 + 43);
        QVERIFY(ApiKeyService::isWellFormedSecret(k->secret));
        QCOMPARE(k->apiKey.prefix, k->secret.left(12));
        QCOMPARE(k->apiKey.name, QStringLiteral("laptop"));
        QVERIFY(k->apiKey.workspaceId.isEmpty());
        QCOMPARE(column(QStringLiteral("secret_hash"), k->apiKey.id).toString(),
                 crypto::sha256Hex(k->secret.toUtf8()));
        // The secret is nowhere in the store.
        Query all(s->db->connection(),
                  QStringLiteral("SELECT id, user_id, name, prefix, secret_hash FROM api_keys"));
        QVERIFY(all.exec() && all.next());
        for (int i = 0; i < 5; ++i)
            QVERIFY(!all.str(i).contains(k->secret));
        const QJsonObject j = k->apiKey.toJson();
        const QStringList names = j.keys();
        QCOMPARE(QSet<QString>(names.begin(), names.end()),
                 (QSet<QString>{QStringLiteral("id"), QStringLiteral("name"),
                                QStringLiteral("prefix"), QStringLiteral("workspace_id"),
                                QStringLiteral("created_at"), QStringLiteral("last_used_at")}));
        QVERIFY(j.value(QStringLiteral("workspace_id")).isNull());
        QVERIFY(j.value(QStringLiteral("last_used_at")).isNull());
        const AuditEntry e = lastAudit(QStringLiteral("api_key.create"));
        QCOMPARE(e.actorId, alice);
        QCOMPARE(e.targetId, k->apiKey.id);
        QVERIFY(e.workspaceId.isEmpty());
        QVERIFY(!QJsonDocument(e.detail).toJson().contains(k->secret.toUtf8()));
        // Two keys never share a secret.
        auto other = keys().issue(s->actor(alice), QStringLiteral("ci"));
        QVERIFY(other->secret != k->secret);
    }

    void validation_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("workspaceId");
        QTest::addColumn<QString>("field");
        QTest::newRow("no name") << QString() << QString() << QStringLiteral("name");
        QTest::newRow("long name")
            << QString(101, QLatin1Char('n')) << QString() << QStringLiteral("name");
        QTest::newRow("bad workspace") << QStringLiteral("k") << QStringLiteral("not-a-uuid")
                                       << QStringLiteral("workspace_id");
    }
    void validation()
    {
        QFETCH(QString, name);
        QFETCH(QString, workspaceId);
        QFETCH(QString, field);
        auto k = keys().issue(s->actor(alice), name, workspaceId);
        QCOMPARE(k.error().code, ErrorCode::Validation);
        QCOMPARE(k.error().details.value(0).field, field);
        QCOMPARE(s->count(QStringLiteral("api_keys")), 0);
    }

    void scopedKeyNeedsMembership()
    {
        const QString ws = workspace(alice);
        QCOMPARE(keys().issue(s->actor(bob), QStringLiteral("k"), ws).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(keys().issue(s->actor(bob), QStringLiteral("k"), ids::newUuid()).error().code,
                 ErrorCode::NotFound);
        auto k = keys().issue(s->actor(alice), QStringLiteral("k"), ws);
        QVERIFY(k.ok());
        QCOMPARE(k->apiKey.workspaceId, ws);
        QCOMPARE(k->apiKey.toJson().value(QStringLiteral("workspace_id")).toString(), ws);
        QCOMPARE(lastAudit(QStringLiteral("api_key.create")).workspaceId, ws);
        auto actor = keys().authenticate(k->secret);
        QVERIFY(actor.ok());
        QCOMPARE(actor->keyWorkspaceId, ws);
        // The scope is enforced by the shared access check.
        const QString other = workspace(alice, QStringLiteral("Other"));
        QCOMPARE(WorkspaceService(s->ctx).get(*actor, other).error().code, ErrorCode::NotFound);
        QVERIFY(WorkspaceService(s->ctx).get(*actor, ws).ok());
    }

    void authenticateGivesTheKeysPrincipal()
    {
        auto k = keys().issue(s->actor(alice), QStringLiteral("k"));
        auto actor = keys().authenticate(k->secret, QStringLiteral("192.0.2.1"));
        QVERIFY(actor.ok());
        QCOMPARE(actor->userId, alice);
        QCOMPARE(actor->apiKeyId, k->apiKey.id);
        QVERIFY(actor->keyWorkspaceId.isEmpty());
        QVERIFY(actor->instanceAdmin);
        QCOMPARE(actor->ip, QStringLiteral("192.0.2.1"));
        auto b = keys().issue(s->actor(bob), QStringLiteral("k"));
        QVERIFY(!keys().authenticate(b->secret)->instanceAdmin);
    }

    void badSecretsAreRefused_data()
    {
        QTest::addColumn<QString>("secret");
        QTest::newRow("empty") << QString();
        QTest::newRow("prefix only") << QStringLiteral("wfx_");
        QTest::newRow("wrong prefix")
            << QString(QStringLiteral("sk_") + QString(44, QLatin1Char('a')));
        QTest::newRow("bad chars") << QString(QStringLiteral("wfx_") +
                                              QString(42, QLatin1Char('a')) + QStringLiteral("+"));
        QTest::newRow("too long") << QString(QStringLiteral("wfx_") +
                                             QString(44, QLatin1Char('a')));
        QTest::newRow("unknown") << QString(QStringLiteral("wfx_") + QString(43, QLatin1Char('a')));
    }
    void badSecretsAreRefused()
    {
        QFETCH(QString, secret);
        (void)keys().issue(s->actor(alice), QStringLiteral("k"));
        QCOMPARE(keys().authenticate(secret).error().code, ErrorCode::LoginRequired);
        QCOMPARE(usage->pendingCount(), 0);
    }

    void lastUsedIsRecordedInMemoryAndFlushedInOneWrite()
    {
        auto k = keys().issue(s->actor(alice), QStringLiteral("k"));
        const qint64 t0 = s->clock.nowMs();
        s->clock.advanceMs(5000);
        QVERIFY(keys().authenticate(k->secret).ok());
        s->clock.advanceMs(5000);
        QVERIFY(keys().authenticate(k->secret).ok());
        // Nothing written yet.
        QVERIFY(column(QStringLiteral("last_used_at"), k->apiKey.id).isNull());
        QCOMPARE(s->count(QStringLiteral("audit_log")), 1);
        // Reads already show the latest use.
        QCOMPARE(keys().list(s->actor(alice), 50, {})->items.value(0).lastUsedAt, t0 + 10'000);
        auto flushed = keys().flushLastUsed();
        QVERIFY(flushed.ok());
        QCOMPARE(*flushed, 1);
        QCOMPARE(column(QStringLiteral("last_used_at"), k->apiKey.id).toLongLong(), t0 + 10'000);
        QCOMPARE(usage->pendingCount(), 0);
        QCOMPARE(*keys().flushLastUsed(), 0);
        QCOMPARE(keys()
                     .get(s->actor(alice), k->apiKey.id)
                     ->toJson()
                     .value(QStringLiteral("last_used_at"))
                     .toString(),
                 ids::formatTime(t0 + 10'000));
    }

    void usesRecordedFromManyThreadsKeepTheLatest()
    {
        ApiKeyUsage u;
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&u, t] {
                for (int i = 0; i < 1000; ++i)
                    u.record(QStringLiteral("k%1").arg(i % 10), qint64(t) * 1000 + i);
            });
        }
        for (auto &th : threads)
            th.join();
        QCOMPARE(u.pendingCount(), 10);
        const auto taken = u.take();
        QCOMPARE(taken.value(QStringLiteral("k9")), 3999);
        QCOMPARE(u.pendingCount(), 0);
        u.record(QStringLiteral("k9"), 5);
        u.restore(taken);
        QCOMPARE(u.pending(QStringLiteral("k9")), 3999);
    }

    void rotateKillsTheOldSecretAtOnce()
    {
        const QString ws = workspace(alice);
        auto k = keys().issue(s->actor(alice), QStringLiteral("k"), ws);
        auto r = keys().rotate(s->actor(alice), k->apiKey.id);
        QVERIFY(r.ok());
        QCOMPARE(r->apiKey.id, k->apiKey.id);
        QVERIFY(r->secret != k->secret);
        QCOMPARE(r->apiKey.prefix, r->secret.left(12));
        QCOMPARE(r->apiKey.workspaceId, ws);
        QCOMPARE(keys().authenticate(k->secret).error().code, ErrorCode::LoginRequired);
        QCOMPARE(keys().authenticate(r->secret)->apiKeyId, k->apiKey.id);
        const AuditEntry e = lastAudit(QStringLiteral("api_key.rotate"));
        QCOMPARE(e.targetId, k->apiKey.id);
        QCOMPARE(e.workspaceId, ws);
    }

    void revokedKeyAnswersLoginRequired()
    {
        auto k = keys().issue(s->actor(alice), QStringLiteral("k"));
        QVERIFY(keys().revoke(s->actor(alice), k->apiKey.id).ok());
        QCOMPARE(keys().authenticate(k->secret).error().code, ErrorCode::LoginRequired);
        QCOMPARE(keys().list(s->actor(alice), 50, {})->items.size(), 0);
        QCOMPARE(keys().rotate(s->actor(alice), k->apiKey.id).error().code, ErrorCode::NotFound);
        QVERIFY(keys().revoke(s->actor(alice), k->apiKey.id).ok()); // again: nothing changes
        QCOMPARE(s->auditCount(QStringLiteral("api_key.revoke")), 1);
        QVERIFY(lastAudit(QStringLiteral("api_key.revoke")).workspaceId.isEmpty());
    }

    void otherUsersKeysAreNotFound()
    {
        auto k = keys().issue(s->actor(alice), QStringLiteral("k"));
        QCOMPARE(keys().get(s->actor(bob), k->apiKey.id).error().code, ErrorCode::NotFound);
        QCOMPARE(keys().rotate(s->actor(bob), k->apiKey.id).error().code, ErrorCode::NotFound);
        QCOMPARE(keys().revoke(s->actor(bob), k->apiKey.id).error().code, ErrorCode::NotFound);
        QCOMPARE(keys().revoke(s->actor(bob), ids::newUuid()).error().code, ErrorCode::NotFound);
        QCOMPARE(keys().list(s->actor(bob), 50, {})->items.size(), 0);
        QVERIFY(keys().authenticate(k->secret).ok());
        QCOMPARE(s->auditCount(QStringLiteral("api_key.rotate")) +
                     s->auditCount(QStringLiteral("api_key.revoke")),
                 0);
    }

    void restrictedUsersMayNotCreateRotateOrRevoke()
    {
        auto k = keys().issue(s->actor(alice), QStringLiteral("k"));
        Query r(s->db->connection(),
                QStringLiteral("UPDATE users SET restricted = 1 WHERE id = :id"));
        r.bind(QStringLiteral(":id"), alice);
        QVERIFY(r.exec());
        QCOMPARE(keys().issue(s->actor(alice), QStringLiteral("k2")).error().code,
                 ErrorCode::Forbidden);
        QCOMPARE(keys().rotate(s->actor(alice), k->apiKey.id).error().code, ErrorCode::Forbidden);
        QCOMPARE(keys().revoke(s->actor(alice), k->apiKey.id).error().code, ErrorCode::Forbidden);
        QVERIFY(keys().authenticate(k->secret).ok()); // nothing changed
        Query lift(s->db->connection(),
                   QStringLiteral("UPDATE users SET restricted = 0 WHERE id = :id"));
        lift.bind(QStringLiteral(":id"), alice);
        QVERIFY(lift.exec());
        QVERIFY(keys().revoke(s->actor(alice), k->apiKey.id).ok());
        QCOMPARE(keys().authenticate(k->secret).error().code, ErrorCode::LoginRequired);
    }

    void scopedKeyActsOnlyWithinItsWorkspace()
    {
        const QString a = workspace(alice, QStringLiteral("A"));
        const QString b = workspace(alice, QStringLiteral("B"));
        auto inA = keys().issue(s->actor(alice), QStringLiteral("a"), a);
        auto inB = keys().issue(s->actor(alice), QStringLiteral("b"), b);
        auto global = keys().issue(s->actor(alice), QStringLiteral("g"));
        const Actor scoped = *keys().authenticate(inA->secret);
        QCOMPARE(keys().issue(scoped, QStringLiteral("wider")).error().code, ErrorCode::Forbidden);
        QCOMPARE(keys().issue(scoped, QStringLiteral("other"), b).error().code,
                 ErrorCode::NotFound);
        QVERIFY(keys().issue(scoped, QStringLiteral("same"), a).ok());
        auto seen = keys().list(scoped, 50, {});
        QCOMPARE(seen->items.size(), 2);
        for (const auto &k : seen->items)
            QCOMPARE(k.workspaceId, a);
        QCOMPARE(keys().revoke(scoped, inB->apiKey.id).error().code, ErrorCode::NotFound);
        QCOMPARE(keys().rotate(scoped, global->apiKey.id).error().code, ErrorCode::NotFound);
    }

    void deletingTheWorkspaceEndsItsKeys()
    {
        const QString ws = workspace(alice);
        auto k = keys().issue(s->actor(alice), QStringLiteral("k"), ws);
        QVERIFY(WorkspaceService(s->ctx).remove(s->actor(alice), ws).ok());
        QCOMPARE(keys().authenticate(k->secret).error().code, ErrorCode::LoginRequired);
    }

    void keysetPaging()
    {
        for (int i = 0; i < 5; ++i) {
            QVERIFY(keys().issue(s->actor(alice), QStringLiteral("k%1").arg(i)).ok());
            if (i % 2)
                s->clock.advanceMs(1);
        }
        QStringList seen;
        QString cur;
        int pages = 0;
        do {
            auto p = keys().list(s->actor(alice), 2, cur);
            QVERIFY(p.ok());
            for (const auto &k : p->items)
                seen << k.name;
            cur = p->nextCursor;
            ++pages;
        } while (!cur.isEmpty());
        QCOMPARE(pages, 3);
        QCOMPARE(QSet<QString>(seen.begin(), seen.end()).size(), 5);
        QCOMPARE(seen.first(), QStringLiteral("k4"));
        QCOMPARE(keys().list(s->actor(alice), 0, {}).error().code, ErrorCode::Validation);
        QCOMPARE(keys().list(s->actor(alice), 201, {}).error().code, ErrorCode::Validation);
        QCOMPARE(keys().list(s->actor(alice), 2, QStringLiteral("bogus")).error().code,
                 ErrorCode::Validation);
    }

    void administratorListsAnyUsersLiveKeys()
    {
        auto k1 = keys().issue(s->actor(bob), QStringLiteral("ci"));
        auto k2 = keys().issue(s->actor(bob), QStringLiteral("laptop"));
        QVERIFY(keys().issue(s->actor(alice), QStringLiteral("mine")).ok());
        QVERIFY(keys().revoke(s->actor(bob), k1->apiKey.id).ok());
        auto sys = keys().listForUser(Actor::system(), bob, 50, {});
        QVERIFY(sys.ok());
        QCOMPARE(sys->items.size(), 1);
        QCOMPARE(sys->items.first().id, k2->apiKey.id);
        Actor admin = s->actor(alice);
        admin.instanceAdmin = true;
        QCOMPARE(keys().listForUser(admin, bob, 50, {})->items.size(), 1);
        // Not an administrator, or through a scoped key: forbidden; unknown user: not found.
        QCOMPARE(keys().listForUser(s->actor(bob), alice, 50, {}).error().code,
                 ErrorCode::Forbidden);
        Actor scoped = admin;
        scoped.keyWorkspaceId = ids::newUuid();
        QCOMPARE(keys().listForUser(scoped, bob, 50, {}).error().code, ErrorCode::Forbidden);
        QCOMPARE(keys().listForUser(Actor::system(), ids::newUuid(), 50, {}).error().code,
                 ErrorCode::NotFound);
    }

    void administratorIssuesRotatesAndRevokesForAUser()
    {
        const QString ws = workspace(bob);
        auto k = keys().issueForUser(Actor::system(), bob, QStringLiteral("ci"), ws);
        QVERIFY2(k.ok(), qPrintable(k.ok() ? QString() : k.error().message));
        QCOMPARE(column(QStringLiteral("user_id"), k->apiKey.id).toString(), bob);
        QCOMPARE(column(QStringLiteral("secret_hash"), k->apiKey.id).toString(),
                 crypto::sha256Hex(k->secret.toUtf8()));
        auto who = keys().authenticate(k->secret);
        QVERIFY(who.ok());
        QCOMPARE(who->userId, bob);
        QCOMPARE(who->keyWorkspaceId, ws);
        AuditEntry created = lastAudit(QStringLiteral("api_key.create"));
        QVERIFY(created.actorId.isEmpty()); // the system acted
        QCOMPARE(created.detail.value(QStringLiteral("user_id")).toString(), bob);
        // A scope the owner is not a member of is not found.
        QCOMPARE(keys().issueForUser(Actor::system(), alice, QStringLiteral("x"), ws).error().code,
                 ErrorCode::NotFound);

        auto r = keys().rotateForUser(Actor::system(), bob, k->apiKey.id);
        QVERIFY(r.ok());
        QVERIFY(r->secret != k->secret);
        QVERIFY(!keys().authenticate(k->secret).ok());
        QVERIFY(keys().authenticate(r->secret).ok());
        QCOMPARE(s->auditCount(QStringLiteral("api_key.rotate")), 1);
        // The key must be the named user's.
        QCOMPARE(keys().rotateForUser(Actor::system(), alice, k->apiKey.id).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(keys().revokeForUser(Actor::system(), alice, k->apiKey.id).error().code,
                 ErrorCode::NotFound);
        QCOMPARE(keys().revokeForUser(s->actor(bob), bob, k->apiKey.id).error().code,
                 ErrorCode::Forbidden);

        QVERIFY(keys().revokeForUser(Actor::system(), bob, k->apiKey.id).ok());
        QVERIFY(!keys().authenticate(r->secret).ok());
        QVERIFY(keys()
                    .revokeForUser(Actor::system(), bob, k->apiKey.id)
                    .ok()); // again: nothing changes
        QCOMPARE(s->auditCount(QStringLiteral("api_key.revoke")), 1);
    }
};

QTEST_GUILESS_MAIN(TestApiKeys)
#include "tst_apikeys.moc"
