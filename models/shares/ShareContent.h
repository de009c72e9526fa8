// SPDX-License-Identifier: Apache-2.0
// States 8 to 11 of a public share (PublicShareResolver.h): what its content
// allows, from the run's evidence, the shared artifact and the payload policy's
// verdict on the snapshot the share keeps.
#pragma once

#include "models/core/Result.h"
#include "models/core/Words.h"
#include "models/shares/PublicShareResolver.h"
#include "models/shares/ShareLimits.h"
#include "models/shares/ShareService.h"

#include <QByteArray>
#include <QSqlDatabase>
#include <QString>

namespace wfx::sharecontent {

struct Content
{
    PublicState state = PublicState::Active;
    Words why;
    QString policyPath;
    QByteArray snapshot; // compact JSON, when active
};

// keepSnapshot false (the inspector, which records nothing) builds a missing
// snapshot without keeping it.
Result<Content> evaluate(const QSqlDatabase &conn, const Share &share, const ShareLimits &limits,
                         const PolicyVerdicts &verdicts, bool keepSnapshot);

} // namespace wfx::sharecontent
