// SPDX-License-Identifier: Apache-2.0
#include "accounts/MailOutbox.h"

#include "core/Clock.h"
#include "core/Ids.h"
#include "core/Keyset.h"
#include "db/Database.h"
#include "db/Tx.h"

namespace wfx {

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
} // namespace

Result<QString> MailOutbox::insertRow(Tx &tx, qint64 nowMs, const MailMessage &redacted)
{
    const QString id = ids::newUuid();
    Query q = tx.query(S("INSERT INTO mail_outbox (id, to_addr, subject, body, created_at) VALUES (:id, :to, :s, :b, :t)"));
    q.bind(S(":id"), id).bind(S(":to"), redacted.to).bind(S(":s"), redacted.subject).bind(S(":b"), redacted.body)
        .bind(S(":t"), nowMs);
    if (!q.exec())
        return q.error();
    return id;
}

Result<Page<OutboxEntry>> MailOutbox::list(const ModelContext &ctx, const Actor &actor, int limit,
                                           const QString &cursorText)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden();
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(S("limit"), S("out_of_range"));
    auto keyset = Keyset::parse(cursorText, S("created_at"), S("id"));
    if (!keyset)
        return keyset.error();
    Query q(ctx.db->connection(),
            S("SELECT id, to_addr, subject, body, created_at, sent_at, error FROM mail_outbox WHERE 1=1")
                + keyset->sql());
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<OutboxEntry> page;
    while (q.next()) {
        OutboxEntry e;
        e.id = q.str(0);
        e.to = q.str(1);
        e.subject = q.str(2);
        e.body = q.str(3);
        e.createdAt = q.i64(4);
        e.sentAt = q.isNull(5) ? 0 : q.i64(5);
        e.error = q.isNull(6) ? QString() : q.str(6);
        page.items.append(e);
    }
    finishPage(page, limit, [](const OutboxEntry &e) { return cursor::TimeId{e.createdAt, e.id}; });
    return page;
}

void MailOutbox::enqueue(const QString &outboxId, const MailMessage &message)
{
    QMutexLocker l(&m_mutex);
    m_pending.append({outboxId, message});
}

int MailOutbox::pendingCount() const
{
    QMutexLocker l(&m_mutex);
    return int(m_pending.size());
}

Result<int> MailOutbox::deliverPending()
{
    QMutexLocker pass(&m_deliverMutex);
    QList<Pending> batch;
    {
        QMutexLocker l(&m_mutex);
        batch.swap(m_pending);
    }
    int sent = 0;
    bool storeFailed = false;
    for (const Pending &p : std::as_const(batch)) {
        const Status st = m_transport ? m_transport->send(p.message)
                                      : Status(Error{ErrorCode::Unavailable, S("No mail transport is configured.")});
        Query q(m_ctx.db->connection(),
                st.ok() ? S("UPDATE mail_outbox SET sent_at = :t, error = NULL WHERE id = :id")
                        : S("UPDATE mail_outbox SET error = :e WHERE id = :id"));
        q.bind(S(":id"), p.id);
        if (st.ok()) {
            q.bind(S(":t"), m_ctx.clock->nowMs());
            ++sent;
        } else {
            q.bind(S(":e"), st.error().message.left(500));
        }
        if (!q.exec())
            storeFailed = true; // keep going: the message itself was handled
    }
    if (storeFailed)
        return Error::internal(S("Store error."));
    return sent;
}

} // namespace wfx
