// SPDX-License-Identifier: Apache-2.0
#include "ui/shares/SharesPanel.h"

#include "models/events/ChangeBus.h"
#include "ui/common/Async.h"
#include "ui/common/CollectAll.h"
#include "ui/common/Confirm.h"
#include "ui/common/ErrorText.h"
#include "ui/common/FileChooser.h"
#include "ui/common/Heading.h"
#include "ui/common/ListTable.h"
#include "ui/common/PanelButton.h"
#include "ui/common/ShownOnceDialog.h"
#include "ui/shares/CreateShareDialog.h"
#include "ui/shares/ShareInspector.h"
#include "ui/shares/SharesModel.h"

#include <QDateTime>
#include <QFile>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace wfx::ui {

SharesPanel::SharesPanel(ModelContext ctx, Actor actor, std::function<QString()> linkBase,
                         QWidget *parent)
    : StorePanel(std::move(ctx), std::move(actor), parent), m_linkBase(std::move(linkBase))
{
    setAccessibleName(tr("Shares"));
    auto *layout = new QVBoxLayout(this);
    auto *title = heading(tr("Shares"), this);
    layout->addWidget(title);

    auto *tabs = new QTabWidget(this);
    tabs->setObjectName(QStringLiteral("sharesTabs"));
    layout->addWidget(tabs, 1);

    // --- The list.
    auto *listPage = new QWidget(tabs);
    auto *ll = new QVBoxLayout(listPage);
    auto *buttons = new QHBoxLayout;
    auto *create = new QPushButton(tr("&New share…"), listPage);
    create->setObjectName(QStringLiteral("newShare"));
    auto *revoke = panelButton(listPage, tr("&Revoke…"), QStringLiteral("revokeShare"), this,
                               &SharesPanel::revokeSelected);
    m_inspect = new QPushButton(tr("I&nspect"), listPage);
    m_inspect->setObjectName(QStringLiteral("inspectShare"));
    m_inspect->setToolTip(tr("Open the selected share in the inspector"));
    buttons->addWidget(create);
    buttons->addWidget(revoke);
    buttons->addWidget(m_inspect);
    buttons->addStretch(1);
    ll->addLayout(buttons);

    auto *split = new QSplitter(Qt::Vertical, listPage);
    m_model = new SharesModel(m_ctx, m_actor, this);
    m_view = newListTable(split, m_model, QStringLiteral("sharesTable"), tr("Shares table"));
    QHeaderView *h = m_view->horizontalHeader();
    h->setSectionResizeMode(QHeaderView::Interactive);
    const int dateWidth =
        m_view->fontMetrics().horizontalAdvance(QStringLiteral("00 Mmm 0000 00:00:00")) + 24;
    h->resizeSection(SharesModel::State, 80);
    h->setSectionResizeMode(SharesModel::Run, QHeaderView::Stretch);
    h->resizeSection(SharesModel::Password, 80);
    h->resizeSection(SharesModel::Expires,
                     dateWidth + m_view->fontMetrics().horizontalAdvance(tr("Revoked ")));
    h->resizeSection(SharesModel::Created, dateWidth);
    h->resizeSection(SharesModel::Prefix,
                     m_view->fontMetrics().horizontalAdvance(QStringLiteral("wfxs_MMMMMMM…")) + 16);

    auto *consentBox = new QGroupBox(tr("Reliability consents"), split);
    auto *cl = new QVBoxLayout(consentBox);
    m_consentTitle = new QLabel(tr("Select a share to see its consents."), consentBox);
    cl->addWidget(m_consentTitle);
    m_consents = new QTableWidget(0, 4, consentBox);
    m_consents->setTabKeyNavigation(false); // Tab leaves the table; arrows move in it
    m_consents->setObjectName(QStringLiteral("consentsTable"));
    m_consents->setAccessibleName(tr("Consents of the selected share"));
    m_consents->setHorizontalHeaderLabels({tr("Subject"), tr("Scope"), tr("State"), tr("Granted")});
    m_consents->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_consents->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_consents->setSelectionMode(QAbstractItemView::SingleSelection);
    m_consents->verticalHeader()->hide();
    m_consents->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_consents->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_consents->setWordWrap(false);
    m_consents->horizontalHeader()->resizeSection(
        3,
        m_consents->fontMetrics().horizontalAdvance(QStringLiteral("00 Mmm 0000 00:00:00")) + 24);
    cl->addWidget(m_consents, 1);
    auto *crow = new QHBoxLayout;
    m_subject = new QLineEdit(consentBox);
    m_subject->setObjectName(QStringLiteral("consentSubject"));
    m_subject->setAccessibleName(tr("Consent subject"));
    m_subject->setPlaceholderText(tr("Subject (who consents)"));
    m_scope = new QLineEdit(consentBox);
    m_scope->setObjectName(QStringLiteral("consentScope"));
    m_scope->setAccessibleName(tr("Consent scope"));
    m_scope->setPlaceholderText(tr("Scope (what for)"));
    m_addConsent = panelButton(consentBox, tr("&Add consent"), QStringLiteral("addConsent"), this,
                               &SharesPanel::addConsent);
    auto *revokeConsentButton =
        panelButton(consentBox, tr("Revoke consent…"), QStringLiteral("revokeConsent"), this,
                    &SharesPanel::revokeConsent);
    auto *exportConsentButton =
        panelButton(consentBox, tr("&Export…"), QStringLiteral("exportConsent"), this,
                    &SharesPanel::exportConsent);
    exportConsentButton->setToolTip(tr("Save the selected consent as a JSON file"));
    m_forLiveShare.add({revoke, m_subject, m_scope, m_addConsent});
    m_forConsent.add({revokeConsentButton, exportConsentButton});
    crow->addWidget(m_subject, 1);
    crow->addWidget(m_scope, 1);
    crow->addWidget(m_addConsent);
    crow->addWidget(revokeConsentButton);
    crow->addWidget(exportConsentButton);
    cl->addLayout(crow);
    split->addWidget(m_view);
    split->addWidget(consentBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    ll->addWidget(split, 1);

    auto *note = new QLabel(
        tr("A link can be copied only when the share is created: the token itself is not "
           "stored, only its hash and its first characters. To hand out a link again, "
           "create a new share (and revoke the old one)."),
        listPage);
    note->setObjectName(QStringLiteral("noCopyNote"));
    note->setWordWrap(true);
    ll->addWidget(note);
    m_statusLine = new QLabel(listPage);
    m_statusLine->setObjectName(QStringLiteral("sharesStatusLine"));
    ll->addWidget(m_statusLine);
    tabs->addTab(listPage, tr("&List"));

    // --- The inspector.
    m_inspector = new ShareInspector(m_ctx, m_actor, tabs);
    tabs->addTab(m_inspector, tr("Insp&ector"));

    connect(create, &QPushButton::clicked, this, &SharesPanel::openCreate);
    connect(m_inspect, &QPushButton::clicked, this, [this, tabs] {
        const QString id = selectedShareId();
        if (id.isEmpty())
            return;
        tabs->setCurrentWidget(m_inspector);
        m_inspector->inspect(id);
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &SharesPanel::onSelectionChanged);
    connect(m_model, &QAbstractItemModel::modelReset, this, &SharesPanel::onSelectionChanged);
    connect(m_model, &SharesModel::pageLoaded, this, [this] {
        updateStatusLine();
        onSelectionChanged();
    });
    connect(m_model, &SharesModel::loadingChanged, this, &SharesPanel::updateStatusLine);
    connect(m_scope, &QLineEdit::returnPressed, this, &SharesPanel::addConsent);
    connect(m_consents, &QTableWidget::itemSelectionChanged, this, [this] {
        m_forConsent.setEnabled(m_consents->currentRow() >= 0 &&
                                !m_consents->selectedItems().isEmpty());
    });
    connect(m_inspector, &ShareInspector::actionFailed, this, [this](const QString &message) {
        m_message = message;
        updateStatusLine();
    });

    // Live: shares and consents change through the server or other panels.
    m_liveTimer = reloadOnChange({QStringLiteral("share")}, [this] { m_model->reload(); });
    if (m_ctx.bus)
        connect(m_ctx.bus, &ChangeBus::changed, this,
                [this](const QString &entity, const QString &, bool) {
                    if (entity == QLatin1String("consent"))
                        loadConsents();
                });

    onSelectionChanged();
    m_model->reload();
}

QString SharesPanel::selectedShareId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(SharesModel::ShareIdRole).toString();
}

void SharesPanel::onSelectionChanged()
{
    const QString id = selectedShareId();
    const int row = id.isEmpty() ? -1 : m_model->rowOf(id);
    const bool live = row >= 0 && m_model->shareAt(row).state != QLatin1String("revoked");
    m_forLiveShare.setEnabled(live);
    m_inspect->setEnabled(row >= 0);
    loadConsents();
}

SharesPanel::~SharesPanel()
{
    m_actions.waitForAll();
}

CreateShareDialog *SharesPanel::openCreate()
{
    auto *dialog = new CreateShareDialog(m_ctx, m_actor, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &CreateShareDialog::submitted, this, [this, dialog] { createFrom(dialog); });
    dialog->open();
    return dialog;
}

void SharesPanel::createFrom(CreateShareDialog *dialog)
{
    const ShareDraft draft = dialog->draft();
    runAsync(
        dialog,
        [ctx = m_ctx, actor = m_actor, draft] { return ShareService(ctx).create(actor, draft); },
        [this, dialog](const Result<IssuedShare> &r) {
            if (!r) {
                dialog->showError(tr("Cannot create the share: %1").arg(ErrorText::of(r.error())));
                return;
            }
            dialog->accept();
            const QString link =
                m_linkBase ? m_linkBase() + QStringLiteral("/r/") + r->token : QString();
            QList<ShownOnceDialog::Field> fields{
                {tr("Link"), link, QStringLiteral("shareLink")},
                {tr("Token"), r->token, QStringLiteral("shareToken")}};
            m_lastShownOnce = new ShownOnceDialog(
                tr("Share link created"),
                tr("Anyone with this link can read the run%1.")
                    .arg(r->share.hasPassword ? tr(" after giving the password") : QString()),
                fields, this);
            m_lastShownOnce->open();
            emit shareCreated(r->share.id);
        });
}

void SharesPanel::revokeSelected()
{
    const QString id = selectedShareId();
    const int row = m_model->rowOf(id);
    if (row < 0)
        return;
    const Share &s = m_model->shareAt(row);
    if (!Confirm::ask(
            this, tr("Revoke share"),
            tr("Revoke the share %1… of run %2? Anyone with the link gets 410 from now on. "
               "This cannot be undone.")
                .arg(s.tokenPrefix,
                     m_model->runName(s.runId).isEmpty() ? s.runId : m_model->runName(s.runId)),
            tr("Revoke")))
        return;
    m_actions.act(
        [ctx = m_ctx, actor = m_actor, id] { return ShareService(ctx).revoke(actor, id); },
        tr("Cannot revoke"),
        [](const Share &share) { return tr("Share %1… revoked.").arg(share.tokenPrefix); },
        [this] { m_liveTimer->start(); });
}

void SharesPanel::loadConsents()
{
    const QString id = selectedShareId();
    if (id.isEmpty()) {
        m_consents->setRowCount(0);
        m_consentTitle->setText(tr("Select a share to see its consents."));
        m_forConsent.setEnabled(false);
        return;
    }
    m_consentsLoading = true;
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, id] {
            ShareService svc(ctx);
            return collectAll([&](const QString &cursor) {
                return svc.listConsents(actor, id, kCollectAllPage, cursor);
            });
        },
        [this, id](const Result<QList<ReliabilityConsent>> &r) {
            if (selectedShareId() != id)
                return; // the selection moved on; its own load is coming
            m_consentsLoading = false;
            m_consents->setRowCount(0);
            if (!r) {
                m_consentTitle->setText(
                    tr("Cannot load consents: %1").arg(ErrorText::of(r.error())));
                emit consentsLoaded();
                return;
            }
            m_consentTitle->setText(
                r->isEmpty() ? tr("No consents recorded for this share.")
                             : tr("%n consent(s) for this share", nullptr, int(r->size())));
            const QLocale l;
            for (const ReliabilityConsent &c : r.value()) {
                const int row = m_consents->rowCount();
                m_consents->insertRow(row);
                auto *subject = new QTableWidgetItem(c.subject);
                subject->setData(Qt::UserRole, c.id);
                m_consents->setItem(row, 0, subject);
                m_consents->setItem(row, 1, new QTableWidgetItem(c.scope));
                m_consents->setItem(
                    row, 2, new QTableWidgetItem(c.revokedAt ? tr("Revoked") : tr("Active")));
                m_consents->setItem(
                    row, 3,
                    new QTableWidgetItem(l.toString(QDateTime::fromMSecsSinceEpoch(c.grantedAt),
                                                    QLocale::ShortFormat)));
            }
            m_forConsent.setEnabled(false);
            emit consentsLoaded();
        });
}

