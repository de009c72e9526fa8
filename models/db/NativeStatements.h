// SPDX-License-Identifier: Apache-2.0
// Private to models/db: the native statements NativeQuery keeps per connection
// a Database handed to a thread (Database.cpp owns them with the connection and
// finalises them before it closes).
#pragma once

#include <QSqlDatabase>

#include <memory>
#include <string>
#include <unordered_map>

namespace wfx {

struct NativeStatement;

struct NativeStatements
{
    // Enough for every fixed hot statement; SQL beyond it runs unkept.
    static constexpr std::size_t kMax = 64;
    std::unordered_map<std::string, std::shared_ptr<NativeStatement>> bySql;
    quint64 pgSerial = 0;
    ~NativeStatements();
};

namespace statements {
// The calling thread's native statements of `db`, or null when `db` is not a
// connection Database handed to this thread (the caller keeps nothing).
NativeStatements *native(const QSqlDatabase &db);
} // namespace statements

} // namespace wfx
