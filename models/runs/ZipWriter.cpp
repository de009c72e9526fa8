// SPDX-License-Identifier: Apache-2.0
#include "models/runs/ZipWriter.h"

#include <QDateTime>
#include <QTimeZone>

#include <array>

namespace wfx {

namespace {

constexpr quint32 kLocalSig = 0x04034b50;
constexpr quint32 kCentralSig = 0x02014b50;
constexpr quint32 kEndSig = 0x06054b50;
constexpr quint16 kVersion = 20;       // 2.0: the lowest that knows folders and stored files
constexpr quint16 kUtf8Flag = 1 << 11; // names are UTF-8
constexpr qint64 kMaxArchive = 0xFFFFFFFFLL;

const std::array<quint32, 256> &crcTable()
{
    static const std::array<quint32, 256> table = [] {
        std::array<quint32, 256> t{};
        for (quint32 i = 0; i < 256; ++i) {
            quint32 c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    return table;
}

void put16(QByteArray &out, quint16 v)
{
    out.append(char(v & 0xFF));
    out.append(char((v >> 8) & 0xFF));
}

void put32(QByteArray &out, quint32 v)
{
    put16(out, quint16(v & 0xFFFF));
    put16(out, quint16(v >> 16));
}

// MS-DOS date and time; the format starts in 1980.
void dosTime(qint64 ms, quint16 *time, quint16 *date)
{
    QDateTime t = QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc());
    if (t.date().year() < 1980)
        t = QDateTime(QDate(1980, 1, 1), QTime(0, 0), QTimeZone::utc());
    if (t.date().year() > 2107)
        t = QDateTime(QDate(2107, 12, 31), QTime(23, 59, 58), QTimeZone::utc());
    *time = quint16((t.time().hour() << 11) | (t.time().minute() << 5) | (t.time().second() / 2));
    *date = quint16(((t.date().year() - 1980) << 9) | (t.date().month() << 5) | t.date().day());
}

} // namespace

quint32 ZipWriter::crc32(const QByteArray &data)
{
    const auto &table = crcTable();
    quint32 c = 0xFFFFFFFFu;
    for (const char ch : data)
        c = table[(c ^ quint8(ch)) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

bool ZipWriter::add(const QString &name, const QByteArray &data)
{
    if (name.isEmpty() || name.startsWith(QLatin1Char('/')) || name.contains(QLatin1Char('\\')) ||
        name.split(QLatin1Char('/')).contains(QStringLiteral("..")))
        return false;
    const QByteArray utf8 = name.toUtf8();
    if (utf8.size() > 0xFFFF || m_entries.size() >= 0xFFFF)
        return false;
    for (const Entry &e : m_entries) {
        if (e.name == utf8)
            return false;
    }
    // This entry, its central record and the end record must all fit below 4 GiB.
    const qint64 after = qint64(m_body.size()) + 30 + utf8.size() + data.size();
    qint64 central = 22;
    for (const Entry &e : m_entries)
        central += 46 + e.name.size();
    if (after + central + 46 + utf8.size() > kMaxArchive)
        return false;

    Entry e;
    e.name = utf8;
    e.crc = crc32(data);
    e.size = quint32(data.size());
    e.offset = quint32(m_body.size());
    quint16 time = 0, date = 0;
    dosTime(m_mtimeMs, &time, &date);
    put32(m_body, kLocalSig);
    put16(m_body, kVersion);
    put16(m_body, kUtf8Flag);
    put16(m_body, 0); // stored
    put16(m_body, time);
    put16(m_body, date);
    put32(m_body, e.crc);
    put32(m_body, e.size); // compressed size = size when stored
    put32(m_body, e.size);
    put16(m_body, quint16(utf8.size()));
    put16(m_body, 0); // no extra field
    m_body.append(utf8);
    m_body.append(data);
    m_entries.append(e);
    return true;
}

QByteArray ZipWriter::finish() const
{
    QByteArray out = m_body;
    const quint32 centralStart = quint32(out.size());
    quint16 time = 0, date = 0;
    dosTime(m_mtimeMs, &time, &date);
    for (const Entry &e : m_entries) {
        put32(out, kCentralSig);
        put16(out, (3 << 8) | kVersion); // made by: Unix, so the mode below counts
        put16(out, kVersion);
        put16(out, kUtf8Flag);
        put16(out, 0);
        put16(out, time);
        put16(out, date);
        put32(out, e.crc);
        put32(out, e.size);
        put32(out, e.size);
        put16(out, quint16(e.name.size()));
        put16(out, 0);                      // extra
        put16(out, 0);                      // comment
        put16(out, 0);                      // disk
        put16(out, 0);                      // internal attributes
        put32(out, quint32(0100644) << 16); // regular file, rw-r--r--
        put32(out, e.offset);
        out.append(e.name);
    }
    const quint32 centralSize = quint32(out.size()) - centralStart;
    put32(out, kEndSig);
    put16(out, 0);
    put16(out, 0);
    put16(out, quint16(m_entries.size()));
    put16(out, quint16(m_entries.size()));
    put32(out, centralSize);
    put32(out, centralStart);
    put16(out, 0); // comment length
    return out;
}

} // namespace wfx
