// SPDX-License-Identifier: Apache-2.0
// The seam through which the instance sends mail (password resets). The real
// implementation is SendmailTransport; tests put a fake behind it.
#pragma once

#include "models/core/Result.h"

#include <QString>

namespace wfx {

struct MailMessage
{
    QString to;
    QString subject;
    QString body; // plain text, UTF-8 on the wire
};

class MailTransport
{
public:
    virtual ~MailTransport() = default;
    // Hands one message over for delivery; an error says why it was not accepted.
    virtual Status send(const MailMessage &message) = 0;
};

} // namespace wfx
