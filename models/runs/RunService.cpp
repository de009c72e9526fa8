// SPDX-License-Identifier: Apache-2.0
#include "models/runs/RunService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/JsonWriter.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/NativeQuery.h"
#include "models/db/Tx.h"
#include "models/runs/MetricStore.h"
#include "models/runs/SeriesRollup.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlQuery>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace wfx {

const QString RunService::kFramework = QStringLiteral("worldflux-evidence");

namespace {

const QString kRun = QStringLiteral("Run");
const QString kProject = QStringLiteral("Project");
const QString kColumns =
    QStringLiteral("r.id, r.project_id, r.workspace_id, r.client_run_id, r.name, r.status, "
                   "r.started_at, r.finished_at, "
                   "r.created_at, r.evidence, r.metric_count, r.log_bytes, r.created_by");

QJsonValue timeOrNull(const std::optional<qint64> &t)
{
    return t ? QJsonValue(ids::formatTime(*t)) : QJsonValue(QJsonValue::Null);
}

QVariant timeOrNullVariant(const std::optional<qint64> &t)
{
    return t ? QVariant(*t) : QVariant(QMetaType(QMetaType::LongLong));
}

template <typename Row> Run readRun(const Row &q)
{
    auto str = [&q](int i) {
        if constexpr (std::is_same_v<Row, NativeQuery>)
            return QString::fromUtf8(q.text(i));
        else
            return q.str(i);
    };
    Run r;
    r.id = str(0);
    r.projectId = str(1);
    r.workspaceId = str(2);
    r.clientRunId = str(3);
    r.name = str(4);
    r.status = str(5);
    if (!q.isNull(6))
        r.startedAt = q.i64(6);
    if (!q.isNull(7))
        r.finishedAt = q.i64(7);
    r.createdAt = q.i64(8);
    r.evidence = str(9);
    r.metricCount = q.i64(10);
    r.logBytes = q.i64(11);
    r.createdBy = str(12);
    return r;
}

// A run's fields as UTF-8 bytes, from a row of kColumns or from a Run.
struct RunView
{
    QByteArrayView id, projectId, workspaceId, clientRunId, name, status, evidence;
    std::optional<qint64> startedAt, finishedAt;
    qint64 createdAt = 0, metricCount = 0, logBytes = 0;
    const QStringList *metricNames = nullptr;
};

RunView runView(const NativeQuery &q)
{
    RunView v{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(9),
              {},        {},        q.i64(8),  q.i64(10), q.i64(11), nullptr};
    if (!q.isNull(6))
        v.startedAt = q.i64(6);
    if (!q.isNull(7))
        v.finishedAt = q.i64(7);
    return v;
}

// The one place a run's JSON members are listed for the writer: the same bytes
// as QJsonDocument(Run::toJson()) in compact form (keys in QJsonObject's sorted order).
void writeRunJson(JsonWriter &w, const RunView &r)
{
    auto time = [&w](const char *key, const std::optional<qint64> &t) {
        w.key(QLatin1String(key));
        if (t)
            w.time(*t);
        else
            w.null();
    };
    w.beginObject();
    w.key(QLatin1String("client_run_id")).stringUtf8(r.clientRunId);
    w.key(QLatin1String("created_at")).time(r.createdAt);
    w.key(QLatin1String("evidence")).stringUtf8(r.evidence);
    time("finished_at", r.finishedAt);
    w.key(QLatin1String("id")).stringUtf8(r.id);
    w.key(QLatin1String("log_bytes")).number(double(r.logBytes));
    w.key(QLatin1String("metric_count")).number(double(r.metricCount));
    if (r.metricNames) {
        w.key(QLatin1String("metric_names")).beginArray();
        for (const QString &n : *r.metricNames)
            w.string(n);
        w.endArray();
    }
    w.key(QLatin1String("name")).stringUtf8(r.name);
    w.key(QLatin1String("project_id")).stringUtf8(r.projectId);
    time("started_at", r.startedAt);
    w.key(QLatin1String("status")).stringUtf8(r.status);
    w.key(QLatin1String("workspace_id")).stringUtf8(r.workspaceId);
    w.endObject();
}

Error unavailable()
{
    return Error{ErrorCode::Unavailable, u"The store is not available."_s};
}

Status checkLimit(int limit, int max)
{
    if (limit < 1 || limit > max)
        return Error::validation(u"limit"_s, u"invalid"_s,
                                 u"limit must be between 1 and %1."_s.arg(max));
    return Ok{};
}

// Standard base64 with padding, exactly as RFC 4648 section 4 writes it.
std::optional<QByteArray> strictBase64(const QString &s)
{
    const QByteArray raw = s.toLatin1();
    if (QString::fromLatin1(raw) != s)
        return std::nullopt;
    auto decoded = QByteArray::fromBase64Encoding(raw, QByteArray::Base64Encoding |
                                                           QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.toBase64() != raw)
        return std::nullopt;
    return decoded.decoded;
}

bool verifySignature(const SignatureInput &sig, const QByteArray &message)
{
    const auto key = strictBase64(sig.publicKey);
    const auto signature = strictBase64(sig.sig);
    if (!key || !signature || key->size() != 32 || signature->size() != 64)
        return false;
    return crypto::ed25519Verify(*key, message, *signature);
}

// What a run's compliance mapping says, from what the run holds.
struct MappingFacts
{
    QString evidence, manifestSha;
    qsizetype manifestKeys = 0;
    qint64 points = 0;
    qsizetype series = 0;
};

// The mapping's reproducibility.metrics control: the one a batch of new points changes.
ComplianceItem metricsItem(qint64 points, qsizetype series)
{
    if (points == 0)
        return {RunService::kFramework, u"reproducibility.metrics"_s, u"not_satisfied"_s,
                u"No metrics were recorded."_s};
    return {RunService::kFramework, u"reproducibility.metrics"_s, u"satisfied"_s,
            u"%1 points in %2 series."_s.arg(points).arg(series)};
}

QList<ComplianceItem> mappingFor(const MappingFacts &f)
{
    const QString fw = RunService::kFramework;
    const QString yes = u"satisfied"_s, no = u"not_satisfied"_s;
    QList<ComplianceItem> out;
    if (f.evidence == QLatin1String("verified"))
        out.append(
            {fw, u"integrity.signature"_s, yes,
             u"Ed25519 signature over the RFC 8785 manifest (sha256 %1) verified at sync."_s.arg(
                 f.manifestSha)});
    else if (f.evidence == QLatin1String("unverified"))
        out.append(
            {fw, u"integrity.signature"_s, no, u"A signature is present but does not verify."_s});
    else
        out.append({fw, u"integrity.signature"_s, no, u"The run carries no signature."_s});
    if (f.manifestKeys == 0)
        out.append({fw, u"provenance.manifest"_s, no, u"The manifest is empty."_s});
    else
        out.append({fw, u"provenance.manifest"_s, yes,
                    u"Manifest with %1 top-level keys, sha256 %2."_s.arg(f.manifestKeys)
                        .arg(f.manifestSha)});
    out.append(metricsItem(f.points, f.series));
    out.append(
        {fw, u"audit.logged"_s, yes, u"The sync is recorded in the audit chain as run.sync."_s});
    return out;
}

qsizetype seriesIn(const QList<MetricInput> &metrics)
{
    QSet<QString> names;
    const QString *last = nullptr;
    for (const auto &m : metrics) {
        if (!last || m.name != *last) // a series' points mostly come together
            names.insert(m.name);
        last = &m.name;
    }
    return names.size();
}

// A sync that would take a run past one of its caps (RunLimits).
Error overCap(const char *field, const char *what, qint64 cap, const char *setting)
{
    return Error::validation(
        QString::fromLatin1(field), u"cap_exceeded"_s,
        u"The run would hold more than %1 %2 (the per-run cap, --%3)."_s.arg(cap).arg(
            QString::fromLatin1(what), QString::fromLatin1(setting)));
}

QString likePattern(const QString &text)
{
    QString p;
    p.reserve(text.size() + 2);
    p += QLatin1Char('%');
    for (const QChar c : text.toLower()) {
        if (c == QLatin1Char('%') || c == QLatin1Char('_') || c == QLatin1Char('!'))
            p += QLatin1Char('!');
        p += c;
    }
    p += QLatin1Char('%');
    return p;
}

// Newest first by (created_at, id): the order of every runs page, for Run and
// for writeList's rows alike.
template <typename Row> bool newerFirst(const Row &a, const Row &b)
{
    return a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;
}

// A metric order's keyset: (value, id) ascending, or both descending.
template <typename Row> bool byValue(const Row &a, const Row &b, bool descending)
{
    if (a.value != b.value)
        return descending ? a.value > b.value : a.value < b.value;
    return descending ? a.id > b.id : a.id < b.id;
}

// A metric order's cursor names the order it belongs to, so a cursor of
// another order (or of newest first) is refused, not misread.
QString encodeValueCursor(const RunFilter &f, double value, const QString &id)
{
    return cursor::encode(QJsonArray{u"metric"_s, f.orderMetric, f.orderDescending,
                                     QString::number(value, 'g', 17), id});
}

Result<std::pair<double, QString>> decodeValueCursor(const RunFilter &f, const QString &text)
{
    const auto c = cursor::decode(text);
    bool ok = false;
    double value = 0;
    if (c && c->size() == 5 && c->at(0).toString() == QLatin1String("metric") &&
        c->at(1).toString() == f.orderMetric && c->at(2).isBool() &&
        c->at(2).toBool() == f.orderDescending && c->at(4).isString())
        value = c->at(3).toString().toDouble(&ok);
    if (!ok)
        return Error::validation(u"cursor"_s, u"invalid"_s, u"Unknown cursor."_s);
    return std::pair<double, QString>{value, c->at(4).toString()};
}

} // namespace

