// SPDX-License-Identifier: Apache-2.0
#include "server/core/Http.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace wfx {

QByteArray HttpRequest::header(const QByteArray &lowerName) const
{
    for (const auto &h : headers) {
        if (h.first.compare(lowerName, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

QString HttpRequest::cookie(const QString &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare("cookie", Qt::CaseInsensitive) != 0)
            continue;
        const QList<QByteArray> parts = h.second.split(';');
        for (const QByteArray &p : parts) {
            const qsizetype eq = p.indexOf('=');
            if (eq > 0 && QString::fromLatin1(p.left(eq).trimmed()) == name)
                return QString::fromLatin1(p.mid(eq + 1).trimmed());
        }
    }
    return {};
}

HttpRequest::Page HttpRequest::page() const
{
    return Page{query<int>(QStringLiteral("limit"), 50), query<QString>(QStringLiteral("cursor"))};
}

HttpResponse HttpResponse::json(int status, const QJsonObject &body)
{
    HttpResponse r;
    r.status = status;
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return r;
}

HttpResponse HttpResponse::json(int status, const QJsonValue &body)
{
    HttpResponse r;
    r.status = status;
    r.body = body.isArray() ? QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact)
                            : QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
    return r;
}

HttpResponse HttpResponse::jsonBytes(int status, QByteArray body)
{
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

HttpResponse HttpResponse::error(const Error &e)
{
    QJsonObject err{{QStringLiteral("code"), errorCodeName(e.code)},
                    {QStringLiteral("message"), e.message}};
    if (!e.details.isEmpty()) {
        QJsonArray details;
        for (const FieldIssue &d : e.details)
            details.append(QJsonObject{{QStringLiteral("field"), d.field},
                                       {QStringLiteral("issue"), d.issue}});
        err.insert(QStringLiteral("details"), details);
    }
    for (auto it = e.extra.begin(); it != e.extra.end(); ++it)
        err.insert(it.key(), it.value());
    HttpResponse r = json(errorHttpStatus(e.code), QJsonObject{{QStringLiteral("error"), err}});
    if (e.code == ErrorCode::RateLimited && e.extra.contains(QStringLiteral("retry_after")))
        r.header("Retry-After",
                 QByteArray::number(e.extra.value(QStringLiteral("retry_after")).toInteger()));
    return r;
}

HttpResponse HttpResponse::error(int status, const QString &code, const QString &message)
{
    return json(status, QJsonObject{{QStringLiteral("error"),
                                     QJsonObject{{QStringLiteral("code"), code},
                                                 {QStringLiteral("message"), message}}}});
}

HttpResponse HttpResponse::noContent()
{
    HttpResponse r;
    r.status = 204;
    r.contentType.clear();
    return r;
}

} // namespace wfx
