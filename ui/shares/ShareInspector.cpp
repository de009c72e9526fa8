// SPDX-License-Identifier: Apache-2.0
#include "ui/shares/ShareInspector.h"

#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "ui/common/Async.h"
#include "ui/common/Confirm.h"
#include "ui/common/ErrorText.h"
#include "ui/common/PanelButton.h"
#include "ui/common/WordsText.h"

#include <QDateTime>
#include <QDateTimeEdit>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace wfx::ui {

QString ShareInspector::stateTitle(PublicState s)
{
    switch (s) {
    case PublicState::RateLimited:
        return tr("Read limit reached");
    case PublicState::NotFound:
        return tr("Not found");
    case PublicState::Revoked:
        return tr("Revoked");
    case PublicState::Expired:
        return tr("Expired");
    case PublicState::PasswordLocked:
        return tr("Locked after wrong passwords");
    case PublicState::PasswordRequired:
        return tr("Password required");
    case PublicState::WrongPassword:
        return tr("Wrong password");
    case PublicState::EvidenceUnverified:
        return tr("Evidence unverified");
    case PublicState::ArtifactFiltered:
        return tr("Artifact not available");
    case PublicState::PayloadRejected:
        return tr("Blocked by the public payload policy");
    case PublicState::Active:
        return tr("Active");
    }
    return {};
}

ShareInspector::~ShareInspector()
{
    m_actions.waitForAll();
}

ShareInspector::ShareInspector(ModelContext ctx, Actor actor, QWidget *parent)
    : StorePanel(std::move(ctx), std::move(actor), parent)
{
    setAccessibleName(tr("Share inspector"));
    auto *layout = new QVBoxLayout(this);

    auto *inputs = new QFormLayout;
    m_input = new QLineEdit(this);
    m_input->setObjectName(QStringLiteral("inspectInput"));
    m_input->setAccessibleName(tr("Token or link"));
    m_input->setPlaceholderText(tr("wfxs_… or https://host/r/wfxs_… or a share id"));
    m_input->setClearButtonEnabled(true);
    inputs->addRow(tr("&Token or link:"), m_input);
    auto *row = new QHBoxLayout;
    m_address = new QLineEdit(QStringLiteral("127.0.0.1"), this);
    m_address->setObjectName(QStringLiteral("inspectAddress"));
    m_address->setAccessibleName(tr("Client address"));
    m_address->setToolTip(
        tr("The reader's IP address: read budgets and password locks are per address"));
    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("inspectPassword"));
    m_password->setAccessibleName(tr("Password to try (optional)"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("Optional; trying it here counts nothing"));
    auto *inspectButton = new QPushButton(tr("&Inspect"), this);
    inspectButton->setObjectName(QStringLiteral("inspectButton"));
    inspectButton->setDefault(true);
    auto *addressLabel = new QLabel(tr("Client &address:"), this);
    addressLabel->setBuddy(m_address);
    auto *passwordLabel = new QLabel(tr("Pass&word:"), this);
    passwordLabel->setBuddy(m_password);
    row->addWidget(addressLabel);
    row->addWidget(m_address);
    row->addWidget(passwordLabel);
    row->addWidget(m_password, 1);
    row->addWidget(inspectButton);
    inputs->addRow(row);
    layout->addLayout(inputs);

    auto *verdict = new QGroupBox(tr("State"), this);
    auto *vl = new QVBoxLayout(verdict);
    m_state = new QLabel(tr("Paste a token or a link and press Inspect."), verdict);
    m_state->setObjectName(QStringLiteral("inspectState"));
    QFont sf = m_state->font();
    sf.setPointSizeF(sf.pointSizeF() * 1.25);
    sf.setBold(true);
    m_state->setFont(sf);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reason = new QLabel(verdict);
    m_reason->setObjectName(QStringLiteral("inspectReason"));
    m_reason->setWordWrap(true);
    m_reason->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_shareFacts = new QLabel(verdict);
    m_shareFacts->setObjectName(QStringLiteral("inspectShare"));
    m_shareFacts->setWordWrap(true);
    m_shareFacts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notes = new QLabel(verdict);
    m_notes->setObjectName(QStringLiteral("inspectNotes"));
    m_notes->setWordWrap(true);
    vl->addWidget(m_state);
    vl->addWidget(m_reason);
    vl->addWidget(m_shareFacts);
    vl->addWidget(m_notes);
    layout->addWidget(verdict);

    auto *publicBox = new QGroupBox(tr("What the public receives"), this);
    auto *pl = new QVBoxLayout(publicBox);
    m_public = new QPlainTextEdit(publicBox);
    m_public->setObjectName(QStringLiteral("inspectPublic"));
    m_public->setAccessibleName(tr("What the public receives"));
    m_public->setReadOnly(true);
    m_public->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_public->setMaximumHeight(m_public->fontMetrics().height() * 7);
    pl->addWidget(m_public);
    layout->addWidget(publicBox);

    auto *actions = new QGroupBox(tr("Change it"), this);
    auto *al = new QHBoxLayout(actions);
    auto *revokeButton = panelButton(actions, tr("&Revoke…"), QStringLiteral("inspectRevoke"), this,
                                     &ShareInspector::revoke);
    m_expiry = new QDateTimeEdit(actions);
    m_expiry->setObjectName(QStringLiteral("inspectExpiry"));
    m_expiry->setAccessibleName(tr("New expiry"));
    m_expiry->setCalendarPopup(true);
    auto *extendButton = panelButton(actions, tr("E&xtend expiry"), QStringLiteral("inspectExtend"),
                                     this, &ShareInspector::extend);
    m_unlock = panelButton(actions, tr("&Unlock for this address"), QStringLiteral("inspectUnlock"),
                           this, &ShareInspector::unlock);
    m_forLiveShare.add({revokeButton, m_expiry, extendButton});
    al->addWidget(revokeButton);
    al->addSpacing(12);
    al->addWidget(new QLabel(tr("Expires:"), actions));
    al->addWidget(m_expiry);
    al->addWidget(extendButton);
    al->addSpacing(12);
    al->addWidget(m_unlock);
    al->addStretch(1);
    layout->addWidget(actions);
    layout->addStretch(1);
    m_forLiveShare.setEnabled(false);
    m_unlock->setEnabled(false);

    connect(inspectButton, &QPushButton::clicked, this, qOverload<>(&ShareInspector::inspect));
    for (QLineEdit *e : {m_input, m_address, m_password})
        connect(e, &QLineEdit::returnPressed, this, qOverload<>(&ShareInspector::inspect));

    reloadOnChange({QStringLiteral("share")}, [this] {
        if (m_explanation)
            inspect();
    });
}

