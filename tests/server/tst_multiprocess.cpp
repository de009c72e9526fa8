// SPDX-License-Identifier: Apache-2.0
// Several processes, one PostgreSQL: two real `worldflux-console --headless`
// processes over one fresh database. Limits, idempotency, compare-and-swap and
// quota reservations hold across them, and a change made through one reaches a
// ChangeBus listening on the same database in this process, and shows live in
// the console's own Runs and Shares panels attached to that database. Needs
// WFX_TEST_PG_URL (scripts/test.sh sets it).
#include "ConsoleProcess.h"
#include "PgScratch.h"
#include "TestHttp.h"

#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/events/ChangeBus.h"
#include "ui/runs/RunsModel.h"
#include "ui/runs/RunsPanel.h"
#include "ui/shares/SharesModel.h"
#include "ui/shares/SharesPanel.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfxtest;

namespace {

// A running `worldflux-console --headless` on its own data folder.
struct Console
{
    QTemporaryDir dir;
    ConsoleProcess process;
    quint16 port = 0;

    bool start(const QString &dbUrl, QString *error, const QString &readLimit = u"6"_s,
               const QString &passwordAttempts = u"3"_s)
    {
        const bool ok = process.start({u"--data-dir"_s, dir.path(), u"--database"_s, dbUrl},
                                      {{u"WFX_SHARE_READ_LIMIT"_s, readLimit},
                                       {u"WFX_SHARE_PASSWORD_ATTEMPTS"_s, passwordAttempts}},
                                      error);
        port = process.port;
        return ok;
    }
    bool stop(QString *error) { return process.stop(error); }
};

QString runBody(const QString &project, const QString &clientRunId, QJsonObject *out)
{
    *out = QJsonObject{
        {u"project_id"_s, project},
        {u"client_run_id"_s, clientRunId},
        {u"name"_s, u"dreamer-v3-seed-1"_s},
        {u"status"_s, u"completed"_s},
        {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
        {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s},
        {u"manifest"_s, QJsonObject{{u"env"_s, u"atari"_s}, {u"seed"_s, 1}}},
        {u"metrics"_s,
         QJsonArray{QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 0}, {u"value"_s, 1.25}}}}};
    return clientRunId;
}

// Two POSTs sent at once (one per process); waits for both answers.
QPair<int, int> postBoth(quint16 portA, quint16 portB, const QString &bearer, const QString &path,
                         const QJsonObject &bodyA, const QJsonObject &bodyB)
{
    QNetworkAccessManager nam;
    auto send = [&](quint16 port, const QJsonObject &body) {
        QNetworkRequest req(QUrl(u"http://127.0.0.1:%1"_s.arg(port) + path));
        req.setRawHeader("Authorization", "Bearer " + bearer.toLatin1());
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        return nam.post(req, QJsonDocument(body).toJson(QJsonDocument::Compact));
    };
    QNetworkReply *a = send(portA, bodyA);
    QNetworkReply *b = send(portB, bodyB);
    QElapsedTimer t;
    t.start();
    while ((!a->isFinished() || !b->isFinished()) && t.elapsed() < 10'000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const QPair<int, int> out{a->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                              b->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt()};
    delete a;
    delete b;
    return out;
}
} // namespace

class TestMultiprocess : public QObject
{
    Q_OBJECT

    std::unique_ptr<PgScratch> m_pg;
    QString m_dbUrl;
    QTemporaryDir m_dir;
    std::shared_ptr<Database> m_db;   // this process on the shared database, as a console attaches
    std::unique_ptr<ChangeBus> m_bus; // listening there (LISTEN/NOTIFY)
    Console m_a, m_b;
    TestUser m_user;
    std::unique_ptr<HttpClient> m_onA, m_onB; // the same API key, one client per process
    QString m_workspace, m_project;

