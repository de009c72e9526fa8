// SPDX-License-Identifier: Apache-2.0
// Crash safety: the real `worldflux-console --headless` on one data folder,
// killed with SIGKILL at a random moment while three client lanes stream run
// syncs, artifact uploads (initiate, parts, commit) and share creations, then
// restarted, WFX_CRASH_ROUNDS times (20 by default). After every restart:
// every acknowledged (2xx) write is there and readable, nothing half-written
// is visible (a run has exactly the points and log it was sent with; a
// committed artifact has its whole blob with the declared digest; a recorded
// part has its bytes; every share names its run), the audit chain verifies and
// holds an entry for each acknowledged write, and the store passes its
// integrity checks. SQLite always; PostgreSQL too when WFX_TEST_PG_URL is set.
#include "ConsoleProcess.h"
#include "PgScratch.h"
#include "TestHttp.h"

#include "models/artifacts/BlobStore.h"
#include "models/audit/AuditService.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/runs/MetricStore.h"
#include "models/shares/ShareService.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfxtest;

namespace {

constexpr qint64 kPartSize = 64 * 1024; // the smallest part size: artifacts of several parts

struct SentRun
{
    int points = 0;
    QByteArray log;
};

struct SentArtifact
{
    QByteArray bytes;
    QString sha256;
    QString id; // from an acknowledged initiate
    QList<QString> partUrls;
    QSet<int> partsAcked;
    bool commitAcked = false;
};

struct AckedShare
{
    QString id, token, runId;
};

// Everything the clients sent and which of it the server acknowledged.
struct Ledger
{
    QHash<QString, SentRun> sentRuns;  // client_run_id -> what was sent (acknowledged or not)
    QHash<QString, QString> ackedRuns; // client_run_id -> run id
    QStringList ackedRunIds;
    QList<std::shared_ptr<SentArtifact>> artifacts;
    QList<AckedShare> shares;
    int acknowledged = 0;
};

// Three lanes of writes over QNetworkAccessManager until the server is gone.
class Stream : public QObject
{
public:
    Stream(quint16 port, QString bearer, QString project, Ledger &ledger, quint32 seed)
        : m_port(port), m_bearer(std::move(bearer)), m_project(std::move(project)),
          m_ledger(ledger), m_rng(seed)
    {
    }

    // Runs until every lane has met a dead connection (or maxMs pass).
    void run(int lanes, int maxMs)
    {
        m_alive = lanes;
        for (int i = 0; i < lanes; ++i)
            next();
        QTRY_VERIFY_WITH_TIMEOUT(m_alive == 0, maxMs);
    }
    int requests() const { return m_requests; }

private:
    using Done = std::function<void(int status, const QJsonObject &json)>;

    void send(const QByteArray &method, const QString &urlOrPath, const QByteArray &body,
              const QByteArray &type, Done done)
    {
        ++m_requests;
        const QUrl url = urlOrPath.startsWith(QLatin1Char('/'))
                             ? QUrl(u"http://127.0.0.1:%1"_s.arg(m_port) + urlOrPath)
                             : QUrl(urlOrPath);
        QNetworkRequest req(url);
        if (urlOrPath.startsWith(QLatin1Char('/')))
            req.setRawHeader("Authorization", "Bearer " + m_bearer.toLatin1());
        req.setHeader(QNetworkRequest::ContentTypeHeader, type);
        req.setTransferTimeout(15'000);
        QNetworkReply *reply = m_nam.sendCustomRequest(req, method, body);
        connect(reply, &QNetworkReply::finished, this, [this, reply, done] {
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status == 0) { // no answer: the server is gone, this lane ends
                --m_alive;
                return;
            }
            if (status >= 200 && status < 300)
                ++m_ledger.acknowledged;
            else if (status != 409) // a conflict is possible (a commit racing nothing); anything
                                    // else is a bug
                qWarning() << "unexpected answer" << status << reply->url().path();
            done(status, QJsonDocument::fromJson(reply->readAll()).object());
        });
    }
    void postJson(const QString &path, const QJsonObject &body, Done done)
    {
        send("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), "application/json",
             std::move(done));
    }

