// SPDX-License-Identifier: Apache-2.0
// Artifact uploads in parts (capability URLs outside /api/), commit, abort and
// downloads streamed from disk with ETag and Range.
#include "routes/RouteUtil.h"
#include "routes/Routes.h"

#include "artifacts/ByteRange.h"
#include "core/RouteTable.h"
#include "core/Ids.h"
#include "core/Schema.h"
#include "core/Services.h"

#include <QJsonArray>
#include <QUrl>

namespace wfx {

using namespace schema;
using namespace routeutil;

namespace {

QJsonObject artifactSchema()
{
    return object({{S("id"), uuid(), true},
                   {S("run_id"), uuid(), true},
                   {S("workspace_id"), uuid(), true},
                   {S("name"), string(1, 255), true},
                   {S("size_bytes"), integer(0, 9007199254740991), true},
                   {S("sha256"), string(64, 64), true},
                   {S("content_type"), string(), true},
                   {S("state"), enumOf({S("pending"), S("committed"), S("aborted"), S("deleted")}), true},
                   {S("created_at"), dateTime(), true},
                   {S("committed_at"), nullable(dateTime()), true}});
}

// Absolute part URL on the host the client used (already checked against the allowed names).
QString partUrl(const HttpRequest &req, const QString &artifactId, qint64 number, const QString &token)
{
    const QString host = QString::fromLatin1(req.header("host"));
    return QStringLiteral("http://%1/uploads/%2/%3/%4").arg(host, artifactId).arg(number).arg(token);
}

} // namespace

void addArtifactRoutes(RouteTable &t, Services &s)
{
    const QJsonObject artifact = artifactSchema();
    const QJsonObject part = object({{S("number"), integer(1, 100000), true},
                                     {S("method"), enumOf({S("PUT")}), true},
                                     {S("url"), string(), true},
                                     {S("headers"), anyObject(), true}});
    const QJsonObject upload = object({{S("part_size"), integer(1, 9007199254740991), true},
                                       {S("parts"), arrayOf(part), true},
                                       {S("expires_at"), dateTime(), true}});

    t.route("POST", S("/api/sync/artifacts/initiate"), Access::Api, S("sync"),
            S("Start an artifact upload: one capability URL per part of at most part_size bytes"))
        .body(object({{S("run_id"), uuid(), true},
                      {S("name"), string(1, 255), true},
                      {S("size_bytes"), integer(0, 9007199254740991), true},
                      {S("sha256"), string(64, 64), true},
                      {S("content_type"), string(1, 255)}}))
        .returns(201, wrapped(S("artifact"), artifact, {{S("upload"), upload, true}}))
        .errors({403, 404})
        .handle([&s](HttpRequest &r) {
            const QJsonObject b = r.json.toObject();
            auto up = s.artifacts.initiate(r.actor, b.value(S("run_id")).toString(), b.value(S("name")).toString(),
                                           qint64(b.value(S("size_bytes")).toDouble()), b.value(S("sha256")).toString(),
                                           b.value(S("content_type")).toString());
            if (!up)
                return HttpResponse::error(up.error());
            QJsonArray parts;
            for (qint64 n = 1; n <= up->parts; ++n)
                parts.append(QJsonObject{{S("number"), n},
                                         {S("method"), S("PUT")},
                                         {S("url"), partUrl(r, up->artifact.id, n, up->uploadToken)},
                                         {S("headers"), QJsonObject{}}});
            QJsonObject plan;
            plan.insert(S("part_size"), double(up->partSize));
            plan.insert(S("parts"), parts);
            plan.insert(S("expires_at"), ids::formatTime(up->expiresAt));
            return HttpResponse::json(201, QJsonObject{{S("artifact"), up->artifact.toJson()}, {S("upload"), plan}});
        });

    t.route("PUT", S("/uploads/{artifact_id}/{part_number}/{token}"), Access::Capability, S("sync"),
            S("Upload one part's raw bytes (capability URL from initiate; no other credentials)"))
        .rawBody()
        .returns(200, object({{S("number"), integer(1, 100000), true}, {S("size"), integer(0, 9007199254740991), true},
                              {S("sha256"), string(64, 64), true}}))
        .errors({404, 413, 422})
        .handle([&s](HttpRequest &r) {
            bool ok = false;
            const qint64 number = r.param(S("part_number")).toLongLong(&ok);
            if (!ok)
                return HttpResponse::error(Error::validation(S("part_number"), S("invalid")));
            auto part = s.artifacts.putPart(r.param(S("token")), r.param(S("artifact_id")), number, r.body);
            if (!part)
                return HttpResponse::error(part.error());
            return HttpResponse::json(200, part->toJson());
        });

    for (const char *action : {"commit", "abort"}) {
        const bool commit = QLatin1String(action) == QLatin1String("commit");
        t.route("POST", S("/api/sync/artifacts/") + S(action), Access::Api, S("sync"),
                commit ? S("Commit an upload: size and SHA-256 must match what was declared")
                       : S("Abort an upload; its bytes are removed"))
            .body(object({{S("artifact_id"), uuid(), true}}))
            .returns(200, wrapped(S("artifact"), artifact))
            .errors({403, 404, 409})
            .handle([&s, commit](HttpRequest &r) {
                const QString id = str(r, "artifact_id");
                return wrapped(commit ? s.artifacts.commit(r.actor, id) : s.artifacts.abort(r.actor, id), "artifact");
            });
    }

    t.route("GET", S("/api/artifacts/{artifact_id}"), Access::Api, S("runs"),
            S("Download a committed artifact (ETag = SHA-256, Range supported)"))
        .returnsBytes(200, "application/octet-stream").errors({404, 416})
        .handle([&s](HttpRequest &r) {
            auto dl = s.artifacts.open(r.actor, r.param(S("artifact_id")));
            if (!dl)
                return HttpResponse::error(dl.error());
            HttpResponse resp;
            resp.contentType = dl->artifact.contentType.toLatin1();
            const QByteArray etag = dl->etag().toLatin1();
            resp.header("ETag", etag).header("Accept-Ranges", "bytes").header("Cache-Control", "private, no-cache");
            resp.header("Content-Disposition", "attachment; filename*=UTF-8''" + QUrl::toPercentEncoding(dl->artifact.name));
            const QByteArray inm = r.header("if-none-match");
            if (!inm.isEmpty() && (inm == etag || inm == "*")) {
                resp.status = 304;
                return resp;
            }
            const QByteArray ifRange = r.header("if-range");
            const QString rangeHeader = ifRange.isEmpty() || ifRange == etag ? QString::fromLatin1(r.header("range")) : QString();
            const ByteRange range = ByteRange::parse(rangeHeader, dl->size);
            if (range.kind == ByteRange::Kind::Unsatisfiable) {
                HttpResponse e = HttpResponse::error(416, S("range_not_satisfiable"), S("The range is outside the artifact."));
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
