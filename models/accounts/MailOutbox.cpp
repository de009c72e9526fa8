// SPDX-License-Identifier: Apache-2.0
#include "models/accounts/MailOutbox.h"

#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
} // namespace

Result<QString> MailOutbox::insertRow(Tx &tx, qint64 nowMs, const MailMessage &redacted)
{
    const QString id = ids::newUuid();
    if (auto e = row::exec(
            tx.conn(),
            u"INSERT INTO mail_outbox (id, to_addr, subject, body, created_at) VALUES (:id, :to, :s, :b, :t)"_s,
            {{u":id"_s, id},
             {u":to"_s, redacted.to},
             {u":s"_s, redacted.subject},
             {u":b"_s, redacted.body},
             {u":t"_s, nowMs}});
        !e)
        return e.error();
    return id;
}

Result<Page<OutboxEntry>> MailOutbox::list(const ModelContext &ctx, const Actor &actor, int limit,
                                           const QString &cursorText)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden();
    if (limit < 1 || limit > cursor::kMaxLimit)
        return Error::validation(u"limit"_s, u"out_of_range"_s);
    auto keyset = Keyset::parse(cursorText, u"created_at"_s, u"id"_s);
    if (!keyset)
        return keyset.error();
    return row::page<OutboxEntry>(
        ctx.db->connection(),
        u"SELECT id, to_addr, subject, body, created_at, sent_at, error FROM mail_outbox WHERE 1=1"_s,
        *keyset, limit, row::noBinds, [](const Query &q) {
            OutboxEntry e;
            row::read(q, e.id, e.to, e.subject, e.body, e.createdAt, e.sentAt, e.error);
            return e;
        });
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
        const Status st =
            m_transport
                ? m_transport->send(p.message)
                : Status(Error{ErrorCode::Unavailable, u"No mail transport is configured."_s});
        Query q(m_ctx.db->connection(),
                st.ok() ? u"UPDATE mail_outbox SET sent_at = :t, error = NULL WHERE id = :id"_s
                        : u"UPDATE mail_outbox SET error = :e WHERE id = :id"_s);
        q.bind(u":id"_s, p.id);
        if (st.ok()) {
            q.bind(u":t"_s, m_ctx.clock->nowMs());
            ++sent;
        } else {
            q.bind(u":e"_s, st.error().message.left(500));
        }
        if (!q.exec())
            storeFailed = true; // keep going: the message itself was handled
    }
    if (storeFailed)
        return Error::internal(u"Store error."_s);
    return sent;
}

} // namespace wfx