    void next()
    {
        const quint32 pick = m_rng.bounded(10);
        if (pick < 5 || m_ledger.ackedRunIds.isEmpty())
            syncRun();
        else if (pick < 8)
            uploadArtifact();
        else
            createShare();
    }

    void syncRun()
    {
        const QString clientRunId = ids::newUuid();
        SentRun sent;
        sent.points = 20 + int(m_rng.bounded(200));
        sent.log = QByteArray("step log line\n").repeated(1 + int(m_rng.bounded(50)));
        QJsonArray metrics;
        for (int i = 0; i < sent.points; ++i)
            metrics.append(QJsonObject{{u"name"_s, i % 2 ? u"loss"_s : u"reward"_s},
                                       {u"step"_s, i / 2},
                                       {u"value"_s, i * 0.25}});
        m_ledger.sentRuns.insert(clientRunId, sent);
        const QJsonObject body{{u"project_id"_s, m_project},
                               {u"client_run_id"_s, clientRunId},
                               {u"name"_s, QString(u"crash-"_s + clientRunId.left(8))},
                               {u"status"_s, u"completed"_s},
                               {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
                               {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s},
                               {u"manifest"_s, QJsonObject{{u"seed"_s, int(m_rng.bounded(1000))}}},
                               {u"metrics"_s, metrics},
                               {u"log"_s, QString::fromLatin1(sent.log)}};
        postJson(
            u"/api/sync/runs"_s, body, [this, clientRunId](int status, const QJsonObject &json) {
                if (status == 201 || status == 200) {
                    const QString id = json.value(u"run"_s).toObject().value(u"id"_s).toString();
                    m_ledger.ackedRuns.insert(clientRunId, id);
                    m_ledger.ackedRunIds.append(id);
                }
                next();
            });
    }

    void uploadArtifact()
    {
        auto a = std::make_shared<SentArtifact>();
        const int size = 1 + int(m_rng.bounded(quint32(3 * kPartSize)));
        a->bytes.resize(size);
        for (int i = 0; i < size; ++i)
            a->bytes[i] = char(m_rng.bounded(256));
        a->sha256 = crypto::sha256Hex(a->bytes);
        m_ledger.artifacts.append(a);
        const QString runId =
            m_ledger.ackedRunIds.at(int(m_rng.bounded(quint32(m_ledger.ackedRunIds.size()))));
        postJson(u"/api/sync/artifacts/initiate"_s,
                 {{u"run_id"_s, runId},
                  {u"name"_s, u"weights.bin"_s},
                  {u"size_bytes"_s, double(size)},
                  {u"sha256"_s, a->sha256},
                  {u"content_type"_s, u"application/octet-stream"_s}},
                 [this, a](int status, const QJsonObject &json) {
                     if (status != 201)
                         return next();
                     a->id = json.value(u"artifact"_s).toObject().value(u"id"_s).toString();
                     for (const QJsonValue &p :
                          json.value(u"upload"_s).toObject().value(u"parts"_s).toArray())
                         a->partUrls.append(p.toObject().value(u"url"_s).toString());
                     putPart(a, 0);
                 });
    }

    void putPart(const std::shared_ptr<SentArtifact> &a, int index)
    {
        if (index == a->partUrls.size()) {
            postJson(u"/api/sync/artifacts/commit"_s, {{u"artifact_id"_s, a->id}},
                     [this, a](int status, const QJsonObject &) {
                         a->commitAcked = status == 200;
                         next();
                     });
            return;
        }
        send("PUT", a->partUrls.at(index), a->bytes.mid(index * kPartSize, kPartSize),
             "application/octet-stream", [this, a, index](int status, const QJsonObject &) {
                 if (status != 200)
                     return next();
                 a->partsAcked.insert(index + 1);
                 putPart(a, index + 1);
             });
    }

    void createShare()
    {
        const QString runId =
            m_ledger.ackedRunIds.at(int(m_rng.bounded(quint32(m_ledger.ackedRunIds.size()))));
        postJson(u"/api/shares"_s, {{u"run_id"_s, runId}},
                 [this, runId](int status, const QJsonObject &json) {
                     if (status == 201)
                         m_ledger.shares.append(
                             {json.value(u"share"_s).toObject().value(u"id"_s).toString(),
                              json.value(u"token"_s).toString(), runId});
                     next();
                 });
    }

    QNetworkAccessManager m_nam;
    quint16 m_port;
    QString m_bearer, m_project;
    Ledger &m_ledger;
    QRandomGenerator m_rng;
    int m_alive = 0;
    int m_requests = 0;
};

QString fileSha256(const QString &path, qint64 *size)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    *size = f.size();
    return QString::fromLatin1(h.result().toHex());
}
} // namespace

