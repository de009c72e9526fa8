// SPDX-License-Identifier: Apache-2.0
// The Files tab of a run's details: artifacts listed with name, size and
// SHA-256; "Save to file…" writes the stored bytes to the path the user chose,
// off the GUI thread; "Export evidence package…" writes the signed ZIP with
// progress, and Cancel leaves no file (and no temporary file) behind.
// Runs on SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/artifacts/ArtifactService.h"
#include "models/artifacts/BlobStore.h"
#include "models/runs/RunService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/FileChooser.h"
#include "ui/runs/RunDetailsDialog.h"
#include "ui/runs/RunFilesTab.h"

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

using namespace Qt::StringLiterals;

using namespace wfx;
using wfx::ui::FileChooser;
using wfx::ui::RunDetailsDialog;
using wfx::ui::RunFiles;
using wfx::ui::RunFilesTab;

namespace {
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
        auto up =
            svc.initiate(s->actor(alice), run.id, name, data.size(), crypto::sha256Hex(data), {});
        if (!up)
            qFatal("initiate: %s", qPrintable(up.error().message));
        if (commit) {
            for (qint64 n = 1; n <= up->parts; ++n) {
                auto p = svc.putPart(up->uploadToken, up->artifact.id, n,
                                     data.mid((n - 1) * up->partSize, up->partSize));
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
        alice = s->createUser(u"alice@example.com"_s);
        WorkspaceService ws(s->ctx);
        const QString wsId = ws.create(s->actor(alice), u"Robotics lab"_s)->id;
        const QString project = ws.createProject(s->actor(alice), wsId, u"dreamer"_s)->id;
        RunService runs(s->ctx);
        auto synced = runs.sync(
            s->actor(alice), QJsonObject{{u"project_id"_s, project},
                                         {u"client_run_id"_s, u"r1"_s},
                                         {u"name"_s, u"dreamer-seed-1"_s},
                                         {u"status"_s, u"completed"_s},
                                         {u"manifest"_s, QJsonObject{{u"algo"_s, u"dreamer-v3"_s}}},
                                         {u"log"_s, u"done\n"_s}});
        QVERIFY(synced.ok());
        run = synced->run;
        modelId = upload(u"../weights/model.bin"_s, modelBytes);
        upload(u"eval.csv"_s, QByteArray("step,return\n0,1.5\n"));
        upload(u"still-uploading.bin"_s, bytes(100, 2), false);
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
        const int r = rowOf(t, u"../weights/model.bin"_s);
        QVERIFY(r >= 0);
        QCOMPARE(t->item(r, RunFilesTab::Size)->data(Qt::UserRole).toLongLong(),
                 qint64(modelBytes.size()));
        QCOMPARE(t->item(r, RunFilesTab::Digest)->text(), crypto::sha256Hex(modelBytes));
        QCOMPARE(t->item(r, RunFilesTab::State)->text(), u"Stored"_s);
        QCOMPARE(t->item(rowOf(t, u"still-uploading.bin"_s), RunFilesTab::State)->text(),
                 u"Uploading"_s);

        // Only stored bytes can be saved.
        auto *save = tab->findChild<QPushButton *>(u"saveArtifact"_s);
        d->tabs()->setCurrentWidget(tab);
        t->setFocus();
        t->selectRow(rowOf(t, u"still-uploading.bin"_s));
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
        const QString path = out.filePath(u"chosen.bin"_s);
        t->setFocus();
        t->selectRow(rowOf(t, u"../weights/model.bin"_s));
        QThread *wroteOn = nullptr;
        RunFilesTab::setChunkHook([&wroteOn](qint64) { wroteOn = QThread::currentThread(); });
        QSignalSpy finished(tab, &RunFilesTab::jobFinished);
        FileChooser::setNextAnswer(path);
        QTest::mouseClick(tab->findChild<QPushButton *>(u"saveArtifact"_s), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        QVERIFY(wroteOn && wroteOn != QThread::currentThread());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), modelBytes);
        // Nothing was written anywhere the artifact's name points to.
        QCOMPARE(filesIn(out.path()), QStringList{u"chosen.bin"_s});
        QVERIFY(!QFile::exists(out.filePath(u"../weights/model.bin"_s)));
        QVERIFY(tab->findChild<QLabel *>(u"filesStatus"_s)->text().contains(path));

        // A cancelled file choice writes nothing.
        FileChooser::setNextAnswer(QString());
        QTest::mouseClick(tab->findChild<QPushButton *>(u"saveArtifact"_s), Qt::LeftButton);
        QVERIFY(!tab->isBusy());
        QCOMPARE(finished.count(), 1);
        QCOMPARE(RunFilesTab::suggestedFileName(u"../weights/model.bin"_s), u"model.bin"_s);
        QCOMPARE(RunFilesTab::suggestedFileName(u"..\\..\\.hidden"_s), u"hidden"_s);
        QCOMPARE(RunFilesTab::suggestedFileName(u"../"_s), u"artifact"_s);
    }

