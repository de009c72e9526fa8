// SPDX-License-Identifier: Apache-2.0
#include "models/claims/LeaderboardService.h"

#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"

#include <QJsonDocument>
#include <QMap>
#include <QSet>

#include <algorithm>
#include <tuple>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

struct Candidate
{
    QString metric, aggregate, comparator, statement, entryId, title, runId, runName, evidence;
    double threshold = 0, observed = 0;
    qint64 verifiedAt = 0, createdAt = 0;
    std::optional<qint64> finishedAt;
    QString claimId;
};

bool lowerIsBetter(const QString &comparator)
{
    return comparator.startsWith(QLatin1Char('<'));
}

Result<LeaderboardSnapshot> readSnapshot(const Query &q)
{
    const QJsonDocument doc = QJsonDocument::fromJson(q.str(3).toUtf8());
    if (!doc.isObject())
        return Error::internal(u"A stored leaderboard snapshot is damaged."_s);
    return LeaderboardSnapshot{q.str(0), q.str(1), q.i64(2),
                               doc.object().value(u"groups"_s).toArray()};
}

using Groups = QMap<std::tuple<QString, QString, bool>, QList<Candidate>>;

// The published, supported claims of museum runs whose evidence verifies, by
// (metric, aggregate, lower-is-better).
Result<Groups> readCandidates(const QSqlDatabase &conn)
{
    auto rows = row::all(
        conn,
        u"SELECT c.id, c.metric_name, c.aggregate, c.comparator, c.threshold, c.observed, "
        u"c.statement, c.verified_at, "
        "c.created_at, m.id, m.title, r.id, r.name, r.evidence, r.finished_at "
        "FROM claims c JOIN museum_entries m ON m.run_id = c.run_id JOIN runs r ON r.id = c.run_id "
        "WHERE c.published = 1 AND c.status = 'supported' AND c.observed IS NOT NULL AND r.evidence <> 'unverified'"_s,
        {}, [](const Query &q) {
            Candidate c;
            row::read(q, c.claimId, c.metric, c.aggregate, c.comparator, c.threshold, c.observed,
                      c.statement, c.verifiedAt, c.createdAt, c.entryId, c.title, c.runId,
                      c.runName, c.evidence, c.finishedAt);
            return c;
        });
    if (!rows)
        return rows.error();
    Groups groups;
    for (const Candidate &c : std::as_const(*rows))
        groups[{c.metric, c.aggregate, lowerIsBetter(c.comparator)}].append(c);
    return groups;
}

Status checkBoard(const QString &board)
{
    if (!LeaderboardService::boards().contains(board))
        return Error::notFound(u"Leaderboard"_s);
    return Ok{};
}
} // namespace

QJsonObject LeaderboardSnapshot::toJson() const
{
    return {{u"id"_s, id},
            {u"board"_s, board},
            {u"created_at"_s, ids::formatTime(createdAt)},
            {u"groups"_s, groups}};
}

