// SPDX-License-Identifier: Apache-2.0
#include "billing/BillingService.h"

#include "audit/AuditService.h"
#include "core/Access.h"
#include "core/Clock.h"
#include "core/Ids.h"
#include "core/Keyset.h"
#include "crypto/Crypto.h"
#include "db/Database.h"
#include "db/Tx.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcBilling, "wfx.models.billing", QtInfoMsg)

namespace wfx {

namespace {
QString S(const char *s) { return QString::fromLatin1(s); }
const QString kWs = QStringLiteral("Workspace");
constexpr int kMaxIdLength = 255;

Error badSignature(const QString &why)
{
    return Error{ErrorCode::InvalidSignature, S("The webhook signature does not verify: %1.").arg(why)};
}

bool allDigits(const QString &s)
{
    if (s.isEmpty())
        return false;
    for (const QChar c : s) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return false;
    }
    return true;
}

bool isHex64(const QString &s)
{
    if (s.size() != 64)
        return false;
    for (const QChar c : s) {
        const bool digit = c >= QLatin1Char('0') && c <= QLatin1Char('9');
        const bool lower = c >= QLatin1Char('a') && c <= QLatin1Char('f');
        const bool upper = c >= QLatin1Char('A') && c <= QLatin1Char('F');
        if (!digit && !lower && !upper)
            return false;
    }
    return true;
}

// A short string field of untrusted JSON, or empty.
QString str(const QJsonObject &o, const QString &key)
{
    const QJsonValue v = o.value(key);
    if (!v.isString())
        return {};
    const QString s = v.toString();
    return s.size() <= kMaxIdLength ? s : QString();
}

bool planExists(const QSqlDatabase &conn, const QString &plan)
{
    return !plan.isEmpty() && !WorkspaceService::planLimits(conn, plan).isEmpty();
}

// The plan a subscription object names: metadata.plan, else the first item's
// price metadata.plan or lookup_key.
QString subscriptionPlan(const QJsonObject &obj)
{
    QString plan = str(obj.value(S("metadata")).toObject(), S("plan"));
    if (!plan.isEmpty())
        return plan;
    const QJsonArray items = obj.value(S("items")).toObject().value(S("data")).toArray();
    for (const QJsonValue &it : items) {
        const QJsonObject price = it.toObject().value(S("price")).toObject();
        plan = str(price.value(S("metadata")).toObject(), S("plan"));
        if (plan.isEmpty())
            plan = str(price, S("lookup_key"));
        if (!plan.isEmpty())
            return plan;
    }
    return {};
}

struct WorkspaceRow
{
    QString id, name, plan, customerRef;
};

Result<WorkspaceRow> loadWorkspace(const QSqlDatabase &conn, const QString &id)
{
    Query q(conn, S("SELECT w.id, w.name, w.plan, c.customer_ref FROM workspaces w "
                    "LEFT JOIN billing_customers c ON c.workspace_id = w.id WHERE w.id = :id"));
    q.bind(S(":id"), id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kWs);
    return WorkspaceRow{q.str(0), q.str(1), q.str(2), q.str(3)};
}

// Sets the plan and writes the one billing.plan_change entry; no entry when the
// plan is already the target. Returns the plan before.
Result<QString> changePlan(Tx &tx, qint64 now, const Actor &actor, const QString &workspaceId, const QString &to,
                           const QJsonObject &why)
{
    Query cur = tx.query(S("SELECT plan FROM workspaces WHERE id = :w"));
    cur.bind(S(":w"), workspaceId);
    if (!cur.exec())
        return cur.error();
    if (!cur.next())
        return Error::notFound(kWs);
    const QString from = cur.str(0);
    cur.raw().finish();
    if (from == to)
        return from;
    Query u = tx.query(S("UPDATE workspaces SET plan = :p WHERE id = :w"));
    u.bind(S(":p"), to).bind(S(":w"), workspaceId);
    if (!u.exec())
        return u.error();
    QJsonObject detail = why;
    detail.insert(S("from"), from);
    detail.insert(S("to"), to);
    if (auto a = AuditService::append(tx, now, actor, S("billing.plan_change"), workspaceId, S("workspace"),
                                      workspaceId, detail);
        !a)
        return a.error();
    tx.announce(S("workspace"), workspaceId);
    return from;
}

BillingEvent readEvent(const Query &q)
{
    BillingEvent e;
    e.eventId = q.str(0);
    e.type = q.str(1);
    e.eventCreated = q.i64(2);
    e.receivedAt = q.i64(3);
    e.workspaceId = q.str(4);
    e.applied = q.i64(5) != 0;
    e.outcome = q.str(6);
    return e;
}
const QString kEventCols = QStringLiteral("event_id, type, event_created, received_at, workspace_id, applied, outcome");

Result<BillingEvent> storedEvent(const QSqlDatabase &conn, const QString &eventId)
{
    Query q(conn, S("SELECT ") + kEventCols + S(" FROM billing_events WHERE event_id = :e"));
    q.bind(S(":e"), eventId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(S("Event"));
    BillingEvent e = readEvent(q);
    e.duplicate = true;
    return e;
}
} // namespace

QJsonObject CheckoutSession::toJson() const
{
    return {{S("workspace_id"), workspaceId}, {S("plan"), plan}, {S("provider"), provider},
            {S("session_ref"), sessionRef},   {S("url"), url}};
}

QJsonObject BillingEvent::toJson() const
{
    return {{S("event_id"), eventId},
            {S("type"), type},
            {S("created"), ids::formatTime(eventCreated)},
            {S("received_at"), ids::formatTime(receivedAt)},
            {S("workspace_id"), workspaceId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(workspaceId)},
            {S("applied"), applied},
            {S("outcome"), outcome}};
}

QString BillingService::signHeader(const QByteArray &rawBody, const QByteArray &secret, qint64 unixSecs)
{
    const QByteArray t = QByteArray::number(unixSecs);
    return S("t=") + QString::fromLatin1(t) + S(",v1=")
        + QString::fromLatin1(crypto::hmacSha256(secret, t + '.' + rawBody).toHex());
}

Status BillingService::verifySignature(const QByteArray &rawBody, const QString &header, const QByteArray &secret,
                                       qint64 nowSecs, qint64 toleranceSecs)
{
    if (secret.isEmpty())
        return badSignature(S("no webhook secret is configured"));
    if (header.isEmpty() || header.size() > 4096)
        return badSignature(S("the Stripe-Signature header is missing"));
    QString t;
    bool haveT = false;
    QStringList v1;
    const QStringList parts = header.split(QLatin1Char(','));
    for (const QString &part : parts) {
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        if (eq <= 0)
            continue;
        const QString key = part.left(eq).trimmed();
        const QString value = part.mid(eq + 1).trimmed();
        // The first t counts, even when it is empty (the fuzz target says so too):
        // an empty one used to be passed over for a later one (fuzz_stripe_signature).
        if (key == QLatin1String("t") && !haveT) {
            t = value;
            haveT = true;
        } else if (key == QLatin1String("v1")) {
            v1.append(value);
        }
    }
    if (!allDigits(t) || t.size() > 12)
        return badSignature(S("no timestamp"));
    if (v1.isEmpty())
        return badSignature(S("no v1 signature"));
    const qint64 ts = t.toLongLong();
    if (ts < nowSecs - toleranceSecs)
        return badSignature(S("the timestamp is too old"));
    if (ts > nowSecs + toleranceSecs)
        return badSignature(S("the timestamp is in the future"));
    const QByteArray expected = crypto::hmacSha256(secret, t.toLatin1() + '.' + rawBody);
    bool match = false;
    for (const QString &sig : std::as_const(v1)) {
        // Every candidate is compared, in constant time, whether or not one matched.
        const QByteArray given = isHex64(sig) ? QByteArray::fromHex(sig.toLatin1()) : QByteArray(32, '\0');
        const bool eq = crypto::constantTimeEquals(expected, given);
        match = match || (eq && isHex64(sig));
    }
    if (!match)
        return badSignature(S("no signature matches"));
    return Ok{};
}

Result<BillingEvent> BillingService::handleWebhook(const QByteArray &rawBody, const QString &signatureHeader,
                                                   const QByteArray &secret, BodyReader read)
{
    if (rawBody.size() > kMaxBodyBytes)
        return Error::validation(S("body"), S("too_large"), S("The event is larger than 1 MiB."));
    const qint64 now = m_ctx.clock->nowMs();
    if (auto v = verifySignature(rawBody, signatureHeader, secret, now / 1000); !v) {
        qCWarning(lcBilling) << "webhook refused:" << v.error().message;
        return v.error();
    }

    const Result<QJsonValue> doc = read(rawBody);
    if (!doc)
        return doc.error(); // malformed_json, duplicate_key, ... as for any request body
    if (!doc->isObject())
        return Error::validation(S("body"), S("type"), S("The event must be a JSON object."));
    const QJsonObject ev = doc->toObject();
    BillingEvent e;
    e.eventId = str(ev, S("id"));
    if (e.eventId.isEmpty())
        return Error::validation(S("id"), S("required"), S("The event has no id."));
    e.type = str(ev, S("type"));
    if (e.type.isEmpty())
        return Error::validation(S("type"), S("required"), S("The event has no type."));
    const QJsonValue created = ev.value(S("created"));
    if (created.isUndefined() || created.isNull()) {
        // Without a provider time the receipt time orders the event.
        e.eventCreated = now;
    } else {
        const double c = created.toDouble(-1);
        if (!created.isDouble() || c < 0 || c > 1e11 || c != double(qint64(c)))
            return Error::validation(S("created"), S("invalid"), S("created must be a Unix time in seconds."));
        e.eventCreated = qint64(c) * 1000;
    }
    const QJsonObject obj = ev.value(S("data")).toObject().value(S("object")).toObject();
    e.receivedAt = now;

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto seen = storedEvent(tx.conn(), e.eventId); seen)
        return seen; // a redelivery: applied once, answered as success
    else if (seen.error().code != ErrorCode::NotFound)
        return seen.error();

