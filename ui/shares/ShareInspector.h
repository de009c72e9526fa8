// SPDX-License-Identifier: Apache-2.0
// The share inspector: paste a token or a link, give a client address and
// optionally a password, and see which of the eleven public states the link
// is in and why, what the public receives, and the actions that change it.
// Nothing it does counts as a read.
#pragma once

#include "models/shares/PublicShareResolver.h"
#include "models/shares/ShareService.h"

#include "ui/common/PanelActions.h"
#include "ui/common/StorePanel.h"
#include "ui/common/WidgetGroup.h"

#include <optional>

class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace wfx::ui {

class ShareInspector : public StorePanel
{
    Q_OBJECT
public:
    ShareInspector(ModelContext ctx, Actor actor, QWidget *parent = nullptr);
    ~ShareInspector() override;

    // Fills the input (a token, a link or a share id) and inspects.
    void inspect(const QString &tokenLinkOrId);
    void inspect();
    bool isBusy() const { return m_busy; }
    // The last answer (empty before the first, or after an error).
    const std::optional<ShareExplanation> &explanation() const { return m_explanation; }
    // The verdict shown: with a password given, what that password meets.
    const ShareVerdict &shownVerdict() const { return m_shown; }
    // Words for a state as the inspector shows them.
    static QString stateTitle(PublicState s);

signals:
    void inspected();
    void actionFailed(const QString &message);

private:
    struct Inspection
    {
        Result<ShareExplanation> explanation = ShareExplanation{};
        std::optional<Share> share;
        std::optional<bool> passwordRight; // set when a password was given and tried
    };
    void present(const Inspection &in);
    void revoke();
    void extend();
    void unlock();
    void setBusy(bool busy);

    QLineEdit *m_input = nullptr;
    QLineEdit *m_address = nullptr;
    QLineEdit *m_password = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_reason = nullptr;
    QLabel *m_shareFacts = nullptr;
    QPlainTextEdit *m_public = nullptr;
    QLabel *m_notes = nullptr;
    QDateTimeEdit *m_expiry = nullptr;
    WidgetGroup m_forLiveShare; // revoke, the new expiry and extend
    QPushButton *m_unlock = nullptr;
    std::optional<ShareExplanation> m_explanation;
    std::optional<Share> m_share;
    ShareVerdict m_shown;
    QString m_inspectedAddress;
    bool m_busy = false;
    bool m_again = false; // inspect again when the current one ends
    PanelActions m_actions{this, [this](const QString &text) { emit actionFailed(text); }};
};

} // namespace wfx::ui
