// SPDX-License-Identifier: Apache-2.0
#include "models/billing/BillingService.h"

#include "models/audit/AuditService.h"
#include "models/core/Access.h"
#include "models/core/Clock.h"
#include "models/core/Ids.h"
#include "models/core/Keyset.h"
#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Row.h"
#include "models/db/Tx.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcBilling, "wfx.models.billing", QtInfoMsg)

namespace wfx {

namespace {
const QString kWs = QStringLiteral("Workspace");
constexpr int kMaxIdLength = 255;

Error badSignature(const QString &why)
{
    return Error{ErrorCode::InvalidSignature,
                 u"The webhook signature does not verify: %1."_s.arg(why)};
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

Status checkWorkspaceId(const QString &workspaceId)
{
    if (!ids::isUuid(workspaceId))
        return Error::validation(u"workspace_id"_s,
                                 workspaceId.isEmpty() ? u"required"_s : u"invalid"_s,
                                 u"workspace_id must be a workspace id."_s);
    return Ok{};
}

bool planExists(const QSqlDatabase &conn, const QString &plan)
{
    return !plan.isEmpty() && !WorkspaceService::planLimits(conn, plan).isEmpty();
}

// The plan a subscription object names: metadata.plan, else the first item's
// price metadata.plan or lookup_key.
QString subscriptionPlan(const QJsonObject &obj)
{
    QString plan = str(obj.value(u"metadata"_s).toObject(), u"plan"_s);
    if (!plan.isEmpty())
        return plan;
    const QJsonArray items = obj.value(u"items"_s).toObject().value(u"data"_s).toArray();
    for (const QJsonValue &it : items) {
        const QJsonObject price = it.toObject().value(u"price"_s).toObject();
        plan = str(price.value(u"metadata"_s).toObject(), u"plan"_s);
        if (plan.isEmpty())
            plan = str(price, u"lookup_key"_s);
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
    Query q(conn, u"SELECT w.id, w.name, w.plan, c.customer_ref FROM workspaces w "
                  "LEFT JOIN billing_customers c ON c.workspace_id = w.id WHERE w.id = :id"_s);
    q.bind(u":id"_s, id);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(kWs);
    return WorkspaceRow{q.str(0), q.str(1), q.str(2), q.str(3)};
}

// Sets the plan and writes the one billing.plan_change entry; no entry when the
// plan is already the target. Returns the plan before.
Result<QString> changePlan(Tx &tx, qint64 now, const Actor &actor, const QString &workspaceId,
                           const QString &to, const QJsonObject &why)
{
    Query cur = tx.query(u"SELECT plan FROM workspaces WHERE id = :w"_s);
    cur.bind(u":w"_s, workspaceId);
    if (!cur.exec())
        return cur.error();
    if (!cur.next())
        return Error::notFound(kWs);
    const QString from = cur.str(0);
    cur.raw().finish();
    if (from == to)
        return from;
    Query u = tx.query(u"UPDATE workspaces SET plan = :p WHERE id = :w"_s);
    u.bind(u":p"_s, to).bind(u":w"_s, workspaceId);
    if (!u.exec())
        return u.error();
    QJsonObject detail = why;
    detail.insert(u"from"_s, from);
    detail.insert(u"to"_s, to);
    if (auto a = AuditService::append(tx, now, actor, u"billing.plan_change"_s, workspaceId,
                                      u"workspace"_s, workspaceId, detail);
        !a)
        return a.error();
    tx.announce(u"workspace"_s, workspaceId);
    return from;
}

BillingEvent readEvent(const Query &q)
{
    BillingEvent e;
    row::read(q, e.eventId, e.type, e.eventCreated, e.receivedAt, e.workspaceId, e.applied,
              e.outcome);
    return e;
}
const QString kEventCols =
    QStringLiteral("event_id, type, event_created, received_at, workspace_id, applied, outcome");

Result<BillingEvent> storedEvent(const QSqlDatabase &conn, const QString &eventId)
{
    Query q(conn, u"SELECT "_s + kEventCols + u" FROM billing_events WHERE event_id = :e"_s);
    q.bind(u":e"_s, eventId);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(u"Event"_s);
    BillingEvent e = readEvent(q);
    e.duplicate = true;
    return e;
}
} // namespace

QJsonObject CheckoutSession::toJson() const
{
    return shape::toJson<kCheckoutSessionFields>(*this);
}

QJsonObject BillingEvent::toJson() const
{
    return shape::toJson<kBillingEventFields>(*this);
}

QString BillingService::signHeader(const QByteArray &rawBody, const QByteArray &secret,
                                   qint64 unixSecs)
{
    const QByteArray t = QByteArray::number(unixSecs);
    return u"t="_s + QString::fromLatin1(t) + u",v1="_s +
           QString::fromLatin1(crypto::hmacSha256(secret, t + '.' + rawBody).toHex());
}

Status BillingService::verifySignature(const QByteArray &rawBody, const QString &header,
                                       const QByteArray &secret, qint64 nowSecs,
                                       qint64 toleranceSecs)
{
    if (secret.isEmpty())
        return badSignature(u"no webhook secret is configured"_s);
    if (header.isEmpty() || header.size() > 4096)
        return badSignature(u"the Stripe-Signature header is missing"_s);
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
        return badSignature(u"no timestamp"_s);
    if (v1.isEmpty())
        return badSignature(u"no v1 signature"_s);
    const qint64 ts = t.toLongLong();
    if (ts < nowSecs - toleranceSecs)
        return badSignature(u"the timestamp is too old"_s);
    if (ts > nowSecs + toleranceSecs)
        return badSignature(u"the timestamp is in the future"_s);
    const QByteArray expected = crypto::hmacSha256(secret, t.toLatin1() + '.' + rawBody);
    bool match = false;
    for (const QString &sig : std::as_const(v1)) {
        // Every candidate is compared, in constant time, whether or not one matched.
        const QByteArray given =
            isHex64(sig) ? QByteArray::fromHex(sig.toLatin1()) : QByteArray(32, '\0');
        const bool eq = crypto::constantTimeEquals(expected, given);
        match = match || (eq && isHex64(sig));
    }
    if (!match)
        return badSignature(u"no signature matches"_s);
    return Ok{};
}

Result<BillingEvent> BillingService::handleWebhook(const QByteArray &rawBody,
                                                   const QString &signatureHeader,
                                                   const QByteArray &secret, BodyReader read)
{
    if (rawBody.size() > kMaxBodyBytes)
        return Error::validation(u"body"_s, u"too_large"_s, u"The event is larger than 1 MiB."_s);
    const qint64 now = m_ctx.clock->nowMs();
    if (auto v = verifySignature(rawBody, signatureHeader, secret, now / 1000); !v) {
        qCWarning(lcBilling) << "webhook refused:" << v.error().message;
        return v.error();
    }

    const Result<QJsonValue> doc = read(rawBody);
    if (!doc)
        return doc.error(); // malformed_json, duplicate_key, ... as for any request body
    if (!doc->isObject())
        return Error::validation(u"body"_s, u"type"_s, u"The event must be a JSON object."_s);
    const QJsonObject ev = doc->toObject();
    BillingEvent e;
    e.eventId = str(ev, u"id"_s);
    if (e.eventId.isEmpty())
        return Error::validation(u"id"_s, u"required"_s, u"The event has no id."_s);
    e.type = str(ev, u"type"_s);
    if (e.type.isEmpty())
        return Error::validation(u"type"_s, u"required"_s, u"The event has no type."_s);
    const QJsonValue created = ev.value(u"created"_s);
    if (created.isUndefined() || created.isNull()) {
        // Without a provider time the receipt time orders the event.
        e.eventCreated = now;
    } else {
        const double c = created.toDouble(-1);
        if (!created.isDouble() || c < 0 || c > 1e11 || c != double(qint64(c)))
            return Error::validation(u"created"_s, u"invalid"_s,
                                     u"created must be a Unix time in seconds."_s);
        e.eventCreated = qint64(c) * 1000;
    }
    const QJsonObject obj = ev.value(u"data"_s).toObject().value(u"object"_s).toObject();
    e.receivedAt = now;

    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    if (auto seen = storedEvent(tx.conn(), e.eventId); seen)
        return seen; // a redelivery: applied once, answered as success
    else if (seen.error().code != ErrorCode::NotFound)
        return seen.error();

    QString plan, subscriptionRef, subscriptionStatus, customerRef = str(obj, u"customer"_s);
    bool known = true;
    if (e.type == QLatin1String("checkout.session.completed")) {
        e.workspaceId = str(obj, u"client_reference_id"_s);
        plan = str(obj.value(u"metadata"_s).toObject(), u"plan"_s);
        subscriptionRef = str(obj, u"subscription"_s);
        subscriptionStatus = u"active"_s;
    } else if (e.type == QLatin1String("customer.subscription.deleted")) {
        e.workspaceId = str(obj.value(u"metadata"_s).toObject(), u"workspace_id"_s);
        plan = u"free"_s;
        subscriptionRef = str(obj, u"id"_s);
        subscriptionStatus = u"canceled"_s;
    } else if (e.type == QLatin1String("customer.subscription.created") ||
               e.type == QLatin1String("customer.subscription.updated")) {
        e.workspaceId = str(obj.value(u"metadata"_s).toObject(), u"workspace_id"_s);
        subscriptionRef = str(obj, u"id"_s);
        subscriptionStatus = str(obj, u"status"_s);
        // A subscription that ended puts the workspace back on the free plan.
        const bool ended = subscriptionStatus == QLatin1String("canceled") ||
                           subscriptionStatus == QLatin1String("incomplete_expired") ||
                           subscriptionStatus == QLatin1String("unpaid");
        plan = ended ? u"free"_s : subscriptionPlan(obj);
    } else {
        known = false;
    }

    bool workspaceFound = false;
    if (known && ids::isUuid(e.workspaceId)) {
        Query w = tx.query(u"SELECT 1 FROM workspaces WHERE id = :w"_s);
        w.bind(u":w"_s, e.workspaceId);
        if (!w.exec())
            return w.error();
        workspaceFound = w.next();
    }
    if (!workspaceFound && !e.workspaceId.isEmpty() && !ids::isUuid(e.workspaceId))
        e.workspaceId.clear(); // never store arbitrary text as a workspace id

    if (!known) {
        e.outcome = u"ignored: event type not handled"_s;
    } else if (!workspaceFound) {
        e.outcome = u"not applied: unknown workspace"_s;
    } else if (!planExists(tx.conn(), plan)) {
        e.outcome = plan.isEmpty() ? u"not applied: the event names no plan"_s
                                   : u"not applied: unknown plan"_s;
    } else {
        if (!tx.lockRow(u"workspaces"_s, e.workspaceId))
            return Error::internal();
        Query last = tx.query(
            u"SELECT MAX(event_created) FROM billing_events WHERE workspace_id = :w AND applied = 1"_s);
        last.bind(u":w"_s, e.workspaceId);
        if (!last.exec() || !last.next())
            return last.error();
        const bool stale = !last.isNull(0) && last.i64(0) > e.eventCreated;
        last.raw().finish();
        if (stale) {
            e.outcome = u"not applied: a newer event was applied already"_s;
        } else {
            auto from = changePlan(tx, now, Actor::system(), e.workspaceId, plan,
                                   {{u"event_id"_s, e.eventId}});
            if (!from)
                return from.error();
            e.applied = true;
            e.outcome = *from == plan ? u"applied: plan unchanged (%1)"_s.arg(plan)
                                      : u"applied: plan %1 -> %2"_s.arg(*from, plan);
            if (!customerRef.isEmpty()) {
                Query c =
                    tx.query(u"INSERT INTO billing_customers (workspace_id, provider, "
                             u"customer_ref, created_at) "
                             "VALUES (:w, 'stripe', :c, :t) ON CONFLICT (workspace_id) DO UPDATE "
                             "SET customer_ref = excluded.customer_ref"_s);
                c.bind(u":w"_s, e.workspaceId).bind(u":c"_s, customerRef).bind(u":t"_s, now);
                if (!c.exec())
                    return c.error();
            }
            if (e.type == QLatin1String("checkout.session.completed")) {
                if (auto done = row::exec(
                        tx.conn(),
                        u"UPDATE billing_subscriptions SET status = 'checkout_completed', "
                        u"updated_at = "
                        u":t "
                        "WHERE workspace_id = :w AND provider_ref = :r AND status = 'checkout_pending'"_s,
                        {{u":t"_s, now}, {u":w"_s, e.workspaceId}, {u":r"_s, str(obj, u"id"_s)}});
                    !done)
                    return done.error();
            }
            if (!subscriptionRef.isEmpty()) {
                Query upd = tx.query(
                    u"UPDATE billing_subscriptions SET plan = :p, status = :s, updated_at = :t "
                    "WHERE workspace_id = :w AND provider_ref = :r"_s);
                upd.bind(u":p"_s, plan)
                    .bind(u":s"_s, subscriptionStatus.isEmpty() ? u"active"_s : subscriptionStatus)
                    .bind(u":t"_s, e.eventCreated)
                    .bind(u":w"_s, e.workspaceId)
                    .bind(u":r"_s, subscriptionRef);
                if (!upd.exec())
                    return upd.error();
                if (upd.rowsAffected() == 0) {
                    Query ins = tx.query(u"INSERT INTO billing_subscriptions (id, workspace_id, "
                                         u"provider_ref, plan, status, "
                                         "updated_at) VALUES (:id, :w, :r, :p, :s, :t)"_s);
                    ins.bind(u":id"_s, ids::newUuid())
                        .bind(u":w"_s, e.workspaceId)
                        .bind(u":r"_s, subscriptionRef)
                        .bind(u":p"_s, plan)
                        .bind(u":s"_s,
                              subscriptionStatus.isEmpty() ? u"active"_s : subscriptionStatus)
                        .bind(u":t"_s, e.eventCreated);
                    if (!ins.exec())
                        return ins.error();
                }
            }
        }
    }

    Query rec = tx.query(
        u"INSERT INTO billing_events (event_id, type, event_created, received_at, workspace_id, "
        "applied, outcome) VALUES (:e, :ty, :c, :r, :w, :a, :o)"_s);
    rec.bind(u":e"_s, e.eventId)
        .bind(u":ty"_s, e.type.left(kMaxIdLength))
        .bind(u":c"_s, e.eventCreated)
        .bind(u":r"_s, e.receivedAt)
        .bind(u":w"_s, e.workspaceId.isEmpty() ? QVariant() : QVariant(e.workspaceId))
        .bind(u":a"_s, e.applied ? 1 : 0)
        .bind(u":o"_s, e.outcome);
    if (!rec.exec()) {
        if (rec.uniqueViolation()) {
            // Delivered twice at once: the other delivery won; ours changes nothing.
            tx.rollback();
            return storedEvent(m_ctx.db->connection(), e.eventId);
        }
        return rec.error();
    }
    tx.announce(u"billing_event"_s, e.eventId);
    if (auto c = tx.commit(); !c) {
        if (auto seen = storedEvent(m_ctx.db->connection(), e.eventId); seen)
            return seen;
        return c.error();
    }
    qCInfo(lcBilling) << "webhook" << e.type << e.eventId << e.outcome;
    return e;
}

Result<CheckoutSession> BillingService::checkout(const Actor &actor, const QString &workspaceId,
                                                 const QString &plan, const QString &successUrl,
                                                 const QString &cancelUrl)
{
    if (auto v = checkWorkspaceId(workspaceId); !v)
        return v.error();
    if (plan.isEmpty())
        return Error::validation(u"plan"_s, u"required"_s, u"A plan is required."_s);
    if (successUrl.size() > 2048 || cancelUrl.size() > 2048)
        return Error::validation(successUrl.size() > 2048 ? u"success_url"_s : u"cancel_url"_s,
                                 u"too_long"_s);
    {
        QSqlDatabase conn = m_ctx.db->connection();
        if (plan == QLatin1String("free") || !planExists(conn, plan))
            return Error::validation(u"plan"_s, u"invalid"_s,
                                     u"plan must be one of the paid plans."_s);
    }
    WorkspaceRow ws;
    {
        QSqlDatabase conn = m_ctx.db->connection();
        if (auto r = access::requireWrite(conn, actor, workspaceId, Role::Admin, kWs); !r)
            return r.error();
        auto loaded = loadWorkspace(conn, workspaceId);
        if (!loaded)
            return loaded.error();
        ws = *loaded;
    }
    if (ws.plan == plan)
        return Error::conflict(u"The workspace is already on this plan."_s);
    // The provider may be a network service: never call it inside a transaction.
    auto pc = m_provider->checkoutUrl(BillingWorkspace{ws.id, ws.name, ws.plan, ws.customerRef},
                                      plan, successUrl, cancelUrl);
    if (!pc)
        return pc.error();
    CheckoutSession out{workspaceId, plan, m_provider->name(), pc->sessionRef, pc->url};

    // The checks again, inside the transaction: the provider call took a while.
    auto began = access::beginWrite(m_ctx, actor, workspaceId, Role::Admin, kWs);
    if (!began)
        return began.error();
    Tx &tx = *began;
    const qint64 now = m_ctx.clock->nowMs();
    if (auto e = row::exec(tx.conn(),
                           u"INSERT INTO billing_subscriptions (id, workspace_id, provider_ref, "
                           u"plan, status, updated_at) "
                           "VALUES (:id, :w, :r, :p, 'checkout_pending', :t)"_s,
                           {{u":id"_s, ids::newUuid()},
                            {u":w"_s, workspaceId},
                            {u":r"_s, out.sessionRef},
                            {u":p"_s, plan},
                            {u":t"_s, now}});
        !e)
        return e.error();
    if (auto a =
            AuditService::append(tx, now, actor, u"billing.checkout"_s, workspaceId, u"workspace"_s,
                                 workspaceId, {{u"plan"_s, plan}, {u"provider"_s, out.provider}});
        !a)
        return a.error();
    tx.announce(u"billing"_s, workspaceId);
    if (auto c = tx.commit(); !c)
        return c.error();
    return out;
}

Result<QString> BillingService::portal(const Actor &actor, const QString &workspaceId)
{
    if (auto v = checkWorkspaceId(workspaceId); !v)
        return v.error();
    QSqlDatabase conn = m_ctx.db->connection();
    if (auto r = access::requireRole(conn, actor, workspaceId, Role::Admin, kWs); !r)
        return r.error();
    auto ws = loadWorkspace(conn, workspaceId);
    if (!ws)
        return ws.error();
    return m_provider->portalUrl(BillingWorkspace{ws->id, ws->name, ws->plan, ws->customerRef});
}

Result<CheckoutSession> BillingService::completeOfflineCheckout(const Actor &actor,
                                                                const QString &sessionRef)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden(u"Only an instance administrator confirms offline payments."_s);
    if (m_provider->name() != QLatin1String("offline"))
        return Error{ErrorCode::Unsupported, u"Checkouts are confirmed by the payment provider."_s};
    if (sessionRef.isEmpty() || sessionRef.size() > kMaxIdLength)
        return Error::validation(u"session_ref"_s,
                                 sessionRef.isEmpty() ? u"required"_s : u"too_long"_s);
    auto began = Tx::begin(*m_ctx.db, m_ctx.bus);
    if (!began)
        return began.error();
    Tx &tx = *began;
    Query q = tx.query(
        u"SELECT id, workspace_id, plan, status FROM billing_subscriptions WHERE provider_ref = :r"_s);
    q.bind(u":r"_s, sessionRef);
    if (!q.exec())
        return q.error();
    if (!q.next())
        return Error::notFound(u"Checkout"_s);
    const QString rowId = q.str(0), wsId = q.str(1), plan = q.str(2), status = q.str(3);
    q.raw().finish();
    CheckoutSession out{wsId, plan, m_provider->name(), sessionRef, {}};
    if (status == QLatin1String("checkout_completed"))
        return out; // confirmed before: nothing changes
    if (status != QLatin1String("checkout_pending"))
        return Error::notFound(u"Checkout"_s);
    if (!tx.lockRow(u"workspaces"_s, wsId))
        return Error::internal();
    const qint64 now = m_ctx.clock->nowMs();
    Query u =
        tx.query(u"UPDATE billing_subscriptions SET status = 'checkout_completed', updated_at = :t "
                 "WHERE id = :id AND status = 'checkout_pending'"_s);
    u.bind(u":t"_s, now).bind(u":id"_s, rowId);
    if (!u.exec())
        return u.error();
    if (u.rowsAffected() == 0)
        return out;
    auto from = changePlan(tx, now, actor, wsId, plan, {{u"session_ref"_s, sessionRef}});
    if (!from)
        return from.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return out;
}

Result<QString> BillingService::setPlanOffline(const Actor &actor, const QString &workspaceId,
                                               const QString &plan, const QString &sessionRef)
{
    // A person, not the system: the audit entry names who changed the plan.
    if (actor.isAnonymous())
        return Error{ErrorCode::LoginRequired, u"Please log in again."_s};
    if (!actor.instanceAdmin || !actor.keyWorkspaceId.isEmpty())
        return Error::forbidden(u"Plan changes on this instance are made by its administrator."_s);
    if (m_provider->name() != QLatin1String("offline"))
        return Error{ErrorCode::Unsupported, u"Plans are changed by the payment provider."_s};
    if (!sessionRef.isEmpty()) {
        // The checkout names its workspace and plan; the page must ask for exactly those.
        Query q(m_ctx.db->connection(),
                u"SELECT workspace_id, plan FROM billing_subscriptions WHERE provider_ref = :r"_s);
        q.bind(u":r"_s, sessionRef);
        if (!q.exec())
            return q.error();
        if (!q.next())
            return Error::notFound(u"Checkout"_s);
        if (q.str(0) != workspaceId || q.str(1) != plan)
            return Error::validation(u"session_ref"_s, u"mismatch"_s,
                                     u"The checkout is for another workspace or plan."_s);
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
        return Error::validation(u"plan"_s, u"unknown"_s, u"No such plan."_s);
    if (!tx.lockRow(u"workspaces"_s, workspaceId))
        return Error::internal();
    auto from =
        changePlan(tx, m_ctx.clock->nowMs(), actor, workspaceId, plan, {{u"via"_s, u"offline"_s}});
    if (!from)
        return from.error();
    if (auto c = tx.commit(); !c)
        return c.error();
    return plan;
}

Result<Page<BillingEvent>> BillingService::webhookEvents(const Actor &actor, int limit,
                                                         const QString &cursorText)
{
    if (!actor.isSystem() && !actor.instanceAdmin)
        return Error::forbidden(u"Only instance administrators see billing events."_s);
    auto keyset = Keyset::parse(cursorText, u"received_at"_s, u"event_id"_s);
    if (!keyset)
        return keyset.error();
    return row::page<BillingEvent>(
        m_ctx.db->connection(), u"SELECT "_s + kEventCols + u" FROM billing_events WHERE 1=1"_s,
        *keyset, limit, row::noBinds, readEvent, [](const BillingEvent &x) {
            return cursor::TimeId{x.receivedAt, x.eventId};
        });
}

} // namespace wfx
