// SPDX-License-Identifier: Apache-2.0
#include "ui/billing/BillingPanel.h"

#include "models/billing/BillingService.h"
#include "models/billing/OfflineBillingProvider.h"
#include "models/usage/UsageService.h"
#include "models/workspaces/WorkspaceService.h"
#include "ui/common/Async.h"
#include "ui/common/CollectAll.h"
#include "ui/common/ErrorText.h"
#include "ui/common/Heading.h"
#include "ui/common/PanelButton.h"
#include "ui/common/ShortTime.h"
#include "ui/common/TextRowsModel.h"
#include "ui/common/Tone.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTreeView>
#include <QVBoxLayout>

#include <limits>

using namespace Qt::StringLiterals;

namespace wfx::ui {

namespace {

struct Overview
{
    QList<Workspace> workspaces;
    QList<BillingEvent> events;
    QString error;
};

struct WorkspaceBilling
{
    QString workspaceId;
    Result<WorkspaceUsage> usage = WorkspaceUsage{};
    QList<Reservation> reservations;
};

QString metricTitle(const QString &metric)
{
    if (metric == QLatin1String("runs"))
        return BillingPanel::tr("Runs");
    if (metric == QLatin1String("artifact_bytes"))
        return BillingPanel::tr("Artifact storage");
    if (metric == QLatin1String("compute_seconds"))
        return BillingPanel::tr("Compute time");
    return metric;
}

QString amount(const QString &metric, qint64 v)
{
    QLocale l;
    if (metric == QLatin1String("artifact_bytes"))
        return l.formattedDataSize(v);
    if (metric == QLatin1String("compute_seconds"))
        return BillingPanel::tr("%1 h").arg(l.toString(double(v) / 3600.0, 'f', v % 3600 ? 1 : 0));
    return l.toString(v);
}

// A plan's cap in a sentence ("1,000 runs"): its own words per metric, as
// translations cannot lower-case a title word by word.
QString capText(const QString &metric, qint64 v)
{
    if (metric == QLatin1String("runs"))
        return BillingPanel::tr("%Ln run(s)", nullptr,
                                int(qMin<qint64>(v, std::numeric_limits<int>::max())));
    if (metric == QLatin1String("artifact_bytes"))
        return BillingPanel::tr("%1 of artifact storage").arg(amount(metric, v));
    if (metric == QLatin1String("compute_seconds"))
        return BillingPanel::tr("%1 of compute time").arg(amount(metric, v));
    return BillingPanel::tr("%1 %2").arg(amount(metric, v), metric);
}

} // namespace

BillingPanel::BillingPanel(ModelContext ctx, Actor actor, std::shared_ptr<BillingProvider> provider,
                           std::function<QString()> baseUrl, QWidget *parent)
    : StorePanel(std::move(ctx), std::move(actor), parent),
      m_provider(provider ? std::move(provider) : std::make_shared<OfflineBillingProvider>()),
      m_baseUrl(std::move(baseUrl)),
      m_openUrl([](const QUrl &url) { return QDesktopServices::openUrl(url); }),
      m_actions(this, [this](const QString &text) { m_status->setText(text); })
{
    setAccessibleName(tr("Billing"));
    auto *layout = new QVBoxLayout(this);
    auto *title = heading(tr("Billing"), this);
    layout->addWidget(title);

    auto *top = new QHBoxLayout;
    auto *wsLabel = new QLabel(tr("&Workspace:"), this);
    m_workspace = new QComboBox(this);
    m_workspace->setObjectName(QStringLiteral("billingWorkspace"));
    m_workspace->setAccessibleName(tr("Workspace"));
    m_workspace->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_workspace->setMinimumContentsLength(18);
    wsLabel->setBuddy(m_workspace);
    m_plan = new QLabel(this);
    m_plan->setObjectName(QStringLiteral("planLabel"));
    m_plan->setWordWrap(true);
    top->addWidget(wsLabel);
    top->addWidget(m_workspace);
    top->addStretch(1);
    auto *planLabel = new QLabel(tr("Change &plan to:"), this);
    m_targetPlan = new QComboBox(this);
    m_targetPlan->setObjectName(QStringLiteral("targetPlan"));
    m_targetPlan->setAccessibleName(tr("Plan to check out"));
    m_targetPlan->addItem(tr("Pro"), QStringLiteral("pro"));
    m_targetPlan->addItem(tr("Team"), QStringLiteral("team"));
    planLabel->setBuddy(m_targetPlan);
    auto *checkoutButton =
        panelButton(this, tr("&Checkout…"), u"checkout"_s, this, &BillingPanel::checkout);
    checkoutButton->setToolTip(tr("Open the payment page for the chosen plan in the browser"));
    auto *portal =
        panelButton(this, tr("Billing p&ortal…"), u"portal"_s, this, &BillingPanel::openPortal);
    portal->setToolTip(tr("Open the provider's page for invoices and payment methods"));
    m_forWorkspace.add({m_targetPlan, checkoutButton, portal});
    top->addWidget(planLabel);
    top->addWidget(m_targetPlan);
    top->addWidget(checkoutButton);
    top->addWidget(portal);
    layout->addLayout(top);
    layout->addWidget(m_plan);

    auto *usageGroup = new QGroupBox(tr("Usage against the plan's caps"), this);
    m_usageBox = usageGroup;
    auto *usageGrid = new QGridLayout(usageGroup);
    usageGrid->setColumnStretch(1, 1);
    for (int i = 0; i < UsageService::metrics().size(); ++i) {
        const QString metric = UsageService::metrics().at(i);
        auto *name = new QLabel(metricTitle(metric), usageGroup);
        auto *bar = new QProgressBar(usageGroup);
        bar->setObjectName(QStringLiteral("usage_") + metric);
        bar->setAccessibleName(tr("%1 used").arg(metricTitle(metric)));
        bar->setRange(0, 100);
        bar->setValue(0);
        name->setBuddy(bar);
        auto *text = new QLabel(usageGroup);
        text->setObjectName(QStringLiteral("usageText_") + metric);
        usageGrid->addWidget(name, i, 0);
        usageGrid->addWidget(bar, i, 1);
        usageGrid->addWidget(text, i, 2);
    }
    layout->addWidget(usageGroup);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    auto *resBox = new QGroupBox(tr("Open reservations"), splitter);
    auto *rl = new QVBoxLayout(resBox);
    m_reservations = newTextRowsView(
        resBox, {tr("Metric"), tr("Amount"), tr("Idempotency key"), tr("Reserved"), tr("Expires")},
        u"reservations"_s, tr("Open reservations"), 2);
    rl->addWidget(m_reservations);
    auto *evBox = new QGroupBox(tr("Webhook events received (all workspaces)"), splitter);
    auto *el = new QVBoxLayout(evBox);
    m_events = newTextRowsView(
        evBox,
        {tr("Received"), tr("Type"), tr("Workspace"), tr("Applied"), tr("Outcome"), tr("Event id")},
        u"webhookEvents"_s, tr("Webhook events"), 4);
    el->addWidget(m_events);
    splitter->addWidget(resBox);
    splitter->addWidget(evBox);
    layout->addWidget(splitter, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("billingStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    connect(m_workspace, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_filling)
            loadWorkspace();
    });

    reloadOnChange({u"workspace"_s, u"billing"_s, u"billing_event"_s, u"reservation"_s},
                   [this] { reload(); });
    reload();
}

BillingPanel::~BillingPanel()
{
    m_actions.waitForAll();
}

QString BillingPanel::statusText() const
{
    return m_status->text();
}

bool BillingPanel::selectWorkspace(const QString &id)
{
    const int i = m_workspace->findData(id);
    if (i < 0)
        return false;
    m_workspace->setCurrentIndex(i);
    return true;
}

QString BillingPanel::usageText(const QString &metric) const
{
    auto *l = m_usageBox->findChild<QLabel *>(QStringLiteral("usageText_") + metric);
    return l ? l->text() : QString();
}

int BillingPanel::usagePercent(const QString &metric) const
{
    auto *b = m_usageBox->findChild<QProgressBar *>(QStringLiteral("usage_") + metric);
    return b ? b->value() : -1;
}

void BillingPanel::reload()
{
    m_actions.run(
        [ctx = m_ctx, actor = m_actor, provider = m_provider] {
            Overview o;
            WorkspaceService ws(ctx);
            auto workspaces = collectAll(
                [&](const QString &cursor) { return ws.list(actor, kCollectAllPage, cursor); });
            if (!workspaces) {
                o.error = ErrorText::of(workspaces.error());
                return o;
            }
            o.workspaces = std::move(workspaces).value();
            BillingService billing(ctx, provider);
            auto events = billing.webhookEvents(actor, 200, {});
            if (events)
                o.events = events->items;
            else
                o.error = ErrorText::of(events.error());
            return o;
        },
        [this](const Overview &o) {
            if (!o.error.isEmpty())
                m_status->setText(tr("Cannot load billing: %1").arg(o.error));
            QHash<QString, QString> names;
            for (const Workspace &w : o.workspaces)
                names.insert(w.id, w.name);
            const QString keep = m_workspace->currentData().toString();
            m_filling = true;
            m_workspace->clear();
            for (const Workspace &w : o.workspaces)
                m_workspace->addItem(w.name, w.id);
            if (const int i = m_workspace->findData(keep); i >= 0)
                m_workspace->setCurrentIndex(i);
            m_filling = false;
            QList<TextRowsModel::Row> events;
            for (const BillingEvent &e : o.events) {
                TextRowsModel::Row row{
                    e.eventId,
                    {shortTime(e.receivedAt), e.type,
                     e.workspaceId.isEmpty() ? QString()
                                             : names.value(e.workspaceId, e.workspaceId),
                     e.applied ? tr("Yes") : tr("No"), e.outcome, e.eventId},
                    {},
                    {},
                    {{3, toneColor(m_events->palette(), e.applied ? Tone::Good : Tone::Warning)}}};
                if (e.duplicate)
                    row.toolTips.insert(4, tr("A repeated delivery of an event already recorded"));
                events.append(std::move(row));
            }
            textRows(m_events)->setRows(std::move(events));
            const bool has = m_workspace->count() > 0;
            m_forWorkspace.setEnabled(has);
            if (!has) {
                m_plan->setText(tr("No workspaces yet."));
                return;
            }
            loadWorkspace();
        });
}

void BillingPanel::loadWorkspace()
{
    const QString id = m_workspace->currentData().toString();
    if (id.isEmpty())
        return;
    m_actions.run(
        [ctx = m_ctx, actor = m_actor, id] {
            WorkspaceBilling b;
            b.workspaceId = id;
            UsageService usage(ctx);
            b.usage = usage.usage(actor, id);
            if (auto open = collectAll([&](const QString &cursor) {
                    return usage.openReservations(actor, id, kCollectAllPage, cursor);
                }))
                b.reservations = std::move(open).value();
            return b;
        },
        [this](const WorkspaceBilling &b) {
            if (b.workspaceId != m_workspace->currentData().toString())
                return;
            if (!b.usage) {
                m_status->setText(tr("Cannot load usage: %1").arg(ErrorText::of(b.usage.error())));
                return;
            }
            const WorkspaceUsage &u = b.usage.value();
            QStringList caps;
            for (const MetricUsage &m : u.metrics)
                caps << capText(m.metric, m.cap);
            m_plan->setText(
                tr("Plan: <b>%1</b> (caps: %2)").arg(u.plan.toHtmlEscaped(), caps.join(tr(", "))));
            for (const MetricUsage &m : u.metrics) {
                auto *bar =
                    m_usageBox->findChild<QProgressBar *>(QStringLiteral("usage_") + m.metric);
                auto *text =
                    m_usageBox->findChild<QLabel *>(QStringLiteral("usageText_") + m.metric);
                if (!bar || !text)
                    continue;
                const qint64 used = m.committed + m.reserved;
                const int pct =
                    m.cap > 0 ? int(qMin<qint64>(100, (used * 100 + m.cap - 1) / m.cap)) : 0;
                bar->setValue(pct);
                bar->setFormat(tr("%1%").arg(pct));
                text->setText(tr("%1 used + %2 reserved of %3")
                                  .arg(amount(m.metric, m.committed), amount(m.metric, m.reserved),
                                       amount(m.metric, m.cap)));
            }
            QList<TextRowsModel::Row> reservations;
            for (const Reservation &r : b.reservations)
                reservations.append(
                    {r.id,
                     {metricTitle(r.metric), amount(r.metric, r.amount), r.idempotencyKey,
                      shortTime(r.createdAt), shortTime(r.expiresAt)},
                     {},
                     {},
                     {}});
            textRows(m_reservations)->setRows(std::move(reservations));
            if (const int i = m_targetPlan->findData(u.plan); i >= 0 && m_targetPlan->count() > 1)
                m_targetPlan->setCurrentIndex(i == 0 ? 1 : 0);
        });
}

QString BillingPanel::openLink(const QString &link, const QString &what)
{
    QUrl url(link);
    if (url.isRelative() && m_baseUrl)
        url = QUrl(m_baseUrl()).resolved(url);
    if (m_openUrl && m_openUrl(url))
        return tr("Opened the %1 page: %2").arg(what, url.toString());
    return tr("Cannot open a browser; open this address: %1").arg(url.toString());
}

void BillingPanel::checkout()
{
    const QString id = m_workspace->currentData().toString();
    const QString plan = m_targetPlan->currentData().toString();
    if (id.isEmpty())
        return;
    m_actions.act(
        [ctx = m_ctx, actor = m_actor, provider = m_provider, id, plan] {
            return BillingService(ctx, provider).checkout(actor, id, plan);
        },
        tr("Cannot start a checkout"),
        [this](const CheckoutSession &session) { return openLink(session.url, tr("checkout")); },
        [] {});
}

void BillingPanel::openPortal()
{
    const QString id = m_workspace->currentData().toString();
    if (id.isEmpty())
        return;
    m_actions.act([ctx = m_ctx, actor = m_actor, provider = m_provider,
                   id] { return BillingService(ctx, provider).portal(actor, id); },
                  tr("Cannot open the billing portal"),
                  [this](const QString &link) { return openLink(link, tr("billing portal")); },
                  [] {});
}

} // namespace wfx::ui
