// SPDX-License-Identifier: Apache-2.0
#include "models/accounts/ApiKeyCache.h"

namespace wfx {

std::optional<ApiKeyCache::Entry> ApiKeyCache::find(const QByteArray &secretHash,
                                                    qint64 generation) const
{
    QMutexLocker l(&m_mutex);
    if (generation != m_generation)
        return std::nullopt;
    const auto it = m_entries.constFind(secretHash);
    if (it == m_entries.cend())
        return std::nullopt;
    return *it;
}

void ApiKeyCache::store(const QByteArray &secretHash, qint64 generation, const Entry &e)
{
    QMutexLocker l(&m_mutex);
    if (generation < m_generation)
        return;
    if (generation > m_generation) {
        m_entries.clear();
        m_generation = generation;
    }
    if (m_entries.size() >= m_capacity && !m_entries.contains(secretHash))
        m_entries.erase(m_entries.begin());
    m_entries.insert(secretHash, e);
}

int ApiKeyCache::size() const
{
    QMutexLocker l(&m_mutex);
    return int(m_entries.size());
}

} // namespace wfx
