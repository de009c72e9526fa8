// SPDX-License-Identifier: Apache-2.0
// HTTP helpers for route tests: a small client over QNetworkAccessManager (one
// cookie jar per client, a local event loop with a timeout per request) and the
// account set-up every route family needs (signup, then an API key).
#pragma once

#include "TestServer.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>
#include <QUuid>

namespace wfxtest {

struct HttpResult
{
    int status = 0; // 0: no answer (connection failed or timed out)
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QJsonObject object(const char *key) const
    {
        return json().value(QLatin1String(key)).toObject();
    }
    QJsonArray items() const { return json().value(QLatin1String("items")).toArray(); }
    // error.code of an error answer.
    QString code() const
    {
        return json()
            .value(QLatin1String("error"))
            .toObject()
            .value(QLatin1String("code"))
            .toString();
    }
    // error.details[].field of a validation error.
    QStringList fields() const
    {
        QStringList out;
        for (const auto &d : json()
                                 .value(QLatin1String("error"))
                                 .toObject()
                                 .value(QLatin1String("details"))
                                 .toArray())
            out << d.toObject().value(QLatin1String("field")).toString();
        return out;
    }
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
};

class HttpClient
{
public:
    explicit HttpClient(quint16 port, QString bearer = {}) : m_port(port), bearer(std::move(bearer))
    {
    }

    // Sends the request and waits (at most timeoutMs) for the whole answer.
    HttpResult request(const QByteArray &method, const QString &pathAndQuery,
                       const QByteArray &body = {},
                       const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port) + pathAndQuery));
        req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
        if (!bearer.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + bearer.toLatin1());
        if (sendCsrf && method != "GET" && method != "HEAD") {
            const QByteArray csrf = cookie("wfx_csrf");
            if (!csrf.isEmpty())
                req.setRawHeader("X-CSRF-Token", csrf);
        }
        for (const auto &[name, value] : headers)
            req.setRawHeader(name, value);
        QNetworkReply *reply = m_nam.sendCustomRequest(req, method, body);
        QEventLoop loop;
        QTimer deadline;
        deadline.setSingleShot(true);
        QObject::connect(&deadline, &QTimer::timeout, reply, &QNetworkReply::abort);
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        deadline.start(timeoutMs);
        if (!reply->isFinished())
            loop.exec();
        HttpResult r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        for (const auto &h : reply->rawHeaderPairs())
            r.headers.append(h);
        reply->deleteLater();
        return r;
    }
    HttpResult json(const QByteArray &method, const QString &path, const QJsonObject &body)
    {
        return request(method, path, QJsonDocument(body).toJson(QJsonDocument::Compact),
                       {{"Content-Type", "application/json"}});
    }
    HttpResult get(const QString &path) { return request("GET", path); }
    HttpResult post(const QString &path, const QJsonObject &body)
    {
        return json("POST", path, body);
    }
    HttpResult post(const QString &path) { return request("POST", path); }
    HttpResult patch(const QString &path, const QJsonObject &body)
    {
        return json("PATCH", path, body);
    }
    HttpResult del(const QString &path) { return request("DELETE", path); }

    QByteArray cookie(const QByteArray &name) const
    {
        const auto all = m_nam.cookieJar()->cookiesForUrl(
            QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(m_port)));
        for (const QNetworkCookie &c : all) {
            if (c.name() == name)
                return c.value();
        }
        return {};
    }

    int timeoutMs = 10'000;

private:
    quint16 m_port;
    QNetworkAccessManager m_nam;

public:
    QString bearer;       // sent as Authorization: Bearer <bearer> when set
    bool sendCsrf = true; // unsafe methods carry X-CSRF-Token = the wfx_csrf cookie
};

// A signed-up account with a session (web) and an API key (api).
struct TestUser
{
    QString id, email, password;
    QString keyId, secret;
    std::unique_ptr<HttpClient> web; // session cookies
    std::unique_ptr<HttpClient> api; // Bearer <secret>
};

inline QString uniqueEmail(const QString &tag)
{
    return tag + QLatin1Char('-') + QUuid::createUuid().toString(QUuid::WithoutBraces).left(8) +
           QStringLiteral("@example.test");
}

// Signs up through POST /api/auth/signup (from loopback, so the first account
// is accepted) and issues an unscoped API key through POST /api/cloud/api-keys.
// Empty id on failure (the test then fails on its first call).
inline TestUser signup(quint16 port, const QString &tag)
{
    TestUser u;
    u.email = uniqueEmail(tag);
    u.password = QStringLiteral("correct horse battery staple");
    u.web = std::make_unique<HttpClient>(port);
    const HttpResult s = u.web->post(
        QStringLiteral("/api/auth/signup"),
        QJsonObject{{QStringLiteral("email"), u.email}, {QStringLiteral("password"), u.password}});
    if (s.status != 201) {
        qWarning() << "signup failed" << s.status << s.body;
        return u;
    }
    u.id = s.object("user").value(QLatin1String("id")).toString();
    const HttpResult k = u.web->post(QStringLiteral("/api/cloud/api-keys"),
                                     QJsonObject{{QStringLiteral("name"), tag}});
    if (k.status != 201) {
        qWarning() << "api key failed" << k.status << k.body;
        return u;
    }
    u.keyId = k.object("api_key").value(QLatin1String("id")).toString();
    u.secret = k.json().value(QLatin1String("secret")).toString();
    u.api = std::make_unique<HttpClient>(port, u.secret);
    return u;
}

// POST /api/workspaces as the user; the workspace object (empty on failure).
inline QJsonObject createWorkspace(HttpClient &api, const QString &name = QStringLiteral("ws"))
{
    return api.post(QStringLiteral("/api/workspaces"), QJsonObject{{QStringLiteral("name"), name}})
        .object("workspace");
}

} // namespace wfxtest