QJsonObject Run::toJson() const
{
    QJsonObject o{{u"id"_s, id},
                  {u"project_id"_s, projectId},
                  {u"workspace_id"_s, workspaceId},
                  {u"client_run_id"_s, clientRunId},
                  {u"name"_s, name},
                  {u"status"_s, status},
                  {u"started_at"_s, timeOrNull(startedAt)},
                  {u"finished_at"_s, timeOrNull(finishedAt)},
                  {u"created_at"_s, ids::formatTime(createdAt)},
                  {u"evidence"_s, evidence},
                  {u"metric_count"_s, double(metricCount)},
                  {u"log_bytes"_s, double(logBytes)}};
    if (metricNames)
        o.insert(u"metric_names"_s, QJsonArray::fromStringList(*metricNames));
    return o;
}

void Run::writeJson(JsonWriter &w) const
{
    const QByteArray u[] = {id.toUtf8(),          projectId.toUtf8(), workspaceId.toUtf8(),
                            clientRunId.toUtf8(), name.toUtf8(),      status.toUtf8(),
                            evidence.toUtf8()};
    writeRunJson(w,
                 RunView{u[0], u[1], u[2], u[3], u[4], u[5], u[6], startedAt, finishedAt, createdAt,
                         metricCount, logBytes, metricNames ? &*metricNames : nullptr});
}

QJsonObject MetricPoint::toJson() const
{
    return {{u"name"_s, name}, {u"step"_s, double(step)}, {u"value"_s, value}};
}

QJsonObject LogSlice::toJson() const
{
    return {{u"content"_s, content},
            {u"offset"_s, double(offset)},
            {u"total_bytes"_s, double(totalBytes)},
            {u"next_offset"_s,
             nextOffset < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(double(nextOffset))}};
}

QJsonObject RunSignature::toJson() const
{
    if (!present)
        return {{u"run_id"_s, runId},
                {u"evidence"_s, evidence},
                {u"signature"_s, QJsonValue(QJsonValue::Null)}};
    return {{u"run_id"_s, runId},
            {u"evidence"_s, evidence},
            {u"alg"_s, alg},
            {u"public_key"_s, publicKey},
            {u"sig"_s, sig},
            {u"verified"_s, verified},
            {u"signed_sha256"_s, signedSha256},
            {u"checked_at"_s, ids::formatTime(checkedAt)}};
}

QJsonObject ComplianceItem::toJson() const
{
    return {{u"framework"_s, framework},
            {u"control"_s, control},
            {u"status"_s, status},
            {u"evidence"_s, evidence}};
}

Result<Run> RunService::load(const QSqlDatabase &conn, const QString &id)
{
    if (!ids::isUuid(id))
        return Error::notFound(kRun);
    Query q(conn, u"SELECT "_s + kColumns + u" FROM runs r WHERE r.id = :id"_s);
    q.bind(u":id"_s, id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRun);
    return readRun(q);
}

Result<Run> RunService::loadByClientId(const QSqlDatabase &conn, const QString &projectId,
                                       const QString &clientRunId)
{
    Query q(conn, u"SELECT "_s + kColumns +
                      u" FROM runs r WHERE r.project_id = :p AND r.client_run_id = :c"_s);
    q.bind(u":p"_s, projectId).bind(u":c"_s, clientRunId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRun);
    return readRun(q);
}

Result<Run> RunService::visible(const Actor &actor, const QString &id)
{
    QSqlDatabase conn = m_ctx.db->connection();
    auto run = load(conn, id);
    if (!run)
        return run.error();
    if (auto r = access::requireRole(conn, actor, run->workspaceId, Role::Viewer, kRun); !r)
        return r.error();
    return run;
}

Query &RunService::BatchStatements::get(Tx &tx, const QString &sql)
{
    auto it = m_prepared.find(sql);
    if (it == m_prepared.end())
        it = m_prepared.emplace(sql, tx.query(sql)).first;
    return it->second;
}

Status RunService::rebuildRollups(const QString &runId)
{
    if (!ids::isUuid(runId))
        return Error::notFound(kRun);
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto w = metricstore::rebuildRollups(tx.conn(), runId); !w)
        return w;
    return tx.commit();
}

Result<SyncResult> RunService::sync(const Actor &actor, const QJsonObject &body)
{
    return sync(actor, SyncRequest::parse(body));
}

Result<SyncResult> RunService::sync(const Actor &actor, const Result<SyncRequest> &parsed)
{
    if (!parsed)
        return parsed.error();
    SyncJob job(actor, parsed.value());
    m_group->submit(job, [this](const QList<GroupCommit::Job *> &jobs) { writeBatch(jobs); });
    return std::move(*job.result);
}

