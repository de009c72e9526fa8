// SPDX-License-Identifier: Apache-2.0
// The run and sync routes over HTTP against the real server: sync and its
// validation, the ledger head, every run read, delete, the evidence package
// (unzipped and verified here) and the staging-only routes in both modes.
#include "TestServer.h"

#include "audit/AuditService.h"
#include "crypto/Crypto.h"
#include "crypto/Jcs.h"
#include "runs/ZipWriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUuid>

using namespace wfx;

namespace {

QString S(const char *s) { return QString::fromLatin1(s); }

struct Resp
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &lower) const
    {
        for (const auto &h : headers) {
            if (h.first.toLower() == lower)
                return h.second;
        }
        return {};
    }
    QList<QByteArray> all(const QByteArray &lower) const
    {
        QList<QByteArray> out;
        for (const auto &h : headers) {
            if (h.first.toLower() == lower)
                out << h.second;
        }
        return out;
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QJsonObject obj(const char *key) const { return json().value(S(key)).toObject(); }
    QString code() const { return obj("error").value(S("code")).toString(); }
    QStringList fields() const
    {
        QStringList out;
        for (const auto &d : obj("error").value(S("details")).toArray())
            out << d.toObject().value(S("field")).toString();
        return out;
    }
    QStringList itemIds() const
    {
        QStringList out;
        for (const auto &i : json().value(S("items")).toArray())
            out << i.toObject().value(S("id")).toString();
        return out;
    }
};

struct User
{
    QString id, email, secret, session, csrf;
    QString workspaceId, projectId;
};

// A minimal ZIP reader for checking our own archives: walks the central
// directory, reads each stored entry through its local header and checks its CRC.
struct ZipEntry
{
    QString name;
    QByteArray data;
};
bool readZip(const QByteArray &zip, QList<ZipEntry> *out, QString *why)
{
    auto u16 = [&](qsizetype at) { return quint16(quint8(zip.at(at)) | (quint8(zip.at(at + 1)) << 8)); };
    auto u32 = [&](qsizetype at) { return quint32(u16(at)) | (quint32(u16(at + 2)) << 16); };
    const qsizetype end = zip.lastIndexOf(QByteArray::fromHex("504b0506"));
    if (end < 0 || end + 22 > zip.size()) {
        *why = S("no end of central directory");
        return false;
    }
    const int count = u16(end + 10);
    qsizetype at = u32(end + 16);
    for (int i = 0; i < count; ++i) {
        if (at + 46 > zip.size() || u32(at) != 0x02014b50) {
            *why = S("bad central record %1").arg(i);
            return false;
        }
        const quint16 method = u16(at + 10);
        const quint32 crc = u32(at + 16), csize = u32(at + 20), size = u32(at + 24);
        const quint16 nlen = u16(at + 28), elen = u16(at + 30), clen = u16(at + 32);
        const quint32 local = u32(at + 42);
        const QString name = QString::fromUtf8(zip.mid(at + 46, nlen));
        if (method != 0 || csize != size) {
            *why = name + S(": not stored");
            return false;
        }
        if (u32(local) != 0x04034b50) {
            *why = name + S(": bad local header");
            return false;
        }
        const qsizetype data = local + 30 + u16(local + 26) + u16(local + 28);
        const QByteArray bytes = zip.mid(data, size);
        if (bytes.size() != qsizetype(size) || ZipWriter::crc32(bytes) != crc) {
            *why = name + S(": CRC or size mismatch");
            return false;
        }
        out->append({name, bytes});
        at += 46 + nlen + elen + clen;
    }
    return true;
}

QByteArray entry(const QList<ZipEntry> &entries, const QString &name)
{
    for (const auto &e : entries) {
        if (e.name == name)
            return e.data;
    }
    return {};
}

const QByteArray kSeed = QByteArray::fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");

} // namespace

class TestRunRoutes : public QObject
{
    Q_OBJECT

    std::unique_ptr<wfxtest::TestServer> m_srv;
    User m_a, m_b;

    void start(ServerConfig config, bool withSigningKey = true)
    {
        m_srv = std::make_unique<wfxtest::TestServer>(config, withSigningKey);
        m_a = makeUser();
        m_b = makeUser();
    }

