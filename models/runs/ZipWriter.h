// SPDX-License-Identifier: Apache-2.0
// A small in-memory ZIP archive writer (PKWARE APPNOTE 6.3): entries are
// stored without compression, each with its CRC-32, then the central
// directory. Enough for evidence packages, which hold a few text files that
// must stay readable by any unzip tool. No ZIP64: at most 65535 entries and
// an archive below 4 GiB (add() refuses beyond that).
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace wfx {

class ZipWriter
{
public:
    // mtimeMs: the modification time every entry carries (UTC, 2-second resolution).
    explicit ZipWriter(qint64 mtimeMs) : m_mtimeMs(mtimeMs) {}

    // Names use '/' and are stored as UTF-8. False (nothing added) when the
    // name is empty, absolute, contains "..", is already present, or the
    // archive would outgrow the classic format.
    bool add(const QString &name, const QByteArray &data);
    // The archive: local headers and data, central directory, end record.
    QByteArray finish() const;

    static quint32 crc32(const QByteArray &data);

private:
    struct Entry
    {
        QByteArray name;
        quint32 crc = 0;
        quint32 size = 0;
        quint32 offset = 0;
    };
    qint64 m_mtimeMs;
    QByteArray m_body; // local headers and data so far
    QList<Entry> m_entries;
};

} // namespace wfx
