// SPDX-License-Identifier: Apache-2.0
// When each API key was last used, kept in memory between flushes so that
// authenticating a request costs no write. Shared by every ApiKeyService of a
// process; thread-safe.
#pragma once

#include <QHash>
#include <QMutex>
#include <QString>

namespace wfx {

class ApiKeyUsage
{
public:
    void record(const QString &keyId, qint64 atMs);
    // The latest unflushed use of a key, 0 if none.
    qint64 pending(const QString &keyId) const;
    int pendingCount() const;
    // Hands over everything recorded so far and forgets it.
    QHash<QString, qint64> take();
    // Puts back uses whose flush failed (keeping the later time per key).
    void restore(const QHash<QString, qint64> &uses);

private:
    mutable QMutex m_mutex;
    QHash<QString, qint64> m_uses;
};

} // namespace wfx
