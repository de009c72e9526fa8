// SPDX-License-Identifier: Apache-2.0
#include "server/billing/StripeProvider.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>
#include <QTimer>
#include <QUrl>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcStripe, "wfx.server.stripe", QtInfoMsg)

namespace wfx {

namespace {

Error unreachable()
{
    return Error{ErrorCode::Unavailable,
                 u"The payment provider cannot be reached; try again later."_s};
}

// Stripe wants absolute http(s) addresses to send the payer back to.
Status requireAbsoluteUrl(const QString &field, const QString &value)
{
    if (value.isEmpty())
        return Error::validation(field, u"required"_s,
                                 u"%1 is required to pay through Stripe."_s.arg(field));
    const QUrl u(value, QUrl::StrictMode);
    if (!u.isValid() || u.host().isEmpty() ||
        (u.scheme() != QLatin1String("https") && u.scheme() != QLatin1String("http")))
        return Error::validation(field, u"invalid"_s,
                                 u"%1 must be an absolute http(s) address."_s.arg(field));
    return Ok{};
}
} // namespace

QByteArray StripeProvider::encodeForm(const Form &form)
{
    QByteArray out;
    for (const auto &[key, value] : form) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(key) + '=' + QUrl::toPercentEncoding(value);
    }
    return out;
}

Result<QJsonObject> StripeProvider::post(const QString &path, const Form &form) const
{
    QString base = m_opt.baseUrl;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    const QUrl url(base + path);
    const QByteArray body = encodeForm(form);
    const QByteArray auth = "Bearer " + m_opt.secretKey;
    const int timeoutMs = m_opt.timeoutMs;

    int status = 0;
    QByteArray answer;
    QString failure;
    // The request runs on its own thread with its own event loop; this thread
    // only waits, so the server thread's loop is not re-entered.
    QThread *worker = QThread::create([&] {
        QNetworkAccessManager nam;
        QNetworkRequest req(url);
        req.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
        req.setRawHeader("Authorization", auth);
        req.setRawHeader("Accept", "application/json");
        req.setTransferTimeout(timeoutMs);
        QEventLoop loop;
        QNetworkReply *reply = nam.post(req, body);
        QTimer deadline;
        deadline.setSingleShot(true);
        bool timedOut = false;
        QObject::connect(&deadline, &QTimer::timeout, &loop, [&] {
            timedOut = true;
            reply->abort();
        });
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        deadline.start(timeoutMs);
        if (!reply->isFinished())
            loop.exec();
        status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->isOpen())
            answer = reply->readAll();
        if (timedOut)
            failure = u"no answer within %1 ms"_s.arg(timeoutMs);
        else if (status == 0)
            failure = reply->errorString();
        delete reply;
    });
    worker->start();
    worker->wait();
    delete worker;

    if (status == 0) {
        qCWarning(lcStripe) << "POST" << path << "failed:" << failure;
        return unreachable();
    }
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(answer, &perr);
    const QJsonObject obj = doc.object();
    if (status < 200 || status > 299) {
        const QJsonObject err = obj.value(u"error"_s).toObject();
        qCWarning(lcStripe) << "POST" << path << "answered" << status
                            << err.value(u"type"_s).toString() << err.value(u"code"_s).toString()
                            << err.value(u"message"_s).toString();
        return Error{
            ErrorCode::Unavailable,
            u"The payment provider refused the request; the administrator can see why in the log."_s};
    }
    if (perr.error != QJsonParseError::NoError || !doc.isObject()) {
        qCWarning(lcStripe) << "POST" << path << "answered" << status
                            << "with a body that is not a JSON object";
        return unreachable();
    }
    return obj;
}

Result<ProviderCheckout> StripeProvider::checkoutUrl(const BillingWorkspace &workspace,
                                                     const QString &plan, const QString &successUrl,
                                                     const QString &cancelUrl)
{
    const QString price = m_opt.prices.value(plan);
    if (price.isEmpty())
        return Error::validation(
            u"plan"_s, u"invalid"_s,
            u"The plan %1 cannot be bought here (no price is configured)."_s.arg(plan));
    if (auto v = requireAbsoluteUrl(u"success_url"_s, successUrl); !v)
        return v.error();
    if (auto v = requireAbsoluteUrl(u"cancel_url"_s, cancelUrl); !v)
        return v.error();
    Form form{
        {u"mode"_s, u"subscription"_s},
        {u"line_items[0][price]"_s, price},
        {u"line_items[0][quantity]"_s, u"1"_s},
        {u"client_reference_id"_s, workspace.id},
        {u"metadata[plan]"_s, plan},
        {u"metadata[workspace_id]"_s, workspace.id},
        // The subscription's own events (customer.subscription.deleted) name the workspace too.
        {u"subscription_data[metadata][plan]"_s, plan},
        {u"subscription_data[metadata][workspace_id]"_s, workspace.id},
        {u"success_url"_s, successUrl},
        {u"cancel_url"_s, cancelUrl}};
    if (!workspace.customerRef.isEmpty())
        form.append({u"customer"_s, workspace.customerRef});
    auto r = post(u"/v1/checkout/sessions"_s, form);
    if (!r)
        return r.error();
    ProviderCheckout out;
    out.sessionRef = r->value(u"id"_s).toString();
    out.url = r->value(u"url"_s).toString();
    if (out.sessionRef.isEmpty() || out.url.isEmpty()) {
        qCWarning(lcStripe) << "checkout session answer without id or url";
        return unreachable();
    }
    return out;
}

Result<QString> StripeProvider::portalUrl(const BillingWorkspace &workspace)
{
    if (workspace.customerRef.isEmpty())
        return Error::conflict(
            u"This workspace has no billing account yet: check out a plan first."_s);
    auto r = post(u"/v1/billing_portal/sessions"_s, Form{{u"customer"_s, workspace.customerRef}});
    if (!r)
        return r.error();
    const QString url = r->value(u"url"_s).toString();
    if (url.isEmpty()) {
        qCWarning(lcStripe) << "portal session answer without url";
        return unreachable();
    }
    return url;
}

} // namespace wfx
