// SPDX-License-Identifier: Apache-2.0
// Small mapping helpers shared by the route families.
#pragma once

#include "models/core/Result.h"
#include "server/core/BundledPages.h"
#include "server/core/Http.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"

#include <QJsonObject>

#include <functional>
#include <initializer_list>
#include <type_traits>

using namespace Qt::StringLiterals;

namespace wfx::routeutil {

// {"<key>": value.toJson()} with `status`, or the error.
template <typename T> HttpResponse wrapped(const Result<T> &r, const QString &key, int status = 200)
{
    if (!r)
        return HttpResponse::error(r.error());
    return HttpResponse::json(status, QJsonObject{{key, r->toJson()}});
}
template <typename T> HttpResponse wrapped(const Result<T> &r, const char *key, int status = 200)
{
    return wrapped(r, QString::fromLatin1(key), status);
}

template <typename T> HttpResponse paged(const Result<T> &r)
{
    if (!r)
        return HttpResponse::error(r.error());
    using Item = typename std::remove_cvref_t<decltype(r->items)>::value_type;
    if constexpr (requires(const Item &i, JsonWriter &w) { i.writeJson(w); })
        return HttpResponse::jsonBytes(200, pageBytes(r->items, r->nextCursor));
    else
        return HttpResponse::json(200, pageJson(r->items, r->nextCursor));
}

// A paged list's handler: `list(request, limit, cursor)` answered as a page.
template <typename List> Handler pagedBy(List list)
{
    return [list](HttpRequest &request) {
        const HttpRequest::Page paging = request.page();
        return paged(list(request, paging.limit, paging.cursor));
    };
}

// The same for a service's list of what the caller may see, read by
// `list(actor, limit, cursor)`.
template <typename Service, typename List> Handler pagedBy(Service &service, List list)
{
    return pagedBy([&service, list](HttpRequest &request, int limit, const QString &cursor) {
        return std::invoke(list, service, request.actor, limit, cursor);
    });
}

inline HttpResponse done(const Status &s, int status = 204)
{
    if (!s)
        return HttpResponse::error(s.error());
    return status == 204 ? HttpResponse::noContent()
                         : HttpResponse::json(status, QJsonObject{{u"ok"_s, true}});
}

// A Cloud route and its named dashboard (BFF) twin, declared in one loop where
// both act on the same model layer.
struct Twin
{
    QString path;
    Access access;
    QString summary;
    bool isCloud() const { return access == Access::Api; }
    QString tag(const QString &cloudTag) const { return isCloud() ? cloudTag : u"bff"_s; }
};

// The one parameter of a path such as /api/runs/{run_id}/signature (run_id).
inline QString idParam(const QString &path)
{
    const qsizetype open = path.indexOf(u'{');
    return path.mid(open + 1, path.indexOf(u'}', open) - open - 1);
}

// What a route answers: {"<key>": <schema>}.
struct Answer
{
    QString key;
    QJsonObject schema;
};

// Whether a Cloud route is on the BFF proxy allowlist (RouteBuilder::proxied).
enum class Proxy { Off, On };

// GET `path` on the Cloud API, reading the one resource its parameter names:
// 200 {"<key>": read(actor, id)}, or 404 when the caller may not see it.
template <typename Service, typename Read>
void addRead(RouteTable &routes, const QString &path, const QString &tag, const QString &summary,
             Proxy proxy, const Answer &answer, Service &service, Read read)
{
    routes.route("GET", path, Access::Api, tag, summary)
        .proxiedIf(proxy == Proxy::On)
        .returns(200, schema::wrapped(answer.key, answer.schema))
        .errors({404})
        .handle([&service, read, param = idParam(path), key = answer.key](HttpRequest &request) {
            return wrapped(std::invoke(read, service, request.actor, request.param(param)), key);
        });
}

// A bundled page (the share page, the offline billing page) and its scripts and
// style sheets, public: the page at `pagePath`, an asset by name at `assetsPath`
// (ending in {file}), 404 for a name not in its table.
struct BundledPageRoutes
{
    const BundledPages &(*pages)();
    QString tag;
    QString pagePath;
    QString pageSummary;
    std::initializer_list<int> pageErrors;
    QString assetsPath;
    QString assetsSummary;
};
inline void addBundledPage(RouteTable &routes, const BundledPageRoutes &bundle)
{
    const auto pages = bundle.pages;
    routes.route("GET", bundle.pagePath, Access::Public, bundle.tag, bundle.pageSummary)
        .returns(200, {})
        .errors(bundle.pageErrors)
        .handle([pages](HttpRequest &) { return pages().page(); });
    routes.route("GET", bundle.assetsPath, Access::Public, bundle.tag, bundle.assetsSummary)
        .returns(200, {})
        .errors({404})
        .handle([pages](HttpRequest &request) { return pages().asset(request.param(u"file"_s)); });
}

// A user as the routes answer it (AuthRoutes.cpp). The account's own routes (/api/me)
// promise every field and the display name's bounds (Presence::Required); the
// sign-in answers and the dashboard promise the id and the email only.
QJsonObject userSchema(Presence fields);
// An account's scheduled deletion (MeRoutes.cpp), as /api/me/delete and the dashboard answer it.
QJsonObject deletionSchema();

inline QString str(const HttpRequest &req, const char *field)
{
    return req.json.toObject().value(QString::fromLatin1(field)).toString();
}

} // namespace wfx::routeutil
