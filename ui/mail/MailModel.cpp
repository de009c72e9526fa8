// SPDX-License-Identifier: Apache-2.0
#include "ui/mail/MailModel.h"

#include <QDateTime>
#include <QLocale>

namespace wfx::ui {

MailModel::MailModel(ModelContext ctx, Actor actor, QObject *parent)
    : KeysetTableModel<OutboxEntry>(std::move(ctx), std::move(actor), ColumnCount, parent)
{
}

QString MailModel::stateText(const OutboxEntry &e)
{
    if (e.sentAt > 0)
        return tr("Sent %1").arg(
            QLocale().toString(QDateTime::fromMSecsSinceEpoch(e.sentAt), QLocale::ShortFormat));
    if (!e.error.isEmpty())
        return tr("Not sent: %1").arg(e.error);
    return tr("Waiting to be sent");
}

QVariant MailModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const OutboxEntry &e = m_rows.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case To:
            return e.to;
        case Subject:
            return e.subject;
        case Created:
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(e.createdAt),
                                      QLocale::ShortFormat);
        case State:
            return stateText(e);
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole) {
        if (index.column() == Created)
            return QDateTime::fromMSecsSinceEpoch(e.createdAt).toString(Qt::ISODateWithMs);
        if (index.column() == State)
            return stateText(e);
    }
    return {};
}

QVariant MailModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case To:
        return tr("To");
    case Subject:
        return tr("Subject");
    case Created:
        return tr("Created");
    case State:
        return tr("Sent");
    case ColumnCount:
        break;
    }
    return {};
}

std::function<Result<Page<OutboxEntry>>()> MailModel::pageLoader(const QString &cursor) const
{
    return [ctx = m_ctx, actor = m_actor, cursor] {
        return MailOutbox::list(ctx, actor, kPageSize, cursor);
    };
}

} // namespace wfx::ui
