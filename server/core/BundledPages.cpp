// SPDX-License-Identifier: Apache-2.0
#include "server/core/BundledPages.h"

#include <QFile>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcPages, "wfx.server.pages", QtInfoMsg)

namespace wfx {

namespace {
// Same origin only, no inline script or style, no framing, no plugins, no base
// rewriting; forms are handled by the scripts, never submitted.
const QByteArray kPageCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";
} // namespace

BundledPages::BundledPages(std::initializer_list<BundledFile> files)
{
    for (const BundledFile &f : files) {
        QFile in(QString::fromLatin1(f.resource));
        if (!in.open(QIODevice::ReadOnly)) {
            qCCritical(lcPages) << "bundled page file is missing" << f.resource;
            continue;
        }
        m_files.insert(QString::fromLatin1(f.name), File{QByteArray(f.type), in.readAll()});
    }
}

HttpResponse BundledPages::page() const
{
    return serve(QStringLiteral("index.html"), true);
}

HttpResponse BundledPages::asset(const QString &name) const
{
    if (name == QLatin1String("index.html"))
        return HttpResponse::error(404, QStringLiteral("not_found"),
                                   QStringLiteral("No such file."));
    return serve(name, false);
}

HttpResponse BundledPages::serve(const QString &name, bool html) const
{
    const auto it = m_files.constFind(name);
    if (it == m_files.cend())
        return HttpResponse::error(404, QStringLiteral("not_found"),
                                   QStringLiteral("No such file."));
    HttpResponse r;
    r.contentType = it->contentType;
    r.body = it->bytes;
    r.header("Content-Security-Policy", kPageCsp)
        .header("X-Frame-Options", "DENY")
        .header("Referrer-Policy", "no-referrer")
        .header("Cross-Origin-Resource-Policy", "same-origin");
    r.header("Cache-Control",
             html ? QByteArrayLiteral("no-store") : QByteArrayLiteral("public, max-age=3600"));
    return r;
}

} // namespace wfx
