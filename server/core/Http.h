// SPDX-License-Identifier: Apache-2.0
// The request and response values handlers see: no QHttpServer types leak past
// the dispatcher.
#pragma once

#include "models/core/Context.h"
#include "models/core/JsonWriter.h"
#include "models/core/Result.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include <type_traits>

namespace simdjson::dom {
class element;
}

namespace wfx {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method; // upper case; HEAD arrives as GET with head=true
    bool head = false;
    QString path;       // decoded path
    QUrlQuery urlQuery; // as sent; handlers read query<T>(), checked by the route table
    HeaderList headers;
    QByteArray body;
    QHostAddress remote;
    QHash<QString, QString> params; // path template parameters
    QJsonValue json;                // the parsed body, when the route takes JSON
    // The body as simdjson's DOM for a route declared bodyAsDom() (json stays
    // empty): valid only while the handler runs.
    const simdjson::dom::element *dom = nullptr;
    QString routeTemplate; // set by the dispatcher: the matched route's path template
    QByteArray requestId;  // set by the server: also sent back as X-Request-Id

    // Set by the dispatcher after authentication.
    Actor actor;
    bool viaSession = false; // authenticated by cookie (BFF)
    QString sessionToken;    // the raw wfx_session value (never logged)

    QByteArray header(const QByteArray &lowerName) const;
    QString cookie(const QString &name) const;
    QString param(const QString &name) const { return params.value(name); }
    QJsonObject bodyObject() const { return json.toObject(); }
    bool hasQuery(const QString &name) const { return urlQuery.hasQueryItem(name); }
    // A declared query parameter, already checked against its schema by the
    // route table (RouteBuilder::query), or `fallback` when absent.
    template <typename T> T query(const QString &name, T fallback = T{}) const
    {
        if (!hasQuery(name))
            return fallback;
        const QString value = urlQuery.queryItemValue(name, QUrl::FullyDecoded);
        if constexpr (std::is_same_v<T, QString>)
            return value;
        else
            return T(value.toLongLong());
    }
    // limit (default 50) and cursor of a route declared paged().
    struct Page
    {
        int limit = 50;
        QString cursor;
    };
    Page page() const;
};

struct HttpResponse
{
    int status = 200;
    QByteArray contentType = "application/json";
    QByteArray body;
    HeaderList headers;
    // When set, the body is streamed from this file (artifact downloads).
    QString filePath;
    qint64 fileOffset = 0;
    qint64 fileLength = 0;
    // The path template of the route that answered (empty: none matched), for
    // the access log and metrics: raw paths carry tokens.
    QString route;

    HttpResponse &header(const QByteArray &name, const QByteArray &value)
    {
        headers.append({name, value});
        return *this;
    }
    static HttpResponse json(int status, const QJsonObject &body);
    static HttpResponse json(int status, const QJsonValue &body);
    // Already serialised JSON (core/JsonWriter.h).
    static HttpResponse jsonBytes(int status, QByteArray body);
    static HttpResponse error(const Error &e);
    static HttpResponse error(int status, const QString &code, const QString &message);
    static HttpResponse noContent();
};

// {"items": [...], "next_cursor": "..." | null}
template <typename T> QJsonObject pageJson(const QList<T> &items, const QString &next)
{
    QJsonArray arr;
    for (const auto &i : items)
        arr.append(i.toJson());
    return QJsonObject{{QStringLiteral("items"), arr},
                       {QStringLiteral("next_cursor"),
                        next.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(next)}};
}

// pageJson's bytes, written by T::writeJson(JsonWriter &) without the tree.
template <typename T> QByteArray pageBytes(const QList<T> &items, const QString &next)
{
    JsonWriter w(64 + items.size() * 448);
    w.beginObject().key(QLatin1String("items")).beginArray();
    for (const auto &i : items)
        i.writeJson(w);
    w.endArray().key(QLatin1String("next_cursor"));
    if (next.isEmpty())
        w.null();
    else
        w.string(next);
    w.endObject();
    return w.take();
}

} // namespace wfx
