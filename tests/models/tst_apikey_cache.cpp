// SPDX-License-Identifier: Apache-2.0
// The cache of resolved API keys (accounts/ApiKeyCache.h) and the credentials
// generation that invalidates it (migration 0004): a change made through one
// store handle is refused through another on its very next request, with no
// change-bus delivery between them, as between two processes.
#include "TestStore.h"

#include "models/accounts/ApiKeyService.h"
#include "models/dsar/DsarService.h"
#include "models/workspaces/WorkspaceService.h"

#include <atomic>
#include <thread>
#include <vector>

using namespace wfx;

namespace {
QString L(const char *s)
{
    return QString::fromLatin1(s);
}
} // namespace

class TestApiKeyCache : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    // "Process B": its own Database on the same store, no change bus.
    std::shared_ptr<Database> otherDb;
    std::unique_ptr<ApiKeyService> other;
    QString alice, bob;

    ApiKeyService keys() { return ApiKeyService(s->ctx); }
    static bool refused(const Result<Actor> &r)
    {
        return !r.ok() && r.error().code == ErrorCode::LoginRequired;
    }
    qint64 generation()
    {
        Query q(s->db->connection(),
                L("SELECT generation FROM credentials_generation WHERE id = 1"));
        return q.exec() && q.next() ? q.i64(0) : -1;
    }
    // Unprepared (PostgreSQL prepares no DDL).
    bool exec(const QString &sql)
    {
        QSqlQuery q(s->db->connection());
        if (!q.exec(sql)) {
            qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
            return false;
        }
        return true;
    }
    QString workspace(const QString &owner)
    {
        auto w = WorkspaceService(s->ctx).create(s->actor(owner), L("W"));
        if (!w.ok())
            qFatal("workspace: %s", qPrintable(w.error().message));
        return w->id;
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void initTestCase() { wfxtest::useFastPasswordHashing(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        auto opened = Database::open(s->url, s->dir.path());
        QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message));
        otherDb = *opened;
        other = std::make_unique<ApiKeyService>(ModelContext{otherDb, &s->clock, nullptr});
        alice = s->createUser(L("alice@example.com"), true);
        bob = s->createUser(L("bob@example.com"));
    }
    void cleanup()
    {
        other.reset();
        otherDb.reset();
        s.reset();
    }

    void cacheKeepsOneGenerationWithinItsBound()
    {
        ApiKeyCache c(3);
        const ApiKeyCache::Entry e{L("k"), L("u"), {}, false};
        for (int i = 0; i < 5; ++i)
            c.store(QByteArray::number(i), 7, e);
        QCOMPARE(c.size(), 3);
        QVERIFY(c.find(QByteArray::number(4), 7).has_value());
        QCOMPARE(c.find(QByteArray::number(4), 7)->userId, L("u"));
        // Asked at another generation, nothing is found.
        QVERIFY(!c.find(QByteArray::number(4), 8).has_value());
        QVERIFY(!c.find(QByteArray::number(4), 6).has_value());
        // A resolution made at an older generation than held is not kept...
        c.store(QByteArray("old"), 6, e);
        QVERIFY(!c.find(QByteArray("old"), 6).has_value());
        QCOMPARE(c.size(), 3);
        // ...and a newer one drops everything resolved before it.
        c.store(QByteArray("new"), 8, e);
        QCOMPARE(c.size(), 1);
        QVERIFY(!c.find(QByteArray::number(4), 7).has_value());
        QVERIFY(c.find(QByteArray("new"), 8).has_value());
        QCOMPARE(ApiKeyService(s->ctx).cachedKeys(), 0);
        QCOMPARE(ApiKeyCache().capacity(), ApiKeyCache::kDefaultCapacity);
    }

    void aCachedKeyIsNotLookedUpAgain()
    {
        auto k = keys().issue(s->actor(bob), L("k"));
        QVERIFY(k.ok());
        QCOMPARE(other->authenticate(k->secret)->userId, bob);
        QCOMPARE(other->cachedKeys(), 1);
        // Take the key row away behind the generation's back (the trigger that
        // would move it dropped): a lookup would now refuse the key, the cache
        // still answers, so a hit ran no lookup.
        QVERIFY(exec(s->db->isPostgres() ? L("DROP TRIGGER api_keys_credentials_delete ON api_keys")
                                         : L("DROP TRIGGER api_keys_credentials_delete")));
        const qint64 g = generation();
        QVERIFY(exec(L("DELETE FROM api_keys")));
        QCOMPARE(generation(), g);
        QVERIFY(refused(
            ApiKeyService(ModelContext{otherDb, &s->clock, nullptr}).authenticate(k->secret)));
        auto hit = other->authenticate(k->secret, L("10.0.0.1"));
        QVERIFY(hit.ok());
        QCOMPARE(hit->userId, bob);
        QCOMPARE(hit->apiKeyId, k->apiKey.id);
        QCOMPARE(hit->ip, L("10.0.0.1"));
        // Once the generation moves, the same cache refuses it.
        QVERIFY(
            exec(L("UPDATE credentials_generation SET generation = generation + 1 WHERE id = 1")));
        QVERIFY(refused(other->authenticate(k->secret)));
    }

    void aChangeThroughOneStoreIsSeenThroughTheOtherAtOnce_data()
    {
        QTest::addColumn<QString>("change");
        for (const char *c : {"revoke", "revoke_by_admin", "rotate", "workspace_deleted",
                              "user_erased", "user_row_deleted", "admin_flag_cleared"})
            QTest::newRow(c) << L(c);
    }
    void aChangeThroughOneStoreIsSeenThroughTheOtherAtOnce()
    {
        QFETCH(QString, change);
        const bool adminKey = change == L("admin_flag_cleared");
        const QString owner = adminKey ? alice : bob;
        const QString ws = change == L("workspace_deleted") ? workspace(owner) : QString();
        auto k = keys().issue(s->actor(owner), L("k"), ws);
        QVERIFY(k.ok());
        // Resolved through the other store, then answered from its cache.
        for (int i = 0; i < 2; ++i) {
            auto a = other->authenticate(k->secret);
            QVERIFY(a.ok());
            QCOMPARE(a->userId, owner);
            QCOMPARE(a->keyWorkspaceId, ws);
            QCOMPARE(a->instanceAdmin, adminKey);
        }
        QCOMPARE(other->cachedKeys(), 1);
        const qint64 before = generation();

        QString newSecret;
        if (change == L("revoke")) {
            QVERIFY(keys().revoke(s->actor(owner), k->apiKey.id).ok());
        } else if (change == L("revoke_by_admin")) {
            Actor admin = s->actor(alice);
            admin.instanceAdmin = true;
            QVERIFY(keys().revokeForUser(admin, owner, k->apiKey.id).ok());
        } else if (change == L("rotate")) {
            auto r = keys().rotate(s->actor(owner), k->apiKey.id);
            QVERIFY(r.ok());
            newSecret = r->secret;
        } else if (change == L("workspace_deleted")) {
            QVERIFY(WorkspaceService(s->ctx).remove(s->actor(owner), ws).ok());
        } else if (change == L("user_erased")) {
            DsarService d(s->ctx);
            QVERIFY(d.requestDeletion(s->actor(owner)).ok());
            QVERIFY(d.executeDeletionNow(Actor::system(), owner).ok());
        } else if (change == L("user_row_deleted")) {
            QVERIFY(exec(L("DELETE FROM users WHERE id = '%1'").arg(owner)));
        } else if (change == L("admin_flag_cleared")) {
            QVERIFY(exec(L("UPDATE users SET is_admin = 0 WHERE id = '%1'").arg(owner)));
        }
        QVERIFY(generation() > before);

        auto next = other->authenticate(k->secret);
        if (adminKey) {
            QVERIFY(next.ok());
            QCOMPARE(next->instanceAdmin, false);
        } else {
            QVERIFY(refused(next));
        }
        if (!newSecret.isEmpty()) {
            auto rotated = other->authenticate(newSecret);
            QVERIFY(rotated.ok());
            QCOMPARE(rotated->apiKeyId, k->apiKey.id);
        }
    }

    void restrictionAndItsLiftMoveTheGeneration()
    {
        DsarService d(s->ctx);
        qint64 g = generation();
        QCOMPARE(*d.setRestricted(s->actor(bob), true), true);
        QVERIFY(generation() > g);
        g = generation();
        QCOMPARE(*d.setRestricted(s->actor(bob), false), false);
        QVERIFY(generation() > g);
    }

    void issueUseAndOtherWritesLeaveTheGenerationAlone()
    {
        const qint64 g = generation();
        QVERIFY(g >= 1);
        const QString ws = workspace(bob);
        auto k = keys().issue(s->actor(bob), L("k"), ws);
        QVERIFY(k.ok());
        QVERIFY(other->authenticate(k->secret).ok());
        s->clock.advanceMs(1000);
        QVERIFY(other->authenticate(k->secret).ok());
        QCOMPARE(*other->flushLastUsed(), 1);
        QVERIFY(exec(L("UPDATE users SET display_name = 'Bob' WHERE id = '%1'").arg(bob)));
        QVERIFY(WorkspaceService(s->ctx).rename(s->actor(bob), ws, L("W2")).ok());
        // Setting a flag to what it already is changes nothing either.
        QVERIFY(exec(L("UPDATE users SET is_admin = 0, restricted = 0 WHERE id = '%1'").arg(bob)));
        QCOMPARE(generation(), g);
        // So the cached resolution keeps answering.
        QCOMPARE(other->cachedKeys(), 1);
        QVERIFY(exec(L("DELETE FROM api_keys WHERE id = 'none'")));
        QCOMPARE(generation(), g);
    }

    void manyThreadsShareOneCache()
    {
        auto k = keys().issue(s->actor(bob), L("k"));
        QVERIFY(k.ok());
        std::atomic<int> ok{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 50; ++i)
                    if (other->authenticate(k->secret).ok())
                        ++ok;
            });
        for (auto &t : threads)
            t.join();
        QCOMPARE(ok.load(), 200);
        QCOMPARE(other->cachedKeys(), 1);
    }
};

QTEST_GUILESS_MAIN(TestApiKeyCache)
#include "tst_apikey_cache.moc"
