// SPDX-License-Identifier: Apache-2.0
// What every service needs: the store, the clock, the change bus, and who is acting.
#pragma once

#include <QString>

#include <memory>

namespace wfx {

class Database;
class Clock;
class ChangeBus;

// The acting principal. A default-constructed Actor is nobody: every check
// refuses it (access::requireRole, requireWritable, the services' own checks).
// The system (schedulers, verified webhooks, the console's own administration)
// exists only where code says Actor::system(); a user is an Actor with a userId.
struct Actor
{
    QString userId;
    QString keyWorkspaceId; // set when acting through a workspace-scoped API key
    QString apiKeyId;       // set when acting through an API key
    bool instanceAdmin = false;
    QString ip;

    bool isSystem() const { return m_system; }
    // Neither the system nor a user: a handler that never learnt who is calling.
    bool isAnonymous() const { return !m_system && userId.isEmpty(); }
    // A signed-in person (or that person's API key).
    bool isUser() const { return !m_system && !userId.isEmpty(); }
    static Actor anonymous(const QString &ip = {})
    {
        Actor a;
        a.ip = ip;
        return a;
    }
    static Actor system()
    {
        Actor a;
        a.m_system = true;
        return a;
    }
    static Actor user(const QString &id, const QString &ip = {})
    {
        Actor a;
        a.userId = id;
        a.ip = ip;
        return a;
    }

private:
    bool m_system = false;
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
