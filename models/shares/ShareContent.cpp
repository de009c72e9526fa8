// SPDX-License-Identifier: Apache-2.0
#include "models/shares/ShareContent.h"

#include "models/db/NativeQuery.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/shares/ShareSnapshot.h"

using namespace Qt::StringLiterals;

namespace wfx::sharecontent {

namespace {

// The snapshot the share keeps (taken when it was created). A share made
// before snapshots were kept takes it at its first public read, once; `keep`
// false (the inspector, which records nothing) builds it without keeping it.
Result<QByteArray> storedSnapshot(const QSqlDatabase &conn, const Share &share,
                                  const ShareLimits &limits, bool keep, bool *kept)
{
    *kept = true;
    {
        NativeQuery q(conn, "SELECT snapshot FROM shares WHERE id = $1");
        q.bind(1, share.id);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return Error::notFound(u"Share"_s);
        if (!q.isNull(0))
            return q.text(0).toByteArray();
    }
    auto taken = ShareSnapshot::take(conn, share.runId, share.artifactId, limits);
    if (!taken)
        return taken.error();
    if (!keep) {
        *kept = false;
        return taken;
    }
    // Another reader may have taken it meanwhile: the first one stays.
    if (auto e = row::exec(conn,
                           u"UPDATE shares SET snapshot = :s WHERE id = :id AND snapshot IS NULL"_s,
                           {{u":s"_s, QString::fromUtf8(*taken)}, {u":id"_s, share.id}});
        !e)
        return e.error();
    Query again(conn, u"SELECT snapshot FROM shares WHERE id = :id"_s);
    again.bind(u":id"_s, share.id);
    if (!again.exec())
        return again.error();
    return again.next() && !again.isNull(0) ? again.str(0).toUtf8() : *taken;
}

} // namespace

Result<Content> evaluate(const QSqlDatabase &conn, const Share &share, const ShareLimits &limits,
                         const PolicyVerdicts &verdicts, bool keepSnapshot)
{
    // Evidence and the artifact's state are the run's as it is now (a signature
    // sent later may change the evidence while the run is not finished).
    NativeQuery run(conn, "SELECT evidence FROM runs WHERE id = $1");
    run.bind(1, share.runId);
    if (!run.exec())
        return run.error();
    if (!run.next())
        return Content{PublicState::NotFound,
                       {QT_TRANSLATE_NOOP("wfx::Words", "the shared run no longer exists"), {}},
                       {},
                       {}};
    if (run.text(0) == "unverified")
        return Content{
            PublicState::EvidenceUnverified,
            {QT_TRANSLATE_NOOP(
                 "wfx::Words",
                 "the run's signature does not verify against its manifest (evidence unverified)"),
             {}},
            {},
            {}};
    if (!share.artifactId.isEmpty()) {
        auto a = ShareSnapshot::loadArtifact(conn, share.artifactId);
        if (!a)
            return a.error();
        if (!*a)
            return Content{PublicState::ArtifactFiltered,
                           {QT_TRANSLATE_NOOP("wfx::Words", "the shared artifact was deleted"), {}},
                           {},
                           {}};
        if ((*a)->runId != share.runId)
            return Content{
                PublicState::ArtifactFiltered,
                {QT_TRANSLATE_NOOP("wfx::Words", "the shared artifact belongs to another run, "
                                                 "which this share does not make public"),
                 {}},
                {},
                {}};
        if ((*a)->state != QLatin1String("committed"))
            return Content{
                PublicState::ArtifactFiltered,
                {QT_TRANSLATE_NOOP("wfx::Words", "the shared artifact %1 is %2, not committed"),
                 {Words::text((*a)->name), Words::text((*a)->state)}},
                {},
                {}};
    }
    bool kept = false;
    auto snap = storedSnapshot(conn, share, limits, keepSnapshot, &kept);
    if (!snap)
        return snap.error();
    // Only a kept snapshot's verdict is remembered: one built for a look may
    // differ from the one the first public read will keep.
    auto verdict = kept ? verdicts.judge(share.id, *snap) : verdicts.judgeOnce(*snap);
    if (!verdict)
        return verdict.error();
    if (const std::optional<PolicyViolation> &v = *verdict) {
        return Content{
            PublicState::PayloadRejected,
            {QT_TRANSLATE_NOOP("wfx::Words", "field %1 breaks the public payload policy: %2"),
             {Words::text(v->path), Words::nested(v->why)}},
            v->path,
            {}};
    }
    return Content{
        PublicState::Active,
        {QT_TRANSLATE_NOOP("wfx::Words", "the share is active and its snapshot may be shown"), {}},
        {},
        *snap};
}

} // namespace wfx::sharecontent
