// SPDX-License-Identifier: Apache-2.0
// SIGINT/SIGTERM -> QCoreApplication::quit(), through a self-pipe so the signal
// handler does nothing but write one byte.
#pragma once

#include <QObject>

class QSocketNotifier;

class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);

signals:
    void terminationRequested(int signal);

private:
    QSocketNotifier *m_notifier = nullptr;
};
