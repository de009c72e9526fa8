// SPDX-License-Identifier: Apache-2.0
// GET /docs: the interactive API reference (Swagger UI over /openapi.json),
// served from the files compiled into the binary (resources/CMakeLists.txt).
// Only the names in the fixed table below can be served: the request never
// becomes a file path.
#include "routes/Routes.h"

#include "core/RouteTable.h"
#include "core/Schema.h"

#include <QFile>
#include <QHash>

#include <utility>

#if WFX_DOCS_BUNDLE
static void initDocsResource() { Q_INIT_RESOURCE(wfx_docs); }
#endif

namespace wfx {

using namespace schema;

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }

struct DocsAsset
{
    QByteArray contentType;
    QByteArray bytes;
};

// name under /docs/ -> its bytes, loaded once from the resource. Empty when
// the bundle was not built.
const QHash<QString, DocsAsset> &docsAssets()
{
    static const QHash<QString, DocsAsset> assets = [] {
        QHash<QString, DocsAsset> out;
#if WFX_DOCS_BUNDLE
        initDocsResource();
        static const std::pair<const char *, const char *> files[] = {
            {"index.html", "text/html; charset=utf-8"},
            {"init.js", "text/javascript; charset=utf-8"},
            {"swagger-ui.css", "text/css; charset=utf-8"},
            {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
            {"favicon-32x32.png", "image/png"},
            {"favicon-16x16.png", "image/png"},
            {"LICENSE", "text/plain; charset=utf-8"},
            {"swagger-ui-bundle.js.LICENSE.txt", "text/plain; charset=utf-8"},
        };
        for (const auto &[name, type] : files) {
            QFile f(S(":/wfx-docs/") + S(name));
            if (!f.open(QIODevice::ReadOnly)) {
                qWarning("docs bundle: %s is missing from the resource", name);
                return QHash<QString, DocsAsset>{};
            }
            out.insert(S(name), DocsAsset{QByteArray(type), f.readAll()});
        }
#endif
        return out;
    }();
    return assets;
}

HttpResponse serveAsset(const QString &name)
{
    const auto &assets = docsAssets();
    if (assets.isEmpty())
        return HttpResponse::error(503, S("unavailable"),
                                   S("The API docs bundle was not built into this server (npm was not available "
                                     "at build time, or WFX_DOCS_BUNDLE was OFF). The API description is at "
                                     "/openapi.json."));
    const auto it = assets.constFind(name);
    if (it == assets.cend())
        return HttpResponse::error(404, S("not_found"), S("No such docs file."));
    HttpResponse r;
    r.contentType = it->contentType;
    r.body = it->bytes;
    r.header("Cache-Control", "public, max-age=3600");
    return r;
}
} // namespace

void addDocsRoutes(RouteTable &t, Services &)
{
    t.route("GET", S("/docs"), Access::Public, S("system"), S("Interactive API reference (HTML, bundled Swagger UI)"))
        .returns(200, {})
        .errors({503})
        .handle([](HttpRequest &) { return serveAsset(S("index.html")); });
    t.route("GET", S("/docs/{file}"), Access::Public, S("system"), S("A file of the bundled API reference page"))
        .returns(200, {})
        .errors({404, 503})
        .handle([](HttpRequest &req) { return serveAsset(req.param(S("file"))); });
}

} // namespace wfx