void RunService::writeBatch(const QList<GroupCommit::Job *> &jobs)
{
    auto each = [&](auto &&f) {
        for (GroupCommit::Job *j : jobs)
            f(*static_cast<SyncJob *>(j));
    };
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began) {
        each([&](SyncJob &j) { j.result = began.error(); });
        return;
    }
    Tx &tx = *began;
    // A job that fails rolls back to its savepoint and leaves the others be; a
    // lone job needs none (its failure rolls back the transaction).
    const bool alone = jobs.size() == 1;
    auto step = [&](const char *sql) {
        return QSqlQuery(tx.conn()).exec(QString::fromLatin1(sql));
    };
    BatchStatements statements;
    bool broken = false;
    each([&](SyncJob &j) {
        if (broken)
            return;
        if (!alone && !step("SAVEPOINT wfx_sync")) {
            broken = true;
            return;
        }
        auto r = writeOne(tx, statements, j.actor, j.request);
        if (alone) {
            j.result = std::move(r);
            return;
        }
        if (!r.ok()) {
            broken = !step("ROLLBACK TO SAVEPOINT wfx_sync");
        }
        // Releasing keeps the job's writes in the transaction (or none, after
        // the rollback above).
        broken = broken || !step("RELEASE SAVEPOINT wfx_sync");
        j.result = std::move(r);
    });
    if (broken) {
        tx.rollback();
        each([](SyncJob &j) { j.result = unavailable(); });
        return;
    }
    if (alone && !static_cast<SyncJob *>(jobs.first())->result->ok())
        return; // the Tx rolls back
    if (auto c = tx.commit(); !c) {
        // Nothing of the batch is stored: every success becomes the failure
        // (a run found "existing" may have been written earlier in the batch).
        each([&](SyncJob &j) {
            if (j.result->ok())
                j.result = c.error();
        });
    }
}

Result<SyncResult> RunService::writeOne(Tx &tx, BatchStatements &statements, const Actor &actor,
                                        const SyncRequest &req)
{
    // The project, the caller's role and restriction: each read once per batch
    // (a batch is mostly one client's syncs into one project).
    auto ws = statements.workspaceOf.constFind(req.projectId);
    if (ws == statements.workspaceOf.constEnd()) {
        Query &p = statements.get(tx, u"SELECT workspace_id FROM projects WHERE id = :id"_s);
        p.bind(u":id"_s, req.projectId);
        if (!p.exec())
            return p.error();
        const QString found = p.next() ? p.str(0) : QString();
        p.raw().finish(); // the statement serves the batch's next sync
        ws = statements.workspaceOf.insert(req.projectId, found);
    }
    const QString workspaceId = *ws;
    if (workspaceId.isEmpty())
        return Error::notFound(kProject);
    auto role = access::requireRole(
        actor, workspaceId, Role::Member, kProject, [&]() -> Result<std::optional<QString>> {
            const QString key = actor.userId + QLatin1Char('/') + workspaceId;
            auto it = statements.roleOf.constFind(key);
            if (it == statements.roleOf.constEnd()) {
                Query &q = statements.get(
                    tx, u"SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u"_s);
                q.bind(u":w"_s, workspaceId).bind(u":u"_s, actor.userId);
                if (!q.exec())
                    return q.error();
                const QString found = q.next() ? q.str(0) : QString();
                q.raw().finish();
                it = statements.roleOf.insert(key, found);
            }
            return it->isEmpty() ? std::optional<QString>() : std::optional<QString>(*it);
        });
    if (!role)
        return role.error();
    auto writable = access::requireWritable(actor, [&]() -> Result<std::optional<bool>> {
        auto it = statements.restricted.constFind(actor.userId);
        if (it == statements.restricted.constEnd()) {
            Query &q = statements.get(tx, u"SELECT restricted FROM users WHERE id = :u"_s);
            q.bind(u":u"_s, actor.userId);
            if (!q.exec())
                return q.error();
            const std::optional<bool> found =
                q.next() ? std::optional<bool>(q.i64(0) != 0) : std::nullopt;
            q.raw().finish();
            it = statements.restricted.insert(actor.userId, found);
        }
        return *it;
    });
    if (!writable)
        return writable.error();

    // The stored run (a retry, a later batch of a growing run, or a concurrent
    // first sync that committed first on PostgreSQL) is carried forward: the
    // unique key turns the insert into "nothing inserted". On PostgreSQL the
    // row is locked, so batches of one run from several processes apply one
    // after the other (SQLite has one writer anyway).
    auto locked = [&]() -> Result<Run> {
        const QString sql = u"SELECT "_s + kColumns +
                            u" FROM runs r WHERE r.project_id = :p AND r.client_run_id = :c"_s +
                            (m_ctx.db->isPostgres() ? u" FOR UPDATE"_s : QString());
        Query &q = statements.get(tx, sql);
        q.bind(u":p"_s, req.projectId).bind(u":c"_s, req.clientRunId);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return Error::notFound(kRun);
        Run r = readRun(q);
        q.raw().finish();
        r.workspaceId = workspaceId;
        return r;
    };
    if (!req.name) { // only a later sync may leave the name out
        auto stored = locked();
        if (!stored && stored.error().code == ErrorCode::NotFound)
            return Error::validation(u"name"_s, u"required"_s,
                                     u"The first sync of a run needs its name."_s);
        if (!stored)
            return stored.error();
        return carryForward(tx, statements, actor, *stored, req);
    }

    const qint64 now = m_ctx.clock->nowMs();
    const QByteArray log = req.log ? req.log->toUtf8() : QByteArray();
    const QString manifestSha = crypto::sha256Hex(req.manifestCanonical);
    bool verified = false;
    QString evidence = u"unsigned"_s;
    if (req.signature) {
        verified = verifySignature(*req.signature, req.manifestCanonical);
        evidence = verified ? u"verified"_s : u"unverified"_s;
    }
    Run run;
    run.id = ids::newUuid();
    run.projectId = req.projectId;
    run.workspaceId = workspaceId;
    run.clientRunId = req.clientRunId;
    run.name = *req.name;
    run.status = req.status.value_or(u"completed"_s);
    run.startedAt = req.startedAt;
    run.finishedAt = req.finishedAt;
    run.createdAt = now;
    run.evidence = evidence;
    run.metricCount = req.metrics.size();
    run.logBytes = log.size();
    run.createdBy = actor.userId;

    Query &ins = statements.get(
        tx,
        u"INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, started_at, "
        "finished_at, "
        "created_at, manifest, evidence, metric_count, log_bytes, created_by) VALUES (:id, :p, :w, "
        ":c, :n, :s, "
        ":sa, :fa, :t, :m, :e, :mc, :lb, :by) ON CONFLICT (project_id, client_run_id) DO NOTHING"_s);
    ins.bind(u":id"_s, run.id)
        .bind(u":p"_s, run.projectId)
        .bind(u":w"_s, run.workspaceId)
        .bind(u":c"_s, run.clientRunId)
        .bind(u":n"_s, run.name)
        .bind(u":s"_s, run.status)
        .bind(u":sa"_s, timeOrNullVariant(run.startedAt))
        .bind(u":fa"_s, timeOrNullVariant(run.finishedAt))
        .bind(u":t"_s, now)
        .bind(u":m"_s, QString::fromUtf8(req.manifestCanonical))
        .bind(u":e"_s, evidence)
        .bind(u":mc"_s, run.metricCount)
        .bind(u":lb"_s, run.logBytes)
        .bind(u":by"_s, actor.userId.isEmpty() ? QVariant(QMetaType(QMetaType::QString))
                                               : QVariant(actor.userId));
    if (!ins.exec())
        return ins.error();
    if (ins.rowsAffected() == 0) { // nothing was written: the transaction goes on
        auto stored = locked();
        if (!stored)
            return stored.error();
        return carryForward(tx, statements, actor, *stored, req);
    }
    // The new run's own checks, after the insert so that a retry of a first
    // sync is judged as the later sync it is. Returning an error rolls the insert back.
    if (req.logOffset > 0)
        return Error::validation(u"log_offset"_s, u"gap"_s,
                                 u"log_offset is past the end of the run's log (0 bytes)."_s);
    if (run.metricCount > m_limits.maxPoints)
        return overCap("metrics", "metric points", m_limits.maxPoints, "run-max-points");
    if (run.logBytes > m_limits.maxLogBytes)
        return overCap("log", "log bytes", m_limits.maxLogBytes, "run-max-log-bytes");

    if (auto m = metricstore::add(tx.conn(), run.id, req.metrics, metricstore::Rollups::Rebuild,
                                  metricstore::Stored::NewRun);
        !m)
        return m.error();
    if (!log.isEmpty()) {
        Query &l = statements.get(tx, u"INSERT INTO run_logs (run_id, content) VALUES (:r, :c)"_s);
        l.bind(u":r"_s, run.id).bind(u":c"_s, *req.log);
        if (!l.exec())
            return l.error();
    }
    if (req.signature) {
        Query &s = statements.get(
            tx,
            u"INSERT INTO run_signatures (run_id, alg, public_key, sig, signed_sha256, verified, "
            "checked_at) VALUES (:r, :a, :k, :s, :h, :v, :t)"_s);
        s.bind(u":r"_s, run.id)
            .bind(u":a"_s, req.signature->alg)
            .bind(u":k"_s, req.signature->publicKey)
            .bind(u":s"_s, req.signature->sig)
            .bind(u":h"_s, manifestSha)
            .bind(u":v"_s, verified ? 1 : 0)
            .bind(u":t"_s, now);
        if (!s.exec())
            return s.error();
    }
    const qsizetype manifestKeys = req.manifest ? req.manifest->size() : 0;
    if (auto c = insertMapping(tx, statements, run.id,
                               mappingFor({evidence, manifestSha, manifestKeys, run.metricCount,
                                           seriesIn(req.metrics)}));
        !c)
        return c.error();
    if (auto a = AuditService::append(tx, now, actor, u"run.sync"_s, workspaceId, u"run"_s, run.id,
                                      {{u"project_id"_s, run.projectId},
                                       {u"client_run_id"_s, run.clientRunId},
                                       {u"name"_s, run.name},
                                       {u"evidence"_s, evidence},
                                       {u"metric_count"_s, double(run.metricCount)}});
        !a)
        return a.error();
    tx.announce(u"run"_s, run.id);
    return SyncResult{run, true};
}

