// SPDX-License-Identifier: Apache-2.0
// What every service needs: the store, the clock, the change bus, and who is acting.
#pragma once

#include <QString>

#include <memory>

namespace wfx {

class Database;
class Clock;
class ChangeBus;

// The acting principal. userId empty means the system (schedulers, webhooks).
struct Actor
{
    QString userId;
    QString keyWorkspaceId; // set when acting through a workspace-scoped API key
    QString apiKeyId;       // set when acting through an API key
    bool instanceAdmin = false;
    QString ip;

    bool isSystem() const { return userId.isEmpty(); }
    static Actor system() { return {}; }
    static Actor user(const QString &id, const QString &ip = {}) { Actor a; a.userId = id; a.ip = ip; return a; }
};

enum class Role { Viewer = 0, Member = 1, Admin = 2, Owner = 3 };
QString roleName(Role r);
bool parseRole(const QString &s, Role *out);

struct ModelContext
{
    std::shared_ptr<Database> db;
    Clock *clock = nullptr;
    ChangeBus *bus = nullptr;
};

} // namespace wfx
