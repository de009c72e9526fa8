// SPDX-License-Identifier: Apache-2.0
// System routes: service info, health, the OpenAPI document.
#include "server/routes/Routes.h"

#include "models/db/Database.h"
#include "server/core/OpenApi.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <memory>
#include <mutex>

using namespace Qt::StringLiterals;

namespace wfx {

using namespace schema;

namespace {
HttpResponse ok()
{
    return HttpResponse::json(200, QJsonObject{{u"status"_s, u"ok"_s}});
}
struct OpenApiCache
{
    std::once_flag once;
    QByteArray body;
};
} // namespace

void addSystemRoutes(RouteTable &routes, Services &services)
{
    const QJsonObject statusOk = object({{u"status"_s, enumOf({u"ok"_s}), true}});
    routes.route("GET", u"/"_s, Access::Public, u"system"_s, u"Service information"_s)
        .returns(200, object({{u"name"_s, string(), true},
                              {u"version"_s, string(), true},
                              {u"docs"_s, string(), true},
                              {u"openapi"_s, string(), true}}))
        .handle([](HttpRequest &) {
            return HttpResponse::json(200,
                                      QJsonObject{{u"name"_s, u"WorldFlux Console"_s},
                                                  {u"version"_s, QString::fromLatin1(WFX_VERSION)},
                                                  {u"docs"_s, u"/docs"_s},
                                                  {u"openapi"_s, u"/openapi.json"_s}});
        });
    for (const char *path : {"/healthz", "/health"}) {
        routes
            .route("GET", QString::fromLatin1(path), Access::Public, u"system"_s,
                   u"Liveness: 200 while serving"_s)
            .proxiedIf(qstrcmp(path, "/health") == 0)
            .returns(200, statusOk)
            .handle([](HttpRequest &) { return ok(); });
    }
    routes
        .route("GET", u"/health/db"_s, Access::Public, u"system"_s, u"The store answers a query"_s)
        .returns(200, statusOk)
        .errors({503})
        .handle([&services](HttpRequest &) {
            if (services.ctx.db->ping())
                return ok();
            return HttpResponse::error(503, u"unavailable"_s, u"The store does not answer."_s);
        });
    routes
        .route("GET", u"/health/r2"_s, Access::Public, u"system"_s,
               u"The artifact store is writable"_s)
        .returns(200, statusOk)
        .errors({503})
        .handle([&services](HttpRequest &) {
            // The same probe as /api/status' artifact_store component (BlobStore::health).
            if (services.blobs.health())
                return ok();
            return HttpResponse::error(503, u"unavailable"_s,
                                       u"The artifact store is not writable."_s);
        });
    routes
        .route("GET", u"/openapi.json"_s, Access::Public, u"system"_s,
               u"This document (OpenAPI 3.1)"_s)
        .returns(200, anyObject())
        .handle([&routes, cache = std::make_shared<OpenApiCache>()](HttpRequest &) {
            // The table does not change while serving: build the document once.
            std::call_once(cache->once, [&] {
                cache->body = QJsonDocument(openApiDocument(routes)).toJson(QJsonDocument::Compact);
            });
            HttpResponse response;
            response.body = cache->body;
            return response;
        });
}

} // namespace wfx