Status RunService::insertMapping(Tx &tx, BatchStatements &statements, const QString &runId,
                                 const QList<ComplianceItem> &items)
{
    QString sql =
        u"INSERT INTO compliance_mappings (run_id, framework, control, status, evidence) VALUES "_s;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString n = QString::number(i);
        sql += (i ? u", "_s : QString()) + u"(:r, :f"_s + n + u", :c"_s + n + u", :s"_s + n +
               u", :e"_s + n + QLatin1Char(')');
    }
    Query &c = statements.get(tx, sql);
    c.bind(u":r"_s, runId);
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString n = QString::number(i);
        c.bind(u":f"_s + n, items.at(i).framework)
            .bind(u":c"_s + n, items.at(i).control)
            .bind(u":s"_s + n, items.at(i).status)
            .bind(u":e"_s + n, items.at(i).evidence);
    }
    if (!c.exec())
        return c.error();
    return Ok{};
}

Result<SyncResult> RunService::carryForward(Tx &tx, BatchStatements &statements, const Actor &actor,
                                            const Run &stored, const SyncRequest &req)
{
    const bool frozen = SyncRequest::isTerminal(stored.status);
    Run run = stored;
    QStringList changed; // what this sync changes, in the order of the audit entry's list

    // Status only forward; an earlier one (a late retried batch) is ignored.
    // Between the terminal statuses there is no forward: another one is a change.
    if (req.status && *req.status != stored.status) {
        const int from = SyncRequest::statusRank(stored.status),
                  to = SyncRequest::statusRank(*req.status);
        if (to > from || (to == from && to == 2)) {
            run.status = *req.status;
            changed << u"status"_s;
        }
    }
    // finished_at is taken with the terminal status (and compared once frozen).
    if (req.finishedAt && SyncRequest::isTerminal(run.status) &&
        req.finishedAt != stored.finishedAt) {
        run.finishedAt = req.finishedAt;
        changed << u"finished_at"_s;
    }
    if (req.name && *req.name != stored.name) {
        run.name = *req.name;
        changed << u"name"_s;
    }
    if (req.startedAt && req.startedAt != stored.startedAt) {
        run.startedAt = req.startedAt;
        changed << u"started_at"_s;
    }
    if (frozen &&
        !changed.isEmpty()) // before judging the values: a frozen run takes no change at all
        return Error{ErrorCode::Conflict,
                     u"The run is %1: a sync may not change it (it would change %2)."_s.arg(
                         stored.status, changed.join(u", "_s))};
    if (run.startedAt && run.finishedAt && *run.finishedAt < *run.startedAt)
        return Error::validation(u"finished_at"_s, u"invalid"_s,
                                 u"finished_at is before the run's started_at."_s);

    // The manifest and signature as they would stand; the evidence from them.
    QByteArray manifest; // canonical form, read only when the sync sends a manifest or signature
    std::optional<SignatureInput> signature;
    bool evidenceChanged = false;
    if (req.manifest || req.signature) {
        Query &m =
            statements.get(tx, u"SELECT r.manifest, s.alg, s.public_key, s.sig FROM runs r "
                               "LEFT JOIN run_signatures s ON s.run_id = r.id WHERE r.id = :r"_s);
        m.bind(u":r"_s, stored.id);
        if (!m.exec())
            return m.error();
        if (!m.next())
            return Error::notFound(kRun);
        const QByteArray storedManifest = m.str(0).toUtf8();
        std::optional<SignatureInput> storedSignature;
        if (!m.isNull(1))
            storedSignature = SignatureInput{m.str(1), m.str(2), m.str(3)};
        m.raw().finish();
        manifest = req.manifest ? req.manifestCanonical : storedManifest;
        signature = req.signature ? req.signature : storedSignature;
        const auto same = [](const std::optional<SignatureInput> &a,
                             const std::optional<SignatureInput> &b) {
            return a.has_value() == b.has_value() &&
                   (!a || (a->alg == b->alg && a->publicKey == b->publicKey && a->sig == b->sig));
        };
        if (manifest != storedManifest) {
            changed << u"manifest"_s;
            evidenceChanged = true;
        }
        if (!same(signature, storedSignature)) {
            changed << u"signature"_s;
            evidenceChanged = true;
        }
    }

    // New points only: a (name, step) the run holds keeps its stored value. A
    // frozen run's new points are written and then rolled back with the conflict.
    qint64 added = 0;
    if (!req.metrics.isEmpty()) {
        auto m = metricstore::add(tx.conn(), stored.id, req.metrics, metricstore::Rollups::Rebuild,
                                  metricstore::Stored::Maybe);
        if (!m)
            return m.error();
        added = *m;
        if (added > 0) {
            run.metricCount += added;
            changed << u"metrics"_s;
            if (run.metricCount > m_limits.maxPoints && !frozen)
                return overCap("metrics", "metric points", m_limits.maxPoints, "run-max-points");
        }
    }

    // The log from log_offset: overlapping bytes must be the stored ones, the
    // rest is appended.
    QByteArray append;
    if (req.log) {
        const QByteArray bytes = req.log->toUtf8();
        if (req.logOffset > stored.logBytes)
            return Error::validation(
                u"log_offset"_s, u"gap"_s,
                u"log_offset is past the end of the run's log (%1 bytes)."_s.arg(stored.logBytes));
        const qint64 overlap = std::min<qint64>(stored.logBytes - req.logOffset, bytes.size());
        if (overlap > 0) {
            const QString sql =
                m_ctx.db->isPostgres()
                    ? u"SELECT substring(convert_to(content, 'UTF8') from :o for :n) FROM run_logs WHERE run_id = :r"_s
                    : u"SELECT substr(CAST(content AS BLOB), :o, :n) FROM run_logs WHERE run_id = :r"_s;
            Query &q = statements.get(tx, sql);
            q.bind(u":o"_s, req.logOffset + 1).bind(u":n"_s, overlap).bind(u":r"_s, stored.id);
            if (!q.exec())
                return q.error();
            const QByteArray have = q.next() ? q.raw().value(0).toByteArray() : QByteArray();
            q.raw().finish();
            if (have != QByteArrayView(bytes).first(overlap))
                return Error{ErrorCode::Conflict,
                             u"The log from log_offset %1 differs from the run's stored log."_s.arg(
                                 req.logOffset)};
        }
        if (req.logOffset + bytes.size() > stored.logBytes) {
            append = bytes.sliced(stored.logBytes - req.logOffset);
            run.logBytes = stored.logBytes + append.size();
            changed << u"log"_s;
            if (run.logBytes > m_limits.maxLogBytes && !frozen)
                return overCap("log", "log bytes", m_limits.maxLogBytes, "run-max-log-bytes");
        }
    }

    if (changed.isEmpty())
        return SyncResult{stored, false}; // the same sync again: nothing written
    if (frozen)
        return Error{ErrorCode::Conflict,
                     u"The run is %1: a sync may not change it (it would change %2)."_s.arg(
                         stored.status, changed.join(u", "_s))};

    const qint64 now = m_ctx.clock->nowMs();
    QString manifestSha;
    if (evidenceChanged) {
        manifestSha = crypto::sha256Hex(manifest);
        const bool verified = signature && verifySignature(*signature, manifest);
        run.evidence = !signature ? u"unsigned"_s : verified ? u"verified"_s : u"unverified"_s;
        Query &del = statements.get(tx, u"DELETE FROM run_signatures WHERE run_id = :r"_s);
        del.bind(u":r"_s, run.id);
        if (!del.exec())
            return del.error();
        if (signature) {
            Query &s = statements.get(tx, u"INSERT INTO run_signatures (run_id, alg, public_key, "
                                          u"sig, signed_sha256, verified, "
                                          "checked_at) VALUES (:r, :a, :k, :s, :h, :v, :t)"_s);
            s.bind(u":r"_s, run.id)
                .bind(u":a"_s, signature->alg)
                .bind(u":k"_s, signature->publicKey)
                .bind(u":s"_s, signature->sig)
                .bind(u":h"_s, manifestSha)
                .bind(u":v"_s, verified ? 1 : 0)
                .bind(u":t"_s, now);
            if (!s.exec())
                return s.error();
        }
    }
    Query &up = statements.get(
        tx, u"UPDATE runs SET name = :n, status = :s, started_at = :sa, finished_at = :fa, "
            "evidence = :e, metric_count = :mc, log_bytes = :lb, "
            "manifest = COALESCE(:m, manifest) WHERE id = :id"_s);
    up.bind(u":n"_s, run.name)
        .bind(u":s"_s, run.status)
        .bind(u":sa"_s, timeOrNullVariant(run.startedAt))
        .bind(u":fa"_s, timeOrNullVariant(run.finishedAt))
        .bind(u":e"_s, run.evidence)
        .bind(u":mc"_s, run.metricCount)
        .bind(u":lb"_s, run.logBytes)
        .bind(u":m"_s, evidenceChanged ? QVariant(QString::fromUtf8(manifest))
                                       : QVariant(QMetaType(QMetaType::QString)))
        .bind(u":id"_s, run.id);
    if (!up.exec())
        return up.error();
    if (!append.isEmpty()) {
        Query &l = statements.get(
            tx, u"INSERT INTO run_logs (run_id, content) VALUES (:r, :c) ON CONFLICT (run_id) "
                "DO UPDATE SET content = run_logs.content || excluded.content"_s);
        l.bind(u":r"_s, run.id).bind(u":c"_s, QString::fromUtf8(append));
        if (!l.exec())
            return l.error();
    }
    if (evidenceChanged || added > 0) {
        // The mapping follows what the run now holds: all of it when the
        // evidence changed, else (a batch of new points, the common case of a
        // growing run) only its metrics control, without reading the manifest.
        auto series = metricstore::names(tx.conn(), run.id);
        if (!series)
            return series.error();
        if (evidenceChanged) {
            const qsizetype manifestKeys = QJsonDocument::fromJson(manifest).object().size();
            Query &del = statements.get(
                tx, u"DELETE FROM compliance_mappings WHERE run_id = :r AND framework = :f"_s);
            del.bind(u":r"_s, run.id).bind(u":f"_s, kFramework);
            if (!del.exec())
                return del.error();
            if (auto c = insertMapping(tx, statements, run.id,
                                       mappingFor({run.evidence, manifestSha, manifestKeys,
                                                   run.metricCount, series->size()}));
                !c)
                return c.error();
        } else {
            const ComplianceItem item = metricsItem(run.metricCount, series->size());
            Query &u =
                statements.get(tx, u"UPDATE compliance_mappings SET status = :s, evidence = :e "
                                   "WHERE run_id = :r AND framework = :f AND control = :c"_s);
            u.bind(u":s"_s, item.status)
                .bind(u":e"_s, item.evidence)
                .bind(u":r"_s, run.id)
                .bind(u":f"_s, item.framework)
                .bind(u":c"_s, item.control);
            if (!u.exec())
                return u.error();
        }
    }
    QJsonObject detail{{u"project_id"_s, run.projectId},
                       {u"client_run_id"_s, run.clientRunId},
                       {u"changed"_s, QJsonArray::fromStringList(changed)},
                       {u"status"_s, run.status},
                       {u"metric_count"_s, double(run.metricCount)},
                       {u"log_bytes"_s, double(run.logBytes)}};
    if (added > 0)
        detail.insert(u"points_added"_s, double(added));
    if (evidenceChanged)
        detail.insert(u"evidence"_s, run.evidence);
    if (auto a = AuditService::append(tx, now, actor, u"run.update"_s, run.workspaceId, u"run"_s,
                                      run.id, detail);
        !a)
        return a.error();
    tx.announce(u"run"_s, run.id);
    return SyncResult{run, false};
}

