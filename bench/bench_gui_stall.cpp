// SPDX-License-Identifier: Apache-2.0
// GUI stall probe (issue 7): opens the console's real Runs panel (ui/runs/RunsPanel)
// on a store of N runs and measures the GUI thread's event-loop latency with a
// 1 ms QTimer that records the gap between its ticks, in three phases:
//   idle      one second before the panel exists (the machine's own noise),
//   paint     from constructing and showing the panel to the first paint with rows,
//   scroll    scrolling to the end: the scroll bar set to its maximum and the
//             model's fetchMore called after every page until the list is complete.
// Prints, per phase, the max and p99 gap against the 16 ms target, plus the
// process RSS before the panel and with every run loaded (the console's memory
// with N runs in the Runs panel). Usage (offscreen unless QT_QPA_PLATFORM is set):
//   bench_gui_stall [--runs 1000000] [--dir DIR] [--timeout-s 900]
#include "ui/runs/RunsModel.h"
#include "ui/runs/RunsPanel.h"

#include "BenchFill.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QScrollBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <utility>
#include <vector>

using namespace wfx;
using wfx::bench::die;
using wfx::bench::exec;

namespace {

// CPU time of the calling thread: beside a stall it tells whether the GUI
// thread was working (CPU ~ gap) or waiting (descheduled on the busy machine).
qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

qint64 rssKib()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

// Times every event the GUI thread dispatches from the event loop (outermost
// notify only) and keeps the slowest: what a stall was spent on.
class TimedApplication : public QApplication
{
public:
    using QApplication::QApplication;
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (m_depth > 0 || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        ++m_depth;
        QElapsedTimer t;
        t.start();
        // Read before: the event may delete the receiver (DeferredDelete).
        const char *cls = receiver->metaObject()->className();
        const int type = int(event->type());
        const bool r = QApplication::notify(receiver, event);
        const double ms = t.nsecsElapsed() / 1e6;
        --m_depth;
        if (ms > 8.0)
            m_slow.push_back({ms, QByteArray(cls) + " event " + QByteArray::number(type)});
        return r;
    }
    void printSlowest()
    {
        std::sort(m_slow.begin(), m_slow.end(),
                  [](const auto &a, const auto &b) { return a.first > b.first; });
        if (!m_slow.empty()) {
            std::printf("|          | %zu events over 8 ms; slowest:", m_slow.size());
            for (size_t i = 0; i < std::min<size_t>(6, m_slow.size()); ++i)
                std::printf(" %.1f %s;", m_slow[i].first, m_slow[i].second.constData());
            std::printf(" |\n");
        }
        m_slow.clear();
    }

private:
    int m_depth = 0;
    std::vector<std::pair<double, QByteArray>> m_slow;
};

// The 1 ms tick: every gap between two ticks goes to the current phase.
class StallProbe : public QObject
{
public:
    StallProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            const qint64 cpu = threadCpuNs();
            if (m_last >= 0) {
                const double gap = (now - m_last) / 1e6;
                m_gaps.push_back(gap);
                if (gap > 16.0 && m_where)
                    m_stalls.push_back({gap, m_where(), (cpu - m_lastCpu) / 1e6});
            }
            m_last = now;
            m_lastCpu = cpu;
        });
        m_clock.start();
        m_timer.start();
    }
    // What to note beside each stall over 16 ms (here: the rows loaded then).
    void setWhere(std::function<qint64()> where) { m_where = std::move(where); }
    // Ends the current phase: prints its figures and starts a new one.
    void endPhase(const char *name, double wallMs)
    {
        std::vector<double> g;
        g.swap(m_gaps);
        std::sort(g.begin(), g.end());
        const double maxGap = g.empty() ? 0 : g.back();
        const double p99 = g.empty() ? 0 : g[std::min(g.size() - 1, size_t(g.size() * 0.99))];
        const long over = long(g.end() - std::upper_bound(g.begin(), g.end(), 16.0));
        std::printf("| %-8s | %10.0f | %8zu | %8.1f | %8.1f | %6ld | %s |\n", name, wallMs,
                    g.size(), maxGap, p99, over, maxGap <= 16.0 ? "PASS" : "MISS");
        std::sort(m_stalls.begin(), m_stalls.end(),
                  [](const Stall &a, const Stall &b) { return a.gapMs > b.gapMs; });
        if (!m_stalls.empty()) {
            std::printf(
                "|          | longest stalls (ms @ rows loaded, GUI thread CPU ms in the gap):");
            for (size_t i = 0; i < std::min<size_t>(8, m_stalls.size()); ++i)
                std::printf(" %.0f@%lld(cpu %.0f)", m_stalls[i].gapMs, m_stalls[i].rows,
                            m_stalls[i].cpuMs);
            // Working: the GUI thread ran for at least 16 ms of the gap; else it waited.
            const long working = long(std::count_if(
                m_stalls.begin(), m_stalls.end(), [](const Stall &st) { return st.cpuMs > 16.0; }));
            std::printf("; %ld of %zu with > 16 ms of GUI thread CPU |\n", working,
                        m_stalls.size());
        }
        m_stalls.clear();
        std::fflush(stdout);
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    struct Stall
    {
        double gapMs;
        qint64 rows;
        double cpuMs;
    };
    qint64 m_last = -1;
    qint64 m_lastCpu = 0;
    std::vector<double> m_gaps;
    std::function<qint64()> m_where;
    std::vector<Stall> m_stalls;
};