Result<LeaderboardSnapshot> LeaderboardService::buildSnapshot(const QString &board)
{
    if (auto b = checkBoard(board); !b)
        return b.error();
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus, [](Tx &tx) { return readCandidates(tx.conn()); });
    if (!began)
        return began.error();
    auto &[tx, groups] = *began;

    QJsonArray out;
    for (auto it = groups.begin(); it != groups.end(); ++it) {
        const bool lower = std::get<2>(it.key());
        QList<Candidate> &list = it.value();
        // A run's oldest claim speaks for it in this group.
        std::sort(list.begin(), list.end(), [](const Candidate &a, const Candidate &b) {
            return std::tie(a.createdAt, a.claimId) < std::tie(b.createdAt, b.claimId);
        });
        QSet<QString> seenRuns;
        QList<Candidate> unique;
        for (const auto &c : std::as_const(list)) {
            if (!seenRuns.contains(c.runId)) {
                seenRuns.insert(c.runId);
                unique.append(c);
            }
        }
        std::stable_sort(unique.begin(), unique.end(),
                         [lower](const Candidate &a, const Candidate &b) {
                             return lower ? a.observed < b.observed : a.observed > b.observed;
                         });
        QJsonArray entries;
        int rank = 0;
        for (int i = 0; i < unique.size() && i < kMaxEntriesPerGroup; ++i) {
            const Candidate &c = unique.at(i);
            if (i == 0 || c.observed != unique.at(i - 1).observed)
                rank = i + 1;
            const QJsonObject run{
                {u"name"_s, c.runName},
                {u"evidence"_s, c.evidence},
                {u"finished_at"_s, c.finishedAt ? QJsonValue(ids::formatTime(*c.finishedAt))
                                                : QJsonValue(QJsonValue::Null)}};
            entries.append(QJsonObject{{u"rank"_s, rank},
                                       {u"observed"_s, c.observed},
                                       {u"comparator"_s, c.comparator},
                                       {u"threshold"_s, c.threshold},
                                       {u"statement"_s, c.statement},
                                       {u"verified_at"_s, ids::formatTime(c.verifiedAt)},
                                       {u"museum_entry_id"_s, c.entryId},
                                       {u"title"_s, c.title},
                                       {u"run"_s, run}});
        }
        out.append(
            QJsonObject{{u"metric"_s, std::get<0>(it.key())},
                        {u"aggregate"_s, std::get<1>(it.key())},
                        {u"direction"_s, lower ? u"lower_is_better"_s : u"higher_is_better"_s},
                        {u"entries"_s, entries}});
    }

    LeaderboardSnapshot snap{ids::newUuid(), board, m_ctx.clock->nowMs(), out};
    const QByteArray payload =
        QJsonDocument(QJsonObject{{u"groups"_s, out}}).toJson(QJsonDocument::Compact);
    if (auto e = row::exec(
            tx.conn(),
            u"INSERT INTO leaderboard_snapshots (id, board, created_at, payload) VALUES (:id, :b, :t, :p)"_s,
            {{u":id"_s, snap.id},
             {u":b"_s, board},
             {u":t"_s, snap.createdAt},
             {u":p"_s, QString::fromUtf8(payload)}});
        !e)
        return e.error();
    tx.announce(u"leaderboard"_s, snap.id);
    if (auto cm = tx.commit(); !cm)
        return cm.error();
    return snap;
}

Result<LeaderboardSnapshot> LeaderboardService::latest(const QString &board)
{
    if (auto b = checkBoard(board); !b)
        return b.error();
    auto stored = row::first(m_ctx.db->connection(),
                             u"SELECT id, board, created_at, payload FROM leaderboard_snapshots "
                             "WHERE board = :b ORDER BY created_at DESC, id DESC LIMIT 1"_s,
                             {{u":b"_s, board}}, readSnapshot);
    if (!stored)
        return stored.error();
    if (*stored)
        return **stored;
    return buildSnapshot(board);
}

Result<Page<LeaderboardSnapshot>> LeaderboardService::history(const QString &board, int limit,
                                                              const QString &cursorText)
{
    if (auto b = checkBoard(board); !b)
        return b.error();
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(u"limit"_s, u"out_of_range"_s,
                                 u"limit must be between 1 and 200."_s);
    QString sql =
        u"SELECT id, board, created_at, payload FROM leaderboard_snapshots WHERE board = :b"_s;
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s);
    if (!keyset)
        return keyset.error();
    sql += keyset->sql();
    Query q(m_ctx.db->connection(), sql);
    q.bind(u":b"_s, board);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<LeaderboardSnapshot> page;
    while (q.next()) {
        auto s = readSnapshot(q);
        if (!s)
            return s.error();
        page.items.append(*s);
    }
    finishPage(page, limit, [](const LeaderboardSnapshot &x) {
        return cursor::TimeId{x.createdAt, x.id};
    });
    return page;
}

} // namespace wfx