Result<RunService::ListScope> RunService::listScope(const Actor &actor, const RunFilter &filter,
                                                    int limit, const QString &cursorText)
{
    if (auto l = checkLimit(limit, cursor::kMaxLimit); !l)
        return l.error();
    {
        Error e{ErrorCode::Validation, u"Invalid filter."_s};
        if (!filter.workspaceId.isEmpty() && !ids::isUuid(filter.workspaceId))
            e.details.append({u"workspace_id"_s, u"invalid"_s});
        if (!filter.projectId.isEmpty() && !ids::isUuid(filter.projectId))
            e.details.append({u"project_id"_s, u"invalid"_s});
        if (!filter.status.isEmpty() && !SyncRequest::isStatus(filter.status))
            e.details.append({u"status"_s, u"invalid"_s});
        if (!filter.evidence.isEmpty() && filter.evidence != QLatin1String("verified") &&
            filter.evidence != QLatin1String("unverified") &&
            filter.evidence != QLatin1String("unsigned"))
            e.details.append({u"evidence"_s, u"invalid"_s});
        if (filter.text.size() > SyncRequest::kMaxTextLength)
            e.details.append({u"text"_s, u"too_long"_s});
        if (filter.metric && (filter.metric->name.isEmpty() ||
                              filter.metric->name.size() > SyncRequest::kMaxTextLength ||
                              !std::isfinite(filter.metric->value)))
            e.details.append({u"metric_filter"_s, u"invalid"_s});
        if (filter.orderMetric.size() > SyncRequest::kMaxTextLength)
            e.details.append({u"order_by"_s, u"too_long"_s});
        if (!e.details.isEmpty())
            return e;
    }
    ListScope scope;
    if (!cursorText.isEmpty() && !filter.orderMetric.isEmpty()) {
        auto c = decodeValueCursor(filter, cursorText);
        if (!c)
            return c.error();
        scope.afterValue = *c;
    } else if (!cursorText.isEmpty()) {
        auto c = cursor::decodeTimeId(cursorText);
        if (!c)
            return c.error();
        scope.after = *c;
    }

    QSqlDatabase conn = m_ctx.db->connection();
    // Which index each query walks: one project (runs_project_created), one
    // workspace (runs_ws_status_created / runs_ws_created), or all runs
    // (runs_created, the system actor only). A caller in several workspaces
    // gets one query per workspace, merged: each stays an index range scan.
    if (!filter.projectId.isEmpty()) {
        Query p(conn, u"SELECT workspace_id FROM projects WHERE id = :id"_s);
        p.bind(u":id"_s, filter.projectId);
        if (!p.exec())
            return p.error();
        if (!p.next())
            return Error::notFound(kProject);
        const QString ws = p.str(0);
        if (auto r = access::requireRole(conn, actor, ws, Role::Viewer, kProject); !r)
            return r.error();
        if (!filter.workspaceId.isEmpty() && filter.workspaceId != ws)
            return scope; // nothing
        scope.project = filter.projectId;
    } else if (!filter.workspaceId.isEmpty()) {
        if (auto r =
                access::requireRole(conn, actor, filter.workspaceId, Role::Viewer, u"Workspace"_s);
            !r)
            return r.error();
        scope.workspaces << filter.workspaceId;
    } else if (actor.isSystem()) {
        scope.everything = true;
    } else {
        Query m(conn,
                u"SELECT workspace_id FROM memberships WHERE user_id = :u ORDER BY workspace_id"_s);
        m.bind(u":u"_s, actor.userId);
        if (!m.exec())
            return m.error();
        while (m.next()) {
            if (access::scopeAdmits(actor, m.str(0)))
                scope.workspaces << m.str(0);
        }
    }
    return scope;
}