    QString plan, subscriptionRef, subscriptionStatus, customerRef = str(obj, S("customer"));
    bool known = true;
    if (e.type == QLatin1String("checkout.session.completed")) {
        e.workspaceId = str(obj, S("client_reference_id"));
        plan = str(obj.value(S("metadata")).toObject(), S("plan"));
        subscriptionRef = str(obj, S("subscription"));
        subscriptionStatus = S("active");
    } else if (e.type == QLatin1String("customer.subscription.deleted")) {
        e.workspaceId = str(obj.value(S("metadata")).toObject(), S("workspace_id"));
        plan = S("free");
        subscriptionRef = str(obj, S("id"));
        subscriptionStatus = S("canceled");
    } else if (e.type == QLatin1String("customer.subscription.created")
               || e.type == QLatin1String("customer.subscription.updated")) {
        e.workspaceId = str(obj.value(S("metadata")).toObject(), S("workspace_id"));
        subscriptionRef = str(obj, S("id"));
        subscriptionStatus = str(obj, S("status"));
        // A subscription that ended puts the workspace back on the free plan.
        const bool ended = subscriptionStatus == QLatin1String("canceled")
            || subscriptionStatus == QLatin1String("incomplete_expired") || subscriptionStatus == QLatin1String("unpaid");
        plan = ended ? S("free") : subscriptionPlan(obj);
    } else {
        known = false;
    }

