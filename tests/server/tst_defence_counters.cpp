// SPDX-License-Identifier: Apache-2.0
// Defence counters under concurrency, through the real server with many
// connections at once (issue 12): the share password lock, the login throttle
// and the reset-mail cap each let exactly their limit through, however many
// requests race for the last slot, on SQLite and PostgreSQL.
#include "TestHttp.h"

#include "server/core/Services.h"

#include <QJsonDocument>
#include <QTcpSocket>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfxtest;

namespace {

struct Answer
{
    int status = 0; // 0: no answer
    QString code;   // error code, empty on success
};

// Opens one connection per request, sends them all before reading any answer,
// then collects every answer: the requests are in the server at the same time.
QList<Answer> fireTogether(quint16 port, const QList<QByteArray> &requests)
{
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (qsizetype i = 0; i < requests.size(); ++i) {
        auto s = std::make_unique<QTcpSocket>();
        s->connectToHost(QHostAddress::LocalHost, port);
        sockets.push_back(std::move(s));
    }
    for (auto &s : sockets)
        s->waitForConnected(5000);
    for (qsizetype i = 0; i < requests.size(); ++i) {
        sockets[size_t(i)]->write(requests[i]);
        sockets[size_t(i)]->flush();
    }
    QList<Answer> out;
    for (auto &s : sockets) {
        const QByteArray raw = TestServer::readAll(*s, 30'000);
        Answer a;
        const qsizetype end = raw.indexOf("\r\n\r\n");
        if (raw.startsWith("HTTP/1.1 ") && end > 0) {
            a.status = raw.mid(9, 3).toInt();
            a.code = QJsonDocument::fromJson(raw.mid(end + 4))
                         .object()
                         .value(u"error"_s)
                         .toObject()
                         .value(u"code"_s)
                         .toString();
        }
        out.append(a);
    }
    return out;
}

// status -> how many answers had it ("401 share_wrong_password" etc.)
QMap<QString, int> tally(const QList<Answer> &answers)
{
    QMap<QString, int> t;
    for (const Answer &a : answers)
        ++t[QString::number(a.status) + (a.code.isEmpty() ? QString() : QLatin1Char(' ') + a.code)];
    return t;
}

QString describe(const QMap<QString, int> &t)
{
    QStringList parts;
    for (auto it = t.begin(); it != t.end(); ++it)
        parts << QStringLiteral("%1 x %2").arg(it.value()).arg(it.key());
    return parts.join(QStringLiteral(", "));
}

} // namespace

class TestDefenceCounters : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestServer> srv;
    TestUser user;
    static constexpr int kAttempts = 5; // the contract's default
    static constexpr const char *kSharePassword = "share-pass-0123";