void SharesPanel::addConsent()
{
    const QString id = selectedShareId();
    if (id.isEmpty() || !m_addConsent->isEnabled())
        return;
    const QString subject = m_subject->text();
    const QString scope = m_scope->text();
    m_actions.act([ctx = m_ctx, actor = m_actor, id, subject,
                   scope] { return ShareService(ctx).createConsent(actor, id, subject, scope); },
                  tr("Cannot record the consent"),
                  [this] {
                      m_subject->clear();
                      m_scope->clear();
                      return tr("Consent recorded.");
                  },
                  [this] { loadConsents(); });
}

void SharesPanel::revokeConsent()
{
    const QString shareId = selectedShareId();
    QTableWidgetItem *item = m_consents->item(m_consents->currentRow(), 0);
    if (shareId.isEmpty() || !item)
        return;
    const QString consentId = item->data(Qt::UserRole).toString();
    if (!Confirm::ask(this, tr("Revoke consent"),
                      tr("Revoke the consent of %1 (%2)?")
                          .arg(item->text(), m_consents->item(item->row(), 1)->text()),
                      tr("Revoke")))
        return;
    m_actions.act(
        [ctx = m_ctx, actor = m_actor, shareId, consentId] {
            return ShareService(ctx).revokeConsent(actor, shareId, consentId);
        },
        tr("Cannot revoke the consent"), [] { return tr("Consent revoked."); },
        [this] { loadConsents(); });
}

