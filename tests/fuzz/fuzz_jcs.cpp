// SPDX-License-Identifier: Apache-2.0
// RFC 8785 canonicalisation (the bytes a run manifest signature covers): any
// JSON document Qt accepts canonicalises to JSON that parses back to the same
// value and canonicalises to the same bytes again; numbers use the ECMAScript
// shortest form, which reads back as the very same double.
#include "FuzzSupport.h"

#include "models/crypto/Jcs.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

using namespace wfx;
using namespace wfxfuzz;

namespace {
QJsonValue parseValue(const QByteArray &text, bool *ok)
{
    // Scalars are wrapped: QJsonDocument only takes objects and arrays.
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson('[' + text + ']', &err);
    *ok = err.error == QJsonParseError::NoError && doc.isArray() && doc.array().size() == 1;
    return *ok ? doc.array().at(0) : QJsonValue();
}

// The same JSON value; numbers compare as the doubles JCS works on (a 64-bit
// integer beyond 2^53 is the nearest double, as RFC 8785 says).
bool sameValue(const QJsonValue &a, const QJsonValue &b)
{
    if (a.type() != b.type())
        return false;
    switch (a.type()) {
    case QJsonValue::Double:
        return a.toDouble() == b.toDouble();
    case QJsonValue::Array: {
        const QJsonArray x = a.toArray(), y = b.toArray();
        if (x.size() != y.size())
            return false;
        for (qsizetype i = 0; i < x.size(); ++i) {
            if (!sameValue(x.at(i), y.at(i)))
                return false;
        }
        return true;
    }
    case QJsonValue::Object: {
        // Iterated, not looked up: QJsonObject::value() can miss keys next to a lone surrogate.
        // One member per name, the last as JCS does.
        auto members = [](const QJsonObject &o) {
            QList<std::pair<QString, QJsonValue>> m;
            for (auto it = o.constBegin(); it != o.constEnd(); ++it)
                m.append({it.key(), it.value()});
            std::stable_sort(m.begin(), m.end(),
                             [](const auto &x, const auto &y) { return x.first < y.first; });
            // Qt 6.4 can also keep a name twice next to surrogate keys; JSON keeps one.
            for (qsizetype i = m.size() - 1; i > 0; --i) {
                if (m[i - 1].first == m[i].first)
                    m.removeAt(i - 1);
            }
            return m;
        };
        const auto x = members(a.toObject()), y = members(b.toObject());
        if (x.size() != y.size())
            return false;
        for (qsizetype i = 0; i < x.size(); ++i) {
            if (x[i].first != y[i].first || !sameValue(x[i].second, y[i].second))
                return false;
        }
        return true;
    }
    default:
        return a == b;
    }
}

// The canonical text never holds whitespace outside strings, and object keys come sorted.
void checkShape(const QByteArray &c)
{
    bool inString = false, escaped = false;
    for (const char ch : c) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (ch == '\\')
                escaped = true;
            else if (ch == '"')
                inString = false;
            else
                WFX_FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20,
                               "raw control character in a string");
        } else if (ch == '"') {
            inString = true;
        } else {
            WFX_FUZZ_CHECK(ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r',
                           "whitespace outside strings");
        }
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    app();
    // Any 8 bytes are a double: its canonical form reads back as the same number.
    if (size >= 8) {
        double d;
        std::memcpy(&d, data, sizeof d);
        if (std::isfinite(d)) {
            const QByteArray f = jcs::formatNumber(d);
            WFX_FUZZ_CHECK(std::strtod(f.constData(), nullptr) == d,
                           "%s does not read back as %.17g", f.constData(), d);
            WFX_FUZZ_CHECK(f.size() <= 25, "%s is not the shortest form", f.constData());
        }
    }
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    bool ok = false;
    const QJsonValue value = parseValue(text, &ok);
    if (!ok)
        return 0;
    const QByteArray c = jcs::canonicalize(value);
    checkShape(c);
    bool again = false;
    const QJsonValue back = parseValue(c, &again);
    WFX_FUZZ_CHECK(again, "canonical form does not parse: %s", c.left(300).constData());
    WFX_FUZZ_CHECK(jcs::canonicalize(back) == c, "not idempotent: %s", c.left(300).constData());
    WFX_FUZZ_CHECK(sameValue(back, value), "canonical form %s is another value than %s",
                   c.left(300).constData(), text.left(300).constData());
    return 0;
}