void ShareInspector::setBusy(bool busy)
{
    // The button stays enabled: a click while a (live) inspection runs queues
    // one more with the inputs as they are then (inspect()), so a click is
    // never lost to a refresh the user did not ask for.
    m_busy = busy;
}

void ShareInspector::inspect(const QString &tokenLinkOrId)
{
    m_input->setText(tokenLinkOrId);
    inspect();
}

void ShareInspector::inspect()
{
    if (m_busy) {
        m_again = true;
        return;
    }
    const QString input = m_input->text().trimmed();
    if (input.isEmpty())
        return;
    setBusy(true);
    const QString address = m_address->text().trimmed();
    const QString password = m_password->text();
    m_inspectedAddress = address;
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, input, address, password] {
            Inspection in;
            PublicShareResolver resolver(ctx);
            in.explanation = resolver.explain(actor, input, address);
            if (in.explanation && !in.explanation->shareId.isEmpty()) {
                auto share = ShareService(ctx).get(actor, in.explanation->shareId);
                if (share)
                    in.share = *share;
                if (!password.isEmpty() && in.share && in.share->hasPassword) {
                    auto right = resolver.passwordMatches(actor, in.explanation->shareId, password);
                    if (right)
                        in.passwordRight = *right;
                }
            }
            return in;
        },
        [this](const Inspection &in) {
            setBusy(false);
            present(in);
            if (m_again) {
                m_again = false;
                inspect();
            } else {
                emit inspected();
            }
        });
}

