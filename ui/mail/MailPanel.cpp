// SPDX-License-Identifier: Apache-2.0
#include "ui/mail/MailPanel.h"

#include "ui/common/Heading.h"
#include "ui/common/ListTable.h"
#include "ui/mail/MailModel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace wfx::ui {

MailPanel::MailPanel(ModelContext ctx, Actor actor, QWidget *parent) : QWidget(parent)
{
    setAccessibleName(tr("Mail outbox"));
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    auto *title = heading(tr("Mail outbox"), this);
    auto *refresh = new QPushButton(tr("&Refresh"), this);
    refresh->setObjectName(QStringLiteral("refreshMail"));
    top->addWidget(title, 1);
    top->addWidget(refresh);
    layout->addLayout(top);
    auto *intro = new QLabel(
        tr("Every message the console wrote: password resets and invitations. Without a mail "
           "command (setting sendmail, or WFX_SENDMAIL) nothing is sent; read here who asked "
           "for what. One-time links are never stored, so bodies show them withheld."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    m_model = new MailModel(std::move(ctx), std::move(actor), this);
    auto *split = new QSplitter(Qt::Vertical, this);
    m_view = newListTable(split, m_model, QStringLiteral("mailTable"), tr("Messages"));
    m_view->horizontalHeader()->setSectionResizeMode(MailModel::To, QHeaderView::Interactive);
    m_view->horizontalHeader()->resizeSection(MailModel::To, 220);
    m_view->horizontalHeader()->setSectionResizeMode(MailModel::Subject, QHeaderView::Stretch);
    m_view->horizontalHeader()->resizeSection(MailModel::Created, 150);
    m_view->horizontalHeader()->resizeSection(MailModel::State, 260);
    m_body = new QPlainTextEdit(split);
    m_body->setObjectName(QStringLiteral("mailBody"));
    m_body->setAccessibleName(tr("Message body"));
    m_body->setReadOnly(true);
    m_body->setPlaceholderText(tr("Choose a message to read it."));
    split->addWidget(m_view);
    split->addWidget(m_body);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("mailStatus"));
    layout->addWidget(m_status);

    connect(refresh, &QPushButton::clicked, this, &MailPanel::refresh);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MailPanel::showCurrent);
    connect(m_model, &MailModel::pageLoaded, this, &MailPanel::updateStatus);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_body->clear();
        updateStatus();
    });
    m_model->reload();
}

void MailPanel::refresh()
{
    m_model->reload();
}

void MailPanel::showCurrent()
{
    const QModelIndex i = m_view->currentIndex();
    if (!i.isValid()) {
        m_body->clear();
        return;
    }
    const OutboxEntry &e = m_model->entryAt(i.row());
    m_body->setPlainText(
        tr("To: %1\nSubject: %2\n%3\n\n%4").arg(e.to, e.subject, MailModel::stateText(e), e.body));
}

void MailPanel::updateStatus()
{
    const int n = m_model->rowCount();
    if (!m_model->lastError().isEmpty())
        m_status->setText(tr("Cannot load the outbox: %1").arg(m_model->lastError()));
    else if (n == 0 && !m_model->isLoading())
        m_status->setText(tr("No messages yet."));
    else
        m_status->setText(tr("%n message(s) shown", nullptr, n));
}

} // namespace wfx::ui
