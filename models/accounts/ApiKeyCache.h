// SPDX-License-Identifier: Apache-2.0
// API keys already resolved, by the SHA-256 of their secret (never the secret
// itself), each valid only at the credentials generation it was resolved at.
// The store moves that generation in the transaction of every change that can
// make a resolution wrong (migration 0004), so a caller that reads the current
// generation first and asks find() with it gets an entry only if nothing
// changed since: a key revoked through another process misses on the next
// request. Bounded; thread-safe.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>

#include <optional>

namespace wfx {

class ApiKeyCache
{
public:
    struct Entry
    {
        QString keyId, userId, keyWorkspaceId;
        bool instanceAdmin = false;
    };

    static constexpr int kDefaultCapacity = 4096;
    explicit ApiKeyCache(int capacity = kDefaultCapacity) : m_capacity(capacity > 0 ? capacity : 1)
    {
    }

    // The entry for secretHash if it was resolved at `generation`.
    std::optional<Entry> find(const QByteArray &secretHash, qint64 generation) const;
    // Keeps a resolution made at `generation` (read before resolving). A newer
    // generation drops every older entry; an older one than held is ignored.
    // When full, an arbitrary entry makes room.
    void store(const QByteArray &secretHash, qint64 generation, const Entry &e);
    int size() const;
    int capacity() const { return m_capacity; }

private:
    mutable QMutex m_mutex;
    QHash<QByteArray, Entry> m_entries;
    qint64 m_generation = 0; // every entry's
    const int m_capacity;
};

} // namespace wfx