    bool workspaceFound = false;
    if (known && ids::isUuid(e.workspaceId)) {
        Query w = tx.query(S("SELECT 1 FROM workspaces WHERE id = :w"));
        w.bind(S(":w"), e.workspaceId);
        if (!w.exec())
            return w.error();
        workspaceFound = w.next();
    }
    if (!workspaceFound && !e.workspaceId.isEmpty() && !ids::isUuid(e.workspaceId))
        e.workspaceId.clear(); // never store arbitrary text as a workspace id

    if (!known) {
        e.outcome = S("ignored: event type not handled");
    } else if (!workspaceFound) {
        e.outcome = S("not applied: unknown workspace");
    } else if (!planExists(tx.conn(), plan)) {
        e.outcome = plan.isEmpty() ? S("not applied: the event names no plan")
                                   : S("not applied: unknown plan");
    } else {
        if (!tx.lockRow(S("workspaces"), e.workspaceId))
            return Error::internal();
        Query last = tx.query(S("SELECT MAX(event_created) FROM billing_events WHERE workspace_id = :w AND applied = 1"));
        last.bind(S(":w"), e.workspaceId);
        if (!last.exec() || !last.next())
            return last.error();
        const bool stale = !last.isNull(0) && last.i64(0) > e.eventCreated;
        last.raw().finish();
        if (stale) {
            e.outcome = S("not applied: a newer event was applied already");
        } else {
            auto from = changePlan(tx, now, Actor::system(), e.workspaceId, plan, {{S("event_id"), e.eventId}});
            if (!from)
                return from.error();
            e.applied = true;
            e.outcome = *from == plan ? S("applied: plan unchanged (%1)").arg(plan)
                                      : S("applied: plan %1 -> %2").arg(*from, plan);
            if (!customerRef.isEmpty()) {
                Query c = tx.query(S("INSERT INTO billing_customers (workspace_id, provider, customer_ref, created_at) "
                                     "VALUES (:w, 'stripe', :c, :t) ON CONFLICT (workspace_id) DO UPDATE "
                                     "SET customer_ref = excluded.customer_ref"));
                c.bind(S(":w"), e.workspaceId).bind(S(":c"), customerRef).bind(S(":t"), now);
                if (!c.exec())
                    return c.error();
            }
            if (e.type == QLatin1String("checkout.session.completed")) {
                Query done = tx.query(S("UPDATE billing_subscriptions SET status = 'checkout_completed', updated_at = :t "
                                        "WHERE workspace_id = :w AND provider_ref = :r AND status = 'checkout_pending'"));
                done.bind(S(":t"), now).bind(S(":w"), e.workspaceId).bind(S(":r"), str(obj, S("id")));
                if (!done.exec())
                    return done.error();
            }
            if (!subscriptionRef.isEmpty()) {
                Query upd = tx.query(S("UPDATE billing_subscriptions SET plan = :p, status = :s, updated_at = :t "
                                       "WHERE workspace_id = :w AND provider_ref = :r"));
                upd.bind(S(":p"), plan).bind(S(":s"), subscriptionStatus.isEmpty() ? S("active") : subscriptionStatus)
                    .bind(S(":t"), e.eventCreated).bind(S(":w"), e.workspaceId).bind(S(":r"), subscriptionRef);
                if (!upd.exec())
                    return upd.error();
                if (upd.rowsAffected() == 0) {
                    Query ins = tx.query(S("INSERT INTO billing_subscriptions (id, workspace_id, provider_ref, plan, status, "
                                           "updated_at) VALUES (:id, :w, :r, :p, :s, :t)"));
                    ins.bind(S(":id"), ids::newUuid()).bind(S(":w"), e.workspaceId).bind(S(":r"), subscriptionRef)
                        .bind(S(":p"), plan).bind(S(":s"), subscriptionStatus.isEmpty() ? S("active") : subscriptionStatus)
                        .bind(S(":t"), e.eventCreated);
                    if (!ins.exec())
                        return ins.error();
                }
            }
        }
    }

