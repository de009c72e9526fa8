// SPDX-License-Identifier: Apache-2.0
#include "models/backup/TarWriter.h"

#include <QCryptographicHash>
#include <QFile>

#include <cstring>

namespace wfx {

namespace {

// Octal, zero-padded to width-1 digits and a NUL; false when it does not fit.
bool putOctal(char *field, int width, qint64 value)
{
    const QByteArray digits = QByteArray::number(value, 8);
    if (value < 0 || digits.size() > width - 1)
        return false;
    std::memset(field, '0', size_t(width - 1));
    std::memcpy(field + (width - 1 - digits.size()), digits.constData(), size_t(digits.size()));
    field[width - 1] = '\0';
    return true;
}

bool validName(const QByteArray &name)
{
    if (name.isEmpty() || name.size() > 100 || name.startsWith('/') || name.endsWith('/'))
        return false;
    for (char c : name) {
        if (uchar(c) < 0x21 || uchar(c) > 0x7e || c == '\\')
            return false;
    }
    for (const QByteArray &part : name.split('/')) {
        if (part.isEmpty() || part == "." || part == "..")
            return false;
    }
    return true;
}

} // namespace

bool TarWriter::fail(const QString &msg)
{
    m_error = msg;
    return false;
}

bool TarWriter::writeHeader(const QByteArray &name, qint64 size)
{
    char h[512];
    std::memset(h, 0, sizeof h);
    std::memcpy(h, name.constData(), size_t(name.size()));
    putOctal(h + 100, 8, 0644);
    putOctal(h + 108, 8, 0);
    putOctal(h + 116, 8, 0);
    if (!putOctal(h + 124, 12, size)) {
        // GNU base-256: high bit set, the value big-endian in the remaining bytes.
        qint64 v = size;
        for (int i = 11; i >= 1; --i) {
            h[124 + i] = char(v & 0xff);
            v >>= 8;
        }
        h[124] = char(0x80);
    }
    putOctal(h + 136, 12, qMax<qint64>(0, m_mtimeSec));
    std::memset(h + 148, ' ', 8);
    h[156] = '0';
    std::memcpy(h + 257, "ustar", 6); // "ustar\0"
    std::memcpy(h + 263, "00", 2);
    std::memcpy(h + 265, "root", 4);
    std::memcpy(h + 297, "root", 4);
    unsigned sum = 0;
    for (char c : h)
        sum += uchar(c);
    putOctal(h + 148, 7, sum); // six digits and a NUL, then the space already there
    h[155] = ' ';
    if (m_out->write(h, 512) != 512)
        return fail(QStringLiteral("cannot write the archive: %1").arg(m_out->errorString()));
    return true;
}

bool TarWriter::writePadding(qint64 size)
{
    const qint64 pad = (512 - size % 512) % 512;
    if (pad == 0)
        return true;
    const QByteArray zeros(int(pad), '\0');
    if (m_out->write(zeros) != pad)
        return fail(QStringLiteral("cannot write the archive: %1").arg(m_out->errorString()));
    return true;
}

bool TarWriter::addFile(const QString &name, const QString &sourcePath, QByteArray *sha256Hex,
                        qint64 *sizeOut)
{
    const QByteArray n = name.toLatin1();
    if (!validName(n))
        return fail(QStringLiteral("unusable archive name %1").arg(name));
    QFile in(sourcePath);
    if (!in.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read %1: %2").arg(sourcePath, in.errorString()));
    const qint64 size = in.size();
    if (!writeHeader(n, size))
        return false;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QByteArray buf(int(qMin<qint64>(kChunk, qMax<qint64>(size, 1))), Qt::Uninitialized);
    qint64 done = 0;
    while (done < size) {
        const qint64 got = in.read(buf.data(), qMin<qint64>(buf.size(), size - done));
        if (got <= 0)
            return fail(QStringLiteral("%1 changed or could not be read while it was archived")
                            .arg(sourcePath));
        hash.addData(QByteArrayView(buf.constData(), got));
        if (m_out->write(buf.constData(), got) != got)
            return fail(QStringLiteral("cannot write the archive: %1").arg(m_out->errorString()));
        done += got;
    }
    char probe;
    if (in.read(&probe, 1) != 0)
        return fail(QStringLiteral("%1 grew while it was archived").arg(sourcePath));
    if (sha256Hex)
        *sha256Hex = hash.result().toHex();
    if (sizeOut)
        *sizeOut = size;
    return writePadding(size);
}

bool TarWriter::addData(const QString &name, const QByteArray &data)
{
    const QByteArray n = name.toLatin1();
    if (!validName(n))
        return fail(QStringLiteral("unusable archive name %1").arg(name));
    if (!writeHeader(n, data.size()))
        return false;
    if (m_out->write(data) != data.size())
        return fail(QStringLiteral("cannot write the archive: %1").arg(m_out->errorString()));
    return writePadding(data.size());
}

bool TarWriter::finish()
{
    const QByteArray zeros(1024, '\0');
    if (m_out->write(zeros) != zeros.size())
        return fail(QStringLiteral("cannot write the archive: %1").arg(m_out->errorString()));
    return true;
}

} // namespace wfx