    QString syncRun(HttpClient &c)
    {
        QJsonObject body;
        runBody(m_project, ids::newUuid(), &body);
        return c.post(u"/api/sync/runs"_s, body).object("run").value(u"id"_s).toString();
    }
    // A share of a fresh run; its token.
    QString makeShare(const QJsonObject &extra = {})
    {
        QJsonObject body{{u"run_id"_s, syncRun(*m_onA)}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            body.insert(it.key(), it.value());
        const HttpResult r = m_onA->post(u"/api/shares"_s, body);
        if (r.status != 201)
            qWarning() << "share create" << r.status << r.body;
        return r.json().value(u"token"_s).toString();
    }
    static HttpResult readShare(HttpClient &c, const QString &token,
                                const QByteArray &password = {})
    {
        QList<QPair<QByteArray, QByteArray>> h;
        if (!password.isEmpty())
            h.append({"X-Share-Password", password});
        return c.request(
            "GET", u"/api/public/shares/"_s + QString::fromLatin1(QUrl::toPercentEncoding(token)),
            {}, h);
    }

private slots:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("WFX_TEST_PG_URL"))
            QSKIP("needs WFX_TEST_PG_URL: several processes share one PostgreSQL (SQLite is one "
                  "process's store)");
        m_pg = std::make_unique<PgScratch>();
        QVERIFY2(m_pg->ok(), qPrintable(m_pg->error()));
        m_dbUrl = m_pg->url();
        QString error;

        // One after the other: the first migrates the fresh database.
        QVERIFY2(m_a.start(m_dbUrl, &error), qPrintable(u"console A "_s + error));
        QVERIFY2(m_b.start(m_dbUrl, &error), qPrintable(u"console B "_s + error));
        QVERIFY(m_a.port != m_b.port);

        // One account through A; its API key (in the shared database) works on B too.
        m_user = signup(m_a.port, u"multiproc"_s);
        QVERIFY(!m_user.secret.isEmpty());
        m_onA = std::make_unique<HttpClient>(m_a.port, m_user.secret);
        m_onB = std::make_unique<HttpClient>(m_b.port, m_user.secret);
        m_workspace = createWorkspace(*m_onA).value(u"id"_s).toString();
        QVERIFY(!m_workspace.isEmpty());
        m_project = m_onB
                        ->post(u"/api/projects"_s,
                               QJsonObject{{u"workspace_id"_s, m_workspace}, {u"name"_s, u"p"_s}})
                        .object("project")
                        .value(u"id"_s)
                        .toString();
        QVERIFY2(!m_project.isEmpty(), "a project in A's workspace created through B");

