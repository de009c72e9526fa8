// SPDX-License-Identifier: Apache-2.0
#include "ui/overview/OverviewPanel.h"

#include "ui/ServerControl.h"
#include "ui/common/Async.h"
#include "ui/common/ChartView.h"
#include "ui/common/Heading.h"
#include "ui/common/NiceTicks.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

namespace wfx::ui {

namespace {

struct StoreState
{
    qint64 size = -1;
    bool artifactsHealthy = false;
};

QString durationText(qint64 seconds)
{
    const qint64 d = seconds / 86400, h = (seconds / 3600) % 24, m = (seconds / 60) % 60,
                 s = seconds % 60;
    if (d > 0)
        return OverviewPanel::tr("%1 d %2 h %3 min").arg(d).arg(h).arg(m);
    if (h > 0)
        return OverviewPanel::tr("%1 h %2 min").arg(h).arg(m);
    if (m > 0)
        return OverviewPanel::tr("%1 min %2 s").arg(m).arg(s);
    return OverviewPanel::tr("%1 s").arg(s);
}

QLabel *valueLabel(QWidget *parent, const QString &objectName)
{
    auto *l = new QLabel(parent);
    l->setObjectName(objectName);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

} // namespace

OverviewPanel::OverviewPanel(ServerControl *server, QWidget *parent)
    : QWidget(parent), m_server(server)
{
    setAccessibleName(tr("Overview"));
    auto *layout = new QVBoxLayout(this);

    auto *title = heading(tr("Overview"), this);
    layout->addWidget(title);

    // Server: address, state, start/stop.
    auto *serverBox = new QGroupBox(tr("Server"), this);
    auto *serverForm = new QFormLayout(serverBox);
    auto *addressRow = new QHBoxLayout;
    m_address = valueLabel(serverBox, QStringLiteral("address"));
    m_address->setAccessibleName(tr("Server address"));
    auto *copy = new QPushButton(tr("&Copy"), serverBox);
    copy->setObjectName(QStringLiteral("copyAddress"));
    copy->setToolTip(tr("Copy the server address to the clipboard"));
    m_docs = new QPushButton(tr("Open API &docs"), serverBox);
    m_docs->setObjectName(QStringLiteral("openDocs"));
    addressRow->addWidget(m_address, 1);
    addressRow->addWidget(copy);
    addressRow->addWidget(m_docs);
    serverForm->addRow(tr("Address:"), addressRow);

    auto *stateRow = new QHBoxLayout;
    m_state = valueLabel(serverBox, QStringLiteral("state"));
    m_start = new QPushButton(tr("&Start"), serverBox);
    m_start->setObjectName(QStringLiteral("startServer"));
    m_stop = new QPushButton(tr("S&top"), serverBox);
    m_stop->setObjectName(QStringLiteral("stopServer"));
    stateRow->addWidget(m_state, 1);
    stateRow->addWidget(m_start);
    stateRow->addWidget(m_stop);
    serverForm->addRow(tr("State:"), stateRow);
    m_uptime = valueLabel(serverBox, QStringLiteral("uptime"));
    serverForm->addRow(tr("Uptime:"), m_uptime);
    auto *version = valueLabel(serverBox, QStringLiteral("version"));
    version->setText(QCoreApplication::applicationVersion().isEmpty()
                         ? QStringLiteral(WFX_VERSION)
                         : QCoreApplication::applicationVersion());
    serverForm->addRow(tr("Version:"), version);
    layout->addWidget(serverBox);

    // Request rate over the last five minutes.
    auto *rateBox = new QGroupBox(tr("Requests per second, last 5 minutes"), this);
    auto *rateLayout = new QVBoxLayout(rateBox);
    m_rateNow = valueLabel(rateBox, QStringLiteral("rateNow"));
    rateLayout->addWidget(m_rateNow);
    m_series = new QLineSeries;
    m_series->setName(tr("requests/s"));
    auto *chart = new QChart;
    chart->addSeries(m_series);
    chart->setLocalizeNumbers(true); // axis labels in the console's locale (1.000,5)
    chart->legend()->hide();
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(0);
    // x: seconds ago, now at the right; y: requests per second.
    auto *xAxis = new QValueAxis;
    xAxis->setReverse(true);
    xAxis->setTitleText(tr("seconds ago"));
    keepTicksNice(xAxis, TickRule{7, true});
    xAxis->setRange(0, kWindowSeconds);
    m_yAxis = new QValueAxis;
    m_yAxis->setTitleText(tr("requests/s"));
    keepTicksNice(m_yAxis);
    m_yAxis->setRange(0, 1);
    chart->addAxis(xAxis, Qt::AlignBottom);
    chart->addAxis(m_yAxis, Qt::AlignLeft);
    m_series->attachAxis(xAxis);
    m_series->attachAxis(m_yAxis);
    auto *chartView = new ChartView(chart, rateBox);
    chartView->setReadout([](const QXYSeries &, QPointF p) {
        return tr("%1 s ago: %2 requests/s")
            .arg(QLocale().toString(qRound64(p.x())), QLocale().toString(p.y(), 'f', 1));
    });
    chartView->setMinimumHeight(180);
    chartView->setAccessibleName(tr("Request rate chart"));
    rateLayout->addWidget(chartView);
    layout->addWidget(rateBox, 1);

    // Stores.
    auto *storeBox = new QGroupBox(tr("Storage"), this);
    auto *storeForm = new QFormLayout(storeBox);
    auto *store = valueLabel(storeBox, QStringLiteral("store"));
    m_storeSize = valueLabel(storeBox, QStringLiteral("storeSize"));
    m_artifacts = valueLabel(storeBox, QStringLiteral("artifacts"));
    m_storeSize->setText(tr("Measuring…"));
    m_artifacts->setText(tr("Checking…"));
    storeForm->addRow(tr("Store:"), store);
    storeForm->addRow(tr("Store size:"), m_storeSize);
    storeForm->addRow(tr("Artifact store:"), m_artifacts);
    layout->addWidget(storeBox);

    connect(copy, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_server->address()); });
    connect(m_docs, &QPushButton::clicked, this, [this] {
        QDesktopServices::openUrl(QUrl(m_server->address() + QStringLiteral("/docs")));
    });
    connect(m_start, &QPushButton::clicked, this, [this] {
        if (!m_server->start())
            m_state->setText(tr("Stopped: the server could not listen on its address"));
        else
            refreshState();
        if (m_server->isRunning())
            emit serverStateChanged(true);
    });
    connect(m_stop, &QPushButton::clicked, this, [this] {
        m_server->stop();
        refreshState();
        emit serverStateChanged(false);
    });

