// SPDX-License-Identifier: Apache-2.0
// GET /docs: the interactive API reference (Swagger UI over /openapi.json),
// served from the files compiled into the binary (resources/CMakeLists.txt).
// Only the names in the fixed table below can be served: the request never
// becomes a file path.
#include "server/routes/Routes.h"

#include "server/core/RouteTable.h"
#include "server/core/Schema.h"

#include <QFile>
#include <QHash>

#include <utility>

using namespace Qt::StringLiterals;

#if WFX_DOCS_BUNDLE
static void initDocsResource()
{
    Q_INIT_RESOURCE(wfx_docs);
}
#endif

namespace wfx {

using namespace schema;

namespace {

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
            QFile f(u":/wfx-docs/"_s + QString::fromLatin1(name));
            if (!f.open(QIODevice::ReadOnly)) {
                qWarning("docs bundle: %s is missing from the resource", name);
                return QHash<QString, DocsAsset>{};
            }
            out.insert(QString::fromLatin1(name), DocsAsset{QByteArray(type), f.readAll()});
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
        return HttpResponse::error(
            503, u"unavailable"_s,
            u"The API docs bundle was not built into this server (npm was not available "
            "at build time, or WFX_DOCS_BUNDLE was OFF). The API description is at "
            "/openapi.json."_s);
    const auto it = assets.constFind(name);
    if (it == assets.cend())
        return HttpResponse::error(404, u"not_found"_s, u"No such docs file."_s);
    HttpResponse response;
    response.contentType = it->contentType;
    response.body = it->bytes;
    response.header("Cache-Control", "public, max-age=3600");
    return response;
}
} // namespace

void addDocsRoutes(RouteTable &routes, Services &)
{
    routes
        .route("GET", u"/docs"_s, Access::Public, u"system"_s,
               u"Interactive API reference (HTML, bundled Swagger UI)"_s)
        .returns(200, {})
        .errors({503})
        .handle([](HttpRequest &) { return serveAsset(u"index.html"_s); });
    routes
        .route("GET", u"/docs/{file}"_s, Access::Public, u"system"_s,
               u"A file of the bundled API reference page"_s)
        .returns(200, {})
        .errors({404, 503})
        .handle([](HttpRequest &req) { return serveAsset(req.param(u"file"_s)); });
}

} // namespace wfx
