// SPDX-License-Identifier: Apache-2.0
// Small mapping helpers shared by the route families.
#pragma once

#include "models/core/Result.h"
#include "server/core/Http.h"
#include "server/core/RouteTable.h"

#include <QJsonObject>

#include <type_traits>

using namespace Qt::StringLiterals;

namespace wfx::routeutil {

// {"<key>": value.toJson()} with `status`, or the error.
template <typename T> HttpResponse wrapped(const Result<T> &r, const char *key, int status = 200)
{
    if (!r)
        return HttpResponse::error(r.error());
    return HttpResponse::json(status, QJsonObject{{QString::fromLatin1(key), r->toJson()}});
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

inline QString str(const HttpRequest &req, const char *field)
{
    return req.json.toObject().value(QString::fromLatin1(field)).toString();
}

} // namespace wfx::routeutil
