// SPDX-License-Identifier: Apache-2.0
#include "core/OpenApi.h"

#include "core/RouteTable.h"
#include "core/Schema.h"

#include <QHash>
#include <QJsonArray>
#include <QRegularExpression>

namespace wfx {

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }

QString statusText(int status)
{
    switch (status) {
    case 400: return S("Bad request (invalid_signature)");
    case 401: return S("No valid credentials (login_required, invalid_credentials)");
    case 402: return S("Plan cap reached (quota_exceeded)");
    case 403: return S("Refused (forbidden, csrf_failed)");
    case 404: return S("Not found, or not visible to the caller (not_found)");
    case 405: return S("Method not supported here (unsupported_action)");
    case 409: return S("Conflict with the current state (conflict)");
    case 410: return S("Gone");
    case 413: return S("Body too large (payload_too_large)");
    case 415: return S("Body is not application/json (unsupported_media_type)");
    case 421: return S("Host not served (misdirected_request)");
    case 422: return S("Malformed JSON or invalid fields (validation_error). Bodies are read as RFC 8259 "
                       "exactly: issue malformed_json (the message names the byte offset; a byte order mark, "
                       "invalid UTF-8 or a lone surrogate escape included), too_deep (past 128 nested "
                       "containers), out_of_range (beyond a double, or an integer beyond 64 bits), "
                       "duplicate_key (at the key's path); a well-formed body of the wrong kind gets the "
                       "schema's issue, type");
    case 429: return S("Rate limited (rate_limited)");
    case 503: return S("Unavailable");
    default: return S("Error");
    }
}

// Descriptions of the route families (tags); a family without one still lints (a warning).
QString tagDescription(const QString &tag)
{
    static const QHash<QString, QString> text{
        {S("system"), S("Service information, health probes, this document and the API reference page")},
        {S("workspaces"), S("Workspaces, invitations and ownership")},
        {S("projects"), S("Projects inside a workspace")},
        {S("bff"), S("Dashboard backend-for-frontend: the session-cookie proxy to the Cloud API")},
        {S("usage"), S("Usage quotas: reservations against the plan's caps")},
        {S("billing"), S("Plans and payment: checkout, customer portal, the provider's signed webhook")},
        {S("me"), S("The caller's account and data-subject rights (export, deletion, restriction, objection)")},
        {S("audit"), S("The instance's append-only, hash-chained audit log")},
        {S("claims"), S("Claims about runs, re-verified from the stored metrics")},
        {S("museum"), S("Public gallery of published runs and the leaderboard built on it")},
        {S("status"), S("Public operational status and uptime")},
    };
    return text.value(tag);
}

QJsonObject errorResponse(int status)
{
    return {{S("description"), statusText(status)},
            {S("content"), QJsonObject{{S("application/json"),
                                        QJsonObject{{S("schema"), QJsonObject{{S("$ref"), S("#/components/schemas/Error")}}}}}}}};
}

QJsonArray securityFor(Access a)
{
    switch (a) {
    case Access::Api:
        return {QJsonObject{{S("bearerAuth"), QJsonArray{}}}, QJsonObject{{S("cookieAuth"), QJsonArray{}}}};
    case Access::Session:
        return {QJsonObject{{S("cookieAuth"), QJsonArray{}}}};
    default:
        return {QJsonObject{}}; // public
    }
}

QString operationId(const QByteArray &method, const QString &path)
{
    QString id = QString::fromLatin1(method).toLower();
    static const QRegularExpression nonWord(S("[^A-Za-z0-9]+"));
    for (const QString &part : path.split(nonWord, Qt::SkipEmptyParts))
        id += QLatin1Char('_') + part;
    return path == QLatin1String("/") ? id + S("_root") : id;
}
} // namespace