    QByteArray head(const QByteArray &method, const QByteArray &path) const
    {
        return method + ' ' + path + " HTTP/1.1\r\n" + srv->hostHeader() + "Connection: close\r\n";
    }
    QByteArray shareRead(const QString &token, const QByteArray &password) const
    {
        return head("GET", "/api/public/shares/" + QUrl::toPercentEncoding(token)) +
               "X-Share-Password: " + password + "\r\n\r\n";
    }
    QByteArray jsonPost(const QByteArray &path, const QJsonObject &body) const
    {
        const QByteArray b = QJsonDocument(body).toJson(QJsonDocument::Compact);
        return head("POST", path) +
               "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(b.size()) +
               "\r\n\r\n" + b;
    }
    // A password-protected share of a fresh run; its token.
    QString passwordShare()
    {
        const QString ws = createWorkspace(*user.api).value(u"id"_s).toString();
        const QString project = user.api
                                    ->post(u"/api/projects"_s, QJsonObject{{u"workspace_id"_s, ws},
                                                                           {u"name"_s, u"p"_s}})
                                    .object("project")
                                    .value(u"id"_s)
                                    .toString();
        QJsonObject body{{u"project_id"_s, project},
                         {u"client_run_id"_s, ids::newUuid()},
                         {u"name"_s, u"dreamer"_s},
                         {u"status"_s, u"completed"_s},
                         {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
                         {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s},
                         {u"manifest"_s, QJsonObject{{u"env"_s, u"atari"_s}}}};
        auto run = srv->server->services().runs.sync(Actor::user(user.id, u"127.0.0.1"_s), body);
        if (!run)
            qFatal("sync failed: %s", qPrintable(run.error().message));
        const HttpResult r = user.api->post(
            u"/api/shares"_s, QJsonObject{{u"run_id"_s, run->run.id},
                                          {u"password"_s, QString::fromLatin1(kSharePassword)}});
        if (r.status != 201)
            qFatal("share failed: %d %s", r.status, r.body.constData());
        return r.json().value(u"token"_s).toString();
    }
    QList<QByteArray> wrongReads(const QString &token, int n) const
    {
        QList<QByteArray> out;
        for (int i = 0; i < n; ++i)
            out << shareRead(token, "wrong-" + QByteArray::number(i));
        return out;
    }

private slots:
    void initTestCase() { useFastPasswordHashing(); }
    void initTestCase_data() { addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        srv = std::make_unique<TestServer>(ServerConfig{}, true, backend);
        user = signup(srv->port, u"owner"_s);
        QVERIFY(!user.secret.isEmpty());
    }
    void cleanup()
    {
        user = {};
        srv.reset();
    }

    // 30 wrong passwords at once: exactly 5 are evaluated (the 5th still 401),
    // the other 25 meet the lock; then even the right password is locked out.
    void thirtyConcurrentWrongPasswordsGiveExactlyFiveEvaluations()
    {
        const QString token = passwordShare();
        const auto t = tally(fireTogether(srv->port, wrongReads(token, 30)));
        QVERIFY2(t.value(u"401 share_wrong_password"_s) == kAttempts &&
                     t.value(u"429 share_password_locked"_s) == 30 - kAttempts,
                 qPrintable(describe(t)));
        const auto after = tally(fireTogether(srv->port, {shareRead(token, kSharePassword)}));
        QVERIFY2(after.value(u"429 share_password_locked"_s) == 1, qPrintable(describe(after)));
    }

    // Right passwords are never counted: with 3 wrong ones spent, 20 right ones
    // racing a 4th wrong one all succeed (the share cannot reach its lock), and
    // afterwards exactly one more wrong password is evaluated before the lock.
    void rightPasswordsAreNeitherCountedNorRefusedWhileNotLocked()
    {
        const QString token = passwordShare();
        const auto first = tally(fireTogether(srv->port, wrongReads(token, kAttempts - 2)));
        QVERIFY2(first.value(u"401 share_wrong_password"_s) == kAttempts - 2,
                 qPrintable(describe(first)));
        QList<QByteArray> mixed;
        for (int i = 0; i < 20; ++i) {
            mixed << shareRead(token, kSharePassword);
            if (i == 10)
                mixed << shareRead(token, "wrong-in-the-middle");
        }
        const auto race = tally(fireTogether(srv->port, mixed));
        QVERIFY2(race.value(u"200"_s) == 20 && race.value(u"401 share_wrong_password"_s) == 1,
                 qPrintable(describe(race)));
        const auto rest = tally(fireTogether(srv->port, wrongReads(token, 10)));
        QVERIFY2(rest.value(u"401 share_wrong_password"_s) == 1 &&
                     rest.value(u"429 share_password_locked"_s) == 9,
                 qPrintable(describe(rest)));
    }

    // Right and wrong passwords racing from a fresh share: the wrong ones get
    // exactly the limit of evaluations; each right one is answered 200 or, once
    // the lock is set, 429 (never 401, never an error).
    void mixedRaceKeepsTheLimitOfEvaluations()
    {
        const QString token = passwordShare();
        QList<QByteArray> mixed;
        for (int i = 0; i < 30; ++i)
            mixed << (i % 3 == 0 ? shareRead(token, kSharePassword)
                                 : shareRead(token, "wrong-" + QByteArray::number(i)));
        const QList<Answer> answers = fireTogether(srv->port, mixed);
        QMap<QString, int> wrong, right;
        for (qsizetype i = 0; i < answers.size(); ++i)
            ++(i % 3 == 0 ? right : wrong)[QString::number(answers[i].status) + QLatin1Char(' ') +
                                           answers[i].code];
        QVERIFY2(wrong.value(u"401 share_wrong_password"_s) == kAttempts &&
                     wrong.value(u"429 share_password_locked"_s) == 20 - kAttempts,
                 qPrintable(describe(wrong)));
        QVERIFY2(right.value(u"200 "_s) + right.value(u"429 share_password_locked"_s) == 10,
                 qPrintable(describe(right)));
    }

    // Failed logins per account (10 by default): 30 at once give exactly 10
    // evaluations (401) and 20 refusals (429); then the right password is refused too.
    void concurrentFailedLoginsGiveExactlyTheAccountLimit()
    {
        const int limit = AccountPolicy{}.accountFailures;
        QList<QByteArray> logins;
        for (int i = 0; i < 30; ++i)
            logins << jsonPost("/api/auth/login", {{u"email"_s, user.email},
                                                   {u"password"_s, u"wrong password %1"_s.arg(i)}});
        const auto t = tally(fireTogether(srv->port, logins));
        QVERIFY2(t.value(u"401 invalid_credentials"_s) == limit &&
                     t.value(u"429 rate_limited"_s) == 30 - limit,
                 qPrintable(describe(t)));
        const auto after = tally(fireTogether(
            srv->port, {jsonPost("/api/auth/login",
                                 {{u"email"_s, user.email}, {u"password"_s, user.password}})}));
        QVERIFY2(after.value(u"429 rate_limited"_s) == 1, qPrintable(describe(after)));
    }

    // A right login racing failed ones is neither refused nor counted while the
    // account is not locked.
    void rightLoginsRacingFailedOnesAreNotRefused()
    {
        const int limit = AccountPolicy{}.accountFailures;
        QList<QByteArray> logins;
        for (int i = 0; i < limit - 1; ++i)
            logins << jsonPost("/api/auth/login", {{u"email"_s, user.email},
                                                   {u"password"_s, u"wrong password %1"_s.arg(i)}});
        for (int i = 0; i < 10; ++i)
            logins << jsonPost("/api/auth/login",
                               {{u"email"_s, user.email}, {u"password"_s, user.password}});
        const auto t = tally(fireTogether(srv->port, logins));
        QVERIFY2(t.value(u"401 invalid_credentials"_s) == limit - 1 && t.value(u"200"_s) == 10,
                 qPrintable(describe(t)));
    }

    // Reset mails per account (3 an hour by default): 30 requests at once all
    // answer 202 and exactly 3 reset links are issued.
    void concurrentResetRequestsIssueExactlyTheCap()
    {
        const int cap = AccountPolicy{}.resetMailsPerHour;
        QList<QByteArray> resets;
        for (int i = 0; i < 30; ++i)
            resets << jsonPost("/api/auth/reset-password", {{u"email"_s, user.email}});
        const auto t = tally(fireTogether(srv->port, resets));
        QVERIFY2(t.value(u"202"_s) == 30, qPrintable(describe(t)));
        Query q(srv->store.db->connection(),
                u"SELECT COUNT(*) FROM password_resets WHERE user_id = :u"_s);
        q.bind(u":u"_s, user.id);
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.i64(0), qint64(cap));
    }

    // Public reads per client and share (120 a minute by default): 100 at once
    // all pass, then 50 at once give exactly the 20 left. Refused reads do no work.
    void concurrentReadsGiveExactlyTheReadLimit()
    {
        const QString token = passwordShare();
        const int limit = ServerConfig{}.shareReadLimit;
        const QByteArray read =
            head("GET", "/api/public/shares/" + QUrl::toPercentEncoding(token)) + "\r\n";
        const auto first = tally(fireTogether(srv->port, QList<QByteArray>(100, read)));
        QVERIFY2(first.value(u"401 share_password_required"_s) == 100, qPrintable(describe(first)));
        const auto rest = tally(fireTogether(srv->port, QList<QByteArray>(50, read)));
        QVERIFY2(rest.value(u"401 share_password_required"_s) == limit - 100 &&
                     rest.value(u"429 share_rate_limited"_s) == 50 - (limit - 100),
                 qPrintable(describe(rest)));
    }
};

QTEST_GUILESS_MAIN(TestDefenceCounters)
#include "tst_defence_counters.moc"
