// SPDX-License-Identifier: Apache-2.0
// Artifact uploads in parts (capability URLs outside /api/), commit, abort and
// downloads streamed from disk with ETag and Range.
#include "server/routes/RouteUtil.h"
#include "server/routes/Routes.h"

#include "models/artifacts/ByteRange.h"
#include "models/core/Ids.h"
#include "server/core/RouteTable.h"
#include "server/core/Schema.h"
#include "server/core/Services.h"

#include <QJsonArray>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

constexpr qint64 kMaxPartNumber = 100000; // as published for the upload plan's parts

QJsonObject artifactSchema()
{
    return object(
        {{u"id"_s, uuid(), true},
         {u"run_id"_s, uuid(), true},
         {u"workspace_id"_s, uuid(), true},
         {u"name"_s, string(1, 255), true},
         {u"size_bytes"_s, integer(0, 9007199254740991), true},
         {u"sha256"_s, string(64, 64), true},
         {u"content_type"_s, string(), true},
         {u"state"_s, enumOf({u"pending"_s, u"committed"_s, u"aborted"_s, u"deleted"_s}), true},
         {u"created_at"_s, dateTime(), true},
         {u"committed_at"_s, nullable(dateTime()), true}});
}

// Absolute part URL on the host the client used (already checked against the allowed names).
QString partUrl(const HttpRequest &req, const QString &artifactId, qint64 number,
                const QString &token)
{
    const QString host = QString::fromLatin1(req.header("host"));
    return QStringLiteral("http://%1/uploads/%2/%3/%4")
        .arg(host, artifactId)
        .arg(number)
        .arg(token);
}

} // namespace

