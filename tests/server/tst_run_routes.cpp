// SPDX-License-Identifier: Apache-2.0
// The run and sync routes over HTTP against the real server: sync and its
// validation, the ledger head, every run read, delete, the evidence package
// (unzipped and verified here) and the staging-only routes in both modes.
#include "TestServer.h"

#include "models/audit/AuditService.h"
#include "models/crypto/Crypto.h"
#include "models/crypto/Jcs.h"
#include "models/runs/ZipWriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUuid>

using namespace Qt::StringLiterals;

using namespace wfx;

namespace {

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
    QJsonObject obj(const char *key) const
    {
        return json().value(QString::fromLatin1(key)).toObject();
    }
    QString code() const { return obj("error").value(u"code"_s).toString(); }
    QStringList fields() const
    {
        QStringList out;
        for (const auto &d : obj("error").value(u"details"_s).toArray())
            out << d.toObject().value(u"field"_s).toString();
        return out;
    }
    QStringList itemIds() const
    {
        QStringList out;
        for (const auto &i : json().value(u"items"_s).toArray())
            out << i.toObject().value(u"id"_s).toString();
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
    auto u16 = [&](qsizetype at) {
        return quint16(quint8(zip.at(at)) | (quint8(zip.at(at + 1)) << 8));
    };
    auto u32 = [&](qsizetype at) { return quint32(u16(at)) | (quint32(u16(at + 2)) << 16); };
    const qsizetype end = zip.lastIndexOf(QByteArray::fromHex("504b0506"));
    if (end < 0 || end + 22 > zip.size()) {
        *why = u"no end of central directory"_s;
        return false;
    }
    const int count = u16(end + 10);
    qsizetype at = u32(end + 16);
    for (int i = 0; i < count; ++i) {
        if (at + 46 > zip.size() || u32(at) != 0x02014b50) {
            *why = u"bad central record %1"_s.arg(i);
            return false;
        }
        const quint16 method = u16(at + 10);
        const quint32 crc = u32(at + 16), csize = u32(at + 20), size = u32(at + 24);
        const quint16 nlen = u16(at + 28), elen = u16(at + 30), clen = u16(at + 32);
        const quint32 local = u32(at + 42);
        const QString name = QString::fromUtf8(zip.mid(at + 46, nlen));
        if (method != 0 || csize != size) {
            *why = name + u": not stored"_s;
            return false;
        }
        if (u32(local) != 0x04034b50) {
            *why = name + u": bad local header"_s;
            return false;
        }
        const qsizetype data = local + 30 + u16(local + 26) + u16(local + 28);
        const QByteArray bytes = zip.mid(data, size);
        if (bytes.size() != qsizetype(size) || ZipWriter::crc32(bytes) != crc) {
            *why = name + u": CRC or size mismatch"_s;
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

const QByteArray kSeed =
    QByteArray::fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");

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
        QByteArray req = method + ' ' + path.toUtf8() + " HTTP/1.1\r\n" + m_srv->hostHeader() +
                         "Connection: close\r\n";
        if (as && !as->secret.isEmpty())
            req += "Authorization: Bearer " + as->secret.toLatin1() + "\r\n";
        for (const auto &h : extra)
            req += h.first + ": " + h.second + "\r\n";
        if (!body.isEmpty())
            req += "Content-Type: application/json\r\nContent-Length: " +
                   QByteArray::number(body.size()) + "\r\n";
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
        u.email =
            u"u"_s + QUuid::createUuid().toString(QUuid::WithoutBraces).left(8) + u"@example.com"_s;
        const QJsonObject creds{{u"email"_s, u.email}, {u"password"_s, u"correct horse battery"_s}};
        const Resp r = call("POST", u"/api/auth/signup"_s,
                            QJsonDocument(creds).toJson(QJsonDocument::Compact));
        if (r.status != 201)
            qFatal("signup failed: %d %s", r.status, r.body.constData());
        u.id = r.obj("user").value(u"id"_s).toString();
        for (const QByteArray &c : r.all("set-cookie")) {
            const QByteArray pair = c.split(';').value(0);
            const qsizetype eq = pair.indexOf('=');
            if (pair.left(eq) == "wfx_session")
                u.session = QString::fromLatin1(pair.mid(eq + 1));
            if (pair.left(eq) == "wfx_csrf")
                u.csrf = QString::fromLatin1(pair.mid(eq + 1));
        }
        const Resp k = call(
            "POST", u"/api/cloud/api-keys"_s, R"({"name":"tests"})",
            {{"Cookie", "wfx_session=" + u.session.toLatin1() + "; wfx_csrf=" + u.csrf.toLatin1()},
             {"X-CSRF-Token", u.csrf.toLatin1()}});
        if (k.status != 201)
            qFatal("api key failed: %d %s", k.status, k.body.constData());
        u.secret = k.json().value(u"secret"_s).toString();
        u.workspaceId = post(u"/api/workspaces"_s, {{u"name"_s, u"ws"_s}}, u)
                            .obj("workspace")
                            .value(u"id"_s)
                            .toString();
        u.projectId =
            post(u"/api/projects"_s, {{u"workspace_id"_s, u.workspaceId}, {u"name"_s, u"p"_s}}, u)
                .obj("project")
                .value(u"id"_s)
                .toString();
        if (u.projectId.isEmpty())
            qFatal("project setup failed");
        return u;
    }

    static QJsonObject runBody(const QString &projectId, const QString &clientRunId = {})
    {
        return {
            {u"project_id"_s, projectId},
            {u"client_run_id"_s, clientRunId.isEmpty()
                                     ? QUuid::createUuid().toString(QUuid::WithoutBraces)
                                     : clientRunId},
            {u"name"_s, u"dreamer-v3-seed-1"_s},
            {u"status"_s, u"completed"_s},
            {u"started_at"_s, u"2026-11-01T10:00:00Z"_s},
            {u"finished_at"_s, u"2026-11-01T11:00:00Z"_s},
            {u"manifest"_s, QJsonObject{{u"algo"_s, u"dreamer-v3"_s}, {u"seed"_s, 1}}},
            {u"metrics"_s,
             QJsonArray{QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 0}, {u"value"_s, 1.25}},
                        QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 1}, {u"value"_s, 0.75}},
                        QJsonObject{{u"name"_s, u"reward"_s}, {u"step"_s, 0}, {u"value"_s, 3.5}}}},
            {u"log"_s, u"first line\nsecond line \u00e9\n"_s}};
    }

    QJsonObject sync(const User &u, const QJsonObject &body, int expect = 201)
    {
        const Resp r = post(u"/api/sync/runs"_s, body, u);
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
        QCOMPARE(first.value(u"evidence"_s).toString(), u"unsigned"_s);
        QCOMPARE(first.value(u"project_id"_s).toString(), m_a.projectId);
        QCOMPARE(first.value(u"metric_count"_s).toInt(), 3);
        const QJsonObject again = sync(m_a, body, 200);
        QCOMPARE(again.value(u"id"_s).toString(), first.value(u"id"_s).toString());
        const Resp list = get(u"/api/runs?project_id="_s + m_a.projectId, m_a);
        QCOMPARE(list.itemIds(), QStringList{first.value(u"id"_s).toString()});
        QCOMPARE(auditCount(u"run.sync"_s), 1);
    }

    void syncRejectsBadFields_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("detail");
        const QJsonValue absent;
        QTest::newRow("project_id missing") << u"project_id"_s << absent << u"project_id"_s;
        QTest::newRow("project_id not uuid")
            << u"project_id"_s << QJsonValue(u"nope"_s) << u"project_id"_s;
        QTest::newRow("client_run_id missing")
            << u"client_run_id"_s << absent << u"client_run_id"_s;
        QTest::newRow("client_run_id empty")
            << u"client_run_id"_s << QJsonValue(u""_s) << u"client_run_id"_s;
        QTest::newRow("client_run_id too long")
            << u"client_run_id"_s << QJsonValue(QString(201, QLatin1Char('c')))
            << u"client_run_id"_s;
        QTest::newRow("name missing") << u"name"_s << absent << u"name"_s;
        QTest::newRow("name number") << u"name"_s << QJsonValue(5) << u"name"_s;
        QTest::newRow("status unknown") << u"status"_s << QJsonValue(u"done"_s) << u"status"_s;
        QTest::newRow("started_at not a time")
            << u"started_at"_s << QJsonValue(u"yesterday"_s) << u"started_at"_s;
        QTest::newRow("finished_at before start")
            << u"finished_at"_s << QJsonValue(u"2026-11-01T09:00:00Z"_s) << u"finished_at"_s;
        QTest::newRow("manifest array")
            << u"manifest"_s << QJsonValue(QJsonArray{1}) << u"manifest"_s;
        QTest::newRow("metrics object")
            << u"metrics"_s << QJsonValue(QJsonObject{}) << u"metrics"_s;
        const QJsonObject good{{u"name"_s, u"loss"_s}, {u"step"_s, 0}, {u"value"_s, 1.0}};
        QTest::newRow("metric step string")
            << u"metrics"_s
            << QJsonValue(QJsonArray{
                   good,
                   QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, u"one"_s}, {u"value"_s, 0.5}}})
            << u"metrics.1.step"_s;
        QTest::newRow("metric step negative")
            << u"metrics"_s
            << QJsonValue(QJsonArray{
                   QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, -1}, {u"value"_s, 0.5}}})
            << u"metrics.0.step"_s;
        QTest::newRow("metric name missing")
            << u"metrics"_s
            << QJsonValue(QJsonArray{QJsonObject{{u"step"_s, 1}, {u"value"_s, 0.5}}})
            << u"metrics.0.name"_s;
        QTest::newRow("metric value string")
            << u"metrics"_s
            << QJsonValue(QJsonArray{
                   QJsonObject{{u"name"_s, u"x"_s}, {u"step"_s, 1}, {u"value"_s, u"a"_s}}})
            << u"metrics.0.value"_s;
        QTest::newRow("metric duplicate step")
            << u"metrics"_s << QJsonValue(QJsonArray{good, good}) << u"metrics.1"_s;
        QTest::newRow("log number") << u"log"_s << QJsonValue(5) << u"log"_s;
        QTest::newRow("signature string")
            << u"signature"_s << QJsonValue(u"sig"_s) << u"signature"_s;
        QTest::newRow("signature alg")
            << u"signature"_s
            << QJsonValue(QJsonObject{
                   {u"alg"_s, u"rsa"_s}, {u"public_key"_s, u"AA=="_s}, {u"sig"_s, u"AA=="_s}})
            << u"signature.alg"_s;
        QTest::newRow("signature public_key missing")
            << u"signature"_s
            << QJsonValue(QJsonObject{{u"alg"_s, u"ed25519"_s}, {u"sig"_s, u"AA=="_s}})
            << u"signature.public_key"_s;
        QTest::newRow("signature sig number")
            << u"signature"_s
            << QJsonValue(QJsonObject{
                   {u"alg"_s, u"ed25519"_s}, {u"public_key"_s, u"AA=="_s}, {u"sig"_s, 5}})
            << u"signature.sig"_s;
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
        const Resp r = post(u"/api/sync/runs"_s, body, m_a);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.code(), u"validation_error"_s);
        QVERIFY2(r.fields().contains(detail), qPrintable(r.fields().join(QLatin1Char(','))));
        QCOMPARE(get(u"/api/runs?project_id="_s + m_a.projectId, m_a).itemIds(), QStringList());
    }

    void syncIntoUnknownOrForeignProjectIs404()
    {
        QCOMPARE(post(u"/api/sync/runs"_s,
                      runBody(QUuid::createUuid().toString(QUuid::WithoutBraces)), m_a)
                     .status,
                 404);
        const Resp r = post(u"/api/sync/runs"_s, runBody(m_a.projectId), m_b);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), u"not_found"_s);
        QCOMPARE(get(u"/api/runs?project_id="_s + m_a.projectId, m_a).itemIds(), QStringList());
    }

    void signatureDecidesEvidence()
    {
        const auto key = crypto::ed25519Generate();
        QJsonObject body = runBody(m_a.projectId);
        const QByteArray canonical = jcs::canonicalize(body.value(u"manifest"_s));
        body.insert(u"signature"_s,
                    QJsonObject{{u"alg"_s, u"ed25519"_s},
                                {u"public_key"_s, QString::fromLatin1(key.publicKey.toBase64())},
                                {u"sig"_s,
                                 QString::fromLatin1(
                                     crypto::ed25519Sign(key.privateKey, canonical).toBase64())}});
        const QJsonObject verified = sync(m_a, body);
        QCOMPARE(verified.value(u"evidence"_s).toString(), u"verified"_s);

        QJsonObject wrong = body;
        wrong.insert(u"client_run_id"_s, u"other"_s);
        wrong.insert(u"manifest"_s, QJsonObject{{u"algo"_s, u"tampered"_s}});
        const QJsonObject unverified = sync(m_a, wrong);
        QCOMPARE(unverified.value(u"evidence"_s).toString(), u"unverified"_s);

        const Resp sig =
            get(u"/api/runs/"_s + unverified.value(u"id"_s).toString() + u"/signature"_s, m_a);
        QCOMPARE(sig.status, 200);
        QCOMPARE(sig.obj("signature").value(u"public_key"_s).toString(),
                 QString::fromLatin1(key.publicKey.toBase64()));
        QCOMPARE(sig.obj("signature").value(u"verified"_s).toBool(), false);

        const QJsonObject plain = sync(m_a, runBody(m_a.projectId));
        const Resp none =
            get(u"/api/runs/"_s + plain.value(u"id"_s).toString() + u"/signature"_s, m_a);
        QCOMPARE(none.status, 200);
        QVERIFY(none.obj("signature").value(u"signature"_s).isNull());
        QCOMPARE(none.obj("signature").value(u"evidence"_s).toString(), u"unsigned"_s);

        const Resp filtered =
            get(u"/api/runs?evidence=verified&workspace_id="_s + m_a.workspaceId, m_a);
        QCOMPARE(filtered.itemIds(), QStringList{verified.value(u"id"_s).toString()});
    }

    void runReadsRoundTrip()
    {
        const QJsonObject body = runBody(m_a.projectId);
        const QString id = sync(m_a, body).value(u"id"_s).toString();
        const QString base = u"/api/runs/"_s + id;

        const Resp run = get(base, m_a);
        QCOMPARE(run.status, 200);
        QCOMPARE(run.obj("run").value(u"name"_s).toString(), u"dreamer-v3-seed-1"_s);
        QCOMPARE(run.obj("run").value(u"metric_names"_s).toArray(),
                 (QJsonArray{u"loss"_s, u"reward"_s}));

        const Resp manifest = get(base + u"/manifest"_s, m_a);
        QCOMPARE(manifest.obj("manifest"), body.value(u"manifest"_s).toObject());

        const Resp page1 = get(base + u"/metrics?limit=2"_s, m_a);
        QCOMPARE(page1.status, 200);
        const QJsonArray items = page1.json().value(u"items"_s).toArray();
        QCOMPARE(items.size(), 2);
        QCOMPARE(items.at(0).toObject(),
                 (QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 0}, {u"value"_s, 1.25}}));
        const QString next = page1.json().value(u"next_cursor"_s).toString();
        QVERIFY(!next.isEmpty());
        const Resp page2 = get(base + u"/metrics?limit=2&cursor="_s + next, m_a);
        QCOMPARE(
            page2.json().value(u"items"_s).toArray().at(0).toObject().value(u"name"_s).toString(),
            u"reward"_s);
        QVERIFY(page2.json().value(u"next_cursor"_s).isNull());

        const Resp named = get(base + u"/metrics?name=reward"_s, m_a);
        QCOMPARE(named.json().value(u"items"_s).toArray().size(), 1);
        const Resp series = get(base + u"/metrics?name=loss&max_points=3"_s, m_a);
        QCOMPARE(series.status, 200);
        QCOMPARE(series.json().value(u"items"_s).toArray().size(), 2);
        QCOMPARE(get(base + u"/metrics?name=loss&max_points=2"_s, m_a).fields(),
                 QStringList{u"max_points"_s});
        QCOMPARE(get(base + u"/metrics?limit=0"_s, m_a).status, 422);
        QCOMPARE(get(base + u"/metrics?cursor=bogus"_s, m_a).status, 422);

        const Resp log = get(base + u"/log"_s, m_a);
        QCOMPARE(log.obj("log").value(u"content"_s).toString(), body.value(u"log"_s).toString());
        const Resp slice = get(base + u"/log?offset=6&limit=4"_s, m_a);
        QCOMPARE(slice.obj("log").value(u"content"_s).toString(), u"line"_s);
        QCOMPARE(slice.obj("log").value(u"next_offset"_s).toInt(), 10);
        QCOMPARE(get(base + u"/log?offset=-1"_s, m_a).fields(), QStringList{u"offset"_s});
        QCOMPARE(get(base + u"/log?limit=abc"_s, m_a).fields(), QStringList{u"limit"_s});

        const Resp mapping = get(base + u"/compliance_mapping"_s, m_a);
        QCOMPARE(mapping.status, 200);
        QCOMPARE(mapping.obj("compliance_mapping").value(u"run_id"_s).toString(), id);
        QVERIFY(!mapping.obj("compliance_mapping").value(u"items"_s).toArray().isEmpty());
    }

    void listFiltersAndBounds()
    {
        const QString done = sync(m_a, runBody(m_a.projectId)).value(u"id"_s).toString();
        QJsonObject body = runBody(m_a.projectId);
        body.insert(u"status"_s, u"failed"_s);
        body.insert(u"name"_s, u"ppo-baseline"_s);
        const QString failed = sync(m_a, body).value(u"id"_s).toString();
        const QString other = post(u"/api/projects"_s,
                                   {{u"workspace_id"_s, m_a.workspaceId}, {u"name"_s, u"q"_s}}, m_a)
                                  .obj("project")
                                  .value(u"id"_s)
                                  .toString();

        QCOMPARE(get(u"/api/runs?project_id="_s + m_a.projectId, m_a).itemIds(),
                 (QStringList{failed, done}));
        QCOMPARE(get(u"/api/runs?workspace_id="_s + m_a.workspaceId + u"&status=completed"_s, m_a)
                     .itemIds(),
                 QStringList{done});
        QCOMPARE(get(u"/api/runs?q=PPO"_s, m_a).itemIds(), QStringList{failed});
        QCOMPARE(get(u"/api/runs?project_id="_s + other, m_a).itemIds(), QStringList());
        const Resp one = get(u"/api/runs?limit=1"_s, m_a);
        QCOMPARE(one.itemIds(), QStringList{failed});
        QCOMPARE(
            get(u"/api/runs?limit=1&cursor="_s + one.json().value(u"next_cursor"_s).toString(), m_a)
                .itemIds(),
            QStringList{done});
        QCOMPARE(get(u"/api/runs?limit=201"_s, m_a).fields(), QStringList{u"limit"_s});
        QCOMPARE(get(u"/api/runs?project_id=x"_s, m_a).fields(), QStringList{u"project_id"_s});
        QCOMPARE(get(u"/api/runs?status=done"_s, m_a).fields(), QStringList{u"status"_s});
        QCOMPARE(get(u"/api/runs?q="_s + QString(201, QLatin1Char('x')), m_a).fields(),
                 QStringList{u"q"_s});
        // Another user sees none of them, listed by default or by A's ids.
        QCOMPARE(get(u"/api/runs"_s, m_b).itemIds(), QStringList());
        QCOMPARE(get(u"/api/runs?project_id="_s + m_a.projectId, m_b).status, 404);
        QCOMPARE(get(u"/api/runs?workspace_id="_s + m_a.workspaceId, m_b).status, 404);
    }

    void listFiltersAndOrdersByAMetricsLastValue()
    {
        // loss at the highest step: 0.5, 0.05, 0.2; "acc only" has no loss.
        QStringList ids;
        for (double last : {0.5, 0.05, 0.2}) {
            QJsonObject body = runBody(m_a.projectId);
            body.insert(
                u"metrics"_s,
                QJsonArray{QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 9}, {u"value"_s, last}},
                           QJsonObject{{u"name"_s, u"loss"_s}, {u"step"_s, 1}, {u"value"_s, 0.001}},
                           QJsonObject{{u"name"_s, u"eval/return"_s},
                                       {u"step"_s, 3},
                                       {u"value"_s, 10 * last}}});
            ids << sync(m_a, body).value(u"id"_s).toString();
        }
        QJsonObject accOnly = runBody(m_a.projectId);
        accOnly.insert(u"metrics"_s, QJsonArray{QJsonObject{
                                         {u"name"_s, u"acc"_s}, {u"step"_s, 1}, {u"value"_s, 1}}});
        const QString acc = sync(m_a, accOnly).value(u"id"_s).toString();
        auto q = [](const char *text) {
            return QString::fromLatin1(QUrl::toPercentEncoding(QString::fromLatin1(text)));
        };

        // Newest first as without the filter.
        QCOMPARE(get(u"/api/runs?metric_filter="_s + q("loss<0.3"), m_a).itemIds(),
                 (QStringList{ids[2], ids[1]}));
        QCOMPARE(get(u"/api/runs?metric_filter="_s + q("eval/return >= 2") + u"&project_id="_s +
                         m_a.projectId,
                     m_a)
                     .itemIds(),
                 (QStringList{ids[2], ids[0]}));
        // By the metric, both ways, a page at a time; runs without it are left out.
        QCOMPARE(get(u"/api/runs?order_by="_s + q("metric:loss"), m_a).itemIds(),
                 (QStringList{ids[1], ids[2], ids[0]}));
        QCOMPARE(get(u"/api/runs?order_by="_s + q("-metric:loss") + u"&metric_filter="_s +
                         q("loss > 0.1"),
                     m_a)
                     .itemIds(),
                 (QStringList{ids[0], ids[2]}));
        const Resp first = get(u"/api/runs?limit=1&order_by="_s + q("metric:eval/return"), m_a);
        QCOMPARE(first.itemIds(), QStringList{ids[1]});
        const QString next = first.json().value(u"next_cursor"_s).toString();
        QVERIFY(!next.isEmpty());
        QCOMPARE(
            get(u"/api/runs?limit=2&order_by="_s + q("metric:eval/return") + u"&cursor="_s + next,
                m_a)
                .itemIds(),
            (QStringList{ids[2], ids[0]}));
        // The cursor is the order's: newest first refuses it.
        QCOMPARE(get(u"/api/runs?limit=1&cursor="_s + next, m_a).fields(),
                 QStringList{u"cursor"_s});
        QCOMPARE(get(u"/api/runs?order_by=created_at"_s, m_a).itemIds(),
                 (QStringList{acc, ids[2], ids[1], ids[0]}));
        // A bad expression says what is wrong.
        const Resp bad = get(u"/api/runs?metric_filter="_s + q("loss < abc"), m_a);
        QCOMPARE(bad.status, 422);
        QCOMPARE(bad.fields(), QStringList{u"metric_filter"_s});
        QVERIFY2(
            bad.obj("error").value(u"message"_s).toString().contains(u"\"abc\" is not a number"_s),
            bad.body.constData());
        QCOMPARE(get(u"/api/runs?metric_filter="_s + q("loss 3"), m_a).fields(),
                 QStringList{u"metric_filter"_s});
        QCOMPARE(get(u"/api/runs?order_by=name"_s, m_a).fields(), QStringList{u"order_by"_s});
        QCOMPARE(get(u"/api/runs?order_by=metric:"_s, m_a).fields(), QStringList{u"order_by"_s});
        // Another user's filter sees none of A's runs.
        QCOMPARE(get(u"/api/runs?metric_filter="_s + q("loss<1"), m_b).itemIds(), QStringList());
        // Both parameters are in the OpenAPI document.
        QStringList declared;
        for (const auto &p : get(u"/openapi.json"_s, m_a)
                                 .json()
                                 .value(u"paths"_s)
                                 .toObject()
                                 .value(u"/api/runs"_s)
                                 .toObject()
                                 .value(u"get"_s)
                                 .toObject()
                                 .value(u"parameters"_s)
                                 .toArray())
            declared << p.toObject().value(u"name"_s).toString();
        QVERIFY2(declared.contains(u"metric_filter"_s) && declared.contains(u"order_by"_s),
                 qPrintable(declared.join(QLatin1Char(','))));
    }

    void foreignRunAnswers404Everywhere()
    {
        const QString id = sync(m_a, runBody(m_a.projectId)).value(u"id"_s).toString();
        const QString base = u"/api/runs/"_s + id;
        for (const QString &sub : {u""_s, u"/manifest"_s, u"/metrics"_s, u"/log"_s, u"/signature"_s,
                                   u"/compliance_mapping"_s}) {
            const Resp r = get(base + sub, m_b);
            QCOMPARE(r.status, 404);
            QCOMPARE(r.code(), u"not_found"_s);
        }
        QCOMPARE(del(base, m_b).status, 404);
        QCOMPARE(call("POST", base + u"/evidence-package"_s, {}, {}, &m_b).status, 404);
        QCOMPARE(get(base, m_a).status, 200);
        QCOMPARE(auditCount(u"run.evidence_export"_s), 0);
        QCOMPARE(auditCount(u"run.delete"_s), 0);
        QCOMPARE(
            get(u"/api/runs/"_s + QUuid::createUuid().toString(QUuid::WithoutBraces), m_a).status,
            404);
        QCOMPARE(get(u"/api/runs/not-a-uuid"_s, m_a).status, 404);
    }

    void deleteRemovesTheRun()
    {
        const QString id = sync(m_a, runBody(m_a.projectId)).value(u"id"_s).toString();
        const Resp r = del(u"/api/runs/"_s + id, m_a);
        QCOMPARE(r.status, 204);
        QCOMPARE(get(u"/api/runs/"_s + id, m_a).status, 404);
        QCOMPARE(get(u"/api/runs/"_s + id + u"/metrics"_s, m_a).status, 404);
        QCOMPARE(get(u"/api/runs?project_id="_s + m_a.projectId, m_a).itemIds(), QStringList());
        QCOMPARE(del(u"/api/runs/"_s + id, m_a).status, 404);
        QCOMPARE(auditCount(u"run.delete"_s), 1);
    }

    void wrongMethodOnRunIs405()
    {
        const QString id = sync(m_a, runBody(m_a.projectId)).value(u"id"_s).toString();
        const Resp r = call("POST", u"/api/runs/"_s + id, "{}", {}, &m_a);
        QCOMPARE(r.status, 405);
        QVERIFY(r.header("allow").contains("DELETE"));
        QVERIFY(r.header("allow").contains("GET"));
    }

    void ledgerHeadMovesByCompareAndSwap()
    {
        const QString q = u"/api/sync/ledger-head?workspace_id="_s + m_a.workspaceId;
        const Resp first = get(q, m_a);
        QCOMPARE(first.status, 200);
        QVERIFY(first.obj("ledger_head").value(u"head"_s).isNull());

        const Resp moved = post(u"/api/sync/ledger-head"_s,
                                {{u"workspace_id"_s, m_a.workspaceId},
                                 {u"expected_head"_s, QJsonValue::Null},
                                 {u"head"_s, u"h1"_s}},
                                m_a);
        QCOMPARE(moved.status, 200);
        QCOMPARE(moved.obj("ledger_head").value(u"head"_s).toString(), u"h1"_s);
        QCOMPARE(moved.obj("ledger_head").value(u"version"_s).toInt(), 1);

        const Resp stale = post(u"/api/sync/ledger-head"_s,
                                {{u"workspace_id"_s, m_a.workspaceId}, {u"head"_s, u"h2"_s}}, m_a);
        QCOMPARE(stale.status, 409);
        QCOMPARE(stale.code(), u"conflict"_s);
        QCOMPARE(stale.obj("error").value(u"current"_s).toObject().value(u"head"_s).toString(),
                 u"h1"_s);

        const Resp next = post(u"/api/sync/ledger-head"_s,
                               {{u"workspace_id"_s, m_a.workspaceId},
                                {u"expected_head"_s, u"h1"_s},
                                {u"head"_s, u"h2"_s}},
                               m_a);
        QCOMPARE(next.obj("ledger_head").value(u"version"_s).toInt(), 2);
        QCOMPARE(get(q, m_a).obj("ledger_head").value(u"head"_s).toString(), u"h2"_s);

        // Another user: the workspace does not exist for them, and the head stays.
        QCOMPARE(get(q, m_b).status, 404);
        QCOMPARE(post(u"/api/sync/ledger-head"_s,
                      {{u"workspace_id"_s, m_a.workspaceId},
                       {u"expected_head"_s, u"h2"_s},
                       {u"head"_s, u"evil"_s}},
                      m_b)
                     .status,
                 404);
        QCOMPARE(get(q, m_a).obj("ledger_head").value(u"head"_s).toString(), u"h2"_s);
    }

    void ledgerHeadValidation()
    {
        QCOMPARE(get(u"/api/sync/ledger-head"_s, m_a).fields(), QStringList{u"workspace_id"_s});
        QCOMPARE(get(u"/api/sync/ledger-head?workspace_id=x"_s, m_a).fields(),
                 QStringList{u"workspace_id"_s});
        QCOMPARE(
            post(u"/api/sync/ledger-head"_s, {{u"workspace_id"_s, m_a.workspaceId}}, m_a).fields(),
            QStringList{u"head"_s});
        QCOMPARE(post(u"/api/sync/ledger-head"_s,
                      {{u"workspace_id"_s, u"x"_s}, {u"head"_s, u"h"_s}}, m_a)
                     .fields(),
                 QStringList{u"workspace_id"_s});
        QCOMPARE(post(u"/api/sync/ledger-head"_s,
                      {{u"workspace_id"_s, m_a.workspaceId},
                       {u"head"_s, QString(201, QLatin1Char('h'))}},
                      m_a)
                     .fields(),
                 QStringList{u"head"_s});
        QCOMPARE(post(u"/api/sync/ledger-head"_s,
                      {{u"workspace_id"_s, m_a.workspaceId},
                       {u"expected_head"_s, 5},
                       {u"head"_s, u"h"_s}},
                      m_a)
                     .fields(),
                 QStringList{u"expected_head"_s});
    }

    void evidencePackageIsASignedZip()
    {
        const QJsonObject body = runBody(m_a.projectId);
        const QString id = sync(m_a, body).value(u"id"_s).toString();
        const Resp r = call("POST", u"/api/runs/"_s + id + u"/evidence-package"_s, {},
                            {{"Accept", "application/zip"}}, &m_a);
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
        QCOMPARE(names, (QStringList{u"manifest.json"_s, u"metrics.csv"_s, u"log.txt"_s,
                                     u"signature.json"_s, u"audit.json"_s, u"index.json"_s,
                                     u"index.sig"_s}));

        QCOMPARE(entry(entries, u"manifest.json"_s), jcs::canonicalize(body.value(u"manifest"_s)));
        QCOMPARE(entry(entries, u"metrics.csv"_s),
                 QByteArray("name,step,value\r\nloss,0,1.25\r\nloss,1,0.75\r\nreward,0,3.5\r\n"));
        QCOMPARE(entry(entries, u"log.txt"_s), body.value(u"log"_s).toString().toUtf8());
        const QJsonArray audit = QJsonDocument::fromJson(entry(entries, u"audit.json"_s)).array();
        QCOMPARE(audit.size(), 1);
        QCOMPARE(audit.at(0).toObject().value(u"action"_s).toString(), u"run.sync"_s);

        const QByteArray indexBytes = entry(entries, u"index.json"_s);
        const QJsonObject index = QJsonDocument::fromJson(indexBytes).object();
        QCOMPARE(jcs::canonicalize(index), indexBytes);
        const QJsonArray files = index.value(u"files"_s).toArray();
        QCOMPARE(files.size(), 5);
        for (const auto &f : files) {
            const QJsonObject o = f.toObject();
            const QByteArray data = entry(entries, o.value(u"name"_s).toString());
            QCOMPARE(o.value(u"size"_s).toInteger(), qint64(data.size()));
            QCOMPARE(o.value(u"sha256"_s).toString(), crypto::sha256Hex(data));
        }
        const QByteArray publicKey = *crypto::ed25519PublicFromPrivate(kSeed);
        QCOMPARE(index.value(u"signing"_s).toObject().value(u"public_key"_s).toString(),
                 QString::fromLatin1(publicKey.toBase64()));
        const QByteArray sig = QByteArray::fromBase64(entry(entries, u"index.sig"_s));
        QVERIFY(crypto::ed25519Verify(publicKey, indexBytes, sig));
        QByteArray tampered = indexBytes;
        tampered.replace("manifest.json", "manifest.jsoN");
        QVERIFY(!crypto::ed25519Verify(publicKey, tampered, sig));
        QCOMPARE(auditCount(u"run.evidence_export"_s), 1);

        // An independent reader agrees, when one is installed.
        const QString python = QStandardPaths::findExecutable(u"python3"_s);
        if (!python.isEmpty()) {
            QTemporaryDir dir;
            QFile f(dir.filePath(u"p.zip"_s));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(r.body);
            f.close();
            QProcess p;
            p.start(python, {u"-m"_s, u"zipfile"_s, u"-t"_s, f.fileName()});
            QVERIFY(p.waitForFinished(20000));
            QCOMPARE(p.exitCode(), 0);
        }
    }

    void zipCrcMatchesTheStandardCheckValue()
    {
        QCOMPARE(ZipWriter::crc32("123456789"), 0xCBF43926u);
        QCOMPARE(ZipWriter::crc32(QByteArray()), 0u);
        ZipWriter zip(0);
        QVERIFY(zip.add(u"a.txt"_s, "x"));
        QVERIFY(!zip.add(u"a.txt"_s, "y"));
        QVERIFY(!zip.add(u"../escape"_s, "y"));
        QVERIFY(!zip.add(u"/abs"_s, "y"));
        QList<ZipEntry> entries;
        QString why;
        QVERIFY2(readZip(zip.finish(), &entries, &why), qPrintable(why));
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.at(0).data, QByteArray("x"));
    }

    void evidencePackageAsJsonCarriesTheSameZip()
    {
        const QString id = sync(m_a, runBody(m_a.projectId)).value(u"id"_s).toString();
        const Resp r = call("POST", u"/api/runs/"_s + id + u"/evidence-package"_s, {},
                            {{"Accept", "application/json"}}, &m_a);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("application/json"));
        const QJsonObject pkg = r.obj("evidence_package");
        const QByteArray zip =
            QByteArray::fromBase64(pkg.value(u"zip_base64"_s).toString().toLatin1());
        QCOMPARE(pkg.value(u"size_bytes"_s).toInteger(), qint64(zip.size()));
        QCOMPARE(pkg.value(u"sha256"_s).toString(), crypto::sha256Hex(zip));
        QList<ZipEntry> entries;
        QString why;
        QVERIFY2(readZip(zip, &entries, &why), qPrintable(why));
        QCOMPARE(QJsonDocument::fromJson(entry(entries, u"index.json"_s)).object(),
                 pkg.value(u"index"_s).toObject());
        QCOMPARE(entry(entries, u"index.sig"_s), pkg.value(u"index_sig"_s).toString().toLatin1());

        // The second package's audit trail holds the first export.
        const Resp again = call("POST", u"/api/runs/"_s + id + u"/evidence-package"_s, {},
                                {{"Accept", "application/zip"}}, &m_a);
        QList<ZipEntry> second;
        QVERIFY(readZip(again.body, &second, &why));
        const QJsonArray audit = QJsonDocument::fromJson(entry(second, u"audit.json"_s)).array();
        QCOMPARE(audit.size(), 2);
        QCOMPARE(audit.at(1).toObject().value(u"action"_s).toString(), u"run.evidence_export"_s);
    }

    void evidencePackageWithoutKeyIs503()
    {
        start(ServerConfig{}, false);
        const QString id = sync(m_a, runBody(m_a.projectId)).value(u"id"_s).toString();
        const Resp r = call("POST", u"/api/runs/"_s + id + u"/evidence-package"_s, {}, {}, &m_a);
        QCOMPARE(r.status, 503);
        QCOMPARE(r.code(), u"unavailable"_s);
        QCOMPARE(auditCount(u"run.evidence_export"_s), 0);
    }

    void stagingRoutesRefusedWhenNotStaging()
    {
        QJsonObject body = runBody(m_a.projectId, u"e2e-fixture-1"_s);
        const QString id = sync(m_a, body).value(u"id"_s).toString();
        for (const QString &pid :
             {m_a.projectId, QUuid::createUuid().toString(QUuid::WithoutBraces), m_b.projectId}) {
            const Resp d = del(u"/api/projects/"_s + pid + u"/staging-e2e-tree"_s, m_a);
            QCOMPARE(d.status, 405);
            QCOMPARE(d.code(), u"unsupported_action"_s);
            QCOMPARE(d.all("allow"),
                     QList<QByteArray>{QByteArray()}); // RFC 9110: disabled by configuration
            const Resp p = call("POST", u"/api/projects/"_s + pid + u"/staging-retention-proof"_s,
                                "{}", {}, &m_a);
            QCOMPARE(p.status, 405);
            QCOMPARE(p.code(), u"unsupported_action"_s);
        }
        QCOMPARE(
            call("DELETE", u"/api/projects/"_s + m_a.projectId + u"/staging-e2e-tree"_s).status,
            401);
        QCOMPARE(
            call("POST", u"/api/projects/"_s + m_a.projectId + u"/staging-retention-proof"_s, "{}")
                .status,
            401);
        QCOMPARE(get(u"/api/runs/"_s + id, m_a).status, 200);
    }

    void stagingPurgeDeletesOnlyE2eFixtures()
    {
        ServerConfig config;
        config.signingKey = kSeed;
        config.staging = true;
        start(config);
        const QString e1 =
            sync(m_a, runBody(m_a.projectId, u"e2e-one"_s)).value(u"id"_s).toString();
        const QString e2 =
            sync(m_a, runBody(m_a.projectId, u"e2e-two"_s)).value(u"id"_s).toString();
        const QString keep =
            sync(m_a, runBody(m_a.projectId, u"keep-e2e-"_s)).value(u"id"_s).toString();
        const Resp art = post(u"/api/sync/artifacts/initiate"_s,
                              {{u"run_id"_s, e1},
                               {u"name"_s, u"a.bin"_s},
                               {u"size_bytes"_s, 1},
                               {u"sha256"_s, crypto::sha256Hex("x")}},
                              m_a);
        QCOMPARE(art.status, 201);
        const QString artifactId = art.obj("artifact").value(u"id"_s).toString();

        // Another user cannot purge A's project, whatever its fixtures.
        QCOMPARE(del(u"/api/projects/"_s + m_a.projectId + u"/staging-e2e-tree"_s, m_b).status,
                 404);
        QCOMPARE(get(u"/api/runs/"_s + e1, m_a).status, 200);

        const Resp r = del(u"/api/projects/"_s + m_a.projectId + u"/staging-e2e-tree"_s, m_a);
        QCOMPARE(r.status, 200);
        const QJsonObject purge = r.obj("purge");
        QStringList purged;
        for (const auto &v : purge.value(u"runs"_s).toArray())
            purged << v.toObject().value(u"id"_s).toString();
        purged.sort();
        QStringList expected{e1, e2};
        expected.sort();
        QCOMPARE(purged, expected);
        QCOMPARE(purge.value(u"artifacts"_s).toInt(), 1);
        QCOMPARE(purge.value(u"more"_s).toBool(), false);
        QCOMPARE(get(u"/api/runs/"_s + e1, m_a).status, 404);
        QCOMPARE(get(u"/api/runs/"_s + e2, m_a).status, 404);
        QCOMPARE(get(u"/api/runs/"_s + keep, m_a).status, 200);
        QCOMPARE(get(u"/api/artifacts/"_s + artifactId, m_a).status, 404);
        QCOMPARE(auditCount(u"staging.e2e_purge"_s), 1);

        // Nothing left to purge: an empty answer and no audit entry.
        const Resp again = del(u"/api/projects/"_s + m_a.projectId + u"/staging-e2e-tree"_s, m_a);
        QCOMPARE(again.status, 200);
        QVERIFY(again.obj("purge").value(u"runs"_s).toArray().isEmpty());
        QCOMPARE(auditCount(u"staging.e2e_purge"_s), 1);
        QCOMPARE(del(u"/api/projects/"_s + QUuid::createUuid().toString(QUuid::WithoutBraces) +
                         u"/staging-e2e-tree"_s,
                     m_a)
                     .status,
                 404);
    }

    void stagingRetentionProofIsSigned()
    {
        ServerConfig config;
        config.signingKey = kSeed;
        config.staging = true;
        start(config);
        const QString e1 =
            sync(m_a, runBody(m_a.projectId, u"e2e-one"_s)).value(u"id"_s).toString();
        const QString other =
            sync(m_a, runBody(m_a.projectId, u"manual"_s)).value(u"id"_s).toString();
        const QString kept = sync(m_a, runBody(m_a.projectId, u"kept"_s)).value(u"id"_s).toString();
        QCOMPARE(del(u"/api/projects/"_s + m_a.projectId + u"/staging-e2e-tree"_s, m_a).status,
                 200);
        QCOMPARE(del(u"/api/runs/"_s + other, m_a).status, 204);
        // A deletion in another of A's projects is not this project's.
        const QString p2 = post(u"/api/projects"_s,
                                {{u"workspace_id"_s, m_a.workspaceId}, {u"name"_s, u"p2"_s}}, m_a)
                               .obj("project")
                               .value(u"id"_s)
                               .toString();
        const QString elsewhere = sync(m_a, runBody(p2)).value(u"id"_s).toString();
        QCOMPARE(del(u"/api/runs/"_s + elsewhere, m_a).status, 204);

        const Resp r =
            call("POST", u"/api/projects/"_s + m_a.projectId + u"/staging-retention-proof"_s, {},
                 {}, &m_a);
        QCOMPARE(r.status, 200);
        QJsonObject proof = r.obj("retention_proof");
        QStringList ids;
        for (const auto &v : proof.value(u"purged"_s).toArray())
            ids << v.toObject().value(u"id"_s).toString();
        ids.sort();
        QStringList expected{e1, other};
        expected.sort();
        QCOMPARE(ids, expected);
        QVERIFY(!ids.contains(kept));
        const QJsonObject signature = proof.take(u"signature"_s).toObject();
        const QByteArray publicKey = *crypto::ed25519PublicFromPrivate(kSeed);
        QCOMPARE(signature.value(u"public_key"_s).toString(),
                 QString::fromLatin1(publicKey.toBase64()));
        const QByteArray sig =
            QByteArray::fromBase64(signature.value(u"sig"_s).toString().toLatin1());
        QVERIFY(crypto::ed25519Verify(publicKey, jcs::canonicalize(proof), sig));
        proof.insert(u"truncated"_s, true);
        QVERIFY(!crypto::ed25519Verify(publicKey, jcs::canonicalize(proof), sig));

        QCOMPARE(call("POST", u"/api/projects/"_s + m_a.projectId + u"/staging-retention-proof"_s,
                      {}, {}, &m_b)
                     .status,
                 404);
    }
};

QTEST_GUILESS_MAIN(TestRunRoutes)
#include "tst_run_routes.moc"
