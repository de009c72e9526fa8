// SPDX-License-Identifier: Apache-2.0
#include "models/backup/TarReader.h"

#include <QByteArray>

#include <cstring>
#include <limits>

namespace wfx {

namespace {

bool parseOctal(const char *field, int width, qint64 *out)
{
    qint64 v = 0;
    int i = 0;
    while (i < width && field[i] == ' ')
        ++i;
    bool any = false;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
        if (v > (std::numeric_limits<qint64>::max() >> 3))
            return false;
        v = v * 8 + (field[i] - '0');
        any = true;
    }
    for (; i < width; ++i) {
        if (field[i] != '\0' && field[i] != ' ')
            return false;
    }
    *out = v;
    return any;
}

bool parseSize(const char *field, qint64 *out)
{
    if (uchar(field[0]) == 0x80) {
        qint64 v = 0;
        for (int i = 1; i < 12; ++i) {
            if (v > (std::numeric_limits<qint64>::max() >> 8))
                return false;
            v = (v << 8) | uchar(field[i]);
        }
        *out = v;
        return true;
    }
    return parseOctal(field, 12, out);
}

} // namespace

bool TarReader::fail(const QString &msg)
{
    m_error = msg;
    return false;
}

bool TarReader::skipRest()
{
    char buf[4096];
    qint64 left = m_left + m_padding;
    while (left > 0) {
        const qint64 got = m_in->read(buf, qMin<qint64>(sizeof buf, left));
        if (got <= 0)
            return fail(QStringLiteral("the archive ends inside an entry"));
        left -= got;
    }
    m_left = m_padding = 0;
    return true;
}

bool TarReader::next(Entry *entry)
{
    if (!m_error.isEmpty() || !skipRest())
        return false;
    char h[512];
    if (m_in->read(h, 512) != 512)
        return fail(QStringLiteral("the archive ends without its end marker"));
    bool zero = true;
    for (char c : h)
        zero = zero && c == '\0';
    if (zero)
        return false; // end of archive
    qint64 stored = 0;
    if (!parseOctal(h + 148, 8, &stored))
        return fail(QStringLiteral("damaged archive header"));
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i)
        sum += (i >= 148 && i < 156) ? unsigned(' ') : uchar(h[i]);
    if (sum != stored)
        return fail(QStringLiteral("damaged archive header (checksum)"));
    if (h[156] != '0' && h[156] != '\0')
        return fail(QStringLiteral("the archive holds something other than regular files"));
    if (std::memcmp(h + 345, "\0", 1) != 0)
        return fail(QStringLiteral("the archive uses long names, which backups never do"));
    qint64 size = 0;
    if (!parseSize(h + 124, &size) || size < 0)
        return fail(QStringLiteral("damaged archive header (size)"));
    entry->name = QString::fromLatin1(h, int(qstrnlen(h, 100)));
    entry->size = size;
    m_left = size;
    m_padding = (512 - size % 512) % 512;
    return true;
}

qint64 TarReader::read(char *data, qint64 maxLen)
{
    if (m_left == 0)
        return 0;
    const qint64 got = m_in->read(data, qMin(maxLen, m_left));
    if (got <= 0) {
        fail(QStringLiteral("the archive ends inside an entry"));
        return -1;
    }
    m_left -= got;
    return got;
}

} // namespace wfx
