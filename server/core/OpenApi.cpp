// SPDX-License-Identifier: Apache-2.0
#include "server/core/OpenApi.h"

#include "server/core/RouteTable.h"
#include "server/core/Schema.h"

#include <QHash>
#include <QJsonArray>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

QString statusText(int status)
{
    switch (status) {
    case 400:
        return u"Bad request (invalid_signature)"_s;
    case 401:
        return u"No valid credentials (login_required, invalid_credentials)"_s;
    case 402:
        return u"Plan cap reached (quota_exceeded)"_s;
    case 403:
        return u"Refused (forbidden, csrf_failed)"_s;
    case 404:
        return u"Not found, or not visible to the caller (not_found)"_s;
    case 405:
        return u"Method not supported here (unsupported_action)"_s;
    case 409:
        return u"Conflict with the current state (conflict)"_s;
    case 410:
        return u"Gone"_s;
    case 413:
        return u"Body too large (payload_too_large)"_s;
    case 415:
        return u"Body is not application/json (unsupported_media_type)"_s;
    case 421:
        return u"Host not served (misdirected_request)"_s;
    case 422:
        return u"Malformed JSON or invalid fields (validation_error). Bodies are read as RFC 8259 "
               "exactly: issue malformed_json (the message names the byte offset; a byte order "
               "mark, "
               "invalid UTF-8 or a lone surrogate escape included), too_deep (past 128 nested "
               "containers), out_of_range (beyond a double, or an integer beyond 64 bits), "
               "duplicate_key (at the key's path); a well-formed body of the wrong kind gets the "
               "schema's issue, type"_s;
    case 429:
        return u"Rate limited (rate_limited)"_s;
    case 503:
        return u"Unavailable"_s;
    default:
        return u"Error"_s;
    }
}

// Descriptions of the route families (tags); a family without one still lints (a warning).
QString tagDescription(const QString &tag)
{
    static const QHash<QString, QString> text{
        {u"system"_s,
         u"Service information, health probes, this document and the API reference page"_s},
        {u"workspaces"_s, u"Workspaces, invitations and ownership"_s},
        {u"projects"_s, u"Projects inside a workspace"_s},
        {u"bff"_s, u"Dashboard backend-for-frontend: the session-cookie proxy to the Cloud API"_s},
        {u"usage"_s, u"Usage quotas: reservations against the plan's caps"_s},
        {u"billing"_s,
         u"Plans and payment: checkout, customer portal, the provider's signed webhook"_s},
        {u"me"_s,
         u"The caller's account and data-subject rights (export, deletion, restriction, objection)"_s},
        {u"audit"_s, u"The instance's append-only, hash-chained audit log"_s},
        {u"claims"_s, u"Claims about runs, re-verified from the stored metrics"_s},
        {u"museum"_s, u"Public gallery of published runs and the leaderboard built on it"_s},
        {u"status"_s, u"Public operational status and uptime"_s},
    };
    return text.value(tag);
}

QJsonObject errorResponse(int status)
{
    return {
        {u"description"_s, statusText(status)},
        {u"content"_s,
         QJsonObject{{u"application/json"_s,
                      QJsonObject{{u"schema"_s,
                                   QJsonObject{{u"$ref"_s, u"#/components/schemas/Error"_s}}}}}}}};
}

QJsonArray securityFor(Access a)
{
    switch (a) {
    case Access::Api:
        return {QJsonObject{{u"bearerAuth"_s, QJsonArray{}}},
                QJsonObject{{u"cookieAuth"_s, QJsonArray{}}}};
    case Access::Session:
        return {QJsonObject{{u"cookieAuth"_s, QJsonArray{}}}};
    default:
        return {QJsonObject{}}; // public
    }
}

QString operationId(const QByteArray &method, const QString &path)
{
    QString id = QString::fromLatin1(method).toLower();
    static const QRegularExpression nonWord(u"[^A-Za-z0-9]+"_s);
    for (const QString &part : path.split(nonWord, Qt::SkipEmptyParts))
        id += QLatin1Char('_') + part;
    return path == QLatin1String("/") ? id + u"_root"_s : id;
}
} // namespace

