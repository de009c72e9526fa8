// SPDX-License-Identifier: Apache-2.0
// Overview: where the server answers, whether it runs, how busy it is (a live
// requests-per-second chart of the last five minutes) and the stores' state.
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QWidget>

class QLabel;
class QPushButton;
class QLineSeries;
class QValueAxis;

namespace wfx {
class ServerControl;
}

namespace wfx::ui {

class OverviewPanel : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kSampleMs = 1000;
    static constexpr int kWindowSeconds = 300;
    static constexpr int kHealthMs = 10000;

    explicit OverviewPanel(ServerControl *server, QWidget *parent = nullptr);
    ~OverviewPanel() override;

    // Requests per second of the samples kept (oldest first), for tests and the chart.
    QList<double> rateSamples() const { return m_rates; }

signals:
    void serverStateChanged(bool running);

private:
    void sample();
    void refreshState();
    void refreshStores();
    void updateUptime();

    ServerControl *m_server;
    QLabel *m_address = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_uptime = nullptr;
    QLabel *m_rateNow = nullptr;
    QLabel *m_storeSize = nullptr;
    QLabel *m_artifacts = nullptr;
    QPushButton *m_docs = nullptr;
    QPushButton *m_start = nullptr;
    QPushButton *m_stop = nullptr;
    QLineSeries *m_series = nullptr;
    QValueAxis *m_yAxis = nullptr;
    QElapsedTimer m_upSince;
    quint64 m_lastCount = 0;
    QList<double> m_rates;
    bool m_storesPending = false;
    bool m_destroying = false;
};

} // namespace wfx::ui