Status RunService::fetchList(const ListScope &scope, const RunFilter &filter, int limit,
                             const std::function<void(const NativeQuery &)> &row)
{
    // The rows come through the connection's native handle (db/NativeQuery.h):
    // no QVariant and no UTF-16 copy per value on the busiest read.
    QSqlDatabase conn = m_ctx.db->connection();
    const bool byMetric = !filter.orderMetric.isEmpty();
    // The condition is the order's own range when both name one metric;
    // otherwise each run's row of the condition's metric is looked up.
    const bool conditionInRange =
        byMetric && filter.metric && filter.metric->name == filter.orderMetric;
    const bool conditionPerRun = filter.metric && !conditionInRange;
    auto fetch = [&](const char *scopeSql, const QString &scopeValue) -> Status {
        // A metric order walks run_metric_last in (scope, name, value, run_id)
        // order and joins each run; newest first walks runs as before.
        QByteArray sql = "SELECT " + kColumns.toLatin1();
        sql += byMetric ? ", m.value FROM run_metric_last m JOIN runs r ON r.id = m.run_id WHERE "
                        : " FROM runs r WHERE ";
        if (scopeSql)
            sql += (byMetric ? "m." : "r.") + QByteArray(scopeSql);
        else
            sql += "1 = 1";
        int n = scopeValue.isEmpty() ? 0 : 1;
        auto next = [&n] { return QByteArray::number(++n); };
        if (byMetric)
            sql += " AND m.name = $" + next();
        if (conditionInRange)
            sql += QByteArray(" AND m.value ") + filter.metric->sqlOperator() + " $" + next();
        if (conditionPerRun) {
            const QByteArray name = next(), value = next(); // in this order
            sql += " AND EXISTS (SELECT 1 FROM run_metric_last f WHERE f.run_id = r.id AND f.name "
                   "= $" +
                   name + " AND f.value " + filter.metric->sqlOperator() + " $" + value + ")";
        }
        if (!filter.status.isEmpty())
            sql += " AND r.status = $" + next();
        if (!filter.evidence.isEmpty())
            sql += " AND r.evidence = $" + next();
        if (!filter.text.isEmpty())
            sql += " AND LOWER(r.name) LIKE $" + next() + " ESCAPE '!'";
        // The first term bounds the index range; the second drops the rows of
        // the cursor's own millisecond that were already shown.
        if (scope.after) {
            const QByteArray t = next(), i = next();
            sql += " AND r.created_at <= $" + t + " AND (r.created_at < $" + t + " OR r.id < $" +
                   i + ")";
        }
        if (scope.afterValue) {
            const QByteArray v = next(), i = next();
            sql += filter.orderDescending ? " AND m.value <= $" + v + " AND (m.value < $" + v +
                                                " OR m.run_id < $" + i + ")"
                                          : " AND m.value >= $" + v + " AND (m.value > $" + v +
                                                " OR m.run_id > $" + i + ")";
        }
        if (byMetric)
            sql += filter.orderDescending ? " ORDER BY m.value DESC, m.run_id DESC LIMIT $"
                                          : " ORDER BY m.value, m.run_id LIMIT $";
        else
            sql += " ORDER BY r.created_at DESC, r.id DESC LIMIT $";
        sql += next();
        NativeQuery q(conn, sql.constData());
        int p = 0;
        if (!scopeValue.isEmpty())
            q.bind(++p, scopeValue);
        if (byMetric)
            q.bind(++p, filter.orderMetric);
        if (conditionInRange)
            q.bindReal(++p, filter.metric->value);
        if (conditionPerRun) {
            q.bind(++p, filter.metric->name);
            q.bindReal(++p, filter.metric->value);
        }
        if (!filter.status.isEmpty())
            q.bind(++p, filter.status);
        if (!filter.evidence.isEmpty())
            q.bind(++p, filter.evidence);
        if (!filter.text.isEmpty())
            q.bind(++p, likePattern(filter.text));
        if (scope.after) {
            q.bind(++p, scope.after->createdAt);
            q.bind(++p, scope.after->id);
        }
        if (scope.afterValue) {
            q.bindReal(++p, scope.afterValue->first);
            q.bind(++p, scope.afterValue->second);
        }
        q.bind(++p, qint64(limit) + 1);
        if (!q.exec())
            return q.error();
        while (q.next())
            row(q);
        if (!q.errorText().isEmpty())
            return q.error();
        return Ok{};
    };
    // Columns of r (runs) or m (run_metric_last), which both have these.
    if (!scope.project.isEmpty())
        return fetch("project_id = $1", scope.project);
    if (scope.everything)
        return fetch(nullptr, QString());
    for (const QString &ws : scope.workspaces) {
        if (auto s = fetch("workspace_id = $1", ws); !s)
            return s;
    }
    return Ok{};
}