    Query rec = tx.query(S("INSERT INTO billing_events (event_id, type, event_created, received_at, workspace_id, "
                           "applied, outcome) VALUES (:e, :ty, :c, :r, :w, :a, :o)"));
    rec.bind(S(":e"), e.eventId).bind(S(":ty"), e.type.left(kMaxIdLength)).bind(S(":c"), e.eventCreated)
        .bind(S(":r"), e.receivedAt).bind(S(":w"), e.workspaceId.isEmpty() ? QVariant() : QVariant(e.workspaceId))
        .bind(S(":a"), e.applied ? 1 : 0).bind(S(":o"), e.outcome);
    if (!rec.exec()) {
        if (rec.uniqueViolation()) {
            // Delivered twice at once: the other delivery won; ours changes nothing.
            tx.rollback();
            return storedEvent(m_ctx.db->connection(), e.eventId);
        }
        return rec.error();
    }
    tx.announce(S("billing_event"), e.eventId);
    if (auto c = tx.commit(); !c) {
        if (auto seen = storedEvent(m_ctx.db->connection(), e.eventId); seen)
            return seen;
        return c.error();
    }
    qCInfo(lcBilling) << "webhook" << e.type << e.eventId << e.outcome;
    return e;
}

Result<CheckoutSession> BillingService::checkout(const Actor &actor, const QString &workspaceId, const QString &plan,
                                                 const QString &successUrl, const QString &cancelUrl)
{
    if (!ids::isUuid(workspaceId))
        return Error::validation(S("workspace_id"), workspaceId.isEmpty() ? S("required") : S("invalid"),
                                 S("workspace_id must be a workspace id."));
    if (plan.isEmpty())
        return Error::validation(S("plan"), S("required"), S("A plan is required."));
    if (successUrl.size() > 2048 || cancelUrl.size() > 2048)
        return Error::validation(successUrl.size() > 2048 ? S("success_url") : S("cancel_url"), S("too_long"));
    {
        QSqlDatabase conn = m_ctx.db->connection();
        if (plan == QLatin1String("free") || !planExists(conn, plan))
            return Error::validation(S("plan"), S("invalid"), S("plan must be one of the paid plans."));
    }
    WorkspaceRow ws;
    {
        QSqlDatabase conn = m_ctx.db->connection();
        if (auto r = access::requireRole(conn, actor, workspaceId, Role::Admin, kWs); !r)
            return r.error();
        if (auto w = access::requireWritable(conn, actor); !w)
            return w.error();
        auto loaded = loadWorkspace(conn, workspaceId);
        if (!loaded)
            return loaded.error();
        ws = *loaded;
    }
    if (ws.plan == plan)
        return Error::conflict(S("The workspace is already on this plan."));
    // The provider may be a network service: never call it inside a transaction.
    auto pc = m_provider->checkoutUrl(BillingWorkspace{ws.id, ws.name, ws.plan, ws.customerRef}, plan, successUrl,
                                      cancelUrl);
    if (!pc)
        return pc.error();
    CheckoutSession out{workspaceId, plan, m_provider->name(), pc->sessionRef, pc->url};

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto r = access::requireRole(tx.conn(), actor, workspaceId, Role::Admin, kWs); !r)
        return r.error();
    const qint64 now = m_ctx.clock->nowMs();
    Query ins = tx.query(S("INSERT INTO billing_subscriptions (id, workspace_id, provider_ref, plan, status, updated_at) "
                           "VALUES (:id, :w, :r, :p, 'checkout_pending', :t)"));
    ins.bind(S(":id"), ids::newUuid()).bind(S(":w"), workspaceId).bind(S(":r"), out.sessionRef).bind(S(":p"), plan)
        .bind(S(":t"), now);
    if (!ins.exec())
        return ins.error();
    if (auto a = AuditService::append(tx, now, actor, S("billing.checkout"), workspaceId, S("workspace"), workspaceId,
                                      {{S("plan"), plan}, {S("provider"), out.provider}});
        !a)
        return a.error();
    tx.announce(S("billing"), workspaceId);
    if (auto c = tx.commit(); !c)
        return c.error();
    return out;
}

