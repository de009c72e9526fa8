// SPDX-License-Identifier: Apache-2.0
// Mail outbox: every message the instance wrote (password resets,
// invitations), to whom, when, and whether it was sent, with the body as
// stored. Without a mail transport (no sendmail command) nothing is sent and
// the administrator reads here who asked for what. One-time links are never
// stored, so bodies show them withheld.
#pragma once

#include "models/core/Context.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTableView;

namespace wfx::ui {

class MailModel;

class MailPanel : public QWidget
{
    Q_OBJECT
public:
    MailPanel(ModelContext ctx, Actor actor, QWidget *parent = nullptr);

    MailModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QPlainTextEdit *bodyView() const { return m_body; }
    void refresh();

private:
    void showCurrent();
    void updateStatus();

    MailModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QPlainTextEdit *m_body = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace wfx::ui