class TestCrashSafety : public QObject
{
    Q_OBJECT

    // Every check of the store, in this process, on the running server's store.
    void checkStore(const QString &dbUrl, const QString &dataDir, const Ledger &ledger)
    {
        QTemporaryDir scratch;
        auto opened =
            Database::open(dbUrl, dbUrl.startsWith(u"sqlite"_s) ? dataDir : scratch.path());
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        std::shared_ptr<Database> db = *opened;
        QSqlDatabase conn = db->connection();
        QSqlQuery q(conn);

        if (!db->isPostgres()) {
            QVERIFY2(q.exec(u"PRAGMA integrity_check"_s) && q.next(),
                     qPrintable(q.lastError().text()));
            QCOMPARE(q.value(0).toString(), u"ok"_s);
            QVERIFY2(q.exec(u"PRAGMA foreign_key_check"_s), qPrintable(q.lastError().text()));
            if (q.next())
                QFAIL(qPrintable(u"foreign key violation in "_s + q.value(0).toString()));
        }

        // Runs: whatever exists is whole (its points, its count, its log), acknowledged or not.
        QVERIFY(q.exec(
            u"SELECT r.id, r.client_run_id, r.metric_count, "
            "(SELECT COALESCE(SUM(m.points), 0) FROM run_metric_chunks m WHERE m.run_id = r.id), "
            "COALESCE((SELECT LENGTH(l.content) FROM run_logs l WHERE l.run_id = r.id), -1), "
            "r.log_bytes "
            "FROM runs r"_s));
        QSet<QString> runIds;
        QHash<QString, int> pointsOf;
        while (q.next()) {
            const QString id = q.value(0).toString();
            const QString clientRunId = q.value(1).toString();
            runIds.insert(id);
            QVERIFY2(ledger.sentRuns.contains(clientRunId),
                     qPrintable(u"a run nobody sent: "_s + clientRunId));
            const SentRun &sent = ledger.sentRuns[clientRunId];
            QCOMPARE(q.value(2).toInt(), sent.points);
            QCOMPARE(q.value(3).toInt(), sent.points);
            pointsOf.insert(id, sent.points);
            QCOMPARE(q.value(4).toInt(), int(sent.log.size()));
            QCOMPARE(q.value(5).toInt(), int(sent.log.size()));
        }
        q.finish();
        // Every chunk decodes, and holds what its row says.
        for (auto it = pointsOf.cbegin(); it != pointsOf.cend(); ++it) {
            int read = 0;
            QVERIFY(metricstore::visit(db->connection(), it.key(),
                                       [&](const QString &, const chunk::Point &) { ++read; })
                        .ok());
            QCOMPARE(read, it.value());
        }
        for (auto it = ledger.ackedRuns.begin(); it != ledger.ackedRuns.end(); ++it)
            QVERIFY2(runIds.contains(it.value()),
                     qPrintable(u"acknowledged run lost: "_s + it.value()));

        // Artifacts: a committed row has its whole blob; a recorded part has its bytes.
        BlobStore blobs(dataDir);
        QHash<QString, QString> states;
        QVERIFY(q.exec(u"SELECT id, state, sha256, size_bytes, run_id FROM artifacts"_s));
        while (q.next()) {
            const QString id = q.value(0).toString();
            states.insert(id, q.value(1).toString());
            QVERIFY2(runIds.contains(q.value(4).toString()), "an artifact without its run");
            if (q.value(1).toString() != QLatin1String("committed"))
                continue;
            qint64 size = -1;
            QCOMPARE(fileSha256(blobs.blobPath(q.value(2).toString()), &size),
                     q.value(2).toString());
            QCOMPARE(size, q.value(3).toLongLong());
        }
        QVERIFY(q.exec(u"SELECT artifact_id, number, size, sha256 FROM artifact_parts"_s));
        while (q.next()) {
            qint64 size = -1;
            const QString path = blobs.partPath(q.value(0).toString(), q.value(1).toLongLong());
            QCOMPARE(fileSha256(path, &size), q.value(3).toString());
            QCOMPARE(size, q.value(2).toLongLong());
        }
        for (const auto &a : ledger.artifacts) {
            if (a->id.isEmpty())
                continue; // never acknowledged
            QVERIFY2(states.contains(a->id), qPrintable(u"acknowledged artifact lost: "_s + a->id));
            if (a->commitAcked)
                QCOMPARE(states.value(a->id), u"committed"_s);
            else if (states.value(a->id) == QLatin1String("pending")) {
                // Acknowledged parts of a pending upload are recorded.
                QSqlQuery p(conn);
                p.prepare(u"SELECT number FROM artifact_parts WHERE artifact_id = ?"_s);
                p.addBindValue(a->id);
                QVERIFY(p.exec());
                QSet<int> recorded;
                while (p.next())
                    recorded.insert(p.value(0).toInt());
                for (int n : a->partsAcked)
                    QVERIFY2(recorded.contains(n),
                             qPrintable(u"acknowledged part %1 of %2 lost"_s.arg(n).arg(a->id)));
            }
        }

        // Shares: every row names its run and carries its token hash; acknowledged ones are there.
        QHash<QString, QPair<QString, QString>> shares; // id -> (run, token hash)
        QVERIFY(q.exec(u"SELECT id, run_id, token_hash, token_prefix, created_at FROM shares"_s));
        while (q.next()) {
            QVERIFY2(runIds.contains(q.value(1).toString()), "a share without its run");
            QVERIFY(!q.value(3).toString().isEmpty());
            QVERIFY(q.value(4).toLongLong() > 0);
            shares.insert(q.value(0).toString(), {q.value(1).toString(), q.value(2).toString()});
        }
        for (const AckedShare &s : ledger.shares) {
            QVERIFY2(shares.contains(s.id), qPrintable(u"acknowledged share lost: "_s + s.id));
            QCOMPARE(shares.value(s.id).first, s.runId);
            QCOMPARE(shares.value(s.id).second, ShareService::tokenHash(s.token));
        }

        // The audit chain verifies and holds an entry for every acknowledged write.
        SystemClock clock;
        const AuditVerdict verdict = AuditService(ModelContext{db, &clock, nullptr}).verify();
        QVERIFY2(
            verdict.ok,
            qPrintable(
                u"audit chain broken at %1: %2"_s.arg(verdict.firstBadSeq).arg(verdict.reason)));
        QSet<QString> audited;
        QVERIFY(q.exec(u"SELECT action, target_id FROM audit_log WHERE action IN "
                       "('run.sync', 'artifact.initiate', 'artifact.commit', 'share.create')"_s));
        while (q.next())
            audited.insert(q.value(0).toString() + QLatin1Char(' ') + q.value(1).toString());
        for (const QString &id : ledger.ackedRunIds)
            QVERIFY2(audited.contains(u"run.sync "_s + id), qPrintable(id));
        for (const auto &a : ledger.artifacts) {
            if (!a->id.isEmpty())
                QVERIFY(audited.contains(u"artifact.initiate "_s + a->id));
            if (a->commitAcked)
                QVERIFY(audited.contains(u"artifact.commit "_s + a->id));
        }
        for (const AckedShare &s : ledger.shares)
            QVERIFY(audited.contains(u"share.create "_s + s.id));
    }