    void exportsTheEvidencePackage()
    {
        auto d = open();
        QVERIFY(d);
        RunFilesTab *tab = d->filesTab();
        d->tabs()->setCurrentWidget(tab);
        QTemporaryDir out;
        const QString path = out.filePath(u"evidence.zip"_s);
        QSignalSpy finished(tab, &RunFilesTab::jobFinished);
        FileChooser::setNextAnswer(path);
        QTest::mouseClick(tab->findChild<QPushButton *>(u"exportEvidence"_s), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray zip = f.readAll();
        QVERIFY(zip.startsWith("PK\x03\x04"));
        QVERIFY(zip.contains("index.json") && zip.contains("manifest.json") &&
                zip.contains("index.sig"));
        QCOMPARE(s->auditCount(u"run.evidence_export"_s), 1);
        QVERIFY(!tab->findChild<QProgressBar *>(u"filesProgress"_s)->isVisible());
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
        const QString path = out.filePath(u"cancelled.out"_s);

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
        FileChooser::setNextAnswer(path);
        if (evidence) {
            QTest::mouseClick(tab->findChild<QPushButton *>(u"exportEvidence"_s), Qt::LeftButton);
        } else {
            t->setFocus();
            t->selectRow(rowOf(t, u"../weights/model.bin"_s));
            QTest::mouseClick(tab->findChild<QPushButton *>(u"saveArtifact"_s), Qt::LeftButton);
        }
        QVERIFY(tab->isBusy());
        auto *progress = tab->findChild<QProgressBar *>(u"filesProgress"_s);
        auto *cancel = tab->findChild<QPushButton *>(u"cancelFileJob"_s);
        QVERIFY(progress->isVisible() && cancel->isVisible());
        QVERIFY(!tab->findChild<QPushButton *>(u"exportEvidence"_s)->isEnabled());
        QVERIFY(wrote.tryAcquire(1, 10000)); // part of the file is written (to a temporary file)
        QTest::mouseClick(cancel, Qt::LeftButton);
        goOn.release();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QVERIFY(finished.at(0).at(1).toString().startsWith(u"Cancelled"_s));
        QVERIFY(!QFile::exists(path));
        QCOMPARE(filesIn(out.path()), QStringList()); // no partial or temporary file
        QVERIFY(!progress->isVisible() && !cancel->isVisible());
        QVERIFY(tab->findChild<QPushButton *>(u"exportEvidence"_s)->isEnabled());
    }

    void withoutTheStoreFoldersNothingCanBeSaved()
    {
        RunDetailsDialog d(s->ctx, Actor::system(), run);
        RunFilesTab *tab = d.filesTab();
        QTRY_COMPARE_WITH_TIMEOUT(tab->table()->rowCount(), 3, 10000);
        tab->table()->selectRow(0);
        QVERIFY(!tab->findChild<QPushButton *>(u"saveArtifact"_s)->isEnabled());
        QVERIFY(!tab->findChild<QPushButton *>(u"exportEvidence"_s)->isEnabled());
    }
};

QTEST_MAIN(TestRunFiles)
#include "tst_run_files.moc"
