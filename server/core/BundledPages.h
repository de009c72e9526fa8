// SPDX-License-Identifier: Apache-2.0
// Small bundled web pages (the share page, the offline billing page): files from
// a fixed table compiled into the binary, served with one strict policy.
#pragma once

#include "server/core/Http.h"

#include <QHash>
#include <QString>

#include <initializer_list>

namespace wfx {

struct BundledFile
{
    const char *name;     // what the route asks for, e.g. "share.js"
    const char *resource; // the Qt resource path, e.g. ":/wfx-share-page/share.js"
    const char *type;     // its Content-Type
};

class BundledPages
{
public:
    // Reads every file once; a missing resource is logged and then answers 404.
    BundledPages(std::initializer_list<BundledFile> files);

    // The page itself (the file named index.html), never stored: its address may
    // carry a token.
    HttpResponse page() const;
    // A script or style sheet by its table name (never a path built from the
    // request), cached for an hour; the page is not an asset (404).
    HttpResponse asset(const QString &name) const;

private:
    // Both with a same-origin-only Content-Security-Policy and no framing.
    HttpResponse serve(const QString &name, bool html) const;

    struct File
    {
        QByteArray contentType;
        QByteArray bytes;
    };
    QHash<QString, File> m_files;
};

} // namespace wfx
