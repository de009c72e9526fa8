// SPDX-License-Identifier: Apache-2.0
#include "server/bff/E2eFixtures.h"

#include "models/core/Ids.h"
#include "models/crypto/Crypto.h"
#include "models/runs/RunJson.h"
#include "models/runs/SyncRequest.h"
#include "server/core/ShapeSchema.h"

#include <QMutexLocker>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

// 2026-01-01T00:00:00Z: fixture runs are one minute apart from here.
constexpr qint64 kBaseMs = 1767225600000LL;
constexpr qint64 kStepMs = 60'000;

Error tooMany()
{
    return Error{ErrorCode::Conflict,
                 u"The fixture store is full; restart the server to reset it."_s};
}
} // namespace

QString E2eFixtures::fixtureId(const QString &label)
{
    // A name-based UUID (version 5 layout over SHA-256): stable across starts.
    QByteArray h =
        QByteArray::fromHex(
            crypto::sha256Hex(QByteArray("worldflux-e2e-fixture/") + label.toUtf8()).toLatin1())
            .left(16);
    h[6] = char((h[6] & 0x0f) | 0x50);
    h[8] = char((h[8] & 0x3f) | 0x80);
    const QString hex = QString::fromLatin1(h.toHex());
    return hex.mid(0, 8) + QLatin1Char('-') + hex.mid(8, 4) + QLatin1Char('-') + hex.mid(12, 4) +
           QLatin1Char('-') + hex.mid(16, 4) + QLatin1Char('-') + hex.mid(20, 12);
}

QString E2eFixtures::workspaceId()
{
    return fixtureId(u"workspace"_s);
}
QString E2eFixtures::projectId()
{
    return fixtureId(u"project"_s);
}

QJsonObject E2eFixtures::runInputSchema()
{
    using schema::member;
    const auto &run = kRunFields<Run>;
    return schema::object({{u"name"_s, member(run, "name", shape::Bff), true},
                           {u"project_id"_s, member(run, "project_id", shape::Bff)},
                           {u"workspace_id"_s, member(run, "workspace_id", shape::Bff)},
                           {u"client_run_id"_s, member(run, "client_run_id", shape::Bff)},
                           {u"status"_s, member(run, "status", shape::Bff)},
                           {u"evidence"_s, member(run, "evidence", shape::Bff)}});
}

QJsonObject E2eFixtures::batchSchema()
{
    using namespace schema;
    return object({{u"runs"_s, arrayOf(runInputSchema(), kMaxBatch), true}});
}

E2eFixtures::E2eFixtures()
{
    const struct
    {
        const char *name, *status, *evidence;
    } seeds[kSeedRuns] = {{"fixture-dreamer-v3-seed-1", "completed", "verified"},
                          {"fixture-tdmpc2-seed-2", "failed", "unverified"},
                          {"fixture-ppo-atari-seed-3", "running", "unsigned"}};
    for (const auto &seed : seeds)
        m_runs.append(make(QJsonObject{{u"name"_s, QString::fromLatin1(seed.name)},
                                       {u"status"_s, QString::fromLatin1(seed.status)},
                                       {u"evidence"_s, QString::fromLatin1(seed.evidence)}}));
}

Run E2eFixtures::make(const QJsonObject &in)
{
    const int n = ++m_seq;
    Run r;
    r.id = fixtureId(u"run/"_s + QString::number(n));
    r.projectId = in.value(u"project_id"_s).toString(projectId());
    r.workspaceId = in.value(u"workspace_id"_s).toString(workspaceId());
    r.clientRunId = in.value(u"client_run_id"_s).toString(u"fixture-"_s + QString::number(n));
    r.name = in.value(u"name"_s).toString();
    r.status = in.value(u"status"_s).toString(u"completed"_s);
    r.evidence = in.value(u"evidence"_s).toString(u"unsigned"_s);
    r.createdAt = kBaseMs + n * kStepMs;
    r.startedAt = r.createdAt - 30 * kStepMs;
    if (SyncRequest::isTerminal(r.status))
        r.finishedAt = r.createdAt;
    r.metricCount = 0;
    r.logBytes = 0;
    return r;
}

Result<Page<Run>> E2eFixtures::list(const RunFilter &filter, int limit, const QString &cursor) const
{
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(u"limit"_s, u"out_of_range"_s,
                                 u"limit must be between 1 and 200."_s);
    std::optional<cursor::TimeId> after;
    if (!cursor.isEmpty()) {
        auto c = cursor::decodeTimeId(cursor);
        if (!c)
            return c.error();
        after = *c;
    }
    QList<Run> rows;
    {
        QMutexLocker lock(&m_mutex);
        rows = m_runs;
    }
    std::sort(rows.begin(), rows.end(), [](const Run &a, const Run &b) {
        return a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;
    });
    Page<Run> page;
    for (const Run &r : rows) {
        if (after && (r.createdAt > after->createdAt ||
                      (r.createdAt == after->createdAt && r.id >= after->id)))
            continue;
        if ((!filter.workspaceId.isEmpty() && r.workspaceId != filter.workspaceId) ||
            (!filter.projectId.isEmpty() && r.projectId != filter.projectId) ||
            (!filter.status.isEmpty() && r.status != filter.status) ||
            (!filter.evidence.isEmpty() && r.evidence != filter.evidence) ||
            (!filter.text.isEmpty() && !r.name.contains(filter.text, Qt::CaseInsensitive)))
            continue;
        if (page.items.size() == limit) {
            const Run &last = page.items.last();
            page.nextCursor = cursor::encodeTimeId(last.createdAt, last.id);
            break;
        }
        page.items.append(r);
    }
    return page;
}

Result<Run> E2eFixtures::add(const QJsonObject &input)
{
    QList<FieldIssue> details;
    schema::validate(input, runInputSchema(), QString(), details);
    if (!details.isEmpty()) {
        Error e{ErrorCode::Validation, QStringLiteral("The fixture run is not valid: %1 (%2).")
                                           .arg(details.first().field, details.first().issue)};
        e.details = details;
        return e;
    }
    QMutexLocker lock(&m_mutex);
    if (m_runs.size() >= kMaxRuns)
        return tooMany();
    m_runs.append(make(input));
    return m_runs.last();
}

Result<QList<Run>> E2eFixtures::addMany(const QJsonArray &inputs)
{
    QList<FieldIssue> details;
    schema::validate(QJsonObject{{u"runs"_s, inputs}}, batchSchema(), QString(), details);
    if (!details.isEmpty()) {
        Error e{ErrorCode::Validation, QStringLiteral("The fixture runs are not valid: %1 (%2).")
                                           .arg(details.first().field, details.first().issue)};
        e.details = details;
        return e;
    }
    QMutexLocker lock(&m_mutex);
    if (m_runs.size() + inputs.size() > kMaxRuns)
        return tooMany();
    QList<Run> added;
    for (const QJsonValue &v : inputs) {
        m_runs.append(make(v.toObject()));
        added.append(m_runs.last());
    }
    return added;
}

int E2eFixtures::count() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_runs.size());
}

} // namespace wfx