Result<QString> BillingService::portal(const Actor &actor, const QString &workspaceId)
{
    if (!ids::isUuid(workspaceId))
        return Error::validation(S("workspace_id"), workspaceId.isEmpty() ? S("required") : S("invalid"),
                                 S("workspace_id must be a workspace id."));
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Admin, kWs); !r)
        return r.error();
    auto ws = loadWorkspace(conn, workspaceId);
    if (!ws)
        return ws.error();
    return m_provider->portalUrl(BillingWorkspace{ws->id, ws->name, ws->plan, ws->customerRef});
}

Result<CheckoutSession> BillingService::completeOfflineCheckout(const Actor &actor, const QString &sessionRef)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden(S("Only an instance administrator confirms offline payments."));
    if (m_provider->name() != QLatin1String("offline"))
        return Error{ErrorCode::Unsupported, S("Checkouts are confirmed by the payment provider.")};
    if (sessionRef.isEmpty() || sessionRef.size() > kMaxIdLength)
        return Error::validation(S("session_ref"), sessionRef.isEmpty() ? S("required") : S("too_long"));
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query q = tx.query(S("SELECT id, workspace_id, plan, status FROM billing_subscriptions WHERE provider_ref = :r"));
    q.bind(S(":r"), sessionRef);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(S("Checkout"));
    const QString rowId = q.str(0), wsId = q.str(1), plan = q.str(2), status = q.str(3);
    q.raw().finish();
    CheckoutSession out{wsId, plan, m_provider->name(), sessionRef, {}};
    if (status == QLatin1String("checkout_completed"))
        return out; // confirmed before: nothing changes
    if (status != QLatin1String("checkout_pending"))
        return Error::notFound(S("Checkout"));
    if (!tx.lockRow(S("workspaces"), wsId))
        return Error::internal();
    const qint64 now = m_ctx.clock->nowMs();
    Query u = tx.query(S("UPDATE billing_subscriptions SET status = 'checkout_completed', updated_at = :t "
                         "WHERE id = :id AND status = 'checkout_pending'"));
    u.bind(S(":t"), now).bind(S(":id"), rowId);
    if (!u.exec())
        return u.error();
    if (u.rowsAffected() == 0)
        return out;
    auto from = changePlan(tx, now, actor, wsId, plan, {{S("session_ref"), sessionRef}});
    if (!from)
        return from.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return out;
}