void ShareInspector::present(const Inspection &in)
{
    if (!in.explanation) {
        m_explanation.reset();
        m_share.reset();
        m_state->setText(tr("Cannot inspect: %1").arg(ErrorText::of(in.explanation.error())));
        m_reason->clear();
        m_public->clear();
        m_notes->clear();
        m_shareFacts->clear();
        m_forLiveShare.setEnabled(false);
        m_unlock->setEnabled(false);
        return;
    }
    const ShareExplanation &ex = in.explanation.value();
    m_explanation = ex;
    m_share = in.share;

    // With a password given, the reader who sends it: the lock and the read
    // budget come first, then the password decides.
    ShareVerdict v = ex.verdict;
    QStringList notes;
    for (const Words &w : ex.noteWords)
        notes.append(wordsText(w));
    if (in.passwordRight && v.state == PublicState::PasswordRequired) {
        if (*in.passwordRight && ex.withPassword) {
            v = *ex.withPassword;
            notes.prepend(
                tr("The password given is right: this is what a reader who sends it gets."));
        } else {
            v = ShareVerdict{
                PublicState::WrongPassword,
                PublicShareResolver::statusOf(PublicState::WrongPassword),
                PublicShareResolver::codeOf(PublicState::WrongPassword),
                tr("the password given is not the share's password; each wrong one counts "
                   "toward the lock for this address"),
                {}};
        }
    } else if (ex.withPassword) {
        notes.append(tr("With the right password: %1 (%2).")
                         .arg(stateTitle(ex.withPassword->state), wordsText(ex.withPassword->why)));
    }
    m_shown = v;

    m_state->setText(tr("%1 — state %2 of 11").arg(stateTitle(v.state)).arg(int(v.state)));
    m_state->setAccessibleName(m_state->text());
    // The wrong-password verdict above is the console's own (already in words).
    m_reason->setText(tr("Why: %1").arg(v.why.source ? wordsText(v.why) : v.reason));
    m_notes->setText(notes.join(QLatin1Char('\n')));
    if (m_share) {
        const QLocale l;
        auto when = [&l](qint64 ms) {
            return l.toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat);
        };
        m_shareFacts->setText(
            tr("Share %1 of run %2; created %3; %4; %5.")
                .arg(m_share->id, m_share->runId, when(m_share->createdAt),
                     m_share->hasPassword ? tr("has a password") : tr("no password"),
                     m_share->expiresAt ? tr("expires %1").arg(when(*m_share->expiresAt))
                                        : tr("never expires")));
    } else {
        m_shareFacts->setText(tr("No share matches."));
    }

    // The answer as the public endpoint sends it (the read counters aside).
    QString answer = tr("HTTP %1\nCache-Control: %2\n")
                         .arg(v.status)
                         .arg(v.state == PublicState::Active ? QStringLiteral("private, no-store")
                                                             : QStringLiteral("no-store"));
    if (v.state == PublicState::RateLimited || v.state == PublicState::PasswordLocked)
        answer += tr("Retry-After: (seconds until the limit ends)\n");
    answer += QLatin1Char('\n');
    if (v.state == PublicState::Active) {
        answer +=
            tr("The run snapshot (name, status, times, manifest, metrics%1), without internal ids.")
                .arg(m_share && !m_share->artifactId.isEmpty() ? tr(", the shared artifact")
                                                               : QString());
    } else {
        const QJsonObject body{
            {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), v.code},
                                                  {QStringLiteral("message"),
                                                   PublicShareResolver::publicMessage(v.state)}}}};
        answer += QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact));
    }
    m_public->setPlainText(answer);

    const bool live = m_share && !m_share->revokedAt;
    m_forLiveShare.setEnabled(live);
    if (m_share) {
        const qint64 base = m_share->expiresAt && *m_share->expiresAt > m_ctx.clock->nowMs()
                                ? *m_share->expiresAt
                                : m_ctx.clock->nowMs();
        m_expiry->setDateTime(QDateTime::fromMSecsSinceEpoch(base).addDays(7));
    }
    m_unlock->setEnabled(m_share && ex.verdict.state == PublicState::PasswordLocked);
    m_unlock->setToolTip(m_unlock->isEnabled()
                             ? tr("Forget the wrong passwords of %1").arg(m_inspectedAddress)
                             : QString());
}

void ShareInspector::revoke()
{
    if (!m_share)
        return;
    if (!Confirm::ask(this, tr("Revoke share"),
                      tr("Revoke the share %1…? Anyone with the link gets 410 from now on. This "
                         "cannot be undone.")
                          .arg(m_share->tokenPrefix),
                      tr("Revoke")))
        return;
    m_actions.act([ctx = m_ctx, actor = m_actor,
                   id = m_share->id] { return ShareService(ctx).revoke(actor, id); },
                  tr("Cannot revoke"), [] { return QString(); }, [this] { inspect(); });
}

void ShareInspector::extend()
{
    if (!m_share)
        return;
    const QString expiry = ids::formatTime(m_expiry->dateTime().toMSecsSinceEpoch());
    m_actions.act([ctx = m_ctx, actor = m_actor, id = m_share->id,
                   expiry] { return ShareService(ctx).extend(actor, id, expiry); },
                  tr("Cannot extend the share"), [] { return QString(); }, [this] { inspect(); });
}

void ShareInspector::unlock()
{
    if (!m_share)
        return;
    m_actions.act(
        [ctx = m_ctx, actor = m_actor, id = m_share->id, address = m_inspectedAddress] {
            return PublicShareResolver(ctx).unlock(actor, id, address);
        },
        tr("Cannot unlock the share"), [] { return QString(); }, [this] { inspect(); });
}

} // namespace wfx::ui
