// SPDX-License-Identifier: Apache-2.0
// A real `worldflux-console --headless` child process (WFX_CONSOLE_BIN): started
// with arguments and extra environment, ready once it prints its
// "listening on" line; stopped with SIGTERM or killed with SIGKILL.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QString>

namespace wfxtest {

struct ConsoleProcess
{
    QProcess proc;
    quint16 port = 0;

    // Starts `--headless --port 0 <args>` and waits for the listening line.
    bool start(const QStringList &args, const QHash<QString, QString> &env, QString *error)
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        for (auto it = env.begin(); it != env.end(); ++it)
            e.insert(it.key(), it.value());
        proc.setProcessEnvironment(e);
        proc.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        port = 0;
        proc.start(QStringLiteral(WFX_CONSOLE_BIN),
                   QStringList{QStringLiteral("--headless"), QStringLiteral("--port"),
                               QStringLiteral("0")} +
                       args);
        if (!proc.waitForStarted(10'000)) {
            *error = QStringLiteral("did not start: ") + proc.errorString();
            return false;
        }
        static const QRegularExpression listening(
            QStringLiteral("^listening on https?://[^\\s]*:(\\d+)"));
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 60'000) {
            if (proc.canReadLine() || proc.waitForReadyRead(200)) {
                while (proc.canReadLine()) {
                    const QString line = QString::fromUtf8(proc.readLine()).trimmed();
                    const auto m = listening.match(line);
                    if (m.hasMatch()) {
                        port = quint16(m.captured(1).toUInt());
                        return port != 0;
                    }
                    out += line.toUtf8() + '\n';
                }
            }
            if (proc.state() == QProcess::NotRunning) {
                *error = QStringLiteral("exited with %1 before listening: ").arg(proc.exitCode()) +
                         QString::fromUtf8(out);
                return false;
            }
        }
        *error = QStringLiteral("no \"listening on\" line within 60 s: ") + QString::fromUtf8(out);
        return false;
    }

    // SIGTERM; true when it exits normally with code 0.
    bool stop(QString *error)
    {
        if (proc.state() == QProcess::NotRunning) {
            *error = QStringLiteral("already exited with %1").arg(proc.exitCode());
            return false;
        }
        proc.terminate();
        if (!proc.waitForFinished(30'000)) {
            proc.kill();
            proc.waitForFinished(5'000);
            *error = QStringLiteral("did not exit within 30 s of SIGTERM");
            return false;
        }
        if (proc.exitStatus() != QProcess::NormalExit || proc.exitCode() != 0) {
            *error = QStringLiteral("exit status %1, code %2")
                         .arg(int(proc.exitStatus()))
                         .arg(proc.exitCode());
            return false;
        }
        return true;
    }

    // SIGKILL, no chance to flush or clean up; waits until it is gone.
    bool killNow()
    {
        if (proc.state() == QProcess::NotRunning)
            return false;
        proc.kill();
        return proc.waitForFinished(10'000);
    }
};

} // namespace wfxtest