void SharesPanel::exportConsent()
{
    const QString shareId = selectedShareId();
    QTableWidgetItem *item = m_consents->item(m_consents->currentRow(), 0);
    if (shareId.isEmpty() || !item)
        return;
    const QString consentId = item->data(Qt::UserRole).toString();
    const QString path = FileChooser::saveFile(
        this, tr("Export consent"), QStringLiteral("consent-%1.json").arg(consentId.left(8)),
        tr("JSON files (*.json)"));
    if (path.isEmpty())
        return;
    runAsync(
        this,
        [ctx = m_ctx, actor = m_actor, shareId, consentId, path]() -> QString {
            auto doc = ShareService(ctx).exportConsent(actor, shareId, consentId);
            if (!doc)
                return ErrorText::of(doc.error());
            QSaveFile file(path);
            if (!file.open(QIODevice::WriteOnly))
                return file.errorString();
            file.write(QJsonDocument(*doc).toJson(QJsonDocument::Indented));
            if (!file.commit())
                return file.errorString();
            return {};
        },
        [this, path](const QString &error) {
            m_message = error.isEmpty() ? tr("Consent exported to %1.").arg(path)
                                        : tr("Cannot export the consent: %1").arg(error);
            updateStatusLine();
            if (error.isEmpty())
                emit consentExported(path);
        });
}

QString SharesPanel::statusText() const
{
    return m_statusLine->text();
}

void SharesPanel::updateStatusLine()
{
    const int n = m_model->rowCount();
    QString text;
    if (!m_model->lastError().isEmpty())
        text = tr("Cannot load shares: %1").arg(m_model->lastError());
    else if (m_model->isLoading())
        text = tr("%n share(s) shown, loading more…", nullptr, n);
    else if (m_model->atEnd())
        text = n == 0 ? tr("No shares yet.") : tr("%n share(s), all shown", nullptr, n);
    else
        text = tr("%n share(s) shown, scroll for more", nullptr, n);
    if (!m_message.isEmpty())
        text = m_message + QStringLiteral("  ·  ") + text;
    m_statusLine->setText(text);
}

} // namespace wfx::ui
