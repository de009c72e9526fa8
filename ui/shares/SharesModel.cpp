// SPDX-License-Identifier: Apache-2.0
#include "ui/shares/SharesModel.h"

#include "models/runs/RunService.h"
#include "ui/common/ShortTime.h"

#include <QtConcurrent/QtConcurrentRun>

namespace wfx::ui {

QString SharesModel::stateText(const QString &state)
{
    if (state == QLatin1String("active"))
        return tr("Active");
    if (state == QLatin1String("revoked"))
        return tr("Revoked");
    if (state == QLatin1String("expired"))
        return tr("Expired");
    return state;
}

SharesModel::SharesModel(ModelContext ctx, Actor actor, QObject *parent)
    : KeysetTableModel<ShareRow>(std::move(ctx), std::move(actor), ColumnCount, parent)
{
}

QVariant SharesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Share &s = m_rows.at(index.row()).share;
    if (role == ShareIdRole)
        return s.id;
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case State:
            return stateText(s.state);
        case Run:
            return m_rows.at(index.row()).runName;
        case Password:
            return s.hasPassword ? tr("Yes") : tr("No");
        case Expires:
            if (s.revokedAt)
                return tr("Revoked %1").arg(shortTime(*s.revokedAt));
            return s.expiresAt ? shortTime(*s.expiresAt) : tr("Never");
        case Created:
            return shortTime(s.createdAt);
        case Prefix:
            return tr("%1…").arg(s.tokenPrefix);
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole) {
        if (index.column() == Run)
            return s.artifactId.isEmpty() ? tr("Run %1").arg(s.runId)
                                          : tr("Run %1, artifact %2").arg(s.runId, s.artifactId);
        if (index.column() == Prefix)
            return tr("The start of the token; the token itself is not stored");
    }
    return {};
}

QVariant SharesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case State:
        return tr("State");
    case Run:
        return tr("Run");
    case Password:
        return tr("Password");
    case Expires:
        return tr("Expires");
    case Created:
        return tr("Created");
    case Prefix:
        return tr("Token");
    case ColumnCount:
        break;
    }
    return {};
}

std::function<Result<Page<ShareRow>>()> SharesModel::pageLoader(const QString &cursor) const
{
    return [ctx = m_ctx, actor = m_actor, cursor]() -> Result<Page<ShareRow>> {
        auto shares = ShareService(ctx).list(actor, ShareFilter{}, kPageSize, cursor);
        if (!shares)
            return shares.error();
        RunService runs(ctx);
        QHash<QString, QString> names; // run id -> name, once per run of the page
        Page<ShareRow> page;
        page.nextCursor = shares->nextCursor;
        for (const Share &s : std::as_const(shares->items)) {
            if (!names.contains(s.runId)) {
                auto run = runs.get(actor, s.runId);
                names.insert(s.runId, run ? run->name : s.runId);
            }
            page.items.append(ShareRow{s, names.value(s.runId)});
        }
        return page;
    };
}

QString SharesModel::runName(const QString &runId) const
{
    for (const ShareRow &r : m_rows)
        if (r.share.runId == runId)
            return r.runName;
    return {};
}

int SharesModel::rowOf(const QString &shareId) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).share.id == shareId)
            return i;
    return -1;
}

} // namespace wfx::ui
