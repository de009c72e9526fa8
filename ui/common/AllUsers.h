// SPDX-License-Identifier: Apache-2.0
// Every account (AccountService::listUsers, all pages), ordered by email, for
// the panels' person pickers and id -> email names. Call off the GUI thread.
#pragma once

#include "models/accounts/AccountService.h"
#include "ui/common/CollectAll.h"

#include <algorithm>

namespace wfx::ui {

inline Result<QList<User>> allUsersByEmail(const ModelContext &ctx, const Actor &actor)
{
    AccountService accounts(ctx);
    auto all = collectAll(
        [&](const QString &cursor) { return accounts.listUsers(actor, kCollectAllPage, cursor); });
    if (!all)
        return all.error();
    QList<User> out = std::move(all).value();
    std::sort(out.begin(), out.end(), [](const User &a, const User &b) {
        return a.email == b.email ? a.id < b.id : a.email < b.email;
    });
    return out;
}

} // namespace wfx::ui