    m_lastCount = m_server->requestCount();
    if (m_server->isRunning())
        m_upSince.start();
    auto *sampleTimer = new QTimer(this);
    sampleTimer->setInterval(kSampleMs);
    connect(sampleTimer, &QTimer::timeout, this, &OverviewPanel::sample);
    sampleTimer->start();
    auto *healthTimer = new QTimer(this);
    healthTimer->setInterval(kHealthMs);
    connect(healthTimer, &QTimer::timeout, this, &OverviewPanel::refreshStores);
    healthTimer->start();

    store->setText(m_server->storeDescription());
    refreshState();
    updateUptime();
    m_rateNow->setText(tr("Now: %1 requests/s").arg(QLocale().toString(0.0, 'f', 1)));
    refreshStores();
}

OverviewPanel::~OverviewPanel()
{
    m_destroying = true;
    // A store probe may still run against m_server: let it end first.
    const auto watchers = findChildren<QFutureWatcherBase *>();
    for (auto *w : watchers)
        w->waitForFinished();
}

void OverviewPanel::sample()
{
    // requestCount() is an atomic read: cheap enough for the GUI thread.
    const quint64 count = m_server->requestCount();
    const double rate =
        count >= m_lastCount ? double(count - m_lastCount) * 1000.0 / kSampleMs : 0.0;
    m_lastCount = count;
    m_rates.append(rate);
    while (m_rates.size() > kWindowSeconds)
        m_rates.removeFirst();

    // Newest first: x (seconds ago) grows along the series, as the read-out expects.
    QList<QPointF> points;
    points.reserve(m_rates.size());
    double peak = 0;
    const int n = int(m_rates.size());
    for (int i = n - 1; i >= 0; --i) {
        points.append(QPointF(double(n - 1 - i) * kSampleMs / 1000.0, m_rates.at(i)));
        peak = qMax(peak, m_rates.at(i));
    }
    m_series->replace(points);
    m_yAxis->setRange(0, niceCeiling(qMax(1.0, peak)));
    m_rateNow->setText(tr("Now: %1 requests/s").arg(QLocale().toString(rate, 'f', 1)));
    updateUptime();
}

void OverviewPanel::refreshState()
{
    const bool running = m_server->isRunning();
    m_address->setText(m_server->address());
    m_state->setText(running ? tr("Running") : tr("Stopped"));
    m_start->setEnabled(!running);
    m_stop->setEnabled(running);
    m_docs->setEnabled(running);
    if (running && !m_upSince.isValid())
        m_upSince.start();
    if (!running)
        m_upSince.invalidate();
    updateUptime();
}

void OverviewPanel::updateUptime()
{
    m_uptime->setText(m_upSince.isValid() ? durationText(m_upSince.elapsed() / 1000)
                                          : tr("Not running"));
}

void OverviewPanel::refreshStores()
{
    if (m_storesPending)
        return; // the last probe has not answered yet: do not pile up
    m_storesPending = true;
    ServerControl *server = m_server;
    runAsync(
        this,
        [server] {
            return StoreState{server->storeSizeBytes(), server->artifactStoreHealthy()};
        },
        [this](const StoreState &st) {
            m_storesPending = false;
            if (m_destroying)
                return;
            m_storeSize->setText(st.size < 0 ? tr("Unknown")
                                             : QLocale().formattedDataSize(st.size));
            m_artifacts->setText(st.artifactsHealthy
                                     ? tr("Healthy (the blob folder is writable)")
                                     : tr("Unavailable: the blob folder cannot be written"));
        });
}

} // namespace wfx::ui
