// SPDX-License-Identifier: Apache-2.0
#include "models/shares/PublicShareResolver.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/RateLimiter.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/NativeQuery.h"
#include "models/db/Tx.h"
#include "models/shares/ShareContent.h"
#include "models/shares/ShareService.h"
#include "models/shares/ShareSnapshot.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTimeZone>
#include <QUrl>

#include <algorithm>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcShares, "wfx.models.shares", QtInfoMsg)

namespace wfx {

namespace {
QByteArray num(qint64 n)
{
    return QByteArray::number(n);
}

const QByteArray kReadPolicy = QByteArrayLiteral("\"share-read\"");
const QByteArray kPasswordPolicy = QByteArrayLiteral("\"share-password\"");
constexpr int kMaxAddressLength = 64;

struct ShareRow
{
    Share share;
    QString passwordHash;
};

// Addresses only name buckets; keep them short and in one spelling.
QString normaliseAddress(const QString &address)
{
    QString a = address.trimmed().toLower();
    if (a.startsWith(QLatin1String("::ffff:")) && a.contains(QLatin1Char('.')))
        a = a.mid(7);
    if (a.isEmpty())
        a = u"-"_s;
    return a.left(kMaxAddressLength);
}

QString readBucket(const QString &shareId, const QString &addr)
{
    return u"share-read:"_s + (shareId.isEmpty() ? u"unknown"_s : shareId) + QLatin1Char(':') +
           addr;
}

QString passwordBucket(const QString &shareId, const QString &addr)
{
    return u"share-pw:"_s + shareId + QLatin1Char(':') + addr;
}

qint64 secsCeil(qint64 ms)
{
    return std::max<qint64>(1, (ms + 999) / 1000);
}

Result<std::optional<ShareRow>> lookupToken(const QSqlDatabase &conn, const QString &token,
                                            qint64 now)
{
    QString hash;
    auto s = ShareService::loadByTokenHash(conn, ShareService::tokenHash(token), now, &hash);
    if (!s)
        return Error{ErrorCode::Unavailable, u"The store is not available."_s};
    if (!*s)
        return std::optional<ShareRow>();
    return std::optional<ShareRow>(ShareRow{**s, hash});
}

Result<QString> passwordHashOf(const QSqlDatabase &conn, const QString &shareId)
{
    Query q(conn, u"SELECT password_hash FROM shares WHERE id = :id"_s);
    q.bind(u":id"_s, shareId);
    if (!q.exec())
        return q.error();
    return q.next() && !q.isNull(0) ? q.str(0) : QString();
}

// What the console may do with a share: look (Viewer) or change it (Member,
// not restricted).
enum class ShareUse { Read, Change };

Result<Share> checkedShare(const QSqlDatabase &conn, const Actor &actor, const QString &shareId,
                           qint64 now, ShareUse use)
{
    auto s = ShareService::loadById(conn, shareId, now);
    if (!s)
        return s.error();
    if (!*s)
        return Error::notFound(u"Share"_s);
    const QString &ws = (*s)->workspaceId;
    if (auto r = use == ShareUse::Read
                     ? access::requireRole(conn, actor, ws, Role::Viewer, u"Share"_s)
                     : access::requireWrite(conn, actor, ws, Role::Member, u"Share"_s);
        !r)
        return r.error();
    return **s;
}

ShareVerdict verdictOf(PublicState s, const Words &why, const QString &policyPath = {})
{
    return ShareVerdict{s,
                        PublicShareResolver::statusOf(s),
                        PublicShareResolver::codeOf(s),
                        why.english(),
                        why,
                        policyPath};
}
} // namespace

Result<std::optional<PolicyViolation>> PolicyVerdicts::judgeOnce(const QByteArray &snapshot) const
{
    const QJsonDocument doc = QJsonDocument::fromJson(snapshot);
    if (!doc.isObject())
        return Error::internal(u"A share's snapshot is not a JSON object."_s);
    return m_policy.judge(doc.object());
}

Result<std::optional<PolicyViolation>> PolicyVerdicts::judge(const QString &shareId,
                                                             const QByteArray &snapshot) const
{
    {
        QMutexLocker lock(&m_mutex);
        if (auto it = m_known.constFind(shareId); it != m_known.cend())
            return *it;
    }
    auto judged = judgeOnce(snapshot);
    if (!judged)
        return judged.error();
    const std::optional<PolicyViolation> v = *judged;
    QMutexLocker lock(&m_mutex);
    if (m_known.size() >= kMaxKnown)
        m_known.clear();
    m_known.insert(shareId, v);
    return v;
}

QJsonObject PublicAnswer::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QByteArray PublicAnswer::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

QJsonObject ShareVerdict::toJson() const
{
    QJsonObject o{{u"state"_s, PublicShareResolver::nameOf(state)},
                  {u"order"_s, int(state)},
                  {u"status"_s, status},
                  {u"code"_s, code.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(code)},
                  {u"reason"_s, reason}};
    if (!policyPath.isEmpty())
        o.insert(u"policy_path"_s, policyPath);
    return o;
}

QJsonObject ShareExplanation::toJson() const
{
    QJsonObject o = verdict.toJson();
    o.insert(u"share_id"_s, shareId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(shareId));
    o.insert(u"client_address"_s, clientAddress);
    if (withPassword)
        o.insert(u"with_password"_s, withPassword->toJson());
    o.insert(u"notes"_s, QJsonArray::fromStringList(notes));
    return o;
}

PublicShareResolver::PublicShareResolver(ModelContext ctx, ShareLimits limits, PayloadPolicy policy)
    : m_ctx(std::move(ctx)), m_limits(limits),
      m_verdicts(std::make_shared<const PolicyVerdicts>(std::move(policy)))
{
    m_limits.readLimit = std::max(1, m_limits.readLimit);
    m_limits.readWindowMs = std::max<qint64>(1000, m_limits.readWindowMs);
    m_limits.passwordAttempts = std::max(1, m_limits.passwordAttempts);
    m_limits.passwordWindowMs = std::max<qint64>(1000, m_limits.passwordWindowMs);
    m_limits.lockMs = std::max<qint64>(1000, m_limits.lockMs);
}

namespace {

// What each state answers, in one table (the enum's order, from 1).
struct StateWords
{
    PublicState state;
    int status;
    QStringView code, name, message; // code and message empty for Active
};

constexpr StateWords kStateWords[] = {
    {PublicState::RateLimited, 429, u"share_rate_limited", u"rate_limited",
     u"Too many reads of this share; try again later."},
    {PublicState::NotFound, 404, u"share_not_found", u"not_found", u"Share not found."},
    {PublicState::Revoked, 410, u"share_revoked", u"revoked", u"This share has been revoked."},
    {PublicState::Expired, 410, u"share_expired", u"expired", u"This share has expired."},
    {PublicState::PasswordLocked, 429, u"share_password_locked", u"password_locked",
     u"Too many wrong passwords; try again later."},
    {PublicState::PasswordRequired, 401, u"share_password_required", u"password_required",
     u"This share needs a password."},
    {PublicState::WrongPassword, 401, u"share_wrong_password", u"wrong_password",
     u"Wrong password."},
    {PublicState::EvidenceUnverified, 409, u"evidence_unverified", u"evidence_unverified",
     u"The run's evidence could not be verified."},
    {PublicState::ArtifactFiltered, 409, u"artifact_filtered", u"artifact_filtered",
     u"The shared artifact is not available."},
    {PublicState::PayloadRejected, 409, u"public_payload_policy_rejected",
     u"payload_policy_rejected", u"This run cannot be shown publicly."},
    {PublicState::Active, 200, {}, u"active", {}},
};

// A value outside the enum answers as NotFound.
const StateWords &wordsOf(PublicState s)
{
    for (const StateWords &w : kStateWords) {
        if (w.state == s)
            return w;
    }
    return kStateWords[1];
}

QString toText(QStringView v)
{
    return v.isEmpty() ? QString() : v.toString();
}

} // namespace

int PublicShareResolver::statusOf(PublicState s)
{
    return wordsOf(s).status;
}

QString PublicShareResolver::codeOf(PublicState s)
{
    return toText(wordsOf(s).code);
}

QString PublicShareResolver::nameOf(PublicState s)
{
    return toText(wordsOf(s).name);
}

QString PublicShareResolver::publicMessage(PublicState s)
{
    return toText(wordsOf(s).message);
}

Result<PublicAnswer> PublicShareResolver::resolve(const QString &token,
                                                  const QString &clientAddress,
                                                  const std::optional<QString> &password)
{
    const qint64 now = m_ctx.clock->nowMs();
    const QString addr = normaliseAddress(clientAddress);
    QSqlDatabase conn = m_ctx.db->connection();

    // The token decides the bucket, so it is looked up (by hash) before the count;
    // a malformed one never reaches the store.
    std::optional<ShareRow> row;
    if (ShareService::isWellFormedToken(token)) {
        auto r = lookupToken(conn, token, now);
        if (!r)
            return r.error();
        row = *r;
    }
    RateLimiter limiter(m_ctx);
    // A sliding window: a read counts for exactly readWindowMs (to the second),
    // whatever the clock's minute boundaries.
    auto read = limiter.hitSliding(readBucket(row ? row->share.id : QString(), addr),
                                   m_limits.readLimit, m_limits.readWindowMs);
    if (!read)
        return read.error();

    const qint64 windowSecs = secsCeil(m_limits.readWindowMs);
    const QByteArray readPolicy =
        kReadPolicy + ";q=" + num(m_limits.readLimit) + ";w=" + num(windowSecs);
    const QByteArray readState =
        kReadPolicy + ";r=" + num(read->remaining) + ";t=" + num(read->resetSecs);

    PublicAnswer a;
    auto finish = [&](PublicState st) {
        a.state = st;
        a.status = statusOf(st);
        a.code = codeOf(st);
        a.message = publicMessage(st);
        a.headers.prepend({QByteArrayLiteral("Cache-Control"),
                           st == PublicState::Active ? QByteArrayLiteral("private, no-store")
                                                     : QByteArrayLiteral("no-store")});
        return a;
    };
    auto readHeaders = [&]() {
        a.headers.append({QByteArrayLiteral("RateLimit-Limit"), num(m_limits.readLimit)});
        a.headers.append({QByteArrayLiteral("RateLimit-Remaining"), num(read->remaining)});
        a.headers.append({QByteArrayLiteral("RateLimit-Reset"), num(read->resetSecs)});
        a.headers.append({QByteArrayLiteral("RateLimit-Policy"), readPolicy});
        a.headers.append({QByteArrayLiteral("RateLimit"), readState});
    };

    // 1. read rate limited
    if (!read->allowed) {
        readHeaders();
        a.headers.append({QByteArrayLiteral("Retry-After"), num(read->resetSecs)});
        return finish(PublicState::RateLimited);
    }
    // 2. not found, malformed or mismatched
    if (!row) {
        readHeaders();
        return finish(PublicState::NotFound);
    }
    const Share &share = row->share;
    a.shareId = share.id;
    // 3. revoked, 4. expired
    if (share.revokedAt) {
        readHeaders();
        return finish(PublicState::Revoked);
    }
    if (share.expiresAt && *share.expiresAt <= now) {
        readHeaders();
        return finish(PublicState::Expired);
    }
    if (!row->passwordHash.isEmpty()) {
        const QString pwBucket = passwordBucket(share.id, addr);
        const RateLimiter::Lockout lockout{m_limits.passwordAttempts, m_limits.passwordWindowMs,
                                           m_limits.lockMs};
        auto lockedAnswer = [&](qint64 until) {
            const qint64 reset = secsCeil(until - now);
            const qint64 lockWindow = secsCeil(m_limits.passwordWindowMs);
            a.headers.append(
                {QByteArrayLiteral("RateLimit-Limit"), num(m_limits.passwordAttempts)});
            a.headers.append({QByteArrayLiteral("RateLimit-Remaining"), QByteArrayLiteral("0")});
            a.headers.append({QByteArrayLiteral("RateLimit-Reset"), num(reset)});
            a.headers.append({QByteArrayLiteral("RateLimit-Policy"),
                              kPasswordPolicy + ";q=" + num(m_limits.passwordAttempts) +
                                  ";w=" + num(lockWindow) + ", " + readPolicy});
            a.headers.append({QByteArrayLiteral("RateLimit"),
                              kPasswordPolicy + ";r=0;t=" + num(reset) + ", " + readState});
            a.headers.append({QByteArrayLiteral("Retry-After"), num(reset)});
            return finish(PublicState::PasswordLocked);
        };
        // 5. password locked for this client (a read: every answer while locked is 429)
        auto locked = limiter.lockedUntil(pwBucket);
        if (!locked)
            return locked.error();
        if (*locked > 0)
            return lockedAnswer(*locked);
        // 6. password required, none sent
        if (!password || password->isEmpty()) {
            readHeaders();
            return finish(PublicState::PasswordRequired);
        }
        // 7. wrong password. An attempt is reserved before scrypt runs, so a
        // request over the limit never checks, and only one whose own
        // reservation landed may answer 401 (the one that reaches the limit
        // still does); a right password gives its attempt back (RateLimiter.h).
        auto attempt = limiter.reserveAttempt(pwBucket, lockout);
        if (!attempt)
            return attempt.error();
        if (!attempt->granted)
            return lockedAnswer(attempt->lockedUntilMs);
        const bool right = password->size() <= ShareService::kPasswordMax &&
                           crypto::verifyPassword(*password, row->passwordHash);
        if (!right) {
            auto f = limiter.confirmFailure(pwBucket, *attempt, lockout);
            if (!f)
                return f.error();
            if (!f->allowed)
                qCInfo(lcShares) << "share" << share.id
                                 << "locked for a client after wrong passwords";
            readHeaders();
            return finish(PublicState::WrongPassword);
        }
        if (auto r = limiter.releaseAttempt(pwBucket, *attempt); !r)
            return r.error();
    }
    // 8. evidence, 9. artifact, 10. payload policy, 11. active
    auto content = sharecontent::evaluate(conn, share, m_limits, *m_verdicts, true);
    if (!content)
        return content.error();
    readHeaders();
    if (content->state == PublicState::PayloadRejected)
        a.policyPath = content->policyPath; // the caller logs it for the administrator
    if (content->state == PublicState::Active)
        a.body = content->snapshot;
    return finish(content->state);
}

Result<ShareExplanation> PublicShareResolver::explain(const Actor &actor,
                                                      const QString &tokenLinkOrId,
                                                      const QString &clientAddress)
{
    const qint64 now = m_ctx.clock->nowMs();
    QSqlDatabase conn = m_ctx.db->connection();
    ShareExplanation out;
    out.clientAddress = clientAddress.trimmed();
    const QString addr =
        out.clientAddress.isEmpty() ? QString() : normaliseAddress(out.clientAddress);

    // A pasted link: the token is its last path segment.
    QString input = tokenLinkOrId.trimmed();
    if (input.contains(QLatin1Char('/'))) {
        input = input.section(QLatin1Char('#'), 0, 0).section(QLatin1Char('?'), 0, 0);
        while (input.endsWith(QLatin1Char('/')))
            input.chop(1);
        input = QUrl::fromPercentEncoding(input.section(QLatin1Char('/'), -1).toUtf8());
    }

    std::optional<ShareRow> row;
    bool malformed = false;
    if (ids::isUuid(input)) {
        auto s = ShareService::loadById(conn, input, now);
        if (!s)
            return s.error();
        if (*s) {
            auto hash = passwordHashOf(conn, (*s)->id);
            if (!hash)
                return hash.error();
            row = ShareRow{**s, *hash};
        }
    } else if (ShareService::isWellFormedToken(input)) {
        auto r = lookupToken(conn, input, now);
        if (!r)
            return r.error();
        row = *r;
    } else {
        malformed = true;
    }
    if (row && !access::requireRole(conn, actor, row->share.workspaceId, Role::Viewer).ok())
        row.reset(); // existence outside the actor's workspaces is not revealed
    if (row)
        out.shareId = row->share.id;

    RateLimiter limiter(m_ctx);
    std::optional<ShareVerdict> rateVerdict;
    if (addr.isEmpty()) {
        out.note({QT_TRANSLATE_NOOP("wfx::Words", "No client address given: the read budget and "
                                                  "the password lock were not checked."),
                  {}});
    } else {
        auto read = limiter.peekSliding(readBucket(out.shareId, addr), m_limits.readLimit,
                                        m_limits.readWindowMs);
        if (!read)
            return read.error();
        if (!read->allowed) {
            rateVerdict = verdictOf(
                PublicState::RateLimited,
                {row ? QT_TRANSLATE_NOOP("wfx::Words", "%1 has used all %2 reads of the last "
                                                       "window; the next read is allowed in %3")
                     : QT_TRANSLATE_NOOP("wfx::Words", "%1 has used all %2 reads of the last "
                                                       "window for tokens that match no share; "
                                                       "the next read is allowed in %3"),
                 {Words::text(addr), Words::count(m_limits.readLimit),
                  Words::duration(read->resetSecs * 1000)}});
        } else {
            out.note(
                {QT_TRANSLATE_NOOP("wfx::Words", "%1 has %2 of %3 reads left in the last window."),
                 {Words::text(addr), Words::count(read->remaining),
                  Words::count(m_limits.readLimit)}});
        }
    }

    // States 2 to 11 as a reader without a password meets them.
    ShareVerdict v;
    if (!row) {
        v = verdictOf(
            PublicState::NotFound,
            malformed
                ? Words{QT_TRANSLATE_NOOP(
                            "wfx::Words",
                            "the token is malformed: a share token is %1 followed by 43 "
                            "base64url characters"),
                        {Words::text(ShareService::tokenPrefixText())}}
                : Words{QT_TRANSLATE_NOOP("wfx::Words",
                                          "no share in your workspaces matches this token or id"),
                        {}});
    } else if (const Share &s = row->share; s.revokedAt) {
        v = verdictOf(PublicState::Revoked,
                      {QT_TRANSLATE_NOOP("wfx::Words", "revoked %1 ago, at %2"),
                       {Words::duration(now - *s.revokedAt), Words::instant(*s.revokedAt)}});
    } else if (s.expiresAt && *s.expiresAt <= now) {
        v = verdictOf(PublicState::Expired,
                      {QT_TRANSLATE_NOOP("wfx::Words", "expired %1 ago, at %2"),
                       {Words::duration(now - *s.expiresAt), Words::instant(*s.expiresAt)}});
    } else {
        std::optional<ShareVerdict> pre;
        if (!row->passwordHash.isEmpty()) {
            qint64 lockedUntil = 0;
            if (!addr.isEmpty()) {
                auto l = limiter.lockedUntil(passwordBucket(s.id, addr));
                if (!l)
                    return l.error();
                lockedUntil = *l;
            }
            if (lockedUntil > 0) {
                pre = verdictOf(
                    PublicState::PasswordLocked,
                    {QT_TRANSLATE_NOOP("wfx::Words",
                                       "locked for %1 until %2 (in %3) after %4 wrong passwords"),
                     {Words::text(addr), Words::clock(lockedUntil),
                      Words::duration(lockedUntil - now),
                      Words::count(m_limits.passwordAttempts)}});
            } else {
                pre = verdictOf(
                    PublicState::PasswordRequired,
                    {QT_TRANSLATE_NOOP(
                         "wfx::Words",
                         "the share has a password; a reader who sends none gets 401, a wrong "
                         "one 401, and %1 wrong ones within %2 lock it for that reader for %3"),
                     {Words::count(m_limits.passwordAttempts),
                      Words::duration(m_limits.passwordWindowMs),
                      Words::duration(m_limits.lockMs)}});
            }
        }
        if (s.expiresAt)
            out.note({QT_TRANSLATE_NOOP("wfx::Words", "Expires in %1, at %2."),
                      {Words::duration(*s.expiresAt - now), Words::instant(*s.expiresAt)}});
        auto content = sharecontent::evaluate(conn, s, m_limits, *m_verdicts, false);
        if (!content)
            return content.error();
        const ShareVerdict cv = verdictOf(content->state, content->why, content->policyPath);
        if (pre) {
            v = *pre;
            out.withPassword = cv;
        } else {
            v = cv;
        }
    }
    if (rateVerdict) {
        out.note({QT_TRANSLATE_NOOP("wfx::Words", "Once the read window ends it answers %1: %2."),
                  {Words::text(v.code.isEmpty() ? QString::number(v.status) : v.code),
                   Words::nested(v.why)}});
        out.verdict = *rateVerdict;
    } else {
        out.verdict = v;
    }
    return out;
}

Result<bool> PublicShareResolver::passwordMatches(const Actor &actor, const QString &shareId,
                                                  const QString &password)
{
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto s = checkedShare(conn, actor, shareId, m_ctx.clock->nowMs(), ShareUse::Read); !s)
        return s.error();
    auto hash = passwordHashOf(conn, shareId);
    if (!hash)
        return hash.error();
    return !hash->isEmpty() && password.size() <= ShareService::kPasswordMax &&
           crypto::verifyPassword(password, *hash);
}

Result<bool> PublicShareResolver::unlock(const Actor &actor, const QString &shareId,
                                         const QString &clientAddress)
{
    const QString addr = normaliseAddress(clientAddress);
    if (clientAddress.trimmed().isEmpty())
        return Error::validation(u"client_address"_s, u"required"_s,
                                 u"A client address is needed to unlock."_s);
    QSqlDatabase conn = m_ctx.db->connection();
    auto s = checkedShare(conn, actor, shareId, m_ctx.clock->nowMs(), ShareUse::Change);
    if (!s)
        return s.error();
    RateLimiter limiter(m_ctx);
    const QString bucket = passwordBucket(shareId, addr);
    auto locked = limiter.lockedUntil(bucket);
    if (!locked)
        return locked.error();
    // The counted wrong passwords go too, so the reader starts afresh.
    if (auto u = limiter.unlock(bucket); !u)
        return u.error();
    if (*locked == 0)
        return false;
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto c =
            AuditService::commit(tx, m_ctx.clock->nowMs(), actor, u"share.unlock"_s, s->workspaceId,
                                 u"share"_s, shareId, {{u"client_address"_s, addr}});
        !c)
        return c.error();
    return true;
}

} // namespace wfx