    Resp call(const QByteArray &method, const QString &path, const QByteArray &body = {},
              const QList<QPair<QByteArray, QByteArray>> &extra = {}, const User *as = nullptr)
    {
        QByteArray req = method + ' ' + path.toUtf8() + " HTTP/1.1\r\n" + m_srv->hostHeader() + "Connection: close\r\n";
        if (as && !as->secret.isEmpty())
            req += "Authorization: Bearer " + as->secret.toLatin1() + "\r\n";
        for (const auto &h : extra)
            req += h.first + ": " + h.second + "\r\n";
        if (!body.isEmpty())
            req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
        req += "\r\n" + body;
        const QByteArray raw = m_srv->raw(req, 10000);
        Resp r;
        const qsizetype split = raw.indexOf("\r\n\r\n");
        if (split < 0)
            return r;
        const QList<QByteArray> lines = raw.left(split).split('\n');
        r.status = lines.value(0).mid(9, 3).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype c = line.indexOf(':');
            if (c > 0)
                r.headers.append({line.left(c).trimmed(), line.mid(c + 1).trimmed()});
        }
        r.body = raw.mid(split + 4);
        return r;
    }
    Resp get(const QString &path, const User &as) { return call("GET", path, {}, {}, &as); }
    Resp del(const QString &path, const User &as) { return call("DELETE", path, {}, {}, &as); }
    Resp post(const QString &path, const QJsonObject &body, const User &as)
    {
        return call("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), {}, &as);
    }

    User makeUser()
    {
        User u;
        u.email = S("u") + QUuid::createUuid().toString(QUuid::WithoutBraces).left(8) + S("@example.com");
        const QJsonObject creds{{S("email"), u.email}, {S("password"), S("correct horse battery")}};
        const Resp r = call("POST", S("/api/auth/signup"), QJsonDocument(creds).toJson(QJsonDocument::Compact));
        if (r.status != 201)
            qFatal("signup failed: %d %s", r.status, r.body.constData());
        u.id = r.obj("user").value(S("id")).toString();
        for (const QByteArray &c : r.all("set-cookie")) {
            const QByteArray pair = c.split(';').value(0);
            const qsizetype eq = pair.indexOf('=');
            if (pair.left(eq) == "wfx_session")
                u.session = QString::fromLatin1(pair.mid(eq + 1));
            if (pair.left(eq) == "wfx_csrf")
                u.csrf = QString::fromLatin1(pair.mid(eq + 1));
        }
        const Resp k = call("POST", S("/api/cloud/api-keys"), R"({"name":"tests"})",
                            {{"Cookie", "wfx_session=" + u.session.toLatin1() + "; wfx_csrf=" + u.csrf.toLatin1()},
                             {"X-CSRF-Token", u.csrf.toLatin1()}});
        if (k.status != 201)
            qFatal("api key failed: %d %s", k.status, k.body.constData());
        u.secret = k.json().value(S("secret")).toString();
        u.workspaceId = post(S("/api/workspaces"), {{S("name"), S("ws")}}, u).obj("workspace").value(S("id")).toString();
        u.projectId = post(S("/api/projects"), {{S("workspace_id"), u.workspaceId}, {S("name"), S("p")}}, u)
                          .obj("project").value(S("id")).toString();
        if (u.projectId.isEmpty())
            qFatal("project setup failed");
        return u;
    }

    static QJsonObject runBody(const QString &projectId, const QString &clientRunId = {})
    {
        return {{S("project_id"), projectId},
                {S("client_run_id"), clientRunId.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : clientRunId},
                {S("name"), S("dreamer-v3-seed-1")},
                {S("status"), S("completed")},
                {S("started_at"), S("2026-11-01T10:00:00Z")},
                {S("finished_at"), S("2026-11-01T11:00:00Z")},
                {S("manifest"), QJsonObject{{S("algo"), S("dreamer-v3")}, {S("seed"), 1}}},
                {S("metrics"), QJsonArray{QJsonObject{{S("name"), S("loss")}, {S("step"), 0}, {S("value"), 1.25}},
                                          QJsonObject{{S("name"), S("loss")}, {S("step"), 1}, {S("value"), 0.75}},
                                          QJsonObject{{S("name"), S("reward")}, {S("step"), 0}, {S("value"), 3.5}}}},
                {S("log"), S("first line\nsecond line \u00e9\n")}};
    }

    QJsonObject sync(const User &u, const QJsonObject &body, int expect = 201)
    {
        const Resp r = post(S("/api/sync/runs"), body, u);
        m_srv->store.clock.advanceMs(1000); // runs list newest first: keep creation times apart
        if (r.status != expect)
            qWarning() << "sync answered" << r.status << r.body;
        return r.status == expect ? r.obj("run") : QJsonObject();
    }

    qint64 auditCount(const QString &action)
    {
        AuditService audit(m_srv->store.ctx);
        AuditFilter f;
        f.action = action;
        auto page = audit.list(Actor::system(), f, 200, {});
        return page ? page->items.size() : -1;
    }

private slots:
    void initTestCase() { wfxtest::useFastPasswordHashing(); }

    void init()
    {
        ServerConfig config;
        config.signingKey = kSeed;
        start(config);
    }
    void cleanup() { m_srv.reset(); }

    void syncCreatesThenRepeatsTheSameRun()
    {
        const QJsonObject body = runBody(m_a.projectId);
        const QJsonObject first = sync(m_a, body, 201);
        QVERIFY(!first.isEmpty());
        QCOMPARE(first.value(S("evidence")).toString(), S("unsigned"));
        QCOMPARE(first.value(S("project_id")).toString(), m_a.projectId);
        QCOMPARE(first.value(S("metric_count")).toInt(), 3);
        const QJsonObject again = sync(m_a, body, 200);
        QCOMPARE(again.value(S("id")).toString(), first.value(S("id")).toString());
        const Resp list = get(S("/api/runs?project_id=") + m_a.projectId, m_a);
        QCOMPARE(list.itemIds(), QStringList{first.value(S("id")).toString()});
        QCOMPARE(auditCount(S("run.sync")), 1);
    }

    void syncRejectsBadFields_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("detail");
        const QJsonValue absent;
        QTest::newRow("project_id missing") << S("project_id") << absent << S("project_id");
        QTest::newRow("project_id not uuid") << S("project_id") << QJsonValue(S("nope")) << S("project_id");
        QTest::newRow("client_run_id missing") << S("client_run_id") << absent << S("client_run_id");
        QTest::newRow("client_run_id empty") << S("client_run_id") << QJsonValue(S("")) << S("client_run_id");
        QTest::newRow("client_run_id too long") << S("client_run_id") << QJsonValue(QString(201, QLatin1Char('c')))
                                                << S("client_run_id");
        QTest::newRow("name missing") << S("name") << absent << S("name");
        QTest::newRow("name number") << S("name") << QJsonValue(5) << S("name");
        QTest::newRow("status unknown") << S("status") << QJsonValue(S("done")) << S("status");
        QTest::newRow("started_at not a time") << S("started_at") << QJsonValue(S("yesterday")) << S("started_at");
        QTest::newRow("finished_at before start") << S("finished_at") << QJsonValue(S("2026-11-01T09:00:00Z"))
                                                   << S("finished_at");
        QTest::newRow("manifest array") << S("manifest") << QJsonValue(QJsonArray{1}) << S("manifest");
        QTest::newRow("metrics object") << S("metrics") << QJsonValue(QJsonObject{}) << S("metrics");
        const QJsonObject good{{S("name"), S("loss")}, {S("step"), 0}, {S("value"), 1.0}};
        QTest::newRow("metric step string")
            << S("metrics") << QJsonValue(QJsonArray{good, QJsonObject{{S("name"), S("loss")}, {S("step"), S("one")}, {S("value"), 0.5}}})
            << S("metrics.1.step");
        QTest::newRow("metric step negative")
            << S("metrics") << QJsonValue(QJsonArray{QJsonObject{{S("name"), S("loss")}, {S("step"), -1}, {S("value"), 0.5}}})
            << S("metrics.0.step");
        QTest::newRow("metric name missing")
            << S("metrics") << QJsonValue(QJsonArray{QJsonObject{{S("step"), 1}, {S("value"), 0.5}}}) << S("metrics.0.name");
        QTest::newRow("metric value string")
            << S("metrics") << QJsonValue(QJsonArray{QJsonObject{{S("name"), S("x")}, {S("step"), 1}, {S("value"), S("a")}}})
            << S("metrics.0.value");
        QTest::newRow("metric duplicate step") << S("metrics") << QJsonValue(QJsonArray{good, good}) << S("metrics.1");
        QTest::newRow("log number") << S("log") << QJsonValue(5) << S("log");
        QTest::newRow("signature string") << S("signature") << QJsonValue(S("sig")) << S("signature");
        QTest::newRow("signature alg")
            << S("signature") << QJsonValue(QJsonObject{{S("alg"), S("rsa")}, {S("public_key"), S("AA==")}, {S("sig"), S("AA==")}})
            << S("signature.alg");
        QTest::newRow("signature public_key missing")
            << S("signature") << QJsonValue(QJsonObject{{S("alg"), S("ed25519")}, {S("sig"), S("AA==")}})
            << S("signature.public_key");
        QTest::newRow("signature sig number")
            << S("signature") << QJsonValue(QJsonObject{{S("alg"), S("ed25519")}, {S("public_key"), S("AA==")}, {S("sig"), 5}})
            << S("signature.sig");
    }
    void syncRejectsBadFields()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        QFETCH(QString, detail);
        QJsonObject body = runBody(m_a.projectId);
        if (value.isUndefined())
            body.remove(field);
        else
            body.insert(field, value);
        const Resp r = post(S("/api/sync/runs"), body, m_a);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.code(), S("validation_error"));
        QVERIFY2(r.fields().contains(detail), qPrintable(r.fields().join(QLatin1Char(','))));
        QCOMPARE(get(S("/api/runs?project_id=") + m_a.projectId, m_a).itemIds(), QStringList());
    }

    void syncIntoUnknownOrForeignProjectIs404()
    {
        QCOMPARE(post(S("/api/sync/runs"), runBody(QUuid::createUuid().toString(QUuid::WithoutBraces)), m_a).status, 404);
        const Resp r = post(S("/api/sync/runs"), runBody(m_a.projectId), m_b);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), S("not_found"));
        QCOMPARE(get(S("/api/runs?project_id=") + m_a.projectId, m_a).itemIds(), QStringList());
    }

    void signatureDecidesEvidence()
    {
        const auto key = crypto::ed25519Generate();
        QJsonObject body = runBody(m_a.projectId);
        const QByteArray canonical = jcs::canonicalize(body.value(S("manifest")));
        body.insert(S("signature"), QJsonObject{{S("alg"), S("ed25519")},
                                                {S("public_key"), QString::fromLatin1(key.publicKey.toBase64())},
                                                {S("sig"), QString::fromLatin1(crypto::ed25519Sign(key.privateKey, canonical).toBase64())}});
        const QJsonObject verified = sync(m_a, body);
        QCOMPARE(verified.value(S("evidence")).toString(), S("verified"));

        QJsonObject wrong = body;
        wrong.insert(S("client_run_id"), S("other"));
        wrong.insert(S("manifest"), QJsonObject{{S("algo"), S("tampered")}});
        const QJsonObject unverified = sync(m_a, wrong);
        QCOMPARE(unverified.value(S("evidence")).toString(), S("unverified"));

        const Resp sig = get(S("/api/runs/") + unverified.value(S("id")).toString() + S("/signature"), m_a);
        QCOMPARE(sig.status, 200);
        QCOMPARE(sig.obj("signature").value(S("public_key")).toString(), QString::fromLatin1(key.publicKey.toBase64()));
        QCOMPARE(sig.obj("signature").value(S("verified")).toBool(), false);

        const QJsonObject plain = sync(m_a, runBody(m_a.projectId));
        const Resp none = get(S("/api/runs/") + plain.value(S("id")).toString() + S("/signature"), m_a);
        QCOMPARE(none.status, 200);
        QVERIFY(none.obj("signature").value(S("signature")).isNull());
        QCOMPARE(none.obj("signature").value(S("evidence")).toString(), S("unsigned"));

        const Resp filtered = get(S("/api/runs?evidence=verified&workspace_id=") + m_a.workspaceId, m_a);
        QCOMPARE(filtered.itemIds(), QStringList{verified.value(S("id")).toString()});
    }

    void runReadsRoundTrip()
    {
        const QJsonObject body = runBody(m_a.projectId);
        const QString id = sync(m_a, body).value(S("id")).toString();
        const QString base = S("/api/runs/") + id;

        const Resp run = get(base, m_a);
        QCOMPARE(run.status, 200);
        QCOMPARE(run.obj("run").value(S("name")).toString(), S("dreamer-v3-seed-1"));
        QCOMPARE(run.obj("run").value(S("metric_names")).toArray(), (QJsonArray{S("loss"), S("reward")}));

        const Resp manifest = get(base + S("/manifest"), m_a);
        QCOMPARE(manifest.obj("manifest"), body.value(S("manifest")).toObject());

        const Resp page1 = get(base + S("/metrics?limit=2"), m_a);
        QCOMPARE(page1.status, 200);
        const QJsonArray items = page1.json().value(S("items")).toArray();
        QCOMPARE(items.size(), 2);
        QCOMPARE(items.at(0).toObject(), (QJsonObject{{S("name"), S("loss")}, {S("step"), 0}, {S("value"), 1.25}}));
        const QString next = page1.json().value(S("next_cursor")).toString();
        QVERIFY(!next.isEmpty());
        const Resp page2 = get(base + S("/metrics?limit=2&cursor=") + next, m_a);
        QCOMPARE(page2.json().value(S("items")).toArray().at(0).toObject().value(S("name")).toString(), S("reward"));
        QVERIFY(page2.json().value(S("next_cursor")).isNull());

        const Resp named = get(base + S("/metrics?name=reward"), m_a);
        QCOMPARE(named.json().value(S("items")).toArray().size(), 1);
        const Resp series = get(base + S("/metrics?name=loss&max_points=3"), m_a);
        QCOMPARE(series.status, 200);
        QCOMPARE(series.json().value(S("items")).toArray().size(), 2);
        QCOMPARE(get(base + S("/metrics?name=loss&max_points=2"), m_a).fields(), QStringList{S("max_points")});
        QCOMPARE(get(base + S("/metrics?limit=0"), m_a).status, 422);
        QCOMPARE(get(base + S("/metrics?cursor=bogus"), m_a).status, 422);

        const Resp log = get(base + S("/log"), m_a);
        QCOMPARE(log.obj("log").value(S("content")).toString(), body.value(S("log")).toString());
        const Resp slice = get(base + S("/log?offset=6&limit=4"), m_a);
        QCOMPARE(slice.obj("log").value(S("content")).toString(), S("line"));
        QCOMPARE(slice.obj("log").value(S("next_offset")).toInt(), 10);
        QCOMPARE(get(base + S("/log?offset=-1"), m_a).fields(), QStringList{S("offset")});
        QCOMPARE(get(base + S("/log?limit=abc"), m_a).fields(), QStringList{S("limit")});

        const Resp mapping = get(base + S("/compliance_mapping"), m_a);
        QCOMPARE(mapping.status, 200);
        QCOMPARE(mapping.obj("compliance_mapping").value(S("run_id")).toString(), id);
        QVERIFY(!mapping.obj("compliance_mapping").value(S("items")).toArray().isEmpty());
    }

    void listFiltersAndBounds()
    {
        const QString done = sync(m_a, runBody(m_a.projectId)).value(S("id")).toString();
        QJsonObject body = runBody(m_a.projectId);
        body.insert(S("status"), S("failed"));
        body.insert(S("name"), S("ppo-baseline"));
        const QString failed = sync(m_a, body).value(S("id")).toString();
        const QString other = post(S("/api/projects"), {{S("workspace_id"), m_a.workspaceId}, {S("name"), S("q")}}, m_a)
                                  .obj("project").value(S("id")).toString();

        QCOMPARE(get(S("/api/runs?project_id=") + m_a.projectId, m_a).itemIds(), (QStringList{failed, done}));
        QCOMPARE(get(S("/api/runs?workspace_id=") + m_a.workspaceId + S("&status=completed"), m_a).itemIds(),
                 QStringList{done});
        QCOMPARE(get(S("/api/runs?q=PPO"), m_a).itemIds(), QStringList{failed});
        QCOMPARE(get(S("/api/runs?project_id=") + other, m_a).itemIds(), QStringList());
        const Resp one = get(S("/api/runs?limit=1"), m_a);
        QCOMPARE(one.itemIds(), QStringList{failed});
        QCOMPARE(get(S("/api/runs?limit=1&cursor=") + one.json().value(S("next_cursor")).toString(), m_a).itemIds(),
                 QStringList{done});
        QCOMPARE(get(S("/api/runs?limit=201"), m_a).fields(), QStringList{S("limit")});
        QCOMPARE(get(S("/api/runs?project_id=x"), m_a).fields(), QStringList{S("project_id")});
        QCOMPARE(get(S("/api/runs?status=done"), m_a).fields(), QStringList{S("status")});
        QCOMPARE(get(S("/api/runs?q=") + QString(201, QLatin1Char('x')), m_a).fields(), QStringList{S("q")});
        // Another user sees none of them, listed by default or by A's ids.
        QCOMPARE(get(S("/api/runs"), m_b).itemIds(), QStringList());
        QCOMPARE(get(S("/api/runs?project_id=") + m_a.projectId, m_b).status, 404);
        QCOMPARE(get(S("/api/runs?workspace_id=") + m_a.workspaceId, m_b).status, 404);
    }

    void listFiltersAndOrdersByAMetricsLastValue()
    {
        // loss at the highest step: 0.5, 0.05, 0.2; "acc only" has no loss.
        QStringList ids;
        for (double last : {0.5, 0.05, 0.2}) {
            QJsonObject body = runBody(m_a.projectId);
            body.insert(S("metrics"),
                        QJsonArray{QJsonObject{{S("name"), S("loss")}, {S("step"), 9}, {S("value"), last}},
                                   QJsonObject{{S("name"), S("loss")}, {S("step"), 1}, {S("value"), 0.001}},
                                   QJsonObject{{S("name"), S("eval/return")}, {S("step"), 3}, {S("value"), 10 * last}}});
            ids << sync(m_a, body).value(S("id")).toString();
        }
        QJsonObject accOnly = runBody(m_a.projectId);
        accOnly.insert(S("metrics"), QJsonArray{QJsonObject{{S("name"), S("acc")}, {S("step"), 1}, {S("value"), 1}}});
        const QString acc = sync(m_a, accOnly).value(S("id")).toString();
        auto q = [](const char *text) { return QString::fromLatin1(QUrl::toPercentEncoding(S(text))); };

        // Newest first as without the filter.
        QCOMPARE(get(S("/api/runs?metric_filter=") + q("loss<0.3"), m_a).itemIds(), (QStringList{ids[2], ids[1]}));
        QCOMPARE(get(S("/api/runs?metric_filter=") + q("eval/return >= 2") + S("&project_id=") + m_a.projectId, m_a)
                     .itemIds(),
                 (QStringList{ids[2], ids[0]}));
        // By the metric, both ways, a page at a time; runs without it are left out.
        QCOMPARE(get(S("/api/runs?order_by=") + q("metric:loss"), m_a).itemIds(), (QStringList{ids[1], ids[2], ids[0]}));
        QCOMPARE(get(S("/api/runs?order_by=") + q("-metric:loss") + S("&metric_filter=") + q("loss > 0.1"), m_a)
                     .itemIds(),
                 (QStringList{ids[0], ids[2]}));
        const Resp first = get(S("/api/runs?limit=1&order_by=") + q("metric:eval/return"), m_a);
        QCOMPARE(first.itemIds(), QStringList{ids[1]});
        const QString next = first.json().value(S("next_cursor")).toString();
        QVERIFY(!next.isEmpty());
        QCOMPARE(get(S("/api/runs?limit=2&order_by=") + q("metric:eval/return") + S("&cursor=") + next, m_a).itemIds(),
                 (QStringList{ids[2], ids[0]}));
        // The cursor is the order's: newest first refuses it.
        QCOMPARE(get(S("/api/runs?limit=1&cursor=") + next, m_a).fields(), QStringList{S("cursor")});
        QCOMPARE(get(S("/api/runs?order_by=created_at"), m_a).itemIds(), (QStringList{acc, ids[2], ids[1], ids[0]}));
        // A bad expression says what is wrong.
        const Resp bad = get(S("/api/runs?metric_filter=") + q("loss < abc"), m_a);
        QCOMPARE(bad.status, 422);
        QCOMPARE(bad.fields(), QStringList{S("metric_filter")});
        QVERIFY2(bad.obj("error").value(S("message")).toString().contains(S("\"abc\" is not a number")), bad.body.constData());
        QCOMPARE(get(S("/api/runs?metric_filter=") + q("loss 3"), m_a).fields(), QStringList{S("metric_filter")});
        QCOMPARE(get(S("/api/runs?order_by=name"), m_a).fields(), QStringList{S("order_by")});
        QCOMPARE(get(S("/api/runs?order_by=metric:"), m_a).fields(), QStringList{S("order_by")});
        // Another user's filter sees none of A's runs.
        QCOMPARE(get(S("/api/runs?metric_filter=") + q("loss<1"), m_b).itemIds(), QStringList());
        // Both parameters are in the OpenAPI document.
        QStringList declared;
        for (const auto &p : get(S("/openapi.json"), m_a).json().value(S("paths")).toObject().value(S("/api/runs"))
                                 .toObject().value(S("get")).toObject().value(S("parameters")).toArray())
            declared << p.toObject().value(S("name")).toString();
        QVERIFY2(declared.contains(S("metric_filter")) && declared.contains(S("order_by")),
                 qPrintable(declared.join(QLatin1Char(','))));
    }

    void foreignRunAnswers404Everywhere()
    {
        const QString id = sync(m_a, runBody(m_a.projectId)).value(S("id")).toString();
        const QString base = S("/api/runs/") + id;
        for (const QString &sub : {S(""), S("/manifest"), S("/metrics"), S("/log"), S("/signature"), S("/compliance_mapping")}) {
            const Resp r = get(base + sub, m_b);
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), S("not_found"));
        }
        QCOMPARE(del(base, m_b).status, 404);
        QCOMPARE(call("POST", base + S("/evidence-package"), {}, {}, &m_b).status, 404);
        QCOMPARE(get(base, m_a).status, 200);
        QCOMPARE(auditCount(S("run.evidence_export")), 0);
        QCOMPARE(auditCount(S("run.delete")), 0);
        QCOMPARE(get(S("/api/runs/") + QUuid::createUuid().toString(QUuid::WithoutBraces), m_a).status, 404);
        QCOMPARE(get(S("/api/runs/not-a-uuid"), m_a).status, 404);
    }

    void deleteRemovesTheRun()
    {
        const QString id = sync(m_a, runBody(m_a.projectId)).value(S("id")).toString();
        const Resp r = del(S("/api/runs/") + id, m_a);
        QCOMPARE(r.status, 204);
        QCOMPARE(get(S("/api/runs/") + id, m_a).status, 404);
        QCOMPARE(get(S("/api/runs/") + id + S("/metrics"), m_a).status, 404);
        QCOMPARE(get(S("/api/runs?project_id=") + m_a.projectId, m_a).itemIds(), QStringList());
        QCOMPARE(del(S("/api/runs/") + id, m_a).status, 404);
        QCOMPARE(auditCount(S("run.delete")), 1);
    }

    void wrongMethodOnRunIs405()
    {
        const QString id = sync(m_a, runBody(m_a.projectId)).value(S("id")).toString();
        const Resp r = call("POST", S("/api/runs/") + id, "{}", {}, &m_a);
        QCOMPARE(r.status, 405);
        QVERIFY(r.header("allow").contains("DELETE"));
        QVERIFY(r.header("allow").contains("GET"));
    }

    void ledgerHeadMovesByCompareAndSwap()
    {
        const QString q = S("/api/sync/ledger-head?workspace_id=") + m_a.workspaceId;
        const Resp first = get(q, m_a);
        QCOMPARE(first.status, 200);
        QVERIFY(first.obj("ledger_head").value(S("head")).isNull());

        const Resp moved = post(S("/api/sync/ledger-head"),
                                {{S("workspace_id"), m_a.workspaceId}, {S("expected_head"), QJsonValue::Null}, {S("head"), S("h1")}}, m_a);
        QCOMPARE(moved.status, 200);
        QCOMPARE(moved.obj("ledger_head").value(S("head")).toString(), S("h1"));
        QCOMPARE(moved.obj("ledger_head").value(S("version")).toInt(), 1);

        const Resp stale = post(S("/api/sync/ledger-head"), {{S("workspace_id"), m_a.workspaceId}, {S("head"), S("h2")}}, m_a);
        QCOMPARE(stale.status, 409);
        QCOMPARE(stale.code(), S("conflict"));
        QCOMPARE(stale.obj("error").value(S("current")).toObject().value(S("head")).toString(), S("h1"));

        const Resp next = post(S("/api/sync/ledger-head"),
                               {{S("workspace_id"), m_a.workspaceId}, {S("expected_head"), S("h1")}, {S("head"), S("h2")}}, m_a);
        QCOMPARE(next.obj("ledger_head").value(S("version")).toInt(), 2);
        QCOMPARE(get(q, m_a).obj("ledger_head").value(S("head")).toString(), S("h2"));

        // Another user: the workspace does not exist for them, and the head stays.
        QCOMPARE(get(q, m_b).status, 404);
        QCOMPARE(post(S("/api/sync/ledger-head"),
                      {{S("workspace_id"), m_a.workspaceId}, {S("expected_head"), S("h2")}, {S("head"), S("evil")}}, m_b)
                     .status,
                 404);
        QCOMPARE(get(q, m_a).obj("ledger_head").value(S("head")).toString(), S("h2"));
    }

    void ledgerHeadValidation()
    {
        QCOMPARE(get(S("/api/sync/ledger-head"), m_a).fields(), QStringList{S("workspace_id")});
        QCOMPARE(get(S("/api/sync/ledger-head?workspace_id=x"), m_a).fields(), QStringList{S("workspace_id")});
        QCOMPARE(post(S("/api/sync/ledger-head"), {{S("workspace_id"), m_a.workspaceId}}, m_a).fields(), QStringList{S("head")});
        QCOMPARE(post(S("/api/sync/ledger-head"), {{S("workspace_id"), S("x")}, {S("head"), S("h")}}, m_a).fields(),
                 QStringList{S("workspace_id")});
        QCOMPARE(post(S("/api/sync/ledger-head"), {{S("workspace_id"), m_a.workspaceId}, {S("head"), QString(201, QLatin1Char('h'))}}, m_a)
                     .fields(),
                 QStringList{S("head")});
        QCOMPARE(post(S("/api/sync/ledger-head"), {{S("workspace_id"), m_a.workspaceId}, {S("expected_head"), 5}, {S("head"), S("h")}}, m_a)
                     .fields(),
                 QStringList{S("expected_head")});
    }

    void evidencePackageIsASignedZip()
    {
        const QJsonObject body = runBody(m_a.projectId);
        const QString id = sync(m_a, body).value(S("id")).toString();
        const Resp r = call("POST", S("/api/runs/") + id + S("/evidence-package"), {}, {{"Accept", "application/zip"}}, &m_a);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("application/zip"));
        QVERIFY(r.header("content-disposition").startsWith("attachment;"));
        QVERIFY(r.header("content-disposition").contains(id.toLatin1()));

        QList<ZipEntry> entries;
        QString why;
        QVERIFY2(readZip(r.body, &entries, &why), qPrintable(why));
        QStringList names;
        for (const auto &e : entries)
            names << e.name;
        QCOMPARE(names, (QStringList{S("manifest.json"), S("metrics.csv"), S("log.txt"), S("signature.json"),
                                     S("audit.json"), S("index.json"), S("index.sig")}));

        QCOMPARE(entry(entries, S("manifest.json")), jcs::canonicalize(body.value(S("manifest"))));
        QCOMPARE(entry(entries, S("metrics.csv")), QByteArray("name,step,value\r\nloss,0,1.25\r\nloss,1,0.75\r\nreward,0,3.5\r\n"));
        QCOMPARE(entry(entries, S("log.txt")), body.value(S("log")).toString().toUtf8());
        const QJsonArray audit = QJsonDocument::fromJson(entry(entries, S("audit.json"))).array();
        QCOMPARE(audit.size(), 1);
        QCOMPARE(audit.at(0).toObject().value(S("action")).toString(), S("run.sync"));

        const QByteArray indexBytes = entry(entries, S("index.json"));
        const QJsonObject index = QJsonDocument::fromJson(indexBytes).object();
        QCOMPARE(jcs::canonicalize(index), indexBytes);
        const QJsonArray files = index.value(S("files")).toArray();
        QCOMPARE(files.size(), 5);
        for (const auto &f : files) {
            const QJsonObject o = f.toObject();
            const QByteArray data = entry(entries, o.value(S("name")).toString());
            QCOMPARE(o.value(S("size")).toInteger(), qint64(data.size()));
            QCOMPARE(o.value(S("sha256")).toString(), crypto::sha256Hex(data));
        }
        const QByteArray publicKey = *crypto::ed25519PublicFromPrivate(kSeed);
        QCOMPARE(index.value(S("signing")).toObject().value(S("public_key")).toString(), QString::fromLatin1(publicKey.toBase64()));
        const QByteArray sig = QByteArray::fromBase64(entry(entries, S("index.sig")));
        QVERIFY(crypto::ed25519Verify(publicKey, indexBytes, sig));
        QByteArray tampered = indexBytes;
        tampered.replace("manifest.json", "manifest.jsoN");
        QVERIFY(!crypto::ed25519Verify(publicKey, tampered, sig));
        QCOMPARE(auditCount(S("run.evidence_export")), 1);

        // An independent reader agrees, when one is installed.
        const QString python = QStandardPaths::findExecutable(S("python3"));
        if (!python.isEmpty()) {
            QTemporaryDir dir;
            QFile f(dir.filePath(S("p.zip")));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(r.body);
            f.close();
            QProcess p;
            p.start(python, {S("-m"), S("zipfile"), S("-t"), f.fileName()});
            QVERIFY(p.waitForFinished(20000));
            QCOMPARE(p.exitCode(), 0);
        }
    }

    void zipCrcMatchesTheStandardCheckValue()
    {
        QCOMPARE(ZipWriter::crc32("123456789"), 0xCBF43926u);
        QCOMPARE(ZipWriter::crc32(QByteArray()), 0u);
        ZipWriter zip(0);
        QVERIFY(zip.add(S("a.txt"), "x"));
        QVERIFY(!zip.add(S("a.txt"), "y"));
        QVERIFY(!zip.add(S("../escape"), "y"));
        QVERIFY(!zip.add(S("/abs"), "y"));
        QList<ZipEntry> entries;
        QString why;
        QVERIFY2(readZip(zip.finish(), &entries, &why), qPrintable(why));
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.at(0).data, QByteArray("x"));
    }

    void evidencePackageAsJsonCarriesTheSameZip()
    {
        const QString id = sync(m_a, runBody(m_a.projectId)).value(S("id")).toString();
        const Resp r = call("POST", S("/api/runs/") + id + S("/evidence-package"), {}, {{"Accept", "application/json"}}, &m_a);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("application/json"));
        const QJsonObject pkg = r.obj("evidence_package");
        const QByteArray zip = QByteArray::fromBase64(pkg.value(S("zip_base64")).toString().toLatin1());
        QCOMPARE(pkg.value(S("size_bytes")).toInteger(), qint64(zip.size()));
        QCOMPARE(pkg.value(S("sha256")).toString(), crypto::sha256Hex(zip));
        QList<ZipEntry> entries;
        QString why;
        QVERIFY2(readZip(zip, &entries, &why), qPrintable(why));
        QCOMPARE(QJsonDocument::fromJson(entry(entries, S("index.json"))).object(), pkg.value(S("index")).toObject());
        QCOMPARE(entry(entries, S("index.sig")), pkg.value(S("index_sig")).toString().toLatin1());

        // The second package's audit trail holds the first export.
        const Resp again = call("POST", S("/api/runs/") + id + S("/evidence-package"), {}, {{"Accept", "application/zip"}}, &m_a);
        QList<ZipEntry> second;
        QVERIFY(readZip(again.body, &second, &why));
        const QJsonArray audit = QJsonDocument::fromJson(entry(second, S("audit.json"))).array();
        QCOMPARE(audit.size(), 2);
        QCOMPARE(audit.at(1).toObject().value(S("action")).toString(), S("run.evidence_export"));
    }

    void evidencePackageWithoutKeyIs503()
    {
        start(ServerConfig{}, false);
        const QString id = sync(m_a, runBody(m_a.projectId)).value(S("id")).toString();
        const Resp r = call("POST", S("/api/runs/") + id + S("/evidence-package"), {}, {}, &m_a);
        QCOMPARE(r.status, 503);
        QCOMPARE(r.code(), S("unavailable"));
        QCOMPARE(auditCount(S("run.evidence_export")), 0);
    }

    void stagingRoutesRefusedWhenNotStaging()
    {
        QJsonObject body = runBody(m_a.projectId, S("e2e-fixture-1"));
        const QString id = sync(m_a, body).value(S("id")).toString();
        for (const QString &pid : {m_a.projectId, QUuid::createUuid().toString(QUuid::WithoutBraces), m_b.projectId}) {
            const Resp d = del(S("/api/projects/") + pid + S("/staging-e2e-tree"), m_a);
            QCOMPARE(d.status, 405);
            QCOMPARE(d.code(), S("unsupported_action"));
            QCOMPARE(d.all("allow"), QList<QByteArray>{QByteArray()}); // RFC 9110: disabled by configuration
            const Resp p = call("POST", S("/api/projects/") + pid + S("/staging-retention-proof"), "{}", {}, &m_a);
            QCOMPARE(p.status, 405);
            QCOMPARE(p.code(), S("unsupported_action"));
        }
        QCOMPARE(call("DELETE", S("/api/projects/") + m_a.projectId + S("/staging-e2e-tree")).status, 401);
        QCOMPARE(call("POST", S("/api/projects/") + m_a.projectId + S("/staging-retention-proof"), "{}").status, 401);
        QCOMPARE(get(S("/api/runs/") + id, m_a).status, 200);
    }

    void stagingPurgeDeletesOnlyE2eFixtures()
    {
        ServerConfig config;
        config.signingKey = kSeed;
        config.staging = true;
        start(config);
        const QString e1 = sync(m_a, runBody(m_a.projectId, S("e2e-one"))).value(S("id")).toString();
        const QString e2 = sync(m_a, runBody(m_a.projectId, S("e2e-two"))).value(S("id")).toString();
        const QString keep = sync(m_a, runBody(m_a.projectId, S("keep-e2e-"))).value(S("id")).toString();
        const Resp art = post(S("/api/sync/artifacts/initiate"),
                              {{S("run_id"), e1}, {S("name"), S("a.bin")}, {S("size_bytes"), 1},
                               {S("sha256"), crypto::sha256Hex("x")}}, m_a);
        QCOMPARE(art.status, 201);
        const QString artifactId = art.obj("artifact").value(S("id")).toString();

        // Another user cannot purge A's project, whatever its fixtures.
        QCOMPARE(del(S("/api/projects/") + m_a.projectId + S("/staging-e2e-tree"), m_b).status, 404);
        QCOMPARE(get(S("/api/runs/") + e1, m_a).status, 200);

        const Resp r = del(S("/api/projects/") + m_a.projectId + S("/staging-e2e-tree"), m_a);
        QCOMPARE(r.status, 200);
        const QJsonObject purge = r.obj("purge");
        QStringList purged;
        for (const auto &v : purge.value(S("runs")).toArray())
            purged << v.toObject().value(S("id")).toString();
        purged.sort();
        QStringList expected{e1, e2};
        expected.sort();
        QCOMPARE(purged, expected);
        QCOMPARE(purge.value(S("artifacts")).toInt(), 1);
        QCOMPARE(purge.value(S("more")).toBool(), false);
        QCOMPARE(get(S("/api/runs/") + e1, m_a).status, 404);
        QCOMPARE(get(S("/api/runs/") + e2, m_a).status, 404);
        QCOMPARE(get(S("/api/runs/") + keep, m_a).status, 200);
        QCOMPARE(get(S("/api/artifacts/") + artifactId, m_a).status, 404);
        QCOMPARE(auditCount(S("staging.e2e_purge")), 1);

        // Nothing left to purge: an empty answer and no audit entry.
        const Resp again = del(S("/api/projects/") + m_a.projectId + S("/staging-e2e-tree"), m_a);
        QCOMPARE(again.status, 200);
        QVERIFY(again.obj("purge").value(S("runs")).toArray().isEmpty());
        QCOMPARE(auditCount(S("staging.e2e_purge")), 1);
        QCOMPARE(del(S("/api/projects/") + QUuid::createUuid().toString(QUuid::WithoutBraces) + S("/staging-e2e-tree"), m_a).status, 404);
    }

    void stagingRetentionProofIsSigned()
    {
        ServerConfig config;
        config.signingKey = kSeed;
        config.staging = true;
        start(config);
        const QString e1 = sync(m_a, runBody(m_a.projectId, S("e2e-one"))).value(S("id")).toString();
        const QString other = sync(m_a, runBody(m_a.projectId, S("manual"))).value(S("id")).toString();
        const QString kept = sync(m_a, runBody(m_a.projectId, S("kept"))).value(S("id")).toString();
        QCOMPARE(del(S("/api/projects/") + m_a.projectId + S("/staging-e2e-tree"), m_a).status, 200);
        QCOMPARE(del(S("/api/runs/") + other, m_a).status, 204);
        // A deletion in another of A's projects is not this project's.
        const QString p2 = post(S("/api/projects"), {{S("workspace_id"), m_a.workspaceId}, {S("name"), S("p2")}}, m_a)
                               .obj("project").value(S("id")).toString();
        const QString elsewhere = sync(m_a, runBody(p2)).value(S("id")).toString();
        QCOMPARE(del(S("/api/runs/") + elsewhere, m_a).status, 204);

        const Resp r = call("POST", S("/api/projects/") + m_a.projectId + S("/staging-retention-proof"), {}, {}, &m_a);
        QCOMPARE(r.status, 200);
        QJsonObject proof = r.obj("retention_proof");
        QStringList ids;
        for (const auto &v : proof.value(S("purged")).toArray())
            ids << v.toObject().value(S("id")).toString();
        ids.sort();
        QStringList expected{e1, other};
        expected.sort();
        QCOMPARE(ids, expected);
        QVERIFY(!ids.contains(kept));
        const QJsonObject signature = proof.take(S("signature")).toObject();
        const QByteArray publicKey = *crypto::ed25519PublicFromPrivate(kSeed);
        QCOMPARE(signature.value(S("public_key")).toString(), QString::fromLatin1(publicKey.toBase64()));
        const QByteArray sig = QByteArray::fromBase64(signature.value(S("sig")).toString().toLatin1());
        QVERIFY(crypto::ed25519Verify(publicKey, jcs::canonicalize(proof), sig));
        proof.insert(S("truncated"), true);
        QVERIFY(!crypto::ed25519Verify(publicKey, jcs::canonicalize(proof), sig));

        QCOMPARE(call("POST", S("/api/projects/") + m_a.projectId + S("/staging-retention-proof"), {}, {}, &m_b).status, 404);
    }
};

QTEST_GUILESS_MAIN(TestRunRoutes)
#include "tst_run_routes.moc"