        auto opened = Database::open(m_dbUrl, m_dir.path());
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        m_db = *opened;
        m_bus = std::make_unique<ChangeBus>();
        QVERIFY(m_bus->listen(m_db));
    }

    void cleanupTestCase()
    {
        if (!m_pg)
            return;
        m_bus.reset();
        m_db.reset();
        m_onA.reset();
        m_onB.reset();
        m_user = {};
        QString error;
        const bool stoppedA = m_a.stop(&error);
        const QString errorA = error;
        const bool stoppedB = m_b.stop(&error);
        const bool dropped = m_pg->drop();
        const QString dropError = m_pg->error();
        QVERIFY2(stoppedA, qPrintable(u"console A: "_s + errorA));
        QVERIFY2(stoppedB, qPrintable(u"console B: "_s + error));
        QVERIFY2(dropped, qPrintable(dropError));
    }

    void sharePasswordLockoutHoldsAcrossProcesses()
    {
        const QString token = makeShare({{u"password"_s, u"pass-word-1"_s}});
        QVERIFY(!token.isEmpty());
        // Three wrong passwords (the limit), split between A and B; the third still answers 401.
        QCOMPARE(readShare(*m_onA, token, "wrong-1").code(), u"share_wrong_password"_s);
        QCOMPARE(readShare(*m_onB, token, "wrong-2").code(), u"share_wrong_password"_s);
        QCOMPARE(readShare(*m_onA, token, "wrong-3").code(), u"share_wrong_password"_s);
        // Locked on both, even with the right password.
        for (HttpClient *c : {m_onB.get(), m_onA.get()}) {
            const HttpResult r = readShare(*c, token, "pass-word-1");
            QCOMPARE(r.status, 429);
            QCOMPARE(r.code(), u"share_password_locked"_s);
        }
    }

    // 30 wrong passwords at once, 15 through each of two processes (these two
    // with the contract's 5 attempts and room for 30 reads): exactly 5 are
    // evaluated, the other 25 meet the lock, whichever process they reach.
    void concurrentWrongPasswordsAcrossProcessesGiveExactlyFiveEvaluations()
    {
        Console c, d;
        QString error;
        QVERIFY2(c.start(m_dbUrl, &error, u"100"_s, u"5"_s), qPrintable(u"console C "_s + error));
        QVERIFY2(d.start(m_dbUrl, &error, u"100"_s, u"5"_s), qPrintable(u"console D "_s + error));
        const QString token = makeShare({{u"password"_s, u"pass-word-1"_s}});
        QVERIFY(!token.isEmpty());
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 30; ++i) {
            auto s = std::make_unique<QTcpSocket>();
            s->connectToHost(QHostAddress::LocalHost, i % 2 ? c.port : d.port);
            sockets.push_back(std::move(s));
        }
        for (int i = 0; i < 30; ++i) {
            QTcpSocket &s = *sockets[size_t(i)];
            QVERIFY(s.waitForConnected(5000));
            s.write("GET /api/public/shares/" + QUrl::toPercentEncoding(token) +
                    " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(s.peerPort()) +
                    "\r\nConnection: close\r\nX-Share-Password: wrong-" + QByteArray::number(i) +
                    "\r\n\r\n");
            s.flush();
        }
        int evaluated = 0, locked = 0;
        QStringList other;
        for (auto &s : sockets) {
            const QByteArray raw = TestServer::readAll(*s, 30'000);
            if (raw.startsWith("HTTP/1.1 401") && raw.contains("share_wrong_password"))
                ++evaluated;
            else if (raw.startsWith("HTTP/1.1 429") && raw.contains("share_password_locked"))
                ++locked;
            else
                other << QString::fromLatin1(raw.left(200));
        }
        QVERIFY2(evaluated == 5 && locked == 25,
                 qPrintable(u"%1 evaluated, %2 locked, others: "_s.arg(evaluated).arg(locked) +
                            other.join(u" | "_s)));
        QVERIFY(c.stop(&error));
        QVERIFY(d.stop(&error));
    }

    void shareReadLimitHoldsAcrossProcesses()
    {
        const QString token = makeShare();
        QVERIFY(!token.isEmpty());
        for (int i = 1; i <= 6; ++i) { // six reads in total, alternating
            const HttpResult r = readShare(i % 2 ? *m_onA : *m_onB, token);
            QCOMPARE(r.status, 200);
            QCOMPARE(r.header("RateLimit-Remaining"), QByteArray::number(6 - i));
        }
        for (HttpClient *c : {m_onA.get(), m_onB.get()}) {
            const HttpResult r = readShare(*c, token);
            QCOMPARE(r.status, 429);
            QCOMPARE(r.code(), u"share_rate_limited"_s);
        }
    }

    void syncIdempotencyHoldsAcrossProcesses()
    {
        QJsonObject body;
        runBody(m_project, ids::newUuid(), &body);
        const HttpResult first = m_onA->post(u"/api/sync/runs"_s, body);
        QCOMPARE(first.status, 201);
        const HttpResult again = m_onB->post(u"/api/sync/runs"_s, body);
        QCOMPARE(again.status, 200);
        const QString id = first.object("run").value(u"id"_s).toString();
        QVERIFY(ids::isUuid(id));
        QCOMPARE(again.object("run").value(u"id"_s).toString(), id);
        int matching = 0;
        for (const QJsonValue &v :
             m_onB->get(u"/api/runs?limit=200&project_id="_s + m_project).items())
            matching += v.toObject().value(u"client_run_id"_s).toString() ==
                        body.value(u"client_run_id"_s).toString();
        QCOMPARE(matching, 1);
    }

    void syncIdempotencyHoldsForConcurrentPosts()
    {
        QJsonObject body;
        runBody(m_project, ids::newUuid(), &body);
        const auto [a, b] =
            postBoth(m_a.port, m_b.port, m_user.secret, u"/api/sync/runs"_s, body, body);
        QVERIFY2((a == 201 && b == 200) || (a == 200 && b == 201),
                 qPrintable(u"%1 and %2"_s.arg(a).arg(b)));
        int matching = 0;
        for (const QJsonValue &v :
             m_onA->get(u"/api/runs?limit=200&project_id="_s + m_project).items())
            matching += v.toObject().value(u"client_run_id"_s).toString() ==
                        body.value(u"client_run_id"_s).toString();
        QCOMPARE(matching, 1);
    }

    // Batches of one growing run (CONTRACT.md 3, Runs that grow) through both
    // processes at once: every point once, the status never backwards.
    void growingRunBatchesThroughTwoProcessesLoseAndDoubleNothing()
    {
        const QString clientRunId = ids::newUuid();
        const HttpResult created =
            m_onA->post(u"/api/sync/runs"_s, QJsonObject{{u"project_id"_s, m_project},
                                                         {u"client_run_id"_s, clientRunId},
                                                         {u"name"_s, u"growing"_s},
                                                         {u"status"_s, u"running"_s}});
        QCOMPARE(created.status, 201);
        const QString id = created.object("run").value(u"id"_s).toString();
        auto batch = [&](int i) {
            QJsonArray metrics;
            for (int step = i * 10; step < i * 10 + 15; ++step) // overlaps the next batch by 5
                metrics.append(QJsonObject{
                    {u"name"_s, u"loss"_s}, {u"step"_s, step}, {u"value"_s, 1.0 / (step + 1)}});
            return QJsonObject{{u"project_id"_s, m_project},
                               {u"client_run_id"_s, clientRunId},
                               {u"status"_s, i % 3 ? u"running"_s : u"queued"_s},
                               {u"metrics"_s, metrics}};
        };
        for (int round = 0; round < 10; ++round) {
            const auto [a, b] = postBoth(m_a.port, m_b.port, m_user.secret, u"/api/sync/runs"_s,
                                         batch(2 * round), batch(2 * round + 1));
            QVERIFY2(a == 200 && b == 200,
                     qPrintable(u"round %1: %2 and %3"_s.arg(round).arg(a).arg(b)));
        }
        const QJsonObject run = m_onB->get(u"/api/runs/"_s + id).object("run");
        QCOMPARE(run.value(u"status"_s).toString(), u"running"_s);
        QCOMPARE(run.value(u"metric_count"_s).toInt(), 205); // steps 0..204
        QList<qint64> steps;
        QString cursor;
        do {
            const HttpResult page =
                m_onA->get(u"/api/runs/%1/metrics?name=loss&limit=200"_s.arg(id) +
                           (cursor.isEmpty() ? QString() : u"&cursor="_s + cursor));
            QCOMPARE(page.status, 200);
            for (const QJsonValue &p : page.items())
                steps << qint64(p.toObject().value(u"step"_s).toDouble());
            cursor = page.json().value(u"next_cursor"_s).toString();
        } while (!cursor.isEmpty());
        QCOMPARE(steps.size(), 205);
        for (qsizetype i = 0; i < steps.size(); ++i)
            QCOMPARE(steps.at(i), qint64(i));
        // The end through one process; a late "running" batch through the other changes nothing.
        QCOMPARE(m_onB
                     ->post(u"/api/sync/runs"_s, QJsonObject{{u"project_id"_s, m_project},
                                                             {u"client_run_id"_s, clientRunId},
                                                             {u"status"_s, u"completed"_s}})
                     .status,
                 200);
        const HttpResult late = m_onA->post(u"/api/sync/runs"_s, batch(3));
        QCOMPARE(late.status, 200);
        QCOMPARE(late.object("run").value(u"status"_s).toString(), u"completed"_s);
    }

    void ledgerHeadCompareAndSwapAcrossProcesses()
    {
        const QString ws = createWorkspace(*m_onA, u"ledger"_s).value(u"id"_s).toString();
        QVERIFY(!ws.isEmpty());
        QCOMPARE(m_onB
                     ->post(u"/api/sync/ledger-head"_s,
                            QJsonObject{{u"workspace_id"_s, ws},
                                        {u"expected_head"_s, QJsonValue::Null},
                                        {u"head"_s, u"h1"_s}})
                     .status,
                 200);
        // Two advances from h1 at the same time, one through each process.
        const auto [a, b] = postBoth(
            m_a.port, m_b.port, m_user.secret, u"/api/sync/ledger-head"_s,
            {{u"workspace_id"_s, ws}, {u"expected_head"_s, u"h1"_s}, {u"head"_s, u"from-a"_s}},
            {{u"workspace_id"_s, ws}, {u"expected_head"_s, u"h1"_s}, {u"head"_s, u"from-b"_s}});
        QVERIFY2((a == 200 && b == 409) || (a == 409 && b == 200),
                 qPrintable(u"%1 and %2"_s.arg(a).arg(b)));
        const QJsonObject head =
            m_onA->get(u"/api/sync/ledger-head?workspace_id="_s + ws).object("ledger_head");
        QCOMPARE(head.value(u"head"_s).toString(), a == 200 ? u"from-a"_s : u"from-b"_s);
        QCOMPARE(head.value(u"version"_s).toInt(), 2);
        // Sequentially too: the winner's head is current on both; the stale one is refused by
        // either.
        const HttpResult stale =
            m_onB->post(u"/api/sync/ledger-head"_s, QJsonObject{{u"workspace_id"_s, ws},
                                                                {u"expected_head"_s, u"h1"_s},
                                                                {u"head"_s, u"late"_s}});
        QCOMPARE(stale.status, 409);
        QCOMPARE(stale.code(), u"conflict"_s);
    }

    void usageReservationsNeverPassTheCapAcrossProcesses()
    {
        const QJsonObject ws = createWorkspace(*m_onB, u"usage"_s);
        const QString id = ws.value(u"id"_s).toString();
        const qint64 cap = ws.value(u"limits"_s).toObject().value(u"runs"_s).toInteger();
        QVERIFY(cap >= 4);
        auto reserve = [&](HttpClient &c, qint64 amount) {
            return c.post(
                u"/api/usage/reserve"_s,
                QJsonObject{{u"workspace_id"_s, id},
                            {u"metric"_s, u"runs"_s},
                            {u"amount"_s, double(amount)},
                            {u"idempotency_key"_s, QString(u"idem-"_s + ids::newUuid())}});
        };
        QCOMPARE(reserve(*m_onA, cap - 4).status, 201); // near the cap
        for (int i = 0; i < 4; ++i)                     // the last four units, alternating
            QCOMPARE(reserve(i % 2 ? *m_onA : *m_onB, 1).status, 201);
        for (HttpClient *c : {m_onB.get(), m_onA.get()}) {
            const HttpResult over = reserve(*c, 1);
            QCOMPARE(over.status, 402);
            QCOMPARE(over.code(), u"quota_exceeded"_s);
        }
    }

    void usageReservationsRacingForTheLastUnitOneWins()
    {
        const QJsonObject ws = createWorkspace(*m_onA, u"usage-race"_s);
        const QString id = ws.value(u"id"_s).toString();
        const qint64 cap = ws.value(u"limits"_s).toObject().value(u"runs"_s).toInteger();
        auto body = [&](qint64 amount) {
            return QJsonObject{{u"workspace_id"_s, id},
                               {u"metric"_s, u"runs"_s},
                               {u"amount"_s, double(amount)},
                               {u"idempotency_key"_s, QString(u"idem-"_s + ids::newUuid())}};
        };
        QCOMPARE(m_onA->post(u"/api/usage/reserve"_s, body(cap - 1)).status, 201);
        const auto [a, b] =
            postBoth(m_a.port, m_b.port, m_user.secret, u"/api/usage/reserve"_s, body(1), body(1));
        QVERIFY2((a == 201 && b == 402) || (a == 402 && b == 201),
                 qPrintable(u"%1 and %2"_s.arg(a).arg(b)));
    }

    // Each process caches resolved keys; the credentials generation, not the
    // change bus, makes a revoke or rotate through A count at B on the very
    // next request (no wait, no retry).
    void keyRevokedOrRotatedThroughOneProcessIsRefusedByTheOtherAtOnce()
    {
        auto issue = [&](const char *name) {
            const HttpResult r = m_onA->post(u"/api/api-keys"_s,
                                             QJsonObject{{u"name"_s, QString::fromLatin1(name)}});
            if (r.status != 201)
                qWarning() << "issue" << r.status << r.body;
            return std::pair{r.object("api_key").value(u"id"_s).toString(),
                             r.json().value(u"secret"_s).toString()};
        };
        const auto [revokedId, revokedSecret] = issue("to-revoke");
        const auto [rotatedId, rotatedSecret] = issue("to-rotate");
        QVERIFY(!revokedSecret.isEmpty() && !rotatedSecret.isEmpty());
        HttpClient revokedOnB(m_b.port, revokedSecret), rotatedOnB(m_b.port, rotatedSecret);
        for (int i = 0; i < 3; ++i) { // resolved, then answered from B's cache
            QCOMPARE(revokedOnB.get(u"/api/api-keys?limit=1"_s).status, 200);
            QCOMPARE(rotatedOnB.get(u"/api/api-keys?limit=1"_s).status, 200);
        }

        QCOMPARE(m_onA->del(u"/api/api-keys/"_s + revokedId).status, 204);
        const HttpResult afterRevoke = revokedOnB.get(u"/api/api-keys?limit=1"_s);
        QCOMPARE(afterRevoke.status, 401);

        const HttpResult rotated = m_onA->post(u"/api/api-keys/"_s + rotatedId + u"/rotate"_s);
        QCOMPARE(rotated.status, 200);
        QCOMPARE(rotatedOnB.get(u"/api/api-keys?limit=1"_s).status, 401);
        HttpClient newOnB(m_b.port, rotated.json().value(u"secret"_s).toString());
        QCOMPARE(newOnB.get(u"/api/api-keys?limit=1"_s).status, 200);
        // The key both processes share still works on each.
        QCOMPARE(m_onB->get(u"/api/api-keys?limit=1"_s).status, 200);
        QCOMPARE(m_onA->get(u"/api/api-keys?limit=1"_s).status, 200);
    }

    void changeThroughOneProcessReachesAListenerInAnother()
    {
        QSignalSpy spy(m_bus.get(), &ChangeBus::changed);
        const QString ws = createWorkspace(*m_onA, u"announced"_s).value(u"id"_s).toString();
        QVERIFY(!ws.isEmpty());
        auto seen = [&] {
            for (const QList<QVariant> &args : spy) {
                if (args.at(0).toString() == QLatin1String("workspace") &&
                    args.at(1).toString() == ws)
                    return args.at(2).toBool();
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(seen(), 10'000);
    }

    void changeThroughAHeadlessProcessAppearsLiveInConsolePanels()
    {
        // A console of its own (this process) on the shared database: the real
        // panels over the model services, refreshed only by the change bus.
        SystemClock clock;
        const ModelContext ctx{m_db, &clock, m_bus.get()};
        ui::RunsPanel runs(ctx, Actor::system());
        ui::SharesPanel shares(ctx, Actor::system(), [] { return u"http://127.0.0.1:8787"_s; });
        runs.show();
        shares.show();
        // First pages loaded before anything changes: what appears later came over the bus.
        QTRY_VERIFY_WITH_TIMEOUT(!runs.model()->isLoading() && runs.model()->rowCount() > 0,
                                 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(!shares.model()->isLoading(), 10'000);
        auto hasRow = [](const QAbstractItemModel *m, int role, const QString &id) {
            for (int row = 0; row < m->rowCount(); ++row) {
                if (m->index(row, 0).data(role).toString() == id)
                    return true;
            }
            return false;
        };

        // A run synced through B appears in the Runs panel.
        const QString runId = syncRun(*m_onB);
        QVERIFY(ids::isUuid(runId));
        QVERIFY(!hasRow(runs.model(), ui::RunsModel::RunIdRole, runId));
        QTRY_VERIFY_WITH_TIMEOUT(hasRow(runs.model(), ui::RunsModel::RunIdRole, runId), 5'000);

        // A share of it created through A appears in the Shares panel.
        const HttpResult created = m_onA->post(u"/api/shares"_s, QJsonObject{{u"run_id"_s, runId}});
        QCOMPARE(created.status, 201);
        const QString shareId = created.object("share").value(u"id"_s).toString();
        QTRY_VERIFY_WITH_TIMEOUT(hasRow(shares.model(), ui::SharesModel::ShareIdRole, shareId),
                                 5'000);

        // Revoked through B: the panel shows the new state.
        QCOMPARE(m_onB->post(u"/api/shares/"_s + shareId + u"/revoke"_s).status, 200);
        auto stateOf = [&] {
            for (int row = 0; row < shares.model()->rowCount(); ++row) {
                if (shares.model()->shareAt(row).id == shareId)
                    return shares.model()->shareAt(row).state;
            }
            return QString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(), u"revoked"_s, 5'000);
    }
};

QTEST_MAIN(TestMultiprocess)
#include "tst_multiprocess.moc"
