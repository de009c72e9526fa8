// SPDX-License-Identifier: Apache-2.0
// A streaming reader of the ustar archives TarWriter writes: regular files
// only, header checksums checked, octal or GNU base-256 sizes.
#pragma once

#include <QIODevice>
#include <QString>

namespace wfx {

class TarReader
{
public:
    explicit TarReader(QIODevice *in) : m_in(in) {}

    struct Entry
    {
        QString name;
        qint64 size = 0;
    };

    // Moves to the next entry (skipping what is left of the current one).
    // False at the end of the archive or on an error: error() is empty at a clean end.
    bool next(Entry *entry);
    // Reads up to maxLen bytes of the current entry; 0 at its end, -1 on an error.
    qint64 read(char *data, qint64 maxLen);
    QString error() const { return m_error; }

private:
    bool skipRest();
    bool fail(const QString &msg);

    QIODevice *m_in;
    qint64 m_left = 0;    // data bytes of the current entry not yet read
    qint64 m_padding = 0; // padding after the current entry's data
    QString m_error;
};

} // namespace wfx
