// SPDX-License-Identifier: Apache-2.0
#include "ui/runs/RunFilesTab.h"

#include "models/artifacts/ArtifactService.h"
#include "models/artifacts/BlobStore.h"
#include "models/runs/EvidencePackager.h"
#include "ui/common/Async.h"
#include "ui/common/ErrorText.h"
#include "ui/common/FileChooser.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cstring>

namespace wfx::ui {

namespace {

constexpr qint64 kChunk = 256 * 1024;
constexpr int kMaxArtifacts = 10000; // the dialog lists at most this many

struct Listed
{
    QList<Artifact> items;
    QString error;
    bool truncated = false;
};

QString stateText(const QString &state)
{
    if (state == QLatin1String("committed"))
        return RunFilesTab::tr("Stored");
    if (state == QLatin1String("pending"))
        return RunFilesTab::tr("Uploading");
    if (state == QLatin1String("aborted"))
        return RunFilesTab::tr("Aborted");
    if (state == QLatin1String("deleted"))
        return RunFilesTab::tr("Deleted");
    return state;
}

} // namespace

RunFilesTab::RunFilesTab(ModelContext ctx, Actor actor, QString runId, RunFiles files,
                         QWidget *parent)
    : StorePanel(std::move(ctx), std::move(actor), parent), m_runId(std::move(runId)),
      m_files(std::move(files))
{
    auto *layout = new QVBoxLayout(this);
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setTabKeyNavigation(false); // Tab leaves the table; arrows move in it
    m_table->setObjectName(QStringLiteral("artifactsTable"));
    m_table->setAccessibleName(tr("Artifacts"));
    m_table->setHorizontalHeaderLabels({tr("Name"), tr("Size"), tr("SHA-256"), tr("State")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setSectionResizeMode(Name, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(Size, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(Digest, QHeaderView::Interactive);
    m_table->horizontalHeader()->resizeSection(Digest, 260);
    m_table->horizontalHeader()->setSectionResizeMode(State, QHeaderView::ResizeToContents);
    layout->addWidget(m_table, 1);

    auto *row = new QHBoxLayout;
    m_save = new QPushButton(tr("&Save to file…"), this);
    m_save->setObjectName(QStringLiteral("saveArtifact"));
    m_save->setEnabled(false);
    m_export = new QPushButton(tr("&Export evidence package…"), this);
    m_export->setObjectName(QStringLiteral("exportEvidence"));
    m_export->setEnabled(m_files.canSignEvidence());
    if (!m_files.canSignEvidence())
        m_export->setToolTip(tr("The instance signing key is not available to this console."));
    m_job = new JobProgress(this, QStringLiteral("filesProgress"), tr("File progress"),
                            tr("Cancel"), QStringLiteral("cancelFileJob"));
    m_job->bar()->setRange(0, 1000);
    m_job->bar()->setTextVisible(false);
    row->addWidget(m_save);
    row->addWidget(m_export);
    row->addWidget(m_job->bar(), 1);
    row->addWidget(m_job->cancelButton());
    row->addStretch();
    layout->addLayout(row);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("filesStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    connect(m_job, &JobProgress::polled, this, [this](qint64 done, qint64 total) {
        m_job->bar()->setValue(total > 0 ? int(done * 1000 / total) : 0);
    });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &RunFilesTab::updateSaveButton);
    connect(m_save, &QPushButton::clicked, this, &RunFilesTab::saveSelected);
    connect(m_export, &QPushButton::clicked, this, &RunFilesTab::exportEvidence);
    connect(m_job, &JobProgress::cancelled, this, [this] { m_status->setText(tr("Cancelling…")); });
    loadArtifacts();
}

QString RunFilesTab::suggestedFileName(const QString &name)
{
    QString base = name;
    base.replace(QLatin1Char('\\'), QLatin1Char('/'));
    base = base.section(QLatin1Char('/'), -1);
    while (base.startsWith(QLatin1Char('.')))
        base.remove(0, 1);
    base.remove(QChar(0));
    return base.isEmpty() ? QStringLiteral("artifact") : base;
}

void RunFilesTab::loadArtifacts()
{
    if (!m_files.canReadArtifacts())
        m_status->setText(
            tr("The artifact store is not available to this console: artifacts are listed "
               "but cannot be saved."));
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, runId = m_runId, dataDir = m_files.dataDir] {
            Listed out;
            BlobStore blobs(dataDir);
            ArtifactService artifacts(ctx, blobs);
            QString cursor;
            do {
                auto page = artifacts.list(actor, runId, 200, cursor);
                if (!page) {
                    out.error = ErrorText::of(page.error());
                    break;
                }
                out.items.append(page->items);
                cursor = page->nextCursor;
            } while (!cursor.isEmpty() && out.items.size() < kMaxArtifacts);
            out.truncated = !cursor.isEmpty();
            return out;
        },
        [this](const Listed &l) {
            if (!l.error.isEmpty()) {
                m_status->setText(tr("Cannot list the artifacts: %1").arg(l.error));
                emit artifactsLoaded();
                return;
            }
            m_table->setRowCount(int(l.items.size()));
            int r = 0;
            for (const Artifact &a : l.items) {
                auto *name = new QTableWidgetItem(a.name);
                name->setData(Qt::UserRole, a.id);
                name->setData(Qt::UserRole + 1, a.state);
                name->setToolTip(a.contentType);
                auto *size = new QTableWidgetItem(QLocale().formattedDataSize(a.sizeBytes));
                size->setData(Qt::UserRole, a.sizeBytes);
                size->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                auto *digest = new QTableWidgetItem(a.sha256);
                digest->setToolTip(a.sha256);
                m_table->setItem(r, Name, name);
                m_table->setItem(r, Size, size);
                m_table->setItem(r, Digest, digest);
                m_table->setItem(r, State, new QTableWidgetItem(stateText(a.state)));
                ++r;
            }
            if (l.items.isEmpty() && m_files.canReadArtifacts())
                m_status->setText(tr("This run has no artifacts."));
            else if (l.truncated)
                m_status->setText(
                    tr("Showing the first %n artifact(s).", nullptr, int(l.items.size())));
            emit artifactsLoaded();
        });
}

RunFilesTab::Outcome RunFilesTab::writeFile(const QString &path,
                                            const std::shared_ptr<JobProgress::Counters> &job,
                                            const std::function<qint64(char *, qint64)> &read,
                                            const QString &expectSha256)
{
    Outcome o;
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly)) {
        o.error = out.errorString();
        return o;
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QByteArray buffer(int(kChunk), Qt::Uninitialized);
    for (;;) {
        if (job->cancel) {
            out.cancelWriting();
            o.cancelled = true;
            return o;
        }
        const qint64 n = read(buffer.data(), kChunk);
        if (n < 0) {
            out.cancelWriting();
            o.error = tr("reading failed");
            return o;
        }
        if (n == 0)
            break;
        if (out.write(buffer.constData(), n) != n) {
            o.error = out.errorString();
            out.cancelWriting();
            return o;
        }
        hash.addData(QByteArrayView(buffer.constData(), n));
        o.bytes += n;
        job->done = o.bytes;
        if (s_chunkHook)
            s_chunkHook(o.bytes);
    }
    if (job->cancel) {
        out.cancelWriting();
        o.cancelled = true;
        return o;
    }
    if (!expectSha256.isEmpty() && QString::fromLatin1(hash.result().toHex()) != expectSha256) {
        out.cancelWriting();
        o.error = tr("the bytes do not match the artifact's SHA-256");
        return o;
    }
    if (!out.commit()) {
        o.error = out.errorString();
        return o;
    }
    o.ok = true;
    return o;
}

