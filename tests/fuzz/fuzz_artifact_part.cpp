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

#include "models/artifacts/BlobStore.h"
#include "models/crypto/Crypto.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSet>

#include <sys/inotify.h>
#include <unistd.h>

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
    std::optional<SessionAuth> session(const QString &, const QString &) override
    {
        return std::nullopt;
    }

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
        auto up = world().services->artifacts.initiate(owner.actor, owner.runId, L("seed.bin"),
                                                       data.size(), crypto::sha256Hex(data));
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
void checkFile(const QString &rel)
{
    const QStringList parts = rel.split(QLatin1Char('/'));
    bool numeric = false;
    const qint64 n = parts.value(1).toLongLong(&numeric);
    WFX_FUZZ_CHECK(parts.size() == 2 && ids::isUuid(parts[0]) && numeric && n > 0 &&
                       parts[1] == QString::number(n),
                   "unexpected file in the upload folder: %s", qPrintable(rel));
}

void checkSubtree(const QString &root, const QString &sub)
{
    const QString start = sub.isEmpty() ? root : root + QLatin1Char('/') + sub;
    QDirIterator it(start, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext())
        checkFile(QDir(root).relativeFilePath(it.next()));
    // A bare folder is fine only as an upload's own (it holds its parts); anything
    // else (a file or folder where an upload folder goes) is checked above or here.
    if (!sub.isEmpty() && QFileInfo(start).exists())
        WFX_FUZZ_CHECK(ids::isUuid(sub) && QFileInfo(start).isDir(),
                       "unexpected entry in the upload root: %s", qPrintable(sub));
}

