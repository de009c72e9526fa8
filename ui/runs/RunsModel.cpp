// SPDX-License-Identifier: Apache-2.0
#include "ui/runs/RunsModel.h"

#include <QDateTime>
#include <QLocale>
#include <QMutex>
#include <QSet>
#include <QtConcurrent/QtConcurrentRun>

namespace wfx::ui {

QString RunsModel::statusText(const QString &status)
{
    if (status == QLatin1String("queued"))
        return RunsModel::tr("Queued");
    if (status == QLatin1String("running"))
        return RunsModel::tr("Running");
    if (status == QLatin1String("completed"))
        return RunsModel::tr("Completed");
    if (status == QLatin1String("failed"))
        return RunsModel::tr("Failed");
    if (status == QLatin1String("cancelled"))
        return RunsModel::tr("Cancelled");
    return status;
}

QString RunsModel::evidenceText(const QString &evidence)
{
    if (evidence == QLatin1String("verified"))
        return RunsModel::tr("Verified");
    if (evidence == QLatin1String("unverified"))
        return RunsModel::tr("Signature mismatch");
    if (evidence == QLatin1String("unsigned"))
        return RunsModel::tr("Unsigned");
    return evidence;
}

// Used by the page loader on the thread pool (one page at a time, but the
// mutex does not rely on that). Few distinct values are expected; past kMax the
// strings are kept as they come.
struct RunsModel::SharedStrings
{
    static constexpr qsizetype kMax = 4096;
    QMutex mutex;
    QSet<QString> strings;

    void share(QString &s)
    {
        if (s.isEmpty())
            return;
        const auto it = strings.constFind(s);
        if (it != strings.constEnd())
            s = *it;
        else if (strings.size() < kMax)
            strings.insert(s);
    }
    void shareRepeated(QList<Run> &runs)
    {
        QMutexLocker lock(&mutex);
        for (Run &r : runs) {
            share(r.projectId);
            share(r.workspaceId);
            share(r.status);
            share(r.evidence);
            share(r.createdBy);
        }
    }
};

RunsModel::RunsModel(ModelContext ctx, Actor actor, QObject *parent)
    : KeysetTableModel<Run>(std::move(ctx), std::move(actor), ColumnCount, parent),
      m_shared(std::make_shared<SharedStrings>())
{
}

QVariant RunsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Run &run = m_rows.at(index.row());
    if (role == RunIdRole)
        return run.id;
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case Name:
            return run.name;
        case Status:
            return statusText(run.status);
        case Evidence:
            return evidenceText(run.evidence);
        case Project:
            return m_projectNames.value(run.projectId, run.projectId);
        case Created:
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(run.createdAt),
                                      QLocale::ShortFormat);
        case Metrics:
            return run.metricCount;
        case ColumnCount:
            break;
        }
    } else if (role == Qt::ToolTipRole) {
        if (index.column() == Evidence) {
            if (run.evidence == QLatin1String("verified"))
                return tr("Signed with Ed25519 and the signature matches the manifest");
            if (run.evidence == QLatin1String("unverified"))
                return tr("A signature was sent but does not match");
            return tr("No signature was sent");
        }
        if (index.column() == Created)
            return QDateTime::fromMSecsSinceEpoch(run.createdAt).toString(Qt::ISODate);
        if (index.column() == Name)
            return run.id;
    } else if (role == Qt::TextAlignmentRole && index.column() == Metrics) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Name:
        return tr("Name");
    case Status:
        return tr("Status");
    case Evidence:
        return tr("Evidence");
    case Project:
        return tr("Project");
    case Created:
        return tr("Created");
    case Metrics:
        return tr("Metric points");
    case ColumnCount:
        break;
    }
    return {};
}

std::function<Result<Page<Run>>()> RunsModel::pageLoader(const QString &cursor) const
{
    return [ctx = m_ctx, actor = m_actor, filter = m_filter, cursor, shared = m_shared] {
        Result<Page<Run>> page = RunService(ctx).list(actor, filter, kPageSize, cursor);
        if (page.ok())
            shared->shareRepeated(page.value().items);
        return page;
    };
}

void RunsModel::setFilter(const RunFilter &filter)
{
    m_filter = filter;
    reload();
}

void RunsModel::setProjectNames(const QHash<QString, QString> &names)
{
    m_projectNames = names;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, Project), index(rowCount() - 1, Project), {Qt::DisplayRole});
}

int RunsModel::rowOf(const QString &runId) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).id == runId)
            return i;
    return -1;
}

} // namespace wfx::ui
