// SPDX-License-Identifier: Apache-2.0
#include "accounts/MailOutbox.h"

#include "core/Clock.h"
#include "core/Ids.h"
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
