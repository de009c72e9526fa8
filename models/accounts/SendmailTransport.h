// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "models/accounts/MailTransport.h"

#include <QStringList>

namespace wfx {

// Pipes an RFC 5322 message to a sendmail-compatible command (sendmail,
// msmtp, ssmtp, ...) that reads the recipients from the headers (-t).
class SendmailTransport final : public MailTransport
{
public:
    struct Options
    {
        QString program = QStringLiteral("/usr/sbin/sendmail");
        QStringList arguments = {QStringLiteral("-t"), QStringLiteral("-i")};
        QString from; // empty: the command's default sender
        int timeoutMs = 30'000;
    };

    explicit SendmailTransport(Options options) : m_options(std::move(options)) {}

    Status send(const MailMessage &message) override;
    // The bytes piped to the command (exposed for tests and diagnostics).
    QByteArray render(const MailMessage &message) const;

private:
    Options m_options;
};

} // namespace wfx
