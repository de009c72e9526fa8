// SPDX-License-Identifier: Apache-2.0
// The artifact part upload path: PUT /uploads/{artifact_id}/{part_number}/{token}
// through the dispatcher and the real handler (part number parsing, the token,
// the size limit, the digest, BlobStore's staging write into a temporary data
// folder), and POST /api/sync/artifacts/initiate (sizes, digests, names).
// Input: "<selector><target>\n<body>". In the target, "@A" stands for the open
// upload's artifact id and "@T" for its token; in an initiate body "@R" stands
// for the run id. Afterwards the upload folder holds only complete parts whose
// bytes match what the answer said.
#include "FuzzSupport.h"

#include "artifacts/BlobStore.h"
#include "crypto/Crypto.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>

using namespace wfx;
using namespace wfxfuzz;

namespace {

// The bearer "wfx_fuzz" is the upload's owner; anything else is nobody.
class OwnerAuthenticator final : public Authenticator
{
public:
    explicit OwnerAuthenticator(Actor a) : m_actor(std::move(a)) {}
    Result<Actor> bearer(const QString &secret, const QString &) override
    {
        if (secret == QLatin1String("wfx_fuzz"))
            return m_actor;
        return Error{ErrorCode::LoginRequired, {}};
    }
    std::optional<SessionAuth> session(const QString &, const QString &) override { return std::nullopt; }

private:
    Actor m_actor;
};

struct Uploads
{
    World::Owner owner = world().owner();
    OwnerAuthenticator auth{owner.actor};
    Dispatcher dispatcher{world().table, &auth, DispatchConfig{8787, {}, false}};
    QString artifactId, token;
    qint64 parts = 0;
    int initiated = 0;

    Uploads()
    {
        const QByteArray data(200, 'x'); // 4 parts of at most 64 bytes
        auto up = world().services->artifacts.initiate(owner.actor, owner.runId, L("seed.bin"), data.size(),
                                                       crypto::sha256Hex(data));
        if (!up)
            qFatal("initiate: %s", qPrintable(up.error().message));
        artifactId = up->artifact.id;
        token = up->uploadToken;
        parts = up->parts;
    }
};

Uploads &uploads()
{
    static Uploads *u = new Uploads;
    return *u;
}

HttpRequest request(const QByteArray &method, const QString &path, const QByteArray &body)
{
    HttpRequest req;
    req.method = method;
    req.path = path;
    req.body = body;
    req.headers.append({QByteArray("Host"), QByteArray("127.0.0.1:8787")});
    req.headers.append({QByteArray("Authorization"), QByteArray("Bearer wfx_fuzz")});
    req.headers.append({QByteArray("Content-Type"), QByteArray("application/json")});
    req.remote = QHostAddress::LocalHost;
    return req;
}

// Every file under the upload root is <uuid>/<positive part number>: no
// temporary leftovers, nothing outside an upload's own folder.
void checkUploadTree()
{
    const QString root = world().services->blobs.uploadRoot();
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString rel = QDir(root).relativeFilePath(it.next());
        const QStringList parts = rel.split(QLatin1Char('/'));
        bool numeric = false;
        const qint64 n = parts.value(1).toLongLong(&numeric);
        WFX_FUZZ_CHECK(parts.size() == 2 && ids::isUuid(parts[0]) && numeric && n > 0
                           && parts[1] == QString::number(n),
                       "unexpected file in the upload folder: %s", qPrintable(rel));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 2048)
        return 0;
    Uploads &u = uploads();
    const auto [targetBytes, body] = splitAt(QByteArray(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1)), '\n');
    QString target = QString::fromUtf8(targetBytes);
    target.replace(QLatin1String("@A"), u.artifactId).replace(QLatin1String("@T"), u.token);

    if (data[0] % 8 == 7) {
        // initiate: the body is the fuzzed part. The store grows with every upload, so
        // after a few thousand only the schema check (what the dispatcher runs first) is fuzzed.
        QByteArray b = body;
        b.replace("@R", u.owner.runId.toLatin1());
        const Route *initiate = nullptr;
        for (const Route &r : world().table.routes()) {
            if (r.path == QLatin1String("/api/sync/artifacts/initiate"))
                initiate = &r;
        }
        if (u.initiated >= 5000) {
            (void)Dispatcher::parseJson(b, initiate->requestSchema);
            return 0;
        }
        HttpRequest req = request("POST", QStringLiteral("/api/sync/artifacts/initiate"), b);
        const HttpResponse resp = u.dispatcher.handle(req);
        WFX_FUZZ_CHECK(resp.status == 201 || resp.status == 422 || resp.status == 404, "initiate answered %d: %s",
                       resp.status, resp.body.left(300).constData());
        if (resp.status == 201) {
            ++u.initiated;
            const QJsonObject o = QJsonDocument::fromJson(resp.body).object();
            const QJsonObject art = o.value(L("artifact")).toObject();
            const QJsonObject up = o.value(L("upload")).toObject();
            const QJsonArray partList = up.value(L("parts")).toArray();
            const double declared = art.value(L("size_bytes")).toDouble();
            WFX_FUZZ_CHECK(partList.size() == qMax<qint64>(1, qint64((declared + 63) / 64)), "part count");
            WFX_FUZZ_CHECK(BlobStore::isSha256Hex(art.value(L("sha256")).toString()), "digest stored as given");
            // The new upload becomes the open one.
            const QString url = partList.at(0).toObject().value(L("url")).toString();
            u.artifactId = art.value(L("id")).toString();
            u.token = url.section(QLatin1Char('/'), -1);
            u.parts = partList.size();
        }
        return 0;
    }

    HttpRequest req = request("PUT", QStringLiteral("/uploads/") + target, body);
    const HttpResponse resp = u.dispatcher.handle(req);
    static const QList<int> known{200, 404, 405, 413, 422};
    WFX_FUZZ_CHECK(known.contains(resp.status), "a part answered %d: %s", resp.status, resp.body.left(300).constData());
    if (resp.status == 200) {
        const QJsonObject o = QJsonDocument::fromJson(resp.body).object();
        const qint64 number = qint64(o.value(L("number")).toDouble());
        const QStringList segs = req.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
        WFX_FUZZ_CHECK(segs.size() == 4, "matched %s", qPrintable(req.path));
        WFX_FUZZ_CHECK(number >= 1 && number <= u.parts, "part %lld of %lld accepted", qlonglong(number),
                       qlonglong(u.parts));
        WFX_FUZZ_CHECK(o.value(L("size")).toDouble() == double(body.size()) && body.size() <= 64, "size");
        WFX_FUZZ_CHECK(o.value(L("sha256")).toString() == crypto::sha256Hex(body), "digest of the part");
        QFile f(world().services->blobs.partPath(segs[1], number));
        WFX_FUZZ_CHECK(f.open(QIODevice::ReadOnly) && f.readAll() == body, "stored bytes differ");
    }
    if (data[0] % 64 == 0)
        checkUploadTree();
    return 0;
}
