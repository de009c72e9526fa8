// SPDX-License-Identifier: Apache-2.0
// Raw request targets through the real route table and the dispatcher: the first
// byte picks the method and how the path reaches the server (as QHttpServer hands
// it over: percent-decoded by QUrl; or already decoded), the rest is the path
// (encoded "..", ";", "\", NUL, overlong UTF-8 and the like come from the corpus
// and the dictionary). Handlers are replaced by one that records what it got, so
// only matching, 404/405, Host, credentials and the BFF allowlist run.
#include "FuzzSupport.h"

#include <QUrl>

#include <algorithm>

using namespace wfx;
using namespace wfxfuzz;

namespace {

// Answers every credential with "no": Api and Session routes end at 401/403.
class NobodyAuthenticator final : public Authenticator
{
public:
    Result<Actor> bearer(const QString &, const QString &) override
    {
        return Error{ErrorCode::LoginRequired, {}};
    }
    std::optional<SessionAuth> session(const QString &, const QString &) override
    {
        return std::nullopt;
    }
};

struct Recorder
{
    RouteTable table;
    NobodyAuthenticator auth;
    std::unique_ptr<Dispatcher> dispatcher;
    const Route *reached = nullptr;
    QHash<QString, QString> params;

    Recorder()
    {
        for (const Route &real : world().table.routes()) {
            Route r = real;
            r.handler = [this, path = real.path, method = real.method](HttpRequest &req) {
                reached = nullptr;
                for (const Route &x : table.routes()) {
                    if (x.path == path && x.method == method)
                        reached = &x;
                }
                params = req.params;
                return HttpResponse::json(299, QJsonObject{});
            };
            table.add(std::move(r));
        }
        dispatcher = std::make_unique<Dispatcher>(table, &auth, DispatchConfig{8787, {}, false});
    }
};

Recorder &recorder()
{
    static Recorder *r = new Recorder;
    return *r;
}

const QByteArray kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

void checkMatches(const QString &path)
{
    const QStringList segs = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (const RouteMatch &m : recorder().table.match(path)) {
        WFX_FUZZ_CHECK(m.route->segments.size() == segs.size(), "segment count differs");
        for (qsizetype i = 0; i < segs.size(); ++i) {
            const QString &t = m.route->segments[i];
            if (t.startsWith(QLatin1Char('{')))
                WFX_FUZZ_CHECK(m.params.value(t.mid(1, t.size() - 2)) == segs[i],
                               "param is not its segment");
            else
                WFX_FUZZ_CHECK(t == segs[i], "a literal segment matched another");
        }
        for (auto it = m.params.cbegin(); it != m.params.cend(); ++it) {
            WFX_FUZZ_CHECK(!it.value().contains(QLatin1Char('/')), "param %s holds a '/'",
                           qPrintable(it.key()));
            WFX_FUZZ_CHECK(!it.value().isEmpty() && it.value().size() <= 512,
                           "param %s length %lld", qPrintable(it.key()),
                           qlonglong(it.value().size()));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    Recorder &rec = recorder();
    const quint8 sel = data[0];
    const QByteArray raw(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    HttpRequest req;
    req.method = kMethods[sel % 6];
    if (sel & 0x08) {
        // As HttpServer gets it: the request target parsed by QUrl, path fully decoded.
        const QUrl url = QUrl::fromEncoded(raw.startsWith('/') ? raw : '/' + raw);
        req.path = url.path(QUrl::FullyDecoded);
        req.urlQuery = QUrlQuery(url);
    } else {
        req.path = QString::fromUtf8(raw); // whatever a decoder might produce
    }
    req.headers.append({QByteArray("Host"), QByteArray("127.0.0.1:8787")});
    if (sel & 0x10)
        req.headers.append({QByteArray("Cookie"), QByteArray("wfx_session=s; wfx_csrf=c")});
    if (sel & 0x20)
        req.headers.append({QByteArray("Authorization"), QByteArray("Bearer wfx_nobody")});
    if (sel & 0x40)
        req.headers.append({QByteArray("Content-Type"), QByteArray("application/json")});
    req.remote = QHostAddress::LocalHost;

    checkMatches(req.path);
    rec.reached = nullptr;
    const HttpResponse resp = rec.dispatcher->handle(req);
    static const QList<int> known{299, 401, 403, 404, 405, 415, 421, 422};
    // "OPTIONS *" (asterisk-form) is the one 204 without a route.
    const bool asterisk = req.method == "OPTIONS" && req.path == QLatin1String("*");
    WFX_FUZZ_CHECK(known.contains(resp.status) || (asterisk && resp.status == 204),
                   "unexpected status %d", resp.status);
    if (resp.status == 299) {
        // Only routes that need no credentials can be reached without any.
        WFX_FUZZ_CHECK(rec.reached, "a handler ran without a route");
        const Access a = rec.reached->access;
        WFX_FUZZ_CHECK(a == Access::Public || a == Access::Webhook || a == Access::Capability ||
                           a == Access::AuthFlow,
                       "%s %s reached with credentials nobody holds",
                       rec.reached->method.constData(), qPrintable(rec.reached->path));
        WFX_FUZZ_CHECK(rec.reached->method == req.method, "method mismatch");
        for (auto it = rec.params.cbegin(); it != rec.params.cend(); ++it)
            WFX_FUZZ_CHECK(!it.value().contains(QLatin1Char('/')), "param holds a '/'");
    } else {
        WFX_FUZZ_CHECK(!rec.reached, "a handler ran yet status %d came back", resp.status);
    }
    if (resp.status == 405)
        WFX_FUZZ_CHECK(
            std::any_of(resp.headers.cbegin(), resp.headers.cend(),
                        [](const auto &h) { return h.first == "Allow" && !h.second.isEmpty(); }),
            "a 405 without Allow");
    return 0;
}
