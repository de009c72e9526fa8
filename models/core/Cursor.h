// SPDX-License-Identifier: Apache-2.0
// Opaque keyset cursors: the last row's sort key, authenticated so that a
// cursor the server did not issue is refused (validation_error).
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QString>

#include <optional>

namespace wfx {

template<typename T>
struct Page
{
    QList<T> items;
    QString nextCursor; // empty: no further page
};

namespace cursor {

// The instance's cursor key (shared by every process on one store).
void setKey(const QByteArray &key);
QString encode(const QJsonArray &key);
std::optional<QJsonArray> decode(const QString &cursor);

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;

} // namespace cursor
} // namespace wfx
