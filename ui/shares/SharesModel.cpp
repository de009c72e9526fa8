// SPDX-License-Identifier: Apache-2.0
#include "shares/SharesModel.h"

#include "runs/RunService.h"

#include <QDateTime>
#include <QLocale>
#include <QtConcurrent/QtConcurrentRun>

namespace wfx::ui {

namespace {
QString shortTime(qint64 ms)
{
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat);
}
} // namespace

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
    : QAbstractTableModel(parent), m_ctx(std::move(ctx)), m_actor(std::move(actor))
{
}

SharesModel::~SharesModel()
{
    if (m_watcher)
        m_watcher->waitForFinished();
}

int SharesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SharesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SharesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Share &s = m_rows.at(index.row());
    if (role == ShareIdRole)
        return s.id;
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case State:
            return stateText(s.state);
        case Run:
            return m_runNames.value(s.runId, s.runId);
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

bool SharesModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd;
}

void SharesModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || m_atEnd || m_watcher)
        return;
    m_watcher = new QFutureWatcher<Fetched>(this);
    auto *watcher = m_watcher;
    connect(watcher, &QFutureWatcher<Fetched>::finished, this, [this, watcher] {
        const Fetched fetched = watcher->result();
        watcher->deleteLater();
        if (m_watcher == watcher)
            m_watcher = nullptr;
        finishFetch(fetched);
    });
    watcher->setFuture(QtConcurrent::run([ctx = m_ctx, actor = m_actor, cursor = m_cursor,
                                          generation = m_generation]() {
        Fetched out{generation, ShareService(ctx).list(actor, ShareFilter{}, kPageSize, cursor), {}};
        if (out.page) {
            RunService runs(ctx);
            for (const Share &s : out.page->items) {
                if (out.runNames.contains(s.runId))
                    continue;
                auto run = runs.get(actor, s.runId);
                out.runNames.insert(s.runId, run ? run->name : s.runId);
            }
        }
        return out;
    }));
    emit loadingChanged(true);
}

void SharesModel::finishFetch(const Fetched &fetched)
{
    if (fetched.generation == m_generation) {
        if (!fetched.page.ok()) {
            m_atEnd = true;
            m_lastError = fetched.page.error().message;
        } else {
            const Page<Share> &page = fetched.page.value();
            m_cursor = page.nextCursor;
            m_atEnd = page.nextCursor.isEmpty();
            m_lastError.clear();
            m_runNames.insert(fetched.runNames);
            if (!page.items.isEmpty()) {
                const int first = int(m_rows.size());
                beginInsertRows({}, first, first + int(page.items.size()) - 1);
                m_rows.append(page.items);
                endInsertRows();
            }
        }
    }
    if (!m_watcher)
        emit loadingChanged(false);
    if (fetched.generation == m_generation)
        emit pageLoaded(m_lastError);
    if (fetched.generation != m_generation && !m_watcher)
        fetchMore({});
}

void SharesModel::reload()
{
    beginResetModel();
    m_rows.clear();
    m_cursor.clear();
    m_atEnd = false;
    m_lastError.clear();
    ++m_generation;
    endResetModel();
    fetchMore({});
}

int SharesModel::rowOf(const QString &shareId) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).id == shareId)
            return i;
    return -1;
}

} // namespace wfx::ui
