// SPDX-License-Identifier: Apache-2.0
#include "models/core/JsonWriter.h"

#include "models/core/Ids.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace wfx {

namespace {
constexpr char kHex[] = "0123456789abcdef";

void appendU16Escape(QByteArray &out, char16_t u)
{
    const char e[6] = {
        '\\',         'u', kHex[(u >> 12) & 0xf], kHex[(u >> 8) & 0xf], kHex[(u >> 4) & 0xf],
        kHex[u & 0xf]};
    out.append(e, 6);
}
// A character below 0x80 that JSON escapes: quote, backslash or a control character.
void appendEscape(QByteArray &out, unsigned c)
{
    out.append('\\');
    switch (c) {
    case '"':
        out.append('"');
        break;
    case '\\':
        out.append('\\');
        break;
    case 0x08:
        out.append('b');
        break;
    case 0x0c:
        out.append('f');
        break;
    case 0x0a:
        out.append('n');
        break;
    case 0x0d:
        out.append('r');
        break;
    case 0x09:
        out.append('t');
        break;
    default: {
        const char e[5] = {'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(e, 5);
    }
    }
}
} // namespace

void JsonWriter::appendEscaped(QByteArray &out, const QString &s)
{
    out.append('"');
    const char16_t *src = reinterpret_cast<const char16_t *>(s.constData());
    const char16_t *const end = src + s.size();
    while (src != end) {
        // Runs of plain ASCII go in one append.
        const char16_t *run = src;
        while (src != end && *src >= 0x20 && *src < 0x80 && *src != u'"' && *src != u'\\')
            ++src;
        if (src != run) {
            const qsizetype n = src - run;
            const qsizetype at = out.size();
            out.resize(at + n);
            char *dst = out.data() + at;
            for (qsizetype i = 0; i < n; ++i)
                dst[i] = char(run[i]);
        }
        if (src == end)
            break;
        const char16_t u = *src++;
        if (u < 0x80) {
            appendEscape(out, u);
        } else if (u < 0x800) {
            const char e[2] = {char(0xc0 | (u >> 6)), char(0x80 | (u & 0x3f))};
            out.append(e, 2);
        } else if (u < 0xd800 || u > 0xdfff) {
            const char e[3] = {char(0xe0 | (u >> 12)), char(0x80 | ((u >> 6) & 0x3f)),
                               char(0x80 | (u & 0x3f))};
            out.append(e, 3);
        } else if (u < 0xdc00 && src != end && *src >= 0xdc00 && *src <= 0xdfff) {
            const char32_t c =
                0x10000 + ((char32_t(u) - 0xd800) << 10) + (char32_t(*src++) - 0xdc00);
            const char e[4] = {char(0xf0 | (c >> 18)), char(0x80 | ((c >> 12) & 0x3f)),
                               char(0x80 | ((c >> 6) & 0x3f)), char(0x80 | (c & 0x3f))};
            out.append(e, 4);
        } else {
            appendU16Escape(out, u); // a lone surrogate, as QJsonDocument writes it
        }
    }
    out.append('"');
}

namespace {
// The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF), or 0.
qsizetype utf8Sequence(const uchar *p, const uchar *end)
{
    const uchar c = p[0];
    const qsizetype left = end - p;
    auto cont = [&](qsizetype i) { return i < left && (p[i] & 0xc0) == 0x80; };
    if (c >= 0xc2 && c <= 0xdf)
        return cont(1) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (!cont(1) || !cont(2))
            return 0;
        if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
            return 0; // overlong, or a surrogate
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (!cont(1) || !cont(2) || !cont(3))
            return 0;
        if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
            return 0; // overlong, or above U+10FFFF
        return 4;
    }
    return 0;
}
} // namespace

void JsonWriter::appendEscapedUtf8(QByteArray &out, QByteArrayView utf8)
{
    const auto *src = reinterpret_cast<const uchar *>(utf8.data());
    const uchar *const end = src + utf8.size();
    const qsizetype start = out.size();
    out.append('"');
    while (src != end) {
        const uchar *run = src;
        while (src != end && *src >= 0x20 && *src != '"' && *src != '\\') {
            if (*src < 0x80) {
                ++src;
                continue;
            }
            const qsizetype n = utf8Sequence(src, end);
            if (n == 0) {
                // Not UTF-8 (a store written by something else): decode as
                // QString::fromUtf8 does, replacement characters and all.
                out.truncate(start);
                appendEscaped(out, QString::fromUtf8(utf8));
                return;
            }
            src += n;
        }
        if (src != run)
            out.append(reinterpret_cast<const char *>(run), src - run);
        if (src == end)
            break;
        appendEscape(out, *src++);
    }
    out.append('"');
}

void JsonWriter::appendEscaped(QByteArray &out, QLatin1String s)
{
    out.append('"');
    const bool plain = std::all_of(s.begin(), s.end(), [](char ch) {
        return uchar(ch) >= 0x20 && uchar(ch) < 0x80 && ch != '"' && ch != '\\';
    });
    if (plain) { // keys: one append
        out.append(s.data(), s.size());
        out.append('"');
        return;
    }
    for (const char ch : s) {
        const uchar c = uchar(ch);
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            out.append(char(c));
        } else if (c >= 0x80) {
            const char e[2] = {char(0xc0 | (c >> 6)), char(0x80 | (c & 0x3f))};
            out.append(e, 2);
        } else {
            appendEscape(out, c);
        }
    }
    out.append('"');
}