QJsonObject openApiDocument(const RouteTable &table)
{
    QJsonObject paths;
    for (const Route &r : table.routes()) {
        QJsonObject op{{u"operationId"_s, operationId(r.method, r.path)},
                       {u"summary"_s, r.summary},
                       {u"tags"_s, QJsonArray{r.tag}},
                       {u"security"_s, securityFor(r.access)}};
        QJsonArray params;
        for (const Parameter &param : r.pathParams)
            params.append(QJsonObject{{u"name"_s, param.name},
                                      {u"in"_s, u"path"_s},
                                      {u"required"_s, true},
                                      {u"schema"_s, param.schema}});
        for (const Parameter &param : r.queryParams)
            params.append(QJsonObject{{u"name"_s, param.name},
                                      {u"in"_s, u"query"_s},
                                      {u"required"_s, param.required},
                                      {u"schema"_s, param.schema}});
        if (r.access == Access::Session || r.access == Access::AuthFlow) {
            if (!r.csrfExempt && (r.method != "GET"))
                params.append(QJsonObject{{u"name"_s, u"X-CSRF-Token"_s},
                                          {u"in"_s, u"header"_s},
                                          {u"required"_s, r.access == Access::Session},
                                          {u"description"_s, u"Must equal the wfx_csrf cookie."_s},
                                          {u"schema"_s, schema::string()}});
        }
        if (!params.isEmpty())
            op.insert(u"parameters"_s, params);
        if (!r.requestSchema.isEmpty()) {
            op.insert(u"requestBody"_s,
                      QJsonObject{{u"required"_s, true},
                                  {u"content"_s,
                                   QJsonObject{{u"application/json"_s,
                                                QJsonObject{{u"schema"_s, r.requestSchema}}}}}});
        } else if (r.rawBody) {
            op.insert(u"requestBody"_s,
                      QJsonObject{
                          {u"required"_s, true},
                          {u"content"_s,
                           QJsonObject{{u"application/octet-stream"_s,
                                        QJsonObject{{u"schema"_s,
                                                     QJsonObject{{u"type"_s, u"string"_s},
                                                                 {u"format"_s, u"binary"_s}}}}}}}});
        }
        QJsonObject responses;
        QJsonObject success{{u"description"_s, u"Success"_s}};
        if (!r.responseSchema.isEmpty() && r.successStatus != 204)
            success.insert(u"content"_s,
                           QJsonObject{{QString::fromLatin1(r.responseType),
                                        QJsonObject{{u"schema"_s, r.responseSchema}}}});
        responses.insert(QString::number(r.successStatus), success);
        QList<int> errors = r.errorStatuses;
        if (r.access == Access::Api || r.access == Access::Session)
            errors << 401;
        if (r.access == Access::Session)
            errors << 403;
        if (!r.queryParams.isEmpty())
            errors << 422; // the dispatcher checks declared query parameters
        if (!r.requestSchema.isEmpty())
            errors << 413 << 415 << 422;
        else if (r.rawBody && !errors.contains(415))
            errors << 415; // a Content-Encoding we do not decode
        errors << 405 << 421;
        for (int e : std::as_const(errors))
            responses.insert(QString::number(e), errorResponse(e));
        op.insert(u"responses"_s, responses);
        QJsonObject item = paths.value(r.path).toObject();
        item.insert(QString::fromLatin1(r.method).toLower(), op);
        paths.insert(r.path, item);
    }

    // The BFF catch-all proxy: documented as /api/{path} on five methods.
    // Its allowlist: the routes declared proxied(), path parameters as canonical UUIDs.
    QStringList rules;
    static const QRegularExpression param(u"\\{[^}]*\\}"_s);
    for (const Route &route : table.routes()) {
        if (route.proxied)
            rules << QString::fromLatin1(route.method) + QLatin1Char(' ') +
                         QString(route.path).replace(param, u"{id}"_s) +
                         (route.proxyQuery.isEmpty()
                              ? QString()
                              : u" (query: "_s + route.proxyQuery.join(u", "_s) + u")"_s);
    }
    const QString proxyText =
        u"Dashboard BFF catch-all proxy. With a session cookie only the allowlist passes: "_s +
        rules.join(u"; "_s) +
        u". Anything else is refused before any Cloud handler runs: CSRF (403), a path "
        "outside the allowlist (404), another method (405), an unlisted query parameter (422)."_s;
    QJsonObject proxyItem;
    for (const char *m : {"get", "post", "put", "patch", "delete"}) {
        const QJsonObject pathParam{{u"name"_s, u"path"_s},
                                    {u"in"_s, u"path"_s},
                                    {u"required"_s, true},
                                    {u"description"_s, u"The Cloud path after /api/"_s},
                                    {u"schema"_s, schema::string(1)}};
        QJsonObject op;
        op.insert(u"operationId"_s, QString(u"bff_proxy_"_s + QString::fromLatin1(m)));
        op.insert(u"summary"_s, u"BFF catch-all proxy (allowlist)"_s);
        op.insert(u"description"_s, proxyText);
        op.insert(u"tags"_s, QJsonArray{u"bff"_s});
        op.insert(u"security"_s, QJsonArray{QJsonObject{{u"cookieAuth"_s, QJsonArray{}}}});
        op.insert(u"parameters"_s, QJsonArray{pathParam});
        QJsonObject responses{
            {u"200"_s,
             QJsonObject{
                 {u"description"_s, u"The Cloud route's answer"_s},
                 {u"content"_s, QJsonObject{{u"application/json"_s,
                                             QJsonObject{{u"schema"_s, schema::anyObject()}}}}}}}};
        for (int e : {401, 403, 404, 405, 422})
            responses.insert(QString::number(e), errorResponse(e));
        op.insert(u"responses"_s, responses);
        if (QLatin1String(m) != QLatin1String("get") && QLatin1String(m) != QLatin1String("delete"))
            op.insert(
                u"requestBody"_s,
                QJsonObject{{u"required"_s, false},
                            {u"content"_s,
                             QJsonObject{{u"application/json"_s,
                                          QJsonObject{{u"schema"_s, schema::anyObject()}}}}}});
        proxyItem.insert(QString::fromLatin1(m), op);
    }
    paths.insert(u"/api/{path}"_s, proxyItem);

    const QJsonObject errorSchema = schema::object(
        {{u"error"_s,
          schema::object({{u"code"_s, schema::string(), true},
                          {u"message"_s, schema::string(), true},
                          {u"details"_s, schema::arrayOf(schema::object(
                                             {{u"field"_s, schema::string(), true},
                                              {u"issue"_s, schema::string(), true}}))}}),
          true}});
    const QJsonObject securitySchemes{
        {u"bearerAuth"_s, QJsonObject{{u"type"_s, u"http"_s},
                                      {u"scheme"_s, u"bearer"_s},
                                      {u"description"_s, u"API key: wfx_..."_s}}},
        {u"cookieAuth"_s, QJsonObject{{u"type"_s, u"apiKey"_s},
                                      {u"in"_s, u"cookie"_s},
                                      {u"name"_s, u"wfx_session"_s}}}};
    const QJsonObject info{
        {u"title"_s, u"WorldFlux Cloud API"_s},
        {u"version"_s, QString::fromLatin1(WFX_VERSION)},
        {u"description"_s,
         u"The Cloud API, the dashboard BFF and public share reads of a self-hosted WorldFlux Console."_s},
        {u"license"_s,
         QJsonObject{{u"name"_s, u"Apache-2.0"_s}, {u"identifier"_s, u"Apache-2.0"_s}}}};
    // Every tag an operation uses is declared once (Redocly operation-tag-defined).
    QStringList tagNames{u"bff"_s};
    for (const Route &r : table.routes())
        tagNames << r.tag;
    tagNames.removeDuplicates();
    tagNames.sort();
    QJsonArray tags;
    for (const QString &name : std::as_const(tagNames)) {
        QJsonObject tag{{u"name"_s, name}};
        if (const QString d = tagDescription(name); !d.isEmpty())
            tag.insert(u"description"_s, d);
        tags.append(tag);
    }
    QJsonObject doc;
    doc.insert(u"openapi"_s, u"3.1.0"_s);
    doc.insert(u"info"_s, info);
    doc.insert(u"servers"_s, QJsonArray{QJsonObject{{u"url"_s, u"/"_s}}});
    doc.insert(u"tags"_s, tags);
    doc.insert(u"paths"_s, paths);
    doc.insert(u"components"_s, QJsonObject{{u"schemas"_s, QJsonObject{{u"Error"_s, errorSchema}}},
                                            {u"securitySchemes"_s, securitySchemes}});
    return doc;
}

} // namespace wfx
