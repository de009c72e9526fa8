// SPDX-License-Identifier: Apache-2.0
#include "models/crypto/Jcs.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QStringList>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace wfx::jcs {

namespace {

void appendEscape(QByteArray &out, char16_t unit)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(unit));
    out.append(buf);
}

// ECMAScript's JSON.stringify (RFC 8785 3.2.2.2): the short escapes, \u00xx for
// the other controls, UTF-8 for the rest. A lone surrogate, which UTF-8 cannot
// carry, is escaped as \udxxx (well-formed JSON.stringify): converting it would
// make "\ud800" and "?" the same bytes, so two manifests one signature.
void appendString(QByteArray &out, const QString &s)
{
    out.append('"');
    const qsizetype n = s.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = s.at(i).unicode();
        switch (c) {
        case u'"':
            out.append("\\\"");
            break;
        case u'\\':
            out.append("\\\\");
            break;
        case u'\b':
            out.append("\\b");
            break;
        case u'\f':
            out.append("\\f");
            break;
        case u'\n':
            out.append("\\n");
            break;
        case u'\r':
            out.append("\\r");
            break;
        case u'\t':
            out.append("\\t");
            break;
        default:
            if (c < 0x20) {
                appendEscape(out, c);
            } else if (c < 0x80) {
                out.append(char(c));
            } else if (c < 0x800) {
                out.append(char(0xc0 | (c >> 6))).append(char(0x80 | (c & 0x3f)));
            } else if (!QChar::isSurrogate(c)) {
                out.append(char(0xe0 | (c >> 12)))
                    .append(char(0x80 | ((c >> 6) & 0x3f)))
                    .append(char(0x80 | (c & 0x3f)));
            } else if (QChar::isHighSurrogate(c) && i + 1 < n &&
                       QChar::isLowSurrogate(s.at(i + 1).unicode())) {
                const char32_t cp = QChar::surrogateToUcs4(c, s.at(++i).unicode());
                out.append(char(0xf0 | (cp >> 18)))
                    .append(char(0x80 | ((cp >> 12) & 0x3f)))
                    .append(char(0x80 | ((cp >> 6) & 0x3f)))
                    .append(char(0x80 | (cp & 0x3f)));
            } else {
                appendEscape(out, c);
            }
        }
    }
    out.append('"');
}

void appendValue(QByteArray &out, const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out.append("null");
        break;
    case QJsonValue::Bool:
        out.append(v.toBool() ? "true" : "false");
        break;
    case QJsonValue::Double:
        out.append(formatNumber(v.toDouble()));
        break;
    case QJsonValue::String:
        appendString(out, v.toString());
        break;
    case QJsonValue::Array: {
        out.append('[');
        const QJsonArray a = v.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (i)
                out.append(',');
            appendValue(out, a.at(i));
        }
        out.append(']');
        break;
    }
    case QJsonValue::Object: {
        // Members are read by iterating, never looked up by key: with a lone
        // surrogate among the keys Qt 6.4's QJsonObject::value() misses keys
        // that are there (found by tests/fuzz/fuzz_jcs), which printed null.
        const QJsonObject o = v.toObject();
        QList<std::pair<QString, QJsonValue>> members;
        members.reserve(o.size());
        for (auto it = o.constBegin(); it != o.constEnd(); ++it)
            members.append({it.key(), it.value()});
        // Sorted by UTF-16 code units, which is QString's ordering.
        std::stable_sort(members.begin(), members.end(), [](const auto &a, const auto &b) {
            return QStringView(a.first).compare(QStringView(b.first), Qt::CaseSensitive) < 0;
        });
        out.append('{');
        bool first = true;
        for (qsizetype i = 0; i < members.size(); ++i) {
            if (i + 1 < members.size() && members[i + 1].first == members[i].first)
                continue; // one member per name: the last one, as JSON parsers keep
            if (!first)
                out.append(',');
            first = false;
            appendString(out, members[i].first);
            out.append(':');
            appendValue(out, members[i].second);
        }
        out.append('}');
        break;
    }
    }
}

} // namespace

QByteArray formatNumber(double d)
{
    if (!std::isfinite(d))
        return "null"; // not representable in JSON; QJsonValue never holds these
    if (d == 0)
        return "0";
    char buf[64];
    // Shortest round-trip digits in scientific form: d.ddddde[+-]x
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    bool neg = false;
    if (sci[0] == '-') {
        neg = true;
        sci.erase(0, 1);
    }
    const auto ePos = sci.find('e');
    std::string mant = sci.substr(0, ePos);
    const int exp10 = std::stoi(sci.substr(ePos + 1));
    std::string digits;
    for (char c : mant)
        if (c != '.')
            digits.push_back(c);
    while (digits.size() > 1 && digits.back() == '0')
        digits.pop_back();
    const int k = int(digits.size());
    const int n = exp10 + 1; // position of the decimal point relative to the digits
    std::string out;
    if (k <= n && n <= 21) {
        out = digits + std::string(size_t(n - k), '0');
    } else if (0 < n && n <= 21) {
        out = digits.substr(0, size_t(n)) + "." + digits.substr(size_t(n));
    } else if (-6 < n && n <= 0) {
        out = "0." + std::string(size_t(-n), '0') + digits;
    } else {
        const int e = n - 1;
        std::string es = (e >= 0 ? "+" : "-") + std::to_string(std::abs(e));
        out = digits.substr(0, 1);
        if (k > 1)
            out += "." + digits.substr(1);
        out += "e" + es;
    }
    if (neg)
        out.insert(out.begin(), '-');
    return QByteArray::fromStdString(out);
}

QByteArray canonicalize(const QJsonValue &value)
{
    QByteArray out;
    appendValue(out, value);
    return out;
}

} // namespace wfx::jcs