void RunFilesTab::saveSelected()
{
    const int r = m_table->currentRow();
    if (r < 0 || m_job->isRunning())
        return;
    const QString id = m_table->item(r, Name)->data(Qt::UserRole).toString();
    const QString name = m_table->item(r, Name)->text();
    // The user picks the path; the artifact's name is only a suggestion in the dialog.
    const QString path =
        FileChooser::saveFile(this, tr("Save artifact"), suggestedFileName(name), QString());
    if (path.isEmpty())
        return;
    const std::shared_ptr<JobProgress::Counters> job = startJob(tr("Saving %1…").arg(name));
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, id, path, job, dataDir = m_files.dataDir] {
            BlobStore blobs(dataDir);
            ArtifactService artifacts(ctx, blobs);
            auto download = artifacts.open(actor, id);
            if (!download) {
                Outcome o;
                o.error = ErrorText::of(download.error());
                return o;
            }
            QFile in(download->path);
            if (!in.open(QIODevice::ReadOnly)) {
                Outcome o;
                o.error = in.errorString();
                return o;
            }
            job->total = download->size;
            return writeFile(
                path, job, [&in](char *data, qint64 max) { return in.read(data, max); },
                download->sha256);
        },
        [this, name, path](const Outcome &o) { finishJob(name, path, o); });
}

void RunFilesTab::exportEvidence()
{
    if (m_job->isRunning() || !m_files.canSignEvidence())
        return;
    const QString path = FileChooser::saveFile(this, tr("Export evidence package"),
                                               QStringLiteral("evidence-%1.zip").arg(m_runId),
                                               tr("ZIP archives (*.zip)"));
    if (path.isEmpty())
        return;
    const std::shared_ptr<JobProgress::Counters> job =
        startJob(tr("Building the evidence package…"));
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, runId = m_runId, seed = m_files.signingSeed, path, job] {
            EvidencePackager packager(ctx, seed);
            auto package = packager.build(actor, runId);
            if (!package) {
                Outcome o;
                o.error = ErrorText::of(package.error());
                return o;
            }
            const QByteArray zip = package->zip;
            job->total = zip.size();
            qint64 at = 0;
            return writeFile(
                path, job,
                [&zip, &at](char *data, qint64 max) {
                    const qint64 n = qMin<qint64>(max, zip.size() - at);
                    std::memcpy(data, zip.constData() + at, size_t(n));
                    at += n;
                    return n;
                },
                package->sha256);
        },
        [this, path](const Outcome &o) { finishJob(tr("The evidence package"), path, o); });
}

void RunFilesTab::updateSaveButton()
{
    // Only stored bytes can be saved, and one file job runs at a time.
    const int r = m_table->currentRow();
    m_save->setEnabled(!m_job->isRunning() && r >= 0 && m_files.canReadArtifacts() &&
                       m_table->item(r, Name)->data(Qt::UserRole + 1).toString() ==
                           QLatin1String("committed"));
}

std::shared_ptr<JobProgress::Counters> RunFilesTab::startJob(const QString &what)
{
    m_save->setEnabled(false);
    m_export->setEnabled(false);
    m_status->setText(what);
    return m_job->start();
}

void RunFilesTab::finishJob(const QString &what, const QString &path, const Outcome &o)
{
    m_job->finish();
    m_export->setEnabled(m_files.canSignEvidence());
    updateSaveButton();
    QString message;
    if (o.ok)
        message =
            tr("%1 was saved to %2 (%3).").arg(what, path, QLocale().formattedDataSize(o.bytes));
    else if (o.cancelled)
        message = tr("Cancelled: nothing was written to %1.").arg(path);
    else
        message = tr("%1 was not saved: %2").arg(what, o.error);
    m_status->setText(message);
    emit jobFinished(o.ok, message);
}

} // namespace wfx::ui
