// SPDX-License-Identifier: Apache-2.0
#include "models/accounts/SendmailTransport.h"

#include <QLoggingCategory>
#include <QProcess>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcMail, "wfx.models.mail", QtInfoMsg)

namespace wfx {

namespace {

bool hasLineBreak(const QString &s)
{
    return s.contains(QLatin1Char('\r')) || s.contains(QLatin1Char('\n'));
}

// RFC 2047 encoded-word for non-ASCII header text.
QByteArray headerText(const QString &s)
{
    bool ascii = true;
    for (const QChar c : s) {
        if (c.unicode() > 0x7e || c.unicode() < 0x20) {
            ascii = false;
            break;
        }
    }
    if (ascii)
        return s.toLatin1();
    return "=?UTF-8?B?" + s.toUtf8().toBase64() + "?=";
}
} // namespace

QByteArray SendmailTransport::render(const MailMessage &message) const
{
    QByteArray out;
    if (!m_options.from.isEmpty())
        out += "From: " + m_options.from.toLatin1() + "\n";
    out += "To: " + message.to.toLatin1() + "\n";
    out += "Subject: " + headerText(message.subject) + "\n";
    out += "MIME-Version: 1.0\n";
    out += "Content-Type: text/plain; charset=utf-8\n";
    out += "Content-Transfer-Encoding: 8bit\n";
    out += "\n";
    QByteArray body = message.body.toUtf8();
    body.replace("\r\n", "\n");
    out += body;
    if (!out.endsWith('\n'))
        out += '\n';
    return out;
}

Status SendmailTransport::send(const MailMessage &message)
{
    // Header injection: an address or subject must stay on its line.
    if (hasLineBreak(message.to) || hasLineBreak(message.subject) || hasLineBreak(m_options.from))
        return Error::validation(u"to"_s, u"invalid"_s,
                                 u"Mail headers may not contain line breaks."_s);
    QProcess proc;
    proc.setProgram(m_options.program);
    proc.setArguments(m_options.arguments);
    proc.start();
    if (!proc.waitForStarted(m_options.timeoutMs)) {
        qCWarning(lcMail) << "cannot start the mail command" << m_options.program;
        return Error{ErrorCode::Unavailable, u"The mail command could not be started."_s};
    }
    proc.write(render(message));
    proc.closeWriteChannel();
    if (!proc.waitForFinished(m_options.timeoutMs)) {
        proc.kill();
        proc.waitForFinished(1000);
        return Error{ErrorCode::Unavailable, u"The mail command timed out."_s};
    }
    if (proc.exitStatus() != QProcess::NormalExit || proc.exitCode() != 0) {
        const QString err = QString::fromUtf8(proc.readAllStandardError()).trimmed().left(300);
        return Error{ErrorCode::Unavailable,
                     u"The mail command failed (exit %1)%2"_s.arg(proc.exitCode())
                         .arg(err.isEmpty() ? u"."_s : QString(u": "_s + err))};
    }
    return Ok{};
}

} // namespace wfx