// The whole tree once took a walk every 64th input: with thousands of upload
// folders that walk was three quarters of the target's time. Now inotify
// names the folders that changed, and only those are walked after each input
// (every input, not every 64th); the whole tree is still walked at start, on
// an event-queue overflow and every 16,384 inputs.
class UploadTreeWatch
{
public:
    UploadTreeWatch() : m_root(world().services->blobs.uploadRoot())
    {
        QDir().mkpath(m_root);
        m_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (m_fd < 0 || inotify_add_watch(m_fd, QFile::encodeName(m_root).constData(), kMask) < 0)
            qFatal("inotify on %s failed", qPrintable(m_root));
        for (const QString &d : QDir(m_root).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            watch(d);
        checkSubtree(m_root, {});
    }

    void check()
    {
        if (++m_inputs % 16384 == 0) {
            drain();
            m_dirty.clear();
            checkSubtree(m_root, {});
            return;
        }
        drain();
        m_dirty.unite(m_unwatched);
        for (const QString &d : std::as_const(m_dirty))
            checkSubtree(m_root, d);
        m_dirty.clear();
    }

private:
    static constexpr uint32_t kMask =
        IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE;

    void watch(const QString &name)
    {
        const QString path = m_root + QLatin1Char('/') + name;
        if (!QFileInfo(path).isDir())
            return;
        const int wd = inotify_add_watch(m_fd, QFile::encodeName(path).constData(), kMask);
        if (wd >= 0)
            m_folders.insert(wd, name);
        else
            m_unwatched.insert(name); // out of watches: walked after every input instead
        m_dirty.insert(name);         // what it got before the watch was in place
    }

    void drain()
    {
        alignas(inotify_event) char buf[64 * 1024];
        for (;;) {
            const ssize_t n = read(m_fd, buf, sizeof buf);
            if (n <= 0)
                return;
            for (ssize_t off = 0; off < n;) {
                const auto *ev = reinterpret_cast<const inotify_event *>(buf + off);
                off += ssize_t(sizeof(inotify_event) + ev->len);
                if (ev->mask & IN_Q_OVERFLOW) {
                    // Events were lost: every folder counts as changed.
                    for (const QString &d :
                         QDir(m_root).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
                        watch(d);
                    m_dirty.insert(QString());
                    continue;
                }
                const QString name = ev->len ? QFile::decodeName(ev->name) : QString();
                const auto folder = m_folders.constFind(ev->wd);
                if (folder != m_folders.cend()) {
                    m_dirty.insert(*folder); // something changed inside an upload folder
                } else if (!name.isEmpty()) {
                    if (ev->mask & IN_ISDIR && ev->mask & (IN_CREATE | IN_MOVED_TO))
                        watch(name);
                    m_dirty.insert(name); // a new or removed entry in the root
                }
            }
        }
    }

    QString m_root;
    int m_fd = -1;
    QHash<int, QString> m_folders; // watch -> upload folder name
    QSet<QString> m_dirty, m_unwatched;
    quint64 m_inputs = 0;
};

UploadTreeWatch &tree()
{
    static UploadTreeWatch *t = new UploadTreeWatch;
    return *t;
}

void oneInput(const uint8_t *data, size_t size)
{
    Uploads &u = uploads();
    const auto [targetBytes, body] =
        splitAt(QByteArray(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1)), '\n');
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
            return;
        }
        HttpRequest req = request("POST", QStringLiteral("/api/sync/artifacts/initiate"), b);
        const HttpResponse resp = u.dispatcher.handle(req);
        WFX_FUZZ_CHECK(resp.status == 201 || resp.status == 422 || resp.status == 404,
                       "initiate answered %d: %s", resp.status, resp.body.left(300).constData());
        if (resp.status == 201) {
            ++u.initiated;
            const QJsonObject o = QJsonDocument::fromJson(resp.body).object();
            const QJsonObject art = o.value(L("artifact")).toObject();
            const QJsonObject up = o.value(L("upload")).toObject();
            const QJsonArray partList = up.value(L("parts")).toArray();
            const double declared = art.value(L("size_bytes")).toDouble();
            WFX_FUZZ_CHECK(partList.size() == qMax<qint64>(1, qint64((declared + 63) / 64)),
                           "part count");
            WFX_FUZZ_CHECK(BlobStore::isSha256Hex(art.value(L("sha256")).toString()),
                           "digest stored as given");
            // The new upload becomes the open one.
            const QString url = partList.at(0).toObject().value(L("url")).toString();
            u.artifactId = art.value(L("id")).toString();
            u.token = url.section(QLatin1Char('/'), -1);
            u.parts = partList.size();
        }
        return;
    }

    HttpRequest req = request("PUT", QStringLiteral("/uploads/") + target, body);
    const HttpResponse resp = u.dispatcher.handle(req);
    static const QList<int> known{200, 404, 405, 413, 422};
    WFX_FUZZ_CHECK(known.contains(resp.status), "a part answered %d: %s", resp.status,
                   resp.body.left(300).constData());
    if (resp.status == 200) {
        const QJsonObject o = QJsonDocument::fromJson(resp.body).object();
        const qint64 number = qint64(o.value(L("number")).toDouble());
        const QStringList segs = req.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
        WFX_FUZZ_CHECK(segs.size() == 4, "matched %s", qPrintable(req.path));
        WFX_FUZZ_CHECK(number >= 1 && number <= u.parts, "part %lld of %lld accepted",
                       qlonglong(number), qlonglong(u.parts));
        WFX_FUZZ_CHECK(o.value(L("size")).toDouble() == double(body.size()) && body.size() <= 64,
                       "size");
        WFX_FUZZ_CHECK(o.value(L("sha256")).toString() == crypto::sha256Hex(body),
                       "digest of the part");
        QFile f(world().services->blobs.partPath(segs[1], number));
        WFX_FUZZ_CHECK(f.open(QIODevice::ReadOnly) && f.readAll() == body, "stored bytes differ");
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 2048)
        return 0;
    uploads();
    tree(); // after the seed upload: its folder is walked once at start
    oneInput(data, size);
    tree().check();
    return 0;
}