Result<Page<Run>> RunService::list(const Actor &actor, const RunFilter &filter, int limit,
                                   const QString &cursorText)
{
    auto scope = listScope(actor, filter, limit, cursorText);
    if (!scope)
        return scope.error();
    const bool byMetric = !filter.orderMetric.isEmpty();
    struct Row
    {
        Run run;
        double value = 0; // a metric order's key
        QString id;
    };
    std::vector<Row> rows;
    if (auto s = fetchList(*scope, filter, limit,
                           [&](const NativeQuery &q) {
                               Run r = readRun(q);
                               const QString id = r.id;
                               rows.push_back({std::move(r), byMetric ? q.dbl(13) : 0.0, id});
                           });
        !s)
        return s.error();
    if (scope->workspaces.size() > 1) {
        if (byMetric)
            std::sort(rows.begin(), rows.end(), [&](const Row &a, const Row &b) {
                return byValue(a, b, filter.orderDescending);
            });
        else
            std::sort(rows.begin(), rows.end(),
                      [](const Row &a, const Row &b) { return newerFirst(a.run, b.run); });
    }
    Page<Run> page;
    const bool more = qsizetype(rows.size()) > limit;
    if (more)
        rows.resize(std::size_t(limit));
    for (Row &r : rows)
        page.items.append(std::move(r.run));
    if (more) {
        const Run &last = page.items.last();
        page.nextCursor = byMetric ? encodeValueCursor(filter, rows.back().value, last.id)
                                   : cursor::encodeTimeId(last.createdAt, last.id);
    }
    return page;
}

Status RunService::writeList(JsonWriter &w, const Actor &actor, const RunFilter &filter, int limit,
                             const QString &cursorText)
{
    auto scope = listScope(actor, filter, limit, cursorText);
    if (!scope)
        return scope.error();
    // Each row's JSON goes into one buffer as the rows come; the page is then
    // written in newest-first order (rows of several workspaces merge by it).
    struct Entry
    {
        qint64 createdAt;
        QByteArray id;
        qsizetype at, size;
        double value; // a metric order's key
    };
    const bool byMetric = !filter.orderMetric.isEmpty();
    std::vector<Entry> entries;
    JsonWriter rowsOut(std::size_t(limit + 1) * 448);
    rowsOut.beginArray();
    // Rows of several workspaces are merged by (created_at, id), so each keeps
    // its id; one scope's rows come in order, and only the row the cursor
    // names (the limit-th) needs it.
    const bool merging = scope->workspaces.size() > 1;
    const Status fetched = fetchList(*scope, filter, limit, [&](const NativeQuery &q) {
        const qsizetype at = rowsOut.bytes().size() + (entries.empty() ? 0 : 1);
        writeRunJson(rowsOut, runView(q));
        const bool keepId = merging || qsizetype(entries.size()) == limit - 1;
        entries.push_back({q.i64(8), keepId ? q.text(0).toByteArray() : QByteArray(), at,
                           rowsOut.bytes().size() - at, byMetric ? q.dbl(13) : 0.0});
    });
    if (!fetched)
        return fetched.error();
    if (merging && byMetric)
        std::sort(entries.begin(), entries.end(), [&](const Entry &a, const Entry &b) {
            return byValue(a, b, filter.orderDescending);
        });
    else if (merging)
        std::sort(entries.begin(), entries.end(), newerFirst<Entry>);
    const bool more = qsizetype(entries.size()) > limit;
    if (more)
        entries.resize(std::size_t(limit));
    w.beginObject().key(QLatin1String("items")).beginArray();
    for (const Entry &e : entries)
        w.raw(QByteArrayView(rowsOut.bytes()).sliced(e.at, e.size));
    w.endArray().key(QLatin1String("next_cursor"));
    if (more && byMetric)
        w.string(encodeValueCursor(filter, entries.back().value,
                                   QString::fromLatin1(entries.back().id)));
    else if (more)
        w.string(
            cursor::encodeTimeId(entries.back().createdAt, QString::fromLatin1(entries.back().id)));
    else
        w.null();
    w.endObject();
    return Ok{};
}

Result<Run> RunService::get(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    auto names = metricNames(actor, id);
    if (!names)
        return names.error();
    run->metricNames = *names;
    return run;
}

Status RunService::remove(const Actor &actor, const QString &id)
{
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    auto run = load(tx.conn(), id);
    if (!run)
        return run.error();
    if (auto r = access::requireRole(tx.conn(), actor, run->workspaceId, Role::Member, kRun); !r)
        return r.error();
    if (auto w = access::requireWritable(tx.conn(), actor); !w)
        return w.error();
    Query d = tx.query(u"DELETE FROM runs WHERE id = :id"_s);
    d.bind(u":id"_s, id);
    if (!d.exec())
        return d.error();
    if (d.rowsAffected() == 0)
        return Error::notFound(kRun);
    if (auto a = AuditService::append(tx, m_ctx.clock->nowMs(), actor, u"run.delete"_s,
                                      run->workspaceId, u"run"_s, id,
                                      {{u"name"_s, run->name}, {u"project_id"_s, run->projectId}});
        !a)
        return a.error();
    tx.announce(u"run"_s, id);
    return tx.commit();
}

Result<QJsonObject> RunService::manifest(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    Query q(m_ctx.db->connection(), u"SELECT manifest FROM runs WHERE id = :id"_s);
    q.bind(u":id"_s, id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kRun);
    return QJsonDocument::fromJson(q.str(0).toUtf8()).object();
}

Result<QStringList> RunService::metricNames(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    return metricstore::names(m_ctx.db->connection(), id);
}

