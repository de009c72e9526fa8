// SPDX-License-Identifier: Apache-2.0
// Includes <simdjson.h> (about 3 s of compile time per file): keep it to the
// few files that read its DOM (core/JsonDom, core/Schema, runs/SyncRequest).
#include "server/core/JsonReader.h"

#include "models/core/JsonDom.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QVarLengthArray>

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <string_view>

Q_LOGGING_CATEGORY(lcJson, "wfx.server.json", QtInfoMsg)

namespace wfx {

namespace {

using Flaw = JsonReader::Flaw;

// simdjson counts depth its own way (an object holding a scalar costs one more
// level than one holding nothing), so it gets headroom and the walk below
// enforces kMaxDepth exactly: containers only, scalars never count.
constexpr size_t kSimdjsonDepth = 2 * JsonReader::kMaxDepth;

// One parser per serving thread: its buffers grow to the largest body seen
// (bounded by the body limit) and are reused, so a request allocates nothing
// for parsing; the padded copy of the body is reused the same way.
struct ThreadParser
{
    simdjson::dom::parser parser;
    std::unique_ptr<char[]> padded;
    size_t paddedCapacity = 0;
    bool ready = false;

    const char *pad(const QByteArray &text)
    {
        const size_t need = size_t(text.size()) + simdjson::SIMDJSON_PADDING;
        if (paddedCapacity < need) {
            paddedCapacity = std::max(need, size_t(4096));
            padded = std::make_unique<char[]>(paddedCapacity);
        }
        std::memcpy(padded.get(), text.constData(), size_t(text.size()));
        // simdjson may read, never use, the padding; zeroed, it is defined.
        std::memset(padded.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
        return padded.get();
    }
};

// ---------------------------------------------------------------------------
// The error-path scan: RFC 8259's grammar byte by byte, RFC 3629's UTF-8
// table, I-JSON's (RFC 7493) rule that \u escapes pair their surrogates, our
// depth limit, and simdjson's number range. Only run once a body is refused.
class Scan
{
public:
    explicit Scan(const QByteArray &text)
        : m_begin(reinterpret_cast<const uchar *>(text.constData())), m_p(m_begin),
          m_end(m_begin + text.size())
    {
    }

    std::optional<Flaw> run()
    {
        // RFC 8259 8.1: a parser MAY ignore a byte order mark. We do not: a BOM is
        // not JSON, and a server that skips what a proxy in front of it does not
        // (or the reverse) reads a different document than the proxy checked.
        if (m_end - m_p >= 3 && m_p[0] == 0xEF && m_p[1] == 0xBB && m_p[2] == 0xBF)
            return Flaw{Flaw::Malformed, 0, "a byte order mark (U+FEFF) before the value"};
        if (!value(0))
            return m_flaw;
        skipSpace();
        if (m_p != m_end) {
            fail(m_p, "more data after the JSON value");
            return m_flaw;
        }
        return std::nullopt;
    }

private:
    bool fail(const uchar *at, const char *what, Flaw::Kind kind = Flaw::Malformed)
    {
        m_flaw = Flaw{kind, qsizetype(at - m_begin), what};
        return false;
    }

