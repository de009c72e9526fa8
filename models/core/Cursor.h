// SPDX-License-Identifier: Apache-2.0
// Opaque keyset cursors: the last row's sort key, authenticated so that a
// cursor the server did not issue is refused (validation_error).
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QString>

#include "models/core/Result.h"

#include <optional>

namespace wfx {

class Database;

template <typename T> struct Page
{
    QList<T> items;
    QString nextCursor; // empty: no further page
};

namespace cursor {

// The instance's cursor key (shared by every process on one store).
void setKey(const QByteArray &key);
// Reads the key kept in the store (instance_settings), creating it once, and
// installs it: cursors stay valid across restarts and across processes.
bool loadKeyFromStore(Database &db);
QString encode(const QJsonArray &key);
std::optional<QJsonArray> decode(const QString &cursor);

// The common (created_at, id) keyset: encode the last row of a page, decode a
// cursor or answer validation_error (field "cursor", issue "invalid").
QString encodeTimeId(qint64 createdAt, const QString &id);
struct TimeId
{
    qint64 createdAt = 0;
    QString id;
};
Result<TimeId> decodeTimeId(const QString &cursor);

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;

// A page size from 1 to max, or validation_error (field "limit", issue "invalid").
Status checkLimit(qint64 limit, qint64 max = kMaxLimit);

} // namespace cursor
} // namespace wfx
