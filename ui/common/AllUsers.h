// SPDX-License-Identifier: Apache-2.0
// Every account (AccountService::listUsers, all pages), ordered by email, for
// the panels' person pickers and id -> email names. Call off the GUI thread.
#pragma once

#include "models/accounts/AccountService.h"

#include <algorithm>

namespace wfx::ui {

inline Result<QList<User>> allUsersByEmail(const ModelContext &ctx, const Actor &actor)
{
    AccountService accounts(ctx);
    QList<User> out;
    QString cursor;
    do {
        auto page = accounts.listUsers(actor, 200, cursor);
        if (!page)
            return page.error();
        out.append(page->items);
        cursor = page->nextCursor;
    } while (!cursor.isEmpty() && out.size() < 100000);
    std::sort(out.begin(), out.end(), [](const User &a, const User &b) {
        return a.email == b.email ? a.id < b.id : a.email < b.email;
    });
    return out;
}

} // namespace wfx::ui
