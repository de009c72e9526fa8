// SPDX-License-Identifier: Apache-2.0
// The Files tab of a run's details: artifacts listed with name, size and
// SHA-256; "Save to file…" writes the stored bytes to the path the user chose,
// off the GUI thread; "Export evidence package…" writes the signed ZIP with
// progress, and Cancel leaves no file (and no temporary file) behind.
// Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "artifacts/ArtifactService.h"
#include "artifacts/BlobStore.h"
#include "common/FileChooser.h"
#include "runs/RunDetailsDialog.h"
#include "runs/RunFilesTab.h"
#include "runs/RunService.h"
#include "workspaces/WorkspaceService.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace wfx;
using wfx::ui::FileChooser;
using wfx::ui::RunDetailsDialog;
using wfx::ui::RunFiles;
using wfx::ui::RunFilesTab;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
QByteArray bytes(int n, int seed)
{
    QByteArray b(n, Qt::Uninitialized);
    for (int i = 0; i < n; ++i)
        b[i] = char((i * 31 + seed) & 0xff);
    return b;
}
} // namespace

class TestRunFiles : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;
    std::unique_ptr<BlobStore> blobs;
    QString alice;
    Run run;
    QByteArray modelBytes = bytes(700 * 1024 + 13, 1); // several write chunks
    QString modelId;

    QString upload(const QString &name, const QByteArray &data, bool commit = true)
    {
        ArtifactService svc(s->ctx, *blobs);
        auto up = svc.initiate(s->actor(alice), run.id, name, data.size(), crypto::sha256Hex(data), {});
        if (!up)
            qFatal("initiate: %s", qPrintable(up.error().message));
        if (commit) {
            for (qint64 n = 1; n <= up->parts; ++n) {
                auto p = svc.putPart(up->uploadToken, up->artifact.id, n, data.mid((n - 1) * up->partSize, up->partSize));
                if (!p)
                    qFatal("part: %s", qPrintable(p.error().message));
            }
            if (!svc.commit(s->actor(alice), up->artifact.id))
                qFatal("commit failed");
        }
        return up->artifact.id;
    }

    std::unique_ptr<RunDetailsDialog> open()
    {
        auto d = std::make_unique<RunDetailsDialog>(
            s->ctx, Actor::system(), run, RunFiles{s->dir.path(), crypto::randomBytes(32)});
        d->show();
        if (!QTest::qWaitForWindowExposed(d.get()))
            return {};
        return d;
    }
    static int rowOf(QTableWidget *t, const QString &name)
    {
        for (int r = 0; r < t->rowCount(); ++r)
            if (t->item(r, RunFilesTab::Name)->text() == name)
                return r;
        return -1;
    }
    static QStringList filesIn(const QString &dir)
    {
        return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        blobs = std::make_unique<BlobStore>(s->dir.path());
        alice = s->createUser(S("alice@example.com"));
        WorkspaceService ws(s->ctx);
        const QString wsId = ws.create(s->actor(alice), S("Robotics lab"))->id;
        const QString project = ws.createProject(s->actor(alice), wsId, S("dreamer"))->id;
        RunService runs(s->ctx);
        auto synced = runs.sync(s->actor(alice),
                                QJsonObject{{S("project_id"), project},
                                            {S("client_run_id"), S("r1")},
                                            {S("name"), S("dreamer-seed-1")},
                                            {S("status"), S("completed")},
                                            {S("manifest"), QJsonObject{{S("algo"), S("dreamer-v3")}}},
                                            {S("log"), S("done\n")}});
        QVERIFY(synced.ok());
        run = synced->run;
        modelId = upload(S("../weights/model.bin"), modelBytes);
        upload(S("eval.csv"), QByteArray("step,return\n0,1.5\n"));
        upload(S("still-uploading.bin"), bytes(100, 2), false);
    }
    void cleanup()
    {
        RunFilesTab::setChunkHook({});
        QTest::qWait(0);
        blobs.reset();
        s.reset();
    }

    void listsArtifactsWithSizeAndDigest()
    {
        auto d = open();
        QVERIFY(d);
        RunFilesTab *tab = d->filesTab();
        QTableWidget *t = tab->table();
        QTRY_COMPARE_WITH_TIMEOUT(t->rowCount(), 3, 10000);
        const int r = rowOf(t, S("../weights/model.bin"));
        QVERIFY(r >= 0);
        QCOMPARE(t->item(r, RunFilesTab::Size)->data(Qt::UserRole).toLongLong(), qint64(modelBytes.size()));
        QCOMPARE(t->item(r, RunFilesTab::Digest)->text(), crypto::sha256Hex(modelBytes));
        QCOMPARE(t->item(r, RunFilesTab::State)->text(), S("Stored"));
        QCOMPARE(t->item(rowOf(t, S("still-uploading.bin")), RunFilesTab::State)->text(), S("Uploading"));

        // Only stored bytes can be saved.
        auto *save = tab->findChild<QPushButton *>(S("saveArtifact"));
        d->tabs()->setCurrentWidget(tab);
        t->setFocus();
        t->selectRow(rowOf(t, S("still-uploading.bin")));
        QVERIFY(!save->isEnabled());
        t->selectRow(r);
        QVERIFY(save->isEnabled());
    }

    void savesTheChosenArtifactToTheChosenPath()
    {
        auto d = open();
        QVERIFY(d);
        RunFilesTab *tab = d->filesTab();
        QTableWidget *t = tab->table();
        QTRY_COMPARE_WITH_TIMEOUT(t->rowCount(), 3, 10000);
        d->tabs()->setCurrentWidget(tab);
        QTemporaryDir out;
        const QString path = out.filePath(S("chosen.bin"));
        t->setFocus();
        t->selectRow(rowOf(t, S("../weights/model.bin")));
        QThread *wroteOn = nullptr;
        RunFilesTab::setChunkHook([&wroteOn](qint64) { wroteOn = QThread::currentThread(); });
        QSignalSpy finished(tab, &RunFilesTab::jobFinished);
        FileChooser::setNextPath(path);
        QTest::mouseClick(tab->findChild<QPushButton *>(S("saveArtifact")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        QVERIFY(wroteOn && wroteOn != QThread::currentThread());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), modelBytes);
        // Nothing was written anywhere the artifact's name points to.
        QCOMPARE(filesIn(out.path()), QStringList{S("chosen.bin")});
        QVERIFY(!QFile::exists(out.filePath(S("../weights/model.bin"))));
        QVERIFY(tab->findChild<QLabel *>(S("filesStatus"))->text().contains(path));

        // A cancelled file choice writes nothing.
        FileChooser::setNextPath(QString());
        QTest::mouseClick(tab->findChild<QPushButton *>(S("saveArtifact")), Qt::LeftButton);
        QVERIFY(!tab->isBusy());
        QCOMPARE(finished.count(), 1);
        QCOMPARE(RunFilesTab::suggestedFileName(S("../weights/model.bin")), S("model.bin"));
        QCOMPARE(RunFilesTab::suggestedFileName(S("..\\..\\.hidden")), S("hidden"));
        QCOMPARE(RunFilesTab::suggestedFileName(S("../")), S("artifact"));
    }

    void exportsTheEvidencePackage()
    {
        auto d = open();
        QVERIFY(d);
        RunFilesTab *tab = d->filesTab();
        d->tabs()->setCurrentWidget(tab);
        QTemporaryDir out;
        const QString path = out.filePath(S("evidence.zip"));
        QSignalSpy finished(tab, &RunFilesTab::jobFinished);
        FileChooser::setNextPath(path);
        QTest::mouseClick(tab->findChild<QPushButton *>(S("exportEvidence")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray zip = f.readAll();
        QVERIFY(zip.startsWith("PK\x03\x04"));
        QVERIFY(zip.contains("index.json") && zip.contains("manifest.json") && zip.contains("index.sig"));
        QCOMPARE(s->auditCount(S("run.evidence_export")), 1);
        QVERIFY(!tab->findChild<QProgressBar *>(S("filesProgress"))->isVisible());
    }

    void cancelLeavesNoFile_data()
    {
        QTest::addColumn<bool>("evidence");
        QTest::newRow("evidence package") << true;
        QTest::newRow("artifact") << false;
    }
    void cancelLeavesNoFile()
    {
        QFETCH(bool, evidence);
        auto d = open();
        QVERIFY(d);
        RunFilesTab *tab = d->filesTab();
        QTableWidget *t = tab->table();
        QTRY_COMPARE_WITH_TIMEOUT(t->rowCount(), 3, 10000);
        d->tabs()->setCurrentWidget(tab);
        QTemporaryDir out;
        const QString path = out.filePath(S("cancelled.out"));

        // The worker stops after its first chunk until the test has pressed Cancel.
        QSemaphore wrote, goOn;
        std::atomic<bool> held{false};
        RunFilesTab::setChunkHook([&](qint64 n) {
            if (n > 0 && !held.exchange(true)) {
                wrote.release();
                goOn.acquire();
            }
        });
        QSignalSpy finished(tab, &RunFilesTab::jobFinished);
        FileChooser::setNextPath(path);
        if (evidence) {
            QTest::mouseClick(tab->findChild<QPushButton *>(S("exportEvidence")), Qt::LeftButton);
        } else {
            t->setFocus();
            t->selectRow(rowOf(t, S("../weights/model.bin")));
            QTest::mouseClick(tab->findChild<QPushButton *>(S("saveArtifact")), Qt::LeftButton);
        }
        QVERIFY(tab->isBusy());
        auto *progress = tab->findChild<QProgressBar *>(S("filesProgress"));
        auto *cancel = tab->findChild<QPushButton *>(S("cancelFileJob"));
        QVERIFY(progress->isVisible() && cancel->isVisible());
        QVERIFY(!tab->findChild<QPushButton *>(S("exportEvidence"))->isEnabled());
        QVERIFY(wrote.tryAcquire(1, 10000)); // part of the file is written (to a temporary file)
        QTest::mouseClick(cancel, Qt::LeftButton);
        goOn.release();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QVERIFY(finished.at(0).at(1).toString().startsWith(S("Cancelled")));
        QVERIFY(!QFile::exists(path));
        QCOMPARE(filesIn(out.path()), QStringList()); // no partial or temporary file
        QVERIFY(!progress->isVisible() && !cancel->isVisible());
        QVERIFY(tab->findChild<QPushButton *>(S("exportEvidence"))->isEnabled());
    }

    void withoutTheStoreFoldersNothingCanBeSaved()
    {
        RunDetailsDialog d(s->ctx, Actor::system(), run);
        RunFilesTab *tab = d.filesTab();
        QTRY_COMPARE_WITH_TIMEOUT(tab->table()->rowCount(), 3, 10000);
        tab->table()->selectRow(0);
        QVERIFY(!tab->findChild<QPushButton *>(S("saveArtifact"))->isEnabled());
        QVERIFY(!tab->findChild<QPushButton *>(S("exportEvidence"))->isEnabled());
    }
};

QTEST_MAIN(TestRunFiles)
#include "tst_run_files.moc"
