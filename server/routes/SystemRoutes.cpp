// SPDX-License-Identifier: Apache-2.0
// System routes: service info, health, the OpenAPI document.
#include "routes/Routes.h"

#include "core/OpenApi.h"
#include "core/RouteTable.h"
#include "core/Schema.h"
#include "core/Services.h"
#include "db/Database.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <memory>
#include <mutex>

namespace wfx {

using namespace schema;

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
HttpResponse ok() { return HttpResponse::json(200, QJsonObject{{S("status"), S("ok")}}); }
struct OpenApiCache
{
    std::once_flag once;
    QByteArray body;
};
} // namespace

void addSystemRoutes(RouteTable &t, Services &s)
{
    const QJsonObject statusOk = object({{S("status"), enumOf({S("ok")}), true}});
    t.route("GET", S("/"), Access::Public, S("system"), S("Service information"))
        .returns(200, object({{S("name"), string(), true}, {S("version"), string(), true},
                              {S("docs"), string(), true}, {S("openapi"), string(), true}}))
        .handle([](HttpRequest &) {
            return HttpResponse::json(200, QJsonObject{{S("name"), S("WorldFlux Console")},
                                                       {S("version"), S(WFX_VERSION)},
                                                       {S("docs"), S("/docs")},
                                                       {S("openapi"), S("/openapi.json")}});
        });
    for (const char *path : {"/healthz", "/health"}) {
        t.route("GET", S(path), Access::Public, S("system"), S("Liveness: 200 while serving"))
            .returns(200, statusOk)
            .handle([](HttpRequest &) { return ok(); });
    }
    t.route("GET", S("/health/db"), Access::Public, S("system"), S("The store answers a query"))
        .returns(200, statusOk)
        .errors({503})
        .handle([&s](HttpRequest &) {
            if (s.ctx.db->ping())
                return ok();
            return HttpResponse::error(503, S("unavailable"), S("The store does not answer."));
        });
    t.route("GET", S("/health/r2"), Access::Public, S("system"), S("The artifact store is writable"))
        .returns(200, statusOk)
        .errors({503})
        .handle([&s](HttpRequest &) {
            // The same probe as /api/status' artifact_store component (BlobStore::health).
            if (s.blobs.health())
                return ok();
            return HttpResponse::error(503, S("unavailable"), S("The artifact store is not writable."));
        });
    t.route("GET", S("/openapi.json"), Access::Public, S("system"), S("This document (OpenAPI 3.1)"))
        .returns(200, anyObject())
        .handle([&t, cache = std::make_shared<OpenApiCache>()](HttpRequest &) {
            // The table does not change while serving: build the document once.
            std::call_once(cache->once, [&] { cache->body = QJsonDocument(openApiDocument(t)).toJson(QJsonDocument::Compact); });
            HttpResponse r;
            r.body = cache->body;
            return r;
        });
}

} // namespace wfx