QJsonObject openApiDocument(const RouteTable &table)
{
    QJsonObject paths;
    for (const Route &r : table.routes()) {
        QJsonObject op{{S("operationId"), operationId(r.method, r.path)},
                       {S("summary"), r.summary},
                       {S("tags"), QJsonArray{r.tag}},
                       {S("security"), securityFor(r.access)}};
        QJsonArray params;
        for (const QString &seg : r.segments) {
            if (seg.startsWith(QLatin1Char('{')))
                params.append(QJsonObject{{S("name"), seg.mid(1, seg.size() - 2)}, {S("in"), S("path")},
                                          {S("required"), true}, {S("schema"), schema::string(1)}});
        }
        for (const auto &q : r.queryParams)
            params.append(QJsonObject{{S("name"), q.first}, {S("in"), S("query")}, {S("required"), false}, {S("schema"), q.second}});
        if (r.access == Access::Session || r.access == Access::AuthFlow) {
            if (!r.csrfExempt && (r.method != "GET"))
                params.append(QJsonObject{{S("name"), S("X-CSRF-Token")}, {S("in"), S("header")}, {S("required"), r.access == Access::Session},
                                          {S("description"), S("Must equal the wfx_csrf cookie.")},
                                          {S("schema"), schema::string()}});
        }
        if (!params.isEmpty())
            op.insert(S("parameters"), params);
        if (!r.requestSchema.isEmpty()) {
            op.insert(S("requestBody"), QJsonObject{{S("required"), true},
                                                    {S("content"), QJsonObject{{S("application/json"), QJsonObject{{S("schema"), r.requestSchema}}}}}});
        } else if (r.rawBody) {
            op.insert(S("requestBody"), QJsonObject{{S("required"), true},
                                                    {S("content"), QJsonObject{{S("application/octet-stream"),
                                                                                QJsonObject{{S("schema"), QJsonObject{{S("type"), S("string")}, {S("format"), S("binary")}}}}}}}});
        }
        QJsonObject responses;
        QJsonObject success{{S("description"), S("Success")}};
        if (!r.responseSchema.isEmpty() && r.successStatus != 204)
            success.insert(S("content"), QJsonObject{{QString::fromLatin1(r.responseType), QJsonObject{{S("schema"), r.responseSchema}}}});
        responses.insert(QString::number(r.successStatus), success);
        QList<int> errors = r.errorStatuses;
        if (r.access == Access::Api || r.access == Access::Session)
            errors << 401;
        if (r.access == Access::Session)
            errors << 403;
        if (!r.requestSchema.isEmpty())
            errors << 413 << 415 << 422;
        else if (r.rawBody && !errors.contains(415))
            errors << 415; // a Content-Encoding we do not decode
        errors << 405 << 421;
        for (int e : std::as_const(errors))
            responses.insert(QString::number(e), errorResponse(e));
        op.insert(S("responses"), responses);
        QJsonObject item = paths.value(r.path).toObject();
        item.insert(QString::fromLatin1(r.method).toLower(), op);
        paths.insert(r.path, item);
    }

    // The BFF catch-all proxy: documented as /api/{path} on five methods.
    QStringList rules;
    for (const ProxyRule &p : proxyAllowlist())
        rules << p.describe() + (p.query.isEmpty() ? QString() : S(" (query: ") + p.query.join(S(", ")) + S(")"));
    const QString proxyText = S("Dashboard BFF catch-all proxy. With a session cookie only the allowlist passes: ")
                              + rules.join(S("; "))
                              + S(". Anything else is refused before any Cloud handler runs: CSRF (403), a path "
                                  "outside the allowlist (404), another method (405), an unlisted query parameter (422).");
    QJsonObject proxyItem;
    for (const char *m : {"get", "post", "put", "patch", "delete"}) {
        const QJsonObject pathParam{{S("name"), S("path")}, {S("in"), S("path")}, {S("required"), true},
                                    {S("description"), S("The Cloud path after /api/")},
                                    {S("schema"), schema::string(1)}};
        QJsonObject op;
        op.insert(S("operationId"), QString(S("bff_proxy_") + S(m)));
        op.insert(S("summary"), S("BFF catch-all proxy (allowlist)"));
        op.insert(S("description"), proxyText);
        op.insert(S("tags"), QJsonArray{S("bff")});
        op.insert(S("security"), QJsonArray{QJsonObject{{S("cookieAuth"), QJsonArray{}}}});
        op.insert(S("parameters"), QJsonArray{pathParam});
        QJsonObject responses{{S("200"), QJsonObject{{S("description"), S("The Cloud route's answer")},
                                                     {S("content"), QJsonObject{{S("application/json"), QJsonObject{{S("schema"), schema::anyObject()}}}}}}}};
        for (int e : {401, 403, 404, 405, 422})
            responses.insert(QString::number(e), errorResponse(e));
        op.insert(S("responses"), responses);
        if (QLatin1String(m) != QLatin1String("get") && QLatin1String(m) != QLatin1String("delete"))
            op.insert(S("requestBody"), QJsonObject{{S("required"), false},
                                                    {S("content"), QJsonObject{{S("application/json"), QJsonObject{{S("schema"), schema::anyObject()}}}}}});
        proxyItem.insert(S(m), op);
    }
    paths.insert(S("/api/{path}"), proxyItem);

    const QJsonObject errorSchema = schema::object(
        {{S("error"),
          schema::object({{S("code"), schema::string(), true},
                          {S("message"), schema::string(), true},
                          {S("details"), schema::arrayOf(schema::object({{S("field"), schema::string(), true},
                                                                          {S("issue"), schema::string(), true}}))}}),
          true}});
    const QJsonObject securitySchemes{
        {S("bearerAuth"), QJsonObject{{S("type"), S("http")}, {S("scheme"), S("bearer")}, {S("description"), S("API key: wfx_...")}}},
        {S("cookieAuth"), QJsonObject{{S("type"), S("apiKey")}, {S("in"), S("cookie")}, {S("name"), S("wfx_session")}}}};
    const QJsonObject info{{S("title"), S("WorldFlux Cloud API")},
                           {S("version"), S(WFX_VERSION)},
                           {S("description"), S("The Cloud API, the dashboard BFF and public share reads of a self-hosted WorldFlux Console.")},
                           {S("license"), QJsonObject{{S("name"), S("Apache-2.0")}, {S("identifier"), S("Apache-2.0")}}}};
    // Every tag an operation uses is declared once (Redocly operation-tag-defined).
    QStringList tagNames{S("bff")};
    for (const Route &r : table.routes())
        tagNames << r.tag;
    tagNames.removeDuplicates();
    tagNames.sort();
    QJsonArray tags;
    for (const QString &name : std::as_const(tagNames))
    {
        QJsonObject tag{{S("name"), name}};
        if (const QString d = tagDescription(name); !d.isEmpty())
            tag.insert(S("description"), d);
        tags.append(tag);
    }
    QJsonObject doc;
    doc.insert(S("openapi"), S("3.1.0"));
    doc.insert(S("info"), info);
    doc.insert(S("servers"), QJsonArray{QJsonObject{{S("url"), S("/")}}});
    doc.insert(S("tags"), tags);
    doc.insert(S("paths"), paths);
    doc.insert(S("components"), QJsonObject{{S("schemas"), QJsonObject{{S("Error"), errorSchema}}}, {S("securitySchemes"), securitySchemes}});
    return doc;
}

} // namespace wfx
