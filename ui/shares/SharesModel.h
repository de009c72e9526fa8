// SPDX-License-Identifier: Apache-2.0
// The shares table: keyset pages of ShareService::list (every share on the
// instance for the system actor) loaded on the thread pool as the view scrolls.
#pragma once

#include "models/core/Context.h"
#include "models/shares/ShareService.h"

#include "ui/common/KeysetTableModel.h"

namespace wfx::ui {

// A share with the name of its run (looked up with the page, off the GUI thread).
struct ShareRow
{
    Share share;
    QString runName;
};

class SharesModel : public KeysetTableModel<ShareRow>
{
    Q_OBJECT
public:
    enum Column { State, Run, Password, Expires, Created, Prefix, ColumnCount };
    enum Role { ShareIdRole = Qt::UserRole + 1 };

    SharesModel(ModelContext ctx, Actor actor, QObject *parent = nullptr);
    static QString stateText(const QString &state);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    const Share &shareAt(int row) const { return m_rows.at(row).share; }
    int rowOf(const QString &shareId) const;
    // The name of a listed share's run (empty if no listed share names it).
    QString runName(const QString &runId) const;

protected:
    std::function<Result<Page<ShareRow>>()> pageLoader(const QString &cursor) const override;
};

} // namespace wfx::ui