Result<QString> BillingService::setPlanOffline(const Actor &actor, const QString &workspaceId, const QString &plan,
                                              const QString &sessionRef)
{
    // A person, not the system: the audit entry names who changed the plan.
    if (actor.isAnonymous())
        return Error{ErrorCode::LoginRequired, S("Please log in again.")};
    if (!actor.instanceAdmin || !actor.keyWorkspaceId.isEmpty())
        return Error::forbidden(S("Plan changes on this instance are made by its administrator."));
    if (m_provider->name() != QLatin1String("offline"))
        return Error{ErrorCode::Unsupported, S("Plans are changed by the payment provider.")};
    if (!sessionRef.isEmpty()) {
        // The checkout names its workspace and plan; the page must ask for exactly those.
        Query q(m_ctx.db->connection(), S("SELECT workspace_id, plan FROM billing_subscriptions WHERE provider_ref = :r"));
        q.bind(S(":r"), sessionRef);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return Error::notFound(S("Checkout"));
        if (q.str(0) != workspaceId || q.str(1) != plan)
            return Error::validation(S("session_ref"), S("mismatch"),
                                     S("The checkout is for another workspace or plan."));
        q.raw().finish();
        auto done = completeOfflineCheckout(actor, sessionRef);
        if (!done)
            return done.error();
        return done->plan;
    }
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (!planExists(tx.conn(), plan))
        return Error::validation(S("plan"), S("unknown"), S("No such plan."));
    if (!tx.lockRow(S("workspaces"), workspaceId))
        return Error::internal();
    auto from = changePlan(tx, m_ctx.clock->nowMs(), actor, workspaceId, plan, {{S("via"), S("offline")}});
    if (!from)
        return from.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return plan;
}

Result<Page<BillingEvent>> BillingService::webhookEvents(const Actor &actor, int limit, const QString &cursorText)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden(S("Only instance administrators see billing events."));
    QString sql = S("SELECT ") + kEventCols + S(" FROM billing_events WHERE 1=1");
    auto keyset = Keyset::parse(cursorText, S("received_at"), S("event_id"));
    if (!keyset)
        return keyset.error();
    sql += keyset->sql();
    Query q(m_ctx.db->connection(), sql);
    keyset->bind(q, limit);
    if (!q.exec())
        return q.error();
    Page<BillingEvent> page;
    while (q.next())
        page.items.append(readEvent(q));
    finishPage(page, limit, [](const BillingEvent &x) { return cursor::TimeId{x.receivedAt, x.eventId}; });
    return page;
}

} // namespace wfx