void addArtifactRoutes(RouteTable &routes, Services &services)
{
    const QJsonObject artifact = artifactSchema();
    const QJsonObject part = object({{u"number"_s, integer(1, kMaxPartNumber), true},
                                     {u"method"_s, enumOf({u"PUT"_s}), true},
                                     {u"url"_s, string(), true},
                                     {u"headers"_s, anyObject(), true}});
    const QJsonObject upload = object({{u"part_size"_s, integer(1, 9007199254740991), true},
                                       {u"parts"_s, arrayOf(part), true},
                                       {u"expires_at"_s, dateTime(), true}});

    routes
        .route(
            "POST", u"/api/sync/artifacts/initiate"_s, Access::Api, u"sync"_s,
            u"Start an artifact upload: one capability URL per part of at most part_size bytes"_s)
        .proxied()
        .body(object({{u"run_id"_s, uuid(), true},
                      {u"name"_s, string(1, 255), true},
                      {u"size_bytes"_s, integer(0, 9007199254740991), true},
                      {u"sha256"_s, string(64, 64), true},
                      {u"content_type"_s, string(1, 255)}}))
        .returns(201, wrapped(u"artifact"_s, artifact, {{u"upload"_s, upload, true}}))
        .errors({403, 404})
        .handle([&services](HttpRequest &request) {
            const QJsonObject b = request.json.toObject();
            auto up = services.artifacts.initiate(
                request.actor, b.value(u"run_id"_s).toString(), b.value(u"name"_s).toString(),
                qint64(b.value(u"size_bytes"_s).toDouble()), b.value(u"sha256"_s).toString(),
                b.value(u"content_type"_s).toString());
            if (!up)
                return HttpResponse::error(up.error());
            QJsonArray parts;
            for (qint64 n = 1; n <= up->parts; ++n)
                parts.append(
                    QJsonObject{{u"number"_s, n},
                                {u"method"_s, u"PUT"_s},
                                {u"url"_s, partUrl(request, up->artifact.id, n, up->uploadToken)},
                                {u"headers"_s, QJsonObject{}}});
            QJsonObject plan;
            plan.insert(u"part_size"_s, double(up->partSize));
            plan.insert(u"parts"_s, parts);
            plan.insert(u"expires_at"_s, ids::formatTime(up->expiresAt));
            return HttpResponse::json(
                201, QJsonObject{{u"artifact"_s, up->artifact.toJson()}, {u"upload"_s, plan}});
        });

    routes
        .route(
            "PUT", u"/uploads/{artifact_id}/{part_number}/{token}"_s, Access::Capability, u"sync"_s,
            u"Upload one part's raw bytes (capability URL from initiate; no other credentials)"_s)
        .pathParam(u"part_number"_s, integer(1, kMaxPartNumber))
        .rawBody()
        .returns(200, object({{u"number"_s, integer(1, kMaxPartNumber), true},
                              {u"size"_s, integer(0, 9007199254740991), true},
                              {u"sha256"_s, string(64, 64), true}}))
        .errors({404, 413, 422})
        .handle([&services](HttpRequest &request) {
            const qint64 number = request.param(u"part_number"_s).toLongLong(); // checked
            auto part = services.artifacts.putPart(
                request.param(u"token"_s), request.param(u"artifact_id"_s), number, request.body);
            if (!part)
                return HttpResponse::error(part.error());
            return HttpResponse::json(200, part->toJson());
        });

    for (const char *action : {"commit", "abort"}) {
        const bool commit = QLatin1String(action) == QLatin1String("commit");
        routes
            .route("POST", u"/api/sync/artifacts/"_s + QString::fromLatin1(action), Access::Api,
                   u"sync"_s,
                   commit ? u"Commit an upload: size and SHA-256 must match what was declared"_s
                          : u"Abort an upload; its bytes are removed"_s)
            .proxied()
            .body(object({{u"artifact_id"_s, uuid(), true}}))
            .returns(200, wrapped(u"artifact"_s, artifact))
            .errors({403, 404, 409})
            .handle([&services, commit](HttpRequest &request) {
                const QString id = str(request, "artifact_id");
                return wrapped(commit ? services.artifacts.commit(request.actor, id)
                                      : services.artifacts.abort(request.actor, id),
                               "artifact");
            });
    }

    routes
        .route("GET", u"/api/artifacts/{artifact_id}"_s, Access::Api, u"runs"_s,
               u"Download a committed artifact (ETag = SHA-256, Range supported)"_s)
        .proxied()
        .returnsBytes(200, "application/octet-stream")
        .errors({404, 416})
        .handle([&services](HttpRequest &request) {
            auto dl = services.artifacts.open(request.actor, request.param(u"artifact_id"_s));
            if (!dl)
                return HttpResponse::error(dl.error());
            HttpResponse resp;
            resp.contentType = dl->artifact.contentType.toLatin1();
            const QByteArray etag = dl->etag().toLatin1();
            resp.header("ETag", etag)
                .header("Accept-Ranges", "bytes")
                .header("Cache-Control", "private, no-cache");
            resp.header("Content-Disposition", "attachment; filename*=UTF-8''" +
                                                   QUrl::toPercentEncoding(dl->artifact.name));
            const QByteArray inm = request.header("if-none-match");
            if (!inm.isEmpty() && (inm == etag || inm == "*")) {
                resp.status = 304;
                return resp;
            }
            const QByteArray ifRange = request.header("if-range");
            const QString rangeHeader = ifRange.isEmpty() || ifRange == etag
                                            ? QString::fromLatin1(request.header("range"))
                                            : QString();
            const ByteRange range = ByteRange::parse(rangeHeader, dl->size);
            if (range.kind == ByteRange::Kind::Unsatisfiable) {
                HttpResponse e = HttpResponse::error(416, u"range_not_satisfiable"_s,
                                                     u"The range is outside the artifact."_s);
                e.header("Content-Range", range.contentRange(dl->size).toLatin1());
                return e;
            }
            resp.filePath = dl->path;
            if (range.kind == ByteRange::Kind::Partial) {
                resp.status = 206;
                resp.fileOffset = range.start;
                resp.fileLength = range.length();
                resp.header("Content-Range", range.contentRange(dl->size).toLatin1());
            } else {
                resp.fileLength = dl->size;
            }
            return resp;
        });
}

} // namespace wfx