Result<Page<MetricPoint>> RunService::metrics(const Actor &actor, const QString &id,
                                              const QString &name, int limit,
                                              const QString &cursorText)
{
    if (auto l = checkLimit(limit, cursor::kMaxLimit); !l)
        return l.error();
    QString afterName;
    qint64 afterStep = 0;
    const bool paged = !cursorText.isEmpty();
    if (paged) {
        const auto c = cursor::decode(cursorText);
        if (!c || c->size() != 2 || !c->at(0).isString() || !c->at(1).isDouble() ||
            (!name.isEmpty() && c->at(0).toString() != name))
            return Error::validation(u"cursor"_s, u"invalid"_s, u"Unknown cursor."_s);
        afterName = c->at(0).toString();
        afterStep = qint64(c->at(1).toDouble());
    }
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    // Series by name, then points by step, from just after the cursor.
    QSqlDatabase conn = m_ctx.db->connection();
    QStringList series;
    if (!name.isEmpty()) {
        series << name;
    } else {
        auto all = metricstore::names(conn, id);
        if (!all)
            return all.error();
        // The store's order of names (its collation), from the cursor's series on.
        const qsizetype from = paged ? all->indexOf(afterName) : 0;
        for (qsizetype i = 0; i < all->size(); ++i) {
            if (from >= 0 ? i >= from : all->at(i) > afterName)
                series << all->at(i);
        }
    }
    Page<MetricPoint> page;
    for (const QString &n : std::as_const(series)) {
        const qsizetype want = limit + 1 - page.items.size();
        if (want <= 0)
            break;
        const bool resume = paged && n == afterName;
        auto points = metricstore::series(
            conn, id, n, resume ? std::optional<qint64>(afterStep) : std::nullopt, want);
        if (!points)
            return points.error();
        for (const chunk::Point &p : *points)
            page.items.append({n, p.step, p.value});
    }
    if (page.items.size() > limit) {
        page.items.removeLast();
        const auto &last = page.items.last();
        page.nextCursor = cursor::encode(QJsonArray{last.name, double(last.step)});
    }
    return page;
}

Result<QList<SeriesPoint>> RunService::metricSeries(const Actor &actor, const QString &id,
                                                    const QString &name, int maxPoints)
{
    if (name.isEmpty())
        return Error::validation(u"name"_s, u"required"_s, u"A metric name is required."_s);
    if (maxPoints < kMinSeriesPoints || maxPoints > kMaxSeriesPoints)
        return Error::validation(
            u"max_points"_s, u"invalid"_s,
            u"max_points must be between %1 and %2."_s.arg(kMinSeriesPoints).arg(kMaxSeriesPoints));
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    QSqlDatabase conn = m_ctx.db->connection();
    {
        Query levels(conn, u"SELECT level, points FROM run_metric_rollups "
                           "WHERE run_id = :r AND name = :n ORDER BY level"_s);
        levels.bind(u":r"_s, id).bind(u":n"_s, name);
        if (!levels.exec())
            return levels.error();
        QList<int> stored;
        qint64 covered = 0;
        while (levels.next()) {
            stored.append(int(levels.i64(0)));
            covered = levels.i64(1);
        }
        // A growing series' rollup covers a prefix: the level is chosen for the whole series.
        qint64 points = covered;
        if (!stored.isEmpty()) {
            auto total = metricstore::count(conn, id, name);
            if (!total)
                return total.error();
            points = std::max(covered, *total);
        }
        if (const int level = rollup::choose(points, stored, maxPoints); level >= 0) {
            Query data(conn, u"SELECT data FROM run_metric_rollups "
                             "WHERE run_id = :r AND name = :n AND level = :l"_s);
            data.bind(u":r"_s, id).bind(u":n"_s, name).bind(u":l"_s, level);
            if (!data.exec())
                return data.error();
            if (!data.next())
                return Error::notFound(kRun); // the run was deleted meanwhile
            auto whole = metricstore::level(conn, id, name, level, data.value(0).toByteArray());
            if (!whole)
                return whole.error();
            return downsample::lttb(*whole, maxPoints);
        }
    }
    auto points = metricstore::series(conn, id, name);
    if (!points)
        return points.error();
    return downsample::lttb(metricstore::toSeriesPoints(*points), maxPoints);
}

Result<QList<MetricSummary>> RunService::metricSummaries(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    auto all = metricstore::summaries(m_ctx.db->connection(), id);
    if (!all)
        return all.error();
    QList<MetricSummary> out;
    out.reserve(all->size());
    for (const metricstore::Summary &m : std::as_const(*all))
        out.append({m.name, m.lastStep, m.last, m.min, m.max, m.points});
    return out;
}

Result<LogSlice> RunService::log(const Actor &actor, const QString &id, qint64 offset, qint64 limit)
{
    if (offset < 0)
        return Error::validation(u"offset"_s, u"invalid"_s, u"offset must not be negative."_s);
    if (limit < 1 || limit > kMaxLogLimit)
        return Error::validation(u"limit"_s, u"invalid"_s,
                                 u"limit must be between 1 and %1."_s.arg(kMaxLogLimit));
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    Query q(m_ctx.db->connection(), u"SELECT content FROM run_logs WHERE run_id = :r"_s);
    q.bind(u":r"_s, id);
    if (!q.exec())
        return q.error();
    const QByteArray bytes = q.next() ? q.str(0).toUtf8() : QByteArray();
    const qint64 total = bytes.size();
    auto continuation = [&](qint64 i) { return i < total && (quint8(bytes.at(i)) & 0xC0) == 0x80; };
    LogSlice slice;
    slice.totalBytes = total;
    qint64 start = offset;
    while (continuation(start)) // an offset inside a character starts at the next one
        ++start;
    slice.offset = start;
    if (start >= total)
        return slice;
    qint64 end = std::min(total, start + limit);
    while (end > start && continuation(end))
        --end;
    if (end == start) { // a limit smaller than one character still moves on
        end = start + 1;
        while (continuation(end))
            ++end;
    }
    slice.content = QString::fromUtf8(bytes.mid(start, end - start));
    slice.nextOffset = end < total ? end : -1;
    return slice;
}

Result<RunSignature> RunService::signature(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    RunSignature s;
    s.runId = id;
    s.evidence = run->evidence;
    Query q(m_ctx.db->connection(),
            u"SELECT alg, public_key, sig, signed_sha256, verified, checked_at "
            "FROM run_signatures WHERE run_id = :r"_s);
    q.bind(u":r"_s, id);
    if (!q.exec())
        return q.error();
    if (q.next()) {
        s.present = true;
        s.alg = q.str(0);
        s.publicKey = q.str(1);
        s.sig = q.str(2);
        s.signedSha256 = q.str(3);
        s.verified = q.i64(4) != 0;
        s.checkedAt = q.i64(5);
    }
    return s;
}

Result<QList<ComplianceItem>> RunService::complianceMapping(const Actor &actor, const QString &id)
{
    auto run = visible(actor, id);
    if (!run)
        return run.error();
    Query q(m_ctx.db->connection(),
            u"SELECT framework, control, status, evidence FROM compliance_mappings "
            "WHERE run_id = :r ORDER BY framework, control"_s);
    q.bind(u":r"_s, id);
    if (!q.exec())
        return q.error();
    QList<ComplianceItem> items;
    while (q.next())
        items.append({q.str(0), q.str(1), q.str(2), q.str(3)});
    return items;
}

} // namespace wfx