// Runs the event loop until `done` is true (checked whenever `sender` emits
// `signal`, and every 50 ms), or the timeout passes. Returns false on timeout.
template <typename Sender, typename Signal, typename Done>
bool runUntil(Sender *sender, Signal signal, Done done, qint64 timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QObject::connect(sender, signal, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    poll.start(50);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return done();
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    TimedApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    QCommandLineOption runsOpt(QStringLiteral("runs"), QStringLiteral("runs to fill"),
                               QStringLiteral("N"), QStringLiteral("1000000"));
    QCommandLineOption dirOpt(QStringLiteral("dir"), QStringLiteral("folder for the SQLite file"),
                              QStringLiteral("DIR"));
    QCommandLineOption timeoutOpt(QStringLiteral("timeout-s"),
                                  QStringLiteral("give up scrolling after"), QStringLiteral("S"),
                                  QStringLiteral("900"));
    cli.addOptions({runsOpt, dirOpt, timeoutOpt});
    cli.process(app);
    const qint64 nRuns = cli.value(runsOpt).toLongLong();
    const qint64 timeoutMs = cli.value(timeoutOpt).toLongLong() * 1000;

    QTemporaryDir tmp((cli.value(dirOpt).isEmpty() ? QDir::tempPath() : cli.value(dirOpt)) +
                      QStringLiteral("/wfx-gui-XXXXXX"));
    auto store = bench::openStore(
        QStringLiteral("sqlite:") + tmp.filePath(QStringLiteral("store.db")), tmp.path());
    const ModelContext ctx = store->ctx;
    {
        QSqlDatabase conn = store->db->connection();
        QElapsedTimer fill;
        fill.start();
        exec(conn, QStringLiteral("BEGIN"));
        bench::fillRuns(conn, false, store->projectId, store->workspaceId, nRuns);
        exec(conn, QStringLiteral("COMMIT"));
        exec(conn, QStringLiteral("ANALYZE"));
        std::printf("store: SQLite, %lld runs (SQL fill %.1f s, not measured), platform %s\n",
                    nRuns, fill.elapsed() / 1000.0, qPrintable(QGuiApplication::platformName()));
    }

    std::printf(
        "| phase    | wall ms    | ticks    | max ms   | p99 ms   | >16 ms | max <= 16 ms |\n");
    std::printf("| -------- | ---------: | -------: | -------: | -------: | -----: | --- |\n");
    StallProbe probe;
    {
        QEventLoop idle;
        QTimer::singleShot(1000, &idle, &QEventLoop::quit);
        idle.exec();
    }
    probe.endPhase("idle", 1000);
    app.printSlowest();
    const qint64 rssBefore = rssKib();

    // First paint: the panel as the console builds it (Actor::system: every workspace).
    QElapsedTimer wall;
    wall.start();
    ui::RunsPanel panel(ctx, Actor::system());
    panel.resize(1200, 800);
    ui::RunsModel *model = panel.model();
    QTableView *view = panel.view();
    probe.setWhere([model] { return qint64(model->rowCount()); });
    bool paintedRows = false;
    struct PaintWatch : QObject
    {
        ui::RunsModel *model;
        bool *painted;
        bool eventFilter(QObject *, QEvent *e) override
        {
            if (e->type() == QEvent::Paint && model->rowCount() > 0)
                *painted = true;
            return false;
        }
    } watch;
    watch.model = model;
    watch.painted = &paintedRows;
    view->viewport()->installEventFilter(&watch);
    panel.show();
    // The paint event comes after the first page: poll the flag from the loop.
    if (!runUntil(
            model, &ui::RunsModel::pageLoaded, [&] { return paintedRows; }, 60'000))
        die(QStringLiteral("no rows painted within 60 s: ") + model->lastError());
    probe.endPhase("paint", wall.nsecsElapsed() / 1e6);
    app.printSlowest();

    // Scroll to the end: like a user holding the scroll bar at the bottom.
    wall.restart();
    QScrollBar *bar = view->verticalScrollBar();
    auto step = [&] {
        bar->setValue(bar->maximum());
        if (!model->isLoading() && model->canFetchMore({}))
            model->fetchMore({});
    };
    QObject::connect(model, &ui::RunsModel::pageLoaded, &panel,
                     [&] { QTimer::singleShot(0, &panel, step); });
    step();
    const bool complete = runUntil(
        model, &ui::RunsModel::pageLoaded, [&] { return model->atEnd() && !model->isLoading(); },
        timeoutMs);
    {
        // Let the last rows paint at the bottom.
        bar->setValue(bar->maximum());
        QEventLoop settle;
        QTimer::singleShot(200, &settle, &QEventLoop::quit);
        settle.exec();
    }
    probe.endPhase("scroll", wall.nsecsElapsed() / 1e6);
    app.printSlowest();
    probe.setWhere({});
    std::printf("rows loaded %d of %lld (%s), last error: %s\n", model->rowCount(), nRuns,
                complete ? "complete" : "TIMEOUT",
                model->lastError().isEmpty() ? "none" : qPrintable(model->lastError()));
    std::printf("RSS: %.1f MiB before the panel, %.1f MiB with %d runs loaded in the Runs panel\n",
                rssBefore / 1024.0, rssKib() / 1024.0, model->rowCount());
    return complete ? 0 : 2;
}
