// SPDX-License-Identifier: Apache-2.0
#include "models/accounts/ApiKeyUsage.h"

#include <algorithm>

namespace wfx {

void ApiKeyUsage::record(const QString &keyId, qint64 atMs)
{
    QMutexLocker l(&m_mutex);
    qint64 &slot = m_uses[keyId];
    slot = std::max(slot, atMs);
}

qint64 ApiKeyUsage::pending(const QString &keyId) const
{
    QMutexLocker l(&m_mutex);
    return m_uses.value(keyId, 0);
}

int ApiKeyUsage::pendingCount() const
{
    QMutexLocker l(&m_mutex);
    return int(m_uses.size());
}

QHash<QString, qint64> ApiKeyUsage::take()
{
    QMutexLocker l(&m_mutex);
    QHash<QString, qint64> out;
    out.swap(m_uses);
    return out;
}

void ApiKeyUsage::restore(const QHash<QString, qint64> &uses)
{
    QMutexLocker l(&m_mutex);
    for (auto it = uses.cbegin(); it != uses.cend(); ++it) {
        qint64 &slot = m_uses[it.key()];
        slot = std::max(slot, it.value());
    }
}

} // namespace wfx
