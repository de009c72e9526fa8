// SPDX-License-Identifier: Apache-2.0
// RunService's sync: group-committed batches, a first sync's insert and a later
// sync carried forward onto the stored run.
#include "models/runs/RunService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Tx.h"
#include "models/runs/MetricStore.h"
#include "models/runs/RunCompliance.h"
#include "models/runs/RunJson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

const QString kRun = QStringLiteral("Run");
const QString kProject = QStringLiteral("Project");

Error unavailable()
{
    return Error{ErrorCode::Unavailable, u"The store is not available."_s};
}

// A sync that would take a run past one of its caps (RunLimits).
Error overCap(const char *field, const char *what, qint64 cap, const char *setting)
{
    return Error::validation(
        QString::fromLatin1(field), u"cap_exceeded"_s,
        u"The run would hold more than %1 %2 (the per-run cap, --%3)."_s.arg(cap).arg(
            QString::fromLatin1(what), QString::fromLatin1(setting)));
}

// What the batch's transaction reads once: `cache[key]`, or else the value
// `read` takes from the row `sql` selects with `binds` (V() when none), kept
// in the cache. The statement is finished, so it serves the batch's next sync.
template <typename Statements, typename V, typename Read>
Result<V> readOnce(Tx &tx, Statements &statements, QHash<QString, V> &cache, const QString &key,
                   const QString &sql, std::initializer_list<std::pair<QString, QString>> binds,
                   const Read &read)
{
    auto it = cache.constFind(key);
    if (it == cache.constEnd()) {
        Query &q = statements.get(tx, sql);
        for (const auto &[name, value] : binds)
            q.bind(name, value);
        if (!q.exec())
            return q.error();
        const V found = q.next() ? read(q) : V();
        q.raw().finish();
        it = cache.insert(key, found);
    }
    return *it;
}

// The members of a sync's body this file asks about (SyncRequest::sent),
// found when compiling: a name the run's table lacks does not compile.
constexpr shape::Sent kSentName = shape::bitOf<kRunFields<Run>>("name"),
                      kSentStatus = shape::bitOf<kRunFields<Run>>("status"),
                      kSentFinishedAt = shape::bitOf<kRunFields<Run>>("finished_at");
static_assert(kSentName != 0 && kSentStatus != 0 && kSentFinishedAt != 0);

} // namespace

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
    auto ws = readOnce(tx, statements, statements.workspaceOf, req.run.projectId,
                       u"SELECT workspace_id FROM projects WHERE id = :id"_s,
                       {{u":id"_s, req.run.projectId}}, [](const Query &q) { return q.str(0); });
    if (!ws)
        return ws.error();
    const QString workspaceId = *ws;
    if (workspaceId.isEmpty())
        return Error::notFound(kProject);
    auto role = access::requireRole(
        actor, workspaceId, Role::Member, kProject, [&]() -> Result<std::optional<QString>> {
            auto found = readOnce(
                tx, statements, statements.roleOf, actor.userId + QLatin1Char('/') + workspaceId,
                u"SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u"_s,
                {{u":w"_s, workspaceId}, {u":u"_s, actor.userId}},
                [](const Query &q) { return q.str(0); });
            if (!found)
                return found.error();
            return found->isEmpty() ? std::optional<QString>() : std::optional<QString>(*found);
        });
    if (!role)
        return role.error();
    auto writable = access::requireWritable(actor, [&]() -> Result<std::optional<bool>> {
        return readOnce(tx, statements, statements.restricted, actor.userId,
                        u"SELECT restricted FROM users WHERE id = :u"_s, {{u":u"_s, actor.userId}},
                        [](const Query &q) { return std::optional<bool>(q.i64(0) != 0); });
    });
    if (!writable)
        return writable.error();

    // The stored run (a retry, a later batch of a growing run, or a concurrent
    // first sync that committed first on PostgreSQL) is carried forward: the
    // unique key turns the insert into "nothing inserted". On PostgreSQL the
    // row is locked, so batches of one run from several processes apply one
    // after the other (SQLite has one writer anyway).
    auto locked = [&]() -> Result<Run> {
        auto r = lockByClientId(tx, statements, req.run.projectId, req.run.clientRunId);
        if (r)
            r->workspaceId = workspaceId;
        return r;
    };
    if (!(req.sent & kSentName)) { // only a later sync may leave the name out
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
        verified = compliance::verifySignature(*req.signature, req.manifestCanonical);
        evidence = verified ? u"verified"_s : u"unverified"_s;
    }
    Run run;
    shape::takeSent<kRunFields<Run>>(req.run, req.sent, run);
    run.id = ids::newUuid();
    run.workspaceId = workspaceId;
    if (!(req.sent & kSentStatus))
        run.status = u"completed"_s;
    run.createdAt = now;
    run.evidence = evidence;
    run.metricCount = req.metrics.size();
    run.logBytes = log.size();
    run.createdBy = actor.userId;

    auto inserted = insertRun(tx, statements, run, req.manifestCanonical);
    if (!inserted)
        return inserted.error();
    if (!*inserted) { // nothing was written: the transaction goes on
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
    if (auto c = insertMapping(
            tx, statements, run.id,
            compliance::mappingFor({evidence, manifestSha, manifestKeys, run.metricCount,
                                    compliance::seriesIn(req.metrics)}));
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
    if ((req.sent & kSentStatus) && req.run.status != stored.status) {
        const int from = SyncRequest::statusRank(stored.status),
                  to = SyncRequest::statusRank(req.run.status);
        if (to > from || (to == from && to == 2)) {
            run.status = req.run.status;
            changed << u"status"_s;
        }
    }
    // finished_at is taken with the terminal status (and compared once frozen).
    if ((req.sent & kSentFinishedAt) && SyncRequest::isTerminal(run.status) &&
        req.run.finishedAt != stored.finishedAt) {
        run.finishedAt = req.run.finishedAt;
        changed << u"finished_at"_s;
    }
    // The members a sent value replaces (name, started_at).
    shape::takeReplaced<kRunFields<Run>>(req.run, req.sent, run, changed);
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
        const bool verified = signature && compliance::verifySignature(*signature, manifest);
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
    if (auto u = updateRun(tx, statements, run,
                           evidenceChanged ? std::optional<QByteArray>(manifest) : std::nullopt);
        !u)
        return u.error();
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
            if (auto c =
                    insertMapping(tx, statements, run.id,
                                  compliance::mappingFor({run.evidence, manifestSha, manifestKeys,
                                                          run.metricCount, series->size()}));
                !c)
                return c.error();
        } else {
            const ComplianceItem item = compliance::metricsItem(run.metricCount, series->size());
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

} // namespace wfx