    // Through the restarted server: acknowledged artifacts download whole, shares read.
    void checkServed(HttpClient &api, quint16 port, const Ledger &ledger, int firstArtifact,
                     int firstShare)
    {
        for (int i = firstArtifact; i < ledger.artifacts.size(); ++i) {
            const auto &a = ledger.artifacts.at(i);
            if (!a->commitAcked)
                continue;
            const HttpResult r = api.get(u"/api/artifacts/"_s + a->id);
            QCOMPARE(r.status, 200);
            QCOMPARE(crypto::sha256Hex(r.body), a->sha256);
        }
        HttpClient anonymous(port);
        for (int i = firstShare; i < ledger.shares.size(); ++i) {
            const HttpResult r =
                anonymous.get(u"/api/public/shares/"_s + ledger.shares.at(i).token);
            QVERIFY2(r.status == 200, r.body.constData());
        }
    }

    void crashRounds(const QString &dbUrl, int rounds)
    {
        QTemporaryDir dataDir;
        const QStringList args{u"--data-dir"_s,  dataDir.path(),
                               u"--database"_s,  dbUrl,
                               u"--part-size"_s, QString::number(kPartSize),
                               u"--threads"_s,   u"2"_s};
        const QHash<QString, QString> env{{u"WFX_SHARE_READ_LIMIT"_s, u"1000000"_s}};
        ConsoleProcess server;
        QString error;
        QVERIFY2(server.start(args, env, &error), qPrintable(error));
        TestUser user = signup(server.port, u"crash"_s);
        QVERIFY(!user.secret.isEmpty());
        const QString workspace = createWorkspace(*user.api).value(u"id"_s).toString();
        QVERIFY(!workspace.isEmpty());
        const QString project =
            user.api
                ->post(u"/api/projects"_s,
                       QJsonObject{{u"workspace_id"_s, workspace}, {u"name"_s, u"p"_s}})
                .object("project")
                .value(u"id"_s)
                .toString();
        QVERIFY(!project.isEmpty());

        Ledger ledger;
        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo() << "seed" << seed;
        QRandomGenerator rng(seed);
        int requests = 0;
        for (int round = 0; round < rounds; ++round) {
            const int firstArtifact = int(ledger.artifacts.size());
            const int firstShare = int(ledger.shares.size());
            {
                Stream stream(server.port, user.secret, project, ledger, rng.generate());
                // SIGKILL at a random moment of the stream.
                const int killAfterMs = 100 + int(rng.bounded(1400));
                QTimer::singleShot(killAfterMs, &stream, [&server] { server.proc.kill(); });
                stream.run(3, 30'000);
                requests += stream.requests();
            }
            QVERIFY(server.proc.state() == QProcess::NotRunning ||
                    server.proc.waitForFinished(10'000));
            QCOMPARE(server.proc.exitStatus(), QProcess::CrashExit);

            QVERIFY2(server.start(args, env, &error),
                     qPrintable(u"restart after round %1: "_s.arg(round) + error));
            checkStore(dbUrl, dataDir.path(), ledger);
            if (QTest::currentTestFailed()) {
                qWarning() << "after round" << round << "seed" << seed;
                return;
            }
            HttpClient api(server.port, user.secret);
            checkServed(api, server.port, ledger, firstArtifact, firstShare);
            if (QTest::currentTestFailed())
                return;
        }
        int committed = 0;
        for (const auto &a : ledger.artifacts)
            committed += a->commitAcked;
        qInfo().noquote() << QStringLiteral("%1 rounds, %2 requests, %3 acknowledged: %4 runs, %5 "
                                            "committed artifacts, %6 shares")
                                 .arg(rounds)
                                 .arg(requests)
                                 .arg(ledger.acknowledged)
                                 .arg(ledger.ackedRuns.size())
                                 .arg(committed)
                                 .arg(ledger.shares.size());
        // Something was written and something was cut short: the test exercised both.
        QVERIFY(ledger.ackedRuns.size() > rounds);
        QVERIFY(committed > 0);
        QVERIFY(!ledger.shares.isEmpty());
        QVERIFY2(server.stop(&error), qPrintable(error));
    }

    static int rounds()
    {
        return qEnvironmentVariableIsSet("WFX_CRASH_ROUNDS")
                   ? qEnvironmentVariableIntValue("WFX_CRASH_ROUNDS")
                   : 20;
    }

private slots:
    void acknowledgedWritesSurviveSigkillOnSqlite() { crashRounds(u"sqlite:"_s, rounds()); }

    void acknowledgedWritesSurviveSigkillOnPostgres()
    {
        if (qEnvironmentVariableIsEmpty("WFX_TEST_PG_URL"))
            QSKIP("needs WFX_TEST_PG_URL");
        PgScratch pg;
        QVERIFY2(pg.ok(), qPrintable(pg.error()));
        crashRounds(pg.url(), qMax(1, rounds() / 2));
        QVERIFY2(pg.drop(), qPrintable(pg.error()));
    }
};

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "tst_crash_safety.moc"
