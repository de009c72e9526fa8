// SPDX-License-Identifier: Apache-2.0
// A streaming writer of POSIX ustar archives (regular files only). Sizes of
// 8 GiB and more use the GNU base-256 size field, which GNU tar and bsdtar read.
// Files are copied in fixed chunks: memory stays small whatever their size.
#pragma once

#include <QByteArray>
#include <QIODevice>
#include <QString>

namespace wfx {

class TarWriter
{
public:
    // mtimeSec: the modification time every entry carries.
    TarWriter(QIODevice *out, qint64 mtimeSec) : m_out(out), m_mtimeSec(mtimeSec) {}

    // Copies the file at sourcePath under `name` ('/'-separated, relative, at
    // most 100 bytes of ASCII), hashing while it streams. False (see error())
    // on a bad name, a read or write failure, or a file that changed size.
    bool addFile(const QString &name, const QString &sourcePath, QByteArray *sha256Hex = nullptr,
                 qint64 *size = nullptr);
    bool addData(const QString &name, const QByteArray &data);
    // The two zero blocks that end the archive.
    bool finish();

    QString error() const { return m_error; }
    static constexpr qint64 kChunk = 1 << 20;

private:
    bool writeHeader(const QByteArray &name, qint64 size);
    bool writePadding(qint64 size);
    bool fail(const QString &msg);

    QIODevice *m_out;
    qint64 m_mtimeSec;
    QString m_error;
};

} // namespace wfx
