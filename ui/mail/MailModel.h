// SPDX-License-Identifier: Apache-2.0
// The mail outbox table: keyset pages of MailOutbox::list, newest first.
#pragma once

#include "models/accounts/MailOutbox.h"
#include "models/core/Context.h"
#include "ui/common/KeysetTableModel.h"

namespace wfx::ui {

class MailModel : public KeysetTableModel<OutboxEntry>
{
    Q_OBJECT
public:
    enum Column { To, Subject, Created, State, ColumnCount };

    MailModel(ModelContext ctx, Actor actor, QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    const OutboxEntry &entryAt(int row) const { return m_rows.at(row); }
    // "Sent 28 Nov 14:05", "Not sent: why", or "Waiting to be sent".
    static QString stateText(const OutboxEntry &e);

protected:
    std::function<Result<Page<OutboxEntry>>()> pageLoader(const QString &cursor) const override;
};

} // namespace wfx::ui
