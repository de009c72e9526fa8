// SPDX-License-Identifier: Apache-2.0
// Writes the audit entries of a filter to a CSV or JSON file, page by page
// (keyset), for the console's Export. Runs on a worker thread: progress and
// cancellation go through atomics the GUI thread reads and sets.
#pragma once

#include "models/audit/AuditService.h"
#include "models/core/Context.h"

#include <QString>

#include <atomic>

namespace wfx::ui {

class AuditExporter
{
public:
    enum class Format { Csv, Json };
    static constexpr int kPageSize = 1000;

    // Writes atomically (a partial or cancelled export leaves no file).
    // Returns the number of entries written; "Cancelled." as an error when cancelled.
    static Result<qint64> write(const ModelContext &ctx, const Actor &actor,
                                const AuditFilter &filter, Format format, const QString &path,
                                std::atomic<qint64> *written, const std::atomic<bool> *cancel);
    // One CSV field: quoted when needed, and a leading = + - @ defused so that
    // spreadsheet programs do not run it as a formula.
    static QByteArray csvField(const QString &value);
};

} // namespace wfx::ui
