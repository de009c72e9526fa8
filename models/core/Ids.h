// SPDX-License-Identifier: Apache-2.0
// Identifier and time formats of the contract: lowercase UUIDs, RFC 3339 UTC with Z.
#pragma once

#include <QString>

#include <optional>

namespace wfx::ids {

QString newUuid();
bool isUuid(const QString &s);

// RFC 3339 UTC with milliseconds and Z, e.g. 2026-11-01T10:00:00.000Z
QString formatTime(qint64 ms);
// The same 24 characters into out (no terminator); false for a year outside
// 0000-9999, which only formatTime(ms) writes.
bool formatTime(qint64 ms, char out[24]);
// Returns the time or nullopt if `s` is not an RFC 3339 timestamp with zone.
std::optional<qint64> parseTime(const QString &s);

} // namespace wfx::ids
