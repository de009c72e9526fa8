// SPDX-License-Identifier: Apache-2.0
// A model error in the console's language, chosen by its code (and, for validation
// errors, by the fields and issues it names); never the model's English message.
// Thread-safe: jobs may call it on the pool.
#pragma once

#include "models/core/Result.h"

#include <QCoreApplication>

namespace wfx::ui {

class ErrorText
{
    Q_DECLARE_TR_FUNCTIONS(ErrorText)
public:
    // The error as a sentence ("Your role does not allow this.").
    static QString of(const Error &error);
    // What failed and why: "Cannot rename the project: Your role does not allow this."
    static QString failure(const QString &what, const Error &error);
};

} // namespace wfx::ui
