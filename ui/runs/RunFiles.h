// SPDX-License-Identifier: Apache-2.0
// What the run details need beyond the store to hand out files: the data
// folder whose blob store holds artifact bytes, and the instance's Ed25519
// seed that signs evidence packages. app/ fills it in; empty: those actions
// are unavailable and the dialog says so.
#pragma once

#include <QByteArray>
#include <QString>

namespace wfx::ui {

struct RunFiles
{
    QString dataDir;
    QByteArray signingSeed; // 32 bytes

    bool canReadArtifacts() const { return !dataDir.isEmpty(); }
    bool canSignEvidence() const { return signingSeed.size() == 32; }
};

} // namespace wfx::ui
