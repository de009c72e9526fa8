// SPDX-License-Identifier: Apache-2.0
// Operational status and its samples, on SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/artifacts/BlobStore.h"
#include "models/status/StatusService.h"

#include <QFile>
#include <QJsonArray>
#include <QThread>

using namespace wfx;

namespace {
QString L(const char *s)
{
    return QString::fromLatin1(s);
}
} // namespace

class TestStatus : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    QString artifacts;

    void addSample(qint64 at, const QString &component, bool ok)
    {
        Query q(s->db->connection(), L("INSERT INTO status_samples (id, at, component, ok, "
                                       "latency_ms) VALUES (:id, :at, :c, :ok, 1)"));
        q.bind(L(":id"), ids::newUuid())
            .bind(L(":at"), at)
            .bind(L(":c"), component)
            .bind(L(":ok"), ok ? 1 : 0);
        QVERIFY(q.exec());
    }
    static StatusService::ArtifactProbe failing()
    {
        return [](QString *reason) {
            *reason = L("test says no");
            return false;
        };
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        artifacts = s->dir.filePath(L("artifacts"));
    }
    void cleanup() { s.reset(); }

    void healthyInstanceIsOperational()
    {
        StatusService st(s->ctx, BlobStore(s->dir.path(), artifacts));
        const StatusReport r = st.status();
        QCOMPARE(r.status, L("operational"));
        QCOMPARE(r.components.size(), 2);
        QCOMPARE(r.components.at(0).name, L("database"));
        QCOMPARE(r.components.at(1).name, L("artifact_store"));
        for (const auto &c : r.components) {
            QCOMPARE(c.status, L("operational"));
            QCOMPARE(c.checkedAt, s->clock.nowMs());
            QVERIFY(c.latencyMs >= 0);
        }
        // The probe cleans up after itself.
        QCOMPARE(QDir(artifacts).entryList(QDir::Files | QDir::Hidden).size(), 0);
        QCOMPARE(r.history.size(), 24);
        QCOMPARE(r.history.last().hourStart,
                 s->clock.nowMs() / StatusService::kHourMs * StatusService::kHourMs);
        QCOMPARE(r.history.last().samples, 2);
        QCOMPARE(*r.history.last().uptime, 1.0);
        QVERIFY(!r.history.first().uptime.has_value());

        const QJsonObject j = r.toJson();
        QCOMPARE(j.value(L("status")).toString(), L("operational"));
        const QJsonObject c0 = j.value(L("components")).toArray().at(0).toObject();
        QCOMPARE(c0.keys(),
                 (QStringList{L("checked_at"), L("latency_ms"), L("name"), L("status")}));
        QCOMPARE(c0.value(L("checked_at")).toString(), ids::formatTime(s->clock.nowMs()));
        const QJsonArray h = j.value(L("history")).toArray();
        QCOMPARE(h.size(), 24);
        QVERIFY(h.first().toObject().value(L("uptime")).isNull());
        QCOMPARE(h.last().toObject().value(L("uptime")).toDouble(), 1.0);
    }

    void brokenArtifactStoreDegrades()
    {
        StatusService st(s->ctx, failing());
        const StatusReport r = st.status();
        QCOMPARE(r.status, L("degraded"));
        QCOMPARE(r.components.at(0).status, L("operational"));
        QCOMPARE(r.components.at(1).status, L("down"));
        QCOMPARE(*r.history.last().uptime, 0.0); // the worst component's ratio
        QCOMPARE(r.history.last().components.value(L("database")), 1.0);
        Query q(s->db->connection(),
                L("SELECT ok, detail FROM status_samples WHERE component = 'artifact_store'"));
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.i64(0), 0);
        QCOMPARE(q.str(1), L("test says no"));
    }

    void folderThatIsAFileIsDown()
    {
        QFile f(artifacts);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        StatusService st(s->ctx, BlobStore(s->dir.path(), artifacts));
        QCOMPARE(st.checkArtifactStore().status, L("down"));
        QCOMPARE(st.status().status, L("degraded"));
    }

    void slowComponentIsDegraded()
    {
        StatusService st(s->ctx, [](QString *) {
            QThread::msleep(40);
            return true;
        });
        st.setSlowThresholdMs(10);
        const ComponentStatus c = st.checkArtifactStore();
        QCOMPARE(c.status, L("degraded"));
        QVERIFY(c.latencyMs >= 40);
    }

    void overall_data()
    {
        QTest::addColumn<QString>("db");
        QTest::addColumn<QString>("art");
        QTest::addColumn<QString>("overall");
        QTest::newRow("all up") << L("operational") << L("operational") << L("operational");
        QTest::newRow("store down") << L("down") << L("operational") << L("down");
        QTest::newRow("store slow") << L("degraded") << L("operational") << L("degraded");
        QTest::newRow("artifacts down") << L("operational") << L("down") << L("degraded");
        QTest::newRow("both down") << L("down") << L("down") << L("down");
    }
    void overall()
    {
        QFETCH(QString, db);
        QFETCH(QString, art);
        QFETCH(QString, overall);
        QCOMPARE(StatusService::overallStatus(
                     {{L("database"), db, 1, 0}, {L("artifact_store"), art, 1, 0}}),
                 overall);
    }

    void atMostOneSamplePerComponentAndMinute()
    {
        StatusService st(s->ctx, BlobStore(s->dir.path(), artifacts));
        st.status();
        st.status();
        s->clock.advanceMs(30 * 1000);
        st.status();
        QCOMPARE(s->count(L("status_samples")), 2);
        // Another process on the same store, in the same minute, adds nothing either.
        StatusService other(s->ctx, BlobStore(s->dir.path(), artifacts));
        other.status();
        QCOMPARE(s->count(L("status_samples")), 2);
        s->clock.advanceMs(StatusService::kSampleIntervalMs);
        st.status();
        QCOMPARE(s->count(L("status_samples")), 4);
    }

    void historyHasHourlyUptimeRatios()
    {
        const qint64 now = s->clock.nowMs();
        const qint64 hour = now / StatusService::kHourMs * StatusService::kHourMs;
        // Two hours ago: artifacts up 3 of 4 minutes, the store always up.
        for (int i = 0; i < 4; ++i) {
            addSample(hour - 2 * StatusService::kHourMs + i * 60000, L("artifact_store"), i != 1);
            addSample(hour - 2 * StatusService::kHourMs + i * 60000, L("database"), true);
        }
        addSample(hour - 30 * StatusService::kHourMs, L("database"),
                  false); // older than 24 h: not shown
        StatusService st(s->ctx, BlobStore(s->dir.path(), artifacts));
        const StatusReport r = st.status();
        QCOMPARE(r.history.size(), 24);
        const UptimeBucket &b = r.history.at(21);
        QCOMPARE(b.hourStart, hour - 2 * StatusService::kHourMs);
        QCOMPARE(b.samples, 8);
        QCOMPARE(b.components.value(L("artifact_store")), 0.75);
        QCOMPARE(b.components.value(L("database")), 1.0);
        QCOMPARE(*b.uptime, 0.75);
        QVERIFY(!r.history.at(22).uptime.has_value());
        for (int i = 0; i < 21; ++i)
            QVERIFY(!r.history.at(i).uptime.has_value());
    }

    void sweepRemovesSamplesOlderThan30Days()
    {
        const qint64 now = s->clock.nowMs();
        addSample(now - StatusService::kRetentionMs - 1, L("database"), true);
        addSample(now - StatusService::kRetentionMs - 1, L("artifact_store"), true);
        addSample(now - StatusService::kRetentionMs + 60000, L("database"), true);
        StatusService st(s->ctx, BlobStore(s->dir.path(), artifacts));
        QCOMPARE(st.sweep(), 2);
        QCOMPARE(s->count(L("status_samples")), 1);
        QCOMPARE(st.sweep(), 0);
    }

    void recordingSweepsOldSamples()
    {
        addSample(s->clock.nowMs() - StatusService::kRetentionMs - 1, L("database"), true);
        StatusService st(s->ctx, BlobStore(s->dir.path(), artifacts));
        st.status();
        QCOMPARE(s->count(L("status_samples")), 2); // the old one gone, today's two written
    }
};

QTEST_GUILESS_MAIN(TestStatus)
#include "tst_status.moc"