void JsonWriter::separate()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (m_depth == 0)
        return;
    const std::uint64_t bit = std::uint64_t(1) << ((m_depth - 1) & 63);
    if (m_filled & bit)
        m_out.append(',');
    m_filled |= bit;
}

JsonWriter &JsonWriter::open(char c)
{
    separate();
    m_out.append(c);
    ++m_depth;
    m_filled &= ~(std::uint64_t(1) << ((m_depth - 1) & 63));
    return *this;
}

JsonWriter &JsonWriter::close(char c)
{
    m_out.append(c);
    --m_depth;
    return *this;
}

bool JsonWriter::commaDue()
{
    if (m_afterKey) {
        m_afterKey = false;
        return false;
    }
    if (m_depth == 0)
        return false;
    const std::uint64_t bit = std::uint64_t(1) << ((m_depth - 1) & 63);
    const bool due = (m_filled & bit) != 0;
    m_filled |= bit;
    return due;
}

char *JsonWriter::extend(qsizetype n)
{
    const qsizetype at = m_out.size();
    if (m_out.capacity() - at < n)
        m_out.reserve(std::max(at + n, 2 * m_out.capacity()));
    m_out.resize(at + n);
    return m_out.data() + at;
}

namespace {
bool plainAscii(const char *p, qsizetype n)
{
    for (qsizetype i = 0; i < n; ++i) {
        const uchar c = uchar(p[i]);
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            return false;
    }
    return true;
}
} // namespace

JsonWriter &JsonWriter::key(QLatin1String k)
{
    if (!plainAscii(k.data(), k.size())) {
        separate();
        appendEscaped(m_out, k);
        m_out.append(':');
        m_afterKey = true;
        return *this;
    }
    // The usual key, a literal of our own: [,]"key": in one write.
    const bool comma = commaDue();
    char *p = extend(k.size() + 3 + (comma ? 1 : 0));
    if (comma)
        *p++ = ',';
    *p++ = '"';
    std::memcpy(p, k.data(), size_t(k.size()));
    p += k.size();
    *p++ = '"';
    *p = ':';
    m_afterKey = true;
    return *this;
}

JsonWriter &JsonWriter::string(const QString &s)
{
    separate();
    appendEscaped(m_out, s);
    return *this;
}

JsonWriter &JsonWriter::string(QLatin1String s)
{
    separate();
    appendEscaped(m_out, s);
    return *this;
}

JsonWriter &JsonWriter::raw(QByteArrayView json)
{
    separate();
    m_out.append(json);
    return *this;
}

JsonWriter &JsonWriter::stringUtf8(QByteArrayView utf8)
{
    if (!plainAscii(utf8.data(), utf8.size())) {
        separate();
        appendEscapedUtf8(m_out, utf8);
        return *this;
    }
    // Ids, states, most names: nothing to escape, one write.
    const bool comma = commaDue();
    char *p = extend(utf8.size() + 2 + (comma ? 1 : 0));
    if (comma)
        *p++ = ',';
    *p++ = '"';
    std::memcpy(p, utf8.data(), size_t(utf8.size()));
    p[utf8.size()] = '"';
    return *this;
}

JsonWriter &JsonWriter::time(qint64 ms)
{
    char buf[24];
    if (!ids::formatTime(ms, buf)) {
        separate();
        appendEscaped(m_out, ids::formatTime(ms));
        return *this;
    }
    const bool comma = commaDue();
    char *p = extend(26 + (comma ? 1 : 0));
    if (comma)
        *p++ = ',';
    *p++ = '"';
    std::memcpy(p, buf, 24);
    p[24] = '"';
    return *this;
}

JsonWriter &JsonWriter::integer(qint64 v)
{
    separate();
    char buf[24];
    int i = sizeof buf;
    quint64 u = v < 0 ? quint64(0) - quint64(v) : quint64(v);
    do {
        buf[--i] = char('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--i] = '-';
    m_out.append(buf + i, qsizetype(sizeof buf) - i);
    return *this;
}

JsonWriter &JsonWriter::number(double v)
{
    if (!std::isfinite(v))
        return null();
    // QJsonValue keeps an integral double that fits a qint64 exactly as an integer.
    if (v == std::trunc(v) && v >= -9007199254740992.0 && v <= 9007199254740992.0)
        return integer(qint64(v));
    separate();
    m_out.append(QByteArray::number(v, 'g', QLocale::FloatingPointShortest));
    return *this;
}

JsonWriter &JsonWriter::boolean(bool v)
{
    separate();
    m_out.append(v ? QByteArrayView("true") : QByteArrayView("false"));
    return *this;
}

JsonWriter &JsonWriter::null()
{
    separate();
    m_out.append("null");
    return *this;
}

JsonWriter &JsonWriter::value(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return null();
    case QJsonValue::Bool:
        return boolean(v.toBool());
    case QJsonValue::Double:
        if (v.isDouble() && double(v.toInteger()) == v.toDouble())
            return integer(v.toInteger());
        return number(v.toDouble());
    case QJsonValue::String:
        return string(v.toString());
    case QJsonValue::Array:
        separate();
        m_out.append(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
        return *this;
    case QJsonValue::Object:
        separate();
        m_out.append(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
        return *this;
    }
    return null();
}

} // namespace wfx
