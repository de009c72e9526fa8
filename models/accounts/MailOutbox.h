// SPDX-License-Identifier: Apache-2.0
// Outgoing mail: every message gets a mail_outbox row (what was sent to whom,
// and when or why not), while the message itself waits in memory until
// deliverPending() hands it to the transport. Messages can carry one-time
// secrets (reset links), so the row holds a redacted body and the secret never
// reaches the store; and since delivery happens off the request path, the
// time a request takes does not tell whether a message was queued.
#pragma once

#include "models/accounts/MailTransport.h"
#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"

#include <QList>
#include <QMutex>

#include <memory>

namespace wfx {

class Tx;

// An outbox row as the administrator sees it (the body is the redacted one).
struct OutboxEntry
{
    QString id, to, subject, body, error;
    qint64 createdAt = 0;
    qint64 sentAt = 0; // 0: not sent
};

class MailOutbox
{
public:
    // transport may be null: messages are then recorded as undeliverable.
    MailOutbox(ModelContext ctx, std::shared_ptr<MailTransport> transport)
        : m_ctx(std::move(ctx)), m_transport(std::move(transport))
    {
    }

    // Writes the outbox row inside the caller's transaction; returns its id.
    static Result<QString> insertRow(Tx &tx, qint64 nowMs, const MailMessage &redacted);
    // The outbox, newest first: the instance administrator (or the system) only.
    static Result<Page<OutboxEntry>> list(const ModelContext &ctx, const Actor &actor, int limit,
                                          const QString &cursor);
    // Queues the real message for the row (call after the transaction committed).
    void enqueue(const QString &outboxId, const MailMessage &message);
    int pendingCount() const;
    // Sends every queued message and records sent_at or the error on its row.
    // Returns how many were sent. Thread-safe; callers run it on a timer.
    Result<int> deliverPending();

private:
    struct Pending
    {
        QString id;
        MailMessage message;
    };
    ModelContext m_ctx;
    std::shared_ptr<MailTransport> m_transport;
    mutable QMutex m_mutex;
    QList<Pending> m_pending;
    QMutex m_deliverMutex; // one delivery pass at a time
};

} // namespace wfx