    static bool isDigit(uchar c) { return c >= '0' && c <= '9'; }
    static int hexDigit(uchar c)
    {
        if (isDigit(c))
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
    bool at(uchar c) const { return m_p < m_end && *m_p == c; }

    // RFC 8259 2: only space, horizontal tab, line feed and carriage return.
    void skipSpace()
    {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\t' || *m_p == '\n' || *m_p == '\r'))
            ++m_p;
    }

    bool value(int depth)
    {
        skipSpace();
        if (m_p == m_end)
            return fail(m_p, "the input ends where a value should start");
        switch (*m_p) {
        case '{':
        case '[':
            return container(depth);
        case '"':
            return string();
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        default:
            if (*m_p == '-' || isDigit(*m_p))
                return number();
            return fail(m_p, "a character that cannot start a value");
        }
    }

    bool literal(const char *word)
    {
        for (const char *w = word; *w; ++w, ++m_p) {
            if (m_p == m_end || *m_p != uchar(*w))
                return fail(m_p, "an unknown literal (only true, false and null)");
        }
        return true;
    }

    bool container(int depth)
    {
        const bool isObject = *m_p == '{';
        const uchar close = isObject ? '}' : ']';
        if (depth >= JsonReader::kMaxDepth)
            return fail(m_p, "more than 128 nested objects and arrays", Flaw::TooDeep);
        ++m_p;
        skipSpace();
        if (at(close)) {
            ++m_p;
            return true;
        }
        for (;;) {
            if (isObject) {
                skipSpace();
                if (!at('"'))
                    return fail(m_p, m_p == m_end
                                         ? "the input ends inside an object"
                                         : "an object member must start with a string key");
                if (!string())
                    return false;
                skipSpace();
                if (!at(':'))
                    return fail(m_p, "a colon must follow an object key");
                ++m_p;
            }
            if (!value(depth + 1))
                return false;
            skipSpace();
            if (at(',')) {
                ++m_p; // a trailing comma fails on the next round: no value or key follows
                continue;
            }
            if (at(close)) {
                ++m_p;
                return true;
            }
            if (m_p == m_end)
                return fail(m_p, isObject ? "the input ends inside an object"
                                          : "the input ends inside an array");
            return fail(m_p, isObject ? "a comma or } must follow an object member"
                                      : "a comma or ] must follow an array element");
        }
    }

    bool string()
    {
        ++m_p; // the opening quote
        while (m_p < m_end) {
            const uchar c = *m_p;
            if (c == '"') {
                ++m_p;
                return true;
            }
            if (c == '\\') {
                if (!escape())
                    return false;
            } else if (c < 0x20) {
                return fail(m_p, "a control character (U+0000 to U+001F) must be escaped");
            } else if (c < 0x80) {
                ++m_p;
            } else if (!utf8()) {
                return false;
            }
        }
        return fail(m_p, "the input ends inside a string");
    }

    // Four hex digits at m_p + 2 (after "\u"), or -1 with the flaw recorded.
    int hex4(const uchar *esc)
    {
        int unit = 0;
        for (const uchar *q = esc + 2; q < esc + 6; ++q) {
            if (q >= m_end) {
                fail(q, "the input ends inside a \\u escape");
                return -1;
            }
            const int d = hexDigit(*q);
            if (d < 0) {
                fail(q, "\\u must be followed by four hexadecimal digits");
                return -1;
            }
            unit = unit * 16 + d;
        }
        return unit;
    }

    bool escape()
    {
        const uchar *esc = m_p;
        if (m_end - m_p < 2)
            return fail(m_end, "the input ends inside an escape");
        switch (m_p[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            m_p += 2;
            return true;
        case 'u':
            break;
        default:
            return fail(
                esc,
                "an unknown escape (RFC 8259 allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
        }
        const int unit = hex4(esc);
        if (unit < 0)
            return false;
        m_p += 6;
        // RFC 8259 8.2 leaves a lone surrogate's meaning open; I-JSON (RFC 7493 2.1)
        // forbids it, simdjson refuses it, and no UTF-8 text (our stores) can hold it.
        if (unit >= 0xDC00 && unit <= 0xDFFF)
            return fail(esc, "a \\u escape of a low surrogate without a high surrogate before it");
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (!(m_end - m_p >= 2 && m_p[0] == '\\' && m_p[1] == 'u'))
                return fail(esc,
                            "a \\u escape of a high surrogate without a low surrogate after it");
            const int low = hex4(m_p);
            if (low < 0)
                return false;
            if (low < 0xDC00 || low > 0xDFFF)
                return fail(esc,
                            "a \\u escape of a high surrogate without a low surrogate after it");
            m_p += 6;
        }
        return true;
    }

    // One multi-byte UTF-8 sequence (RFC 3629 4): no overlongs, no encoded
    // surrogates, nothing past U+10FFFF, nothing truncated.
    bool utf8()
    {
        const uchar *lead = m_p;
        const uchar c = *m_p;
        int more = 0;
        uchar lo = 0x80, hi = 0xBF; // the range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            return fail(lead, "invalid UTF-8 (a byte that cannot start a character)");
        }
        if (m_end - m_p <= more)
            return fail(lead, "invalid UTF-8 (a truncated sequence)");
        for (int i = 1; i <= more; ++i) {
            const uchar b = m_p[i];
            if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
                return fail(lead, "invalid UTF-8 (an overlong, surrogate or truncated sequence)");
        }
        m_p += more + 1;
        return true;
    }

    bool number()
    {
        const uchar *start = m_p;
        if (at('-'))
            ++m_p;
        if (m_p == m_end || !isDigit(*m_p))
            return fail(m_p, "a digit must follow the minus sign");
        if (*m_p == '0') {
            ++m_p;
            if (m_p < m_end && isDigit(*m_p))
                return fail(m_p, "a number must not have leading zeros");
        } else {
            while (m_p < m_end && isDigit(*m_p))
                ++m_p;
        }
        bool integer = true;
        if (at('.')) {
            ++m_p;
            integer = false;
            if (m_p == m_end || !isDigit(*m_p))
                return fail(m_p, "a digit must follow the decimal point");
            while (m_p < m_end && isDigit(*m_p))
                ++m_p;
        }
        if (at('e') || at('E')) {
            ++m_p;
            integer = false;
            if (at('+') || at('-'))
                ++m_p;
            if (m_p == m_end || !isDigit(*m_p))
                return fail(m_p, "a digit must follow the exponent");
            while (m_p < m_end && isDigit(*m_p))
                ++m_p;
        }
        if (!inRange(start, m_p, integer))
            return fail(start, "a number beyond what a double or a 64-bit integer holds",
                        Flaw::OutOfRange);
        return true;
    }

    // simdjson's range: integers (no fraction, no exponent) from -2^63 to
    // 2^64-1; other numbers up to DBL_MAX in magnitude (smaller ones round to 0).
    static bool inRange(const uchar *b, const uchar *e, bool integer)
    {
        const bool negative = *b == '-';
        const uchar *digits = negative ? b + 1 : b;
        if (integer) {
            const std::string_view d(reinterpret_cast<const char *>(digits), size_t(e - digits));
            const std::string_view limit = negative ? std::string_view("9223372036854775808")
                                                    : std::string_view("18446744073709551615");
            return d.size() < limit.size() || (d.size() == limit.size() && d <= limit);
        }
        double v = 0;
        const auto r = std::from_chars(reinterpret_cast<const char *>(b),
                                       reinterpret_cast<const char *>(e), v);
        if (r.ec != std::errc::result_out_of_range)
            return true;
        // Out of range is an overflow or an underflow: the decimal exponent of
        // the first significant digit tells which.
        long long e10 = 0;
        bool significant = false;
        const uchar *q = digits;
        for (; q < e && isDigit(*q); ++q) {
            significant = significant || *q != '0';
            if (significant)
                ++e10;
        }
        if (q < e && *q == '.') {
            for (++q; q < e && isDigit(*q); ++q) {
                if (!significant && *q == '0')
                    --e10;
                significant = significant || *q != '0';
            }
        }
        if (!significant)
            return true;
        long long exp = 0;
        if (q < e && (*q == 'e' || *q == 'E')) {
            ++q;
            const bool minus = *q == '-';
            if (*q == '+' || *q == '-')
                ++q;
            for (; q < e; ++q)
                exp = std::min(exp * 10 + (*q - '0'), 1000000000LL);
            if (minus)
                exp = -exp;
        }
        return e10 + exp <= 0;
    }

    const uchar *m_begin;
    const uchar *m_p;
    const uchar *m_end;
    Flaw m_flaw;
};

// ---------------------------------------------------------------------------
// What check() refuses (the DOM becomes QJsonValue in core/JsonDom).

struct Refusal
{
    enum Kind { TooDeep, Duplicate } kind = TooDeep;
    QStringList path; // innermost first; spelled out only when refused
};

QString fromUtf8(std::string_view s)
{
    return jsondom::string(s);
}

// What every accepted document gets before anything is built: our depth limit,
// duplicate keys (compared after unescaping: "a" and "\u0061" are one key), and
// whether a string or key starts with U+FEFF (which QJsonDocument would drop).
struct Check
{
    Refusal refusal;
    bool leadingBom = false;
    std::vector<std::string_view> scratch; // keys of a big object, sorted
};

bool startsWithBom(std::string_view s)
{
    return s.size() >= 3 && s[0] == '\xEF' && s[1] == '\xBB' && s[2] == '\xBF';
}

bool check(simdjson::dom::element e, int depth, Check &c)
{
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::ARRAY: {
        if (depth >= JsonReader::kMaxDepth)
            return false; // refusal.kind is TooDeep
        qsizetype i = 0;
        const simdjson::dom::array array =
            e.get_array().value_unsafe(); // not a temporary in the loop
        for (const simdjson::dom::element child : array) {
            if (!check(child, depth + 1, c)) {
                c.refusal.path.append(QString::number(i));
                return false;
            }
            ++i;
        }
        return true;
    }
    case element_type::OBJECT: {
        if (depth >= JsonReader::kMaxDepth)
            return false;
        QVarLengthArray<std::string_view, 16> keys;
        const simdjson::dom::object object = e.get_object().value_unsafe();
        for (const simdjson::dom::key_value_pair kv : object) {
            c.leadingBom = c.leadingBom || startsWithBom(kv.key);
            if (!check(kv.value, depth + 1, c)) {
                c.refusal.path.append(fromUtf8(kv.key));
                return false;
            }
            keys.append(kv.key);
        }
        const auto duplicate = [&c](std::string_view key) {
            c.refusal.kind = Refusal::Duplicate;
            c.refusal.path.append(fromUtf8(key));
            return false;
        };
        if (keys.size() <= 16) { // pairwise beats sorting for the objects bodies are made of
            for (qsizetype i = 1; i < keys.size(); ++i) {
                for (qsizetype j = 0; j < i; ++j) {
                    if (keys[i] == keys[j])
                        return duplicate(keys[i]);
                }
            }
            return true;
        }
        c.scratch.assign(keys.begin(), keys.end());
        std::sort(c.scratch.begin(), c.scratch.end());
        const auto twice = std::adjacent_find(c.scratch.begin(), c.scratch.end());
        return twice == c.scratch.end() || duplicate(*twice);
    }
    case element_type::STRING:
        c.leadingBom = c.leadingBom || startsWithBom(e.get_string().value_unsafe());
        return true;
    default:
        return true;
    }
}

Error flawError(const Flaw &f)
{
    static const char *const issues[] = {"malformed_json", "too_deep", "out_of_range"};
    return Error::validation(QStringLiteral("body"), QString::fromLatin1(issues[f.kind]),
                             QStringLiteral("The body is not valid JSON (%1 at offset %2).")
                                 .arg(QString::fromUtf8(f.what))
                                 .arg(f.offset));
}

} // namespace

std::optional<JsonReader::Flaw> JsonReader::findFlaw(const QByteArray &text)
{
    return Scan(text).run();
}

namespace {

// simdjson's DOM of `text`, once simdjson and check() accept it (`c` says what
// check() found); otherwise the refusal read() and readDom() both answer.
Result<simdjson::dom::element> parseChecked(ThreadParser &tp, const QByteArray &text, Check &c)
{
    if (!tp.ready) {
        if (tp.parser.allocate(4096, kSimdjsonDepth) != simdjson::SUCCESS)
            return Error::internal();
        tp.ready = true;
    }
    simdjson::dom::element root;
    const auto err = tp.parser.parse(tp.pad(text), size_t(text.size()), false).get(root);
    if (!err && check(root, 0, c))
        return root;
    if (!err && c.refusal.kind == Refusal::Duplicate) {
        std::reverse(c.refusal.path.begin(), c.refusal.path.end());
        // The empty key (valid JSON) spells as "": a field is never empty (Schema.cpp does the
        // same).
        for (QString &part : c.refusal.path)
            if (part.isEmpty())
                part = QStringLiteral("\"\"");
        const QString field = c.refusal.path.join(QLatin1Char('.'));
        return Error::validation(
            field, QStringLiteral("duplicate_key"),
            QStringLiteral("The key \"%1\" appears more than once in one object.")
                .arg(c.refusal.path.constLast()));
    }
    if (const auto flaw = JsonReader::findFlaw(text))
        return flawError(*flaw);
    if (!err) // check() refused without a duplicate: too deep, which the scan also finds
        return Error::validation(QStringLiteral("body"), QStringLiteral("too_deep"),
                                 QStringLiteral("The body is not valid JSON (nested too deep)."));
    // simdjson refused what the scan accepts: a disagreement to look into, and
    // still a refusal (simdjson is the one that validates).
    qCWarning(lcJson) << "simdjson refused a body the scan accepts:"
                      << simdjson::error_message(err);
    return Error::validation(QStringLiteral("body"), QStringLiteral("malformed_json"),
                             QStringLiteral("The body is not valid JSON (%1).")
                                 .arg(QString::fromUtf8(simdjson::error_message(err))));
}

} // namespace

Result<QJsonValue> JsonReader::read(const QByteArray &text, Builder builder)
{
    thread_local ThreadParser tp;
    Check c;
    auto root = parseChecked(tp, text, c);
    if (!root)
        return root.error();
    const bool container = root->is_object() || root->is_array();
    if (builder == Builder::QtBuilds && container && !c.leadingBom) {
        // RFC 8259 text that simdjson and check() accepted: QJsonDocument reads
        // it as written (its leniencies only concern text we never hand it).
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
        if (pe.error == QJsonParseError::NoError)
            return doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
    }
    return jsondom::toValue(*root);
}

Status JsonReader::readDom(const QByteArray &text,
                           const std::function<void(const simdjson::dom::element &)> &use)
{
    thread_local ThreadParser tp; // not read()'s: a read() inside `use` leaves this document be
    Check c;
    auto root = parseChecked(tp, text, c);
    if (!root)
        return root.error();
    use(*root);
    return Ok{};
}

} // namespace wfx
