// SPDX-License-Identifier: Apache-2.0
// Every page of a keyset list, for the console's short lists (workspaces, projects,
// members, invitations, users). Call off the GUI thread.
#pragma once

#include "models/core/Cursor.h"
#include "models/core/Result.h"

#include <QList>
#include <QString>

#include <type_traits>

namespace wfx::ui {

// Past this many items a list is not short: collectAll stops there.
inline constexpr qsizetype kCollectAllCap = 100000;
// Items a page asks for while collecting a short list.
inline constexpr int kCollectAllPage = 200;

// fetch(cursor) returns Result<Page<T>>; the pages' items, in order, up to kCollectAllCap.
template <typename Fetch> auto collectAll(Fetch fetch)
{
    using Items = std::remove_cvref_t<decltype(fetch(QString())->items)>;
    Items out;
    QString cursor;
    do {
        auto page = fetch(cursor);
        if (!page)
            return Result<Items>(page.error());
        out.append(page->items);
        cursor = page->nextCursor;
    } while (!cursor.isEmpty() && out.size() < kCollectAllCap);
    return Result<Items>(std::move(out));
}

} // namespace wfx::ui
