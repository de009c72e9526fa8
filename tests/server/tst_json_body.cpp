// SPDX-License-Identifier: Apache-2.0
// Request bodies through the real dispatcher (POST /api/workspaces over HTTP):
// every RFC 8259 grammar rule, valid and invalid, RFC 3629 UTF-8, surrogates,
// depth, duplicates, top-level kinds. Each row states the status, the issue
// and, for what is accepted, that the value arrives exactly as sent.
#include "TestHttp.h"

#include "server/core/JsonReader.h"
#include "server/core/Schema.h"

#include <QTest>

#include <cmath>
#include <map>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfxtest;

namespace {

// The body around a member under test: the route needs a name; `x` is
// an extra member the workspace schema allows and the handler ignores.
const QByteArray kPrefix = QByteArrayLiteral("{\"name\":\"w\",\"x\":");

QByteArray nested(int depth, char open, const QByteArray &inner = {})
{
    QByteArray s;
    for (int i = 0; i < depth; ++i)
        s += open == '[' ? QByteArray("[") : QByteArray("{\"a\":");
    s += inner.isEmpty() ? QByteArray(open == '[' ? "" : "{}") : inner;
    for (int i = 0; i < depth; ++i)
        s += open == '[' ? ']' : '}';
    return s;
}
} // namespace

class TestJsonBody : public QObject
{
    Q_OBJECT

    // One server and account per backend (the global data row), made on first use.
    struct Backend
    {
        std::unique_ptr<TestServer> server;
        TestUser user;
    };
    std::map<QString, Backend> m_backends;
    TestUser *m_user = nullptr;

    // A valid member: 201, and the reader gives x exactly `expected`
    // (Undefined: only the status is checked).
    static void ok(const char *tag, const QByteArray &member,
                   const QJsonValue &expected = QJsonValue::Undefined)
    {
        QTest::newRow(tag) << (kPrefix + member + '}') << 201 << QString() << QString() << -1
                           << expected << QJsonValue(QJsonValue::Undefined);
    }
    // A valid name: 201 and the workspace is named exactly `name`.
    static void named(const char *tag, const QByteArray &nameJson, const QString &name)
    {
        QTest::newRow(tag) << (QByteArray("{\"name\":") + nameJson + '}') << 201 << QString()
                           << QString() << -1 << QJsonValue(QJsonValue::Undefined)
                           << QJsonValue(name);
    }
    // A refused member: 422 with `issue` for field body at kPrefix + `at` (-1: not checked).
    static void badX(const char *tag, const QByteArray &member, const char *issue, int at)
    {
        QTest::newRow(tag) << (kPrefix + member + '}') << 422 << QString::fromUtf8(issue)
                           << u"body"_s << (at < 0 ? -1 : int(kPrefix.size()) + at)
                           << QJsonValue(QJsonValue::Undefined)
                           << QJsonValue(QJsonValue::Undefined);
    }
    // A refused whole body.
    static void bad(const char *tag, const QByteArray &body, const char *issue, int at,
                    const char *field = "body")
    {
        QTest::newRow(tag) << body << 422 << QString::fromUtf8(issue) << QString::fromUtf8(field)
                           << at << QJsonValue(QJsonValue::Undefined)
                           << QJsonValue(QJsonValue::Undefined);
    }

private slots:
    void initTestCase_data() { addBackends(); }
    void initTestCase() { useFastPasswordHashing(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        Backend &b = m_backends[backend];
        if (!b.server) {
            b.server = std::make_unique<TestServer>(ServerConfig{}, true, backend);
            b.user = signup(b.server->port, QStringLiteral("json"));
        }
        m_user = &b.user;
        QVERIFY(m_user->api);
    }

    void body_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("issue");
        QTest::addColumn<QString>("field");
        QTest::addColumn<int>("offset");      // named in the message; -1: not checked
        QTest::addColumn<QJsonValue>("x");    // the member x as read
        QTest::addColumn<QJsonValue>("name"); // the stored name, as echoed

        // Literals (RFC 8259 3).
        ok("true", "true", true);
        ok("false", "false", false);
        ok("null", "null", QJsonValue::Null);
        badX("tru", "tru", "malformed_json", 3);
        badX("True", "True", "malformed_json", 0);
        badX("nul", "nul", "malformed_json", 3);
        badX("nulll", "nulll", "malformed_json", 4);
        badX("undefined", "undefined", "malformed_json", 0);
        badX("NaN", "NaN", "malformed_json", 0);
        badX("Infinity", "Infinity", "malformed_json", 0);
        badX("-Infinity", "-Infinity", "malformed_json", 1);

        // Numbers (RFC 8259 6).
        ok("zero", "0", qint64(0));
        ok("minus zero", "-0", qint64(0));
        ok("minus zero point zero", "-0.0", -0.0);
        ok("integer", "123", qint64(123));
        ok("negative", "-17", qint64(-17));
        ok("fraction", "1.5", 1.5);
        ok("exponent", "1e5", 1e5);
        ok("exponent E", "1E5", 1e5);
        ok("exponent plus", "1e+5", 1e5);
        ok("exponent minus", "-1.25e-5", -1.25e-5);
        ok("zero exponent", "0e10", 0.0);
        ok("int64 max", "9223372036854775807", qint64(9223372036854775807LL));
        ok("int64 min", "-9223372036854775808", qint64(-9223372036854775807LL - 1));
        ok("2^53+1 exact", "9007199254740993", qint64(9007199254740993LL));
        ok("uint64 max as double", "18446744073709551615", 18446744073709551615.0);
        ok("near double max", "1.7976931348623157e308", 1.7976931348623157e308);
        ok("underflow to zero", "1e-400", 0.0);
        ok("denormal", "4.9e-324", 4.9e-324);
        badX("leading zero", "01", "malformed_json", 1);
        badX("minus leading zero", "-01", "malformed_json", 2);
        badX("double zero", "00", "malformed_json", 1);
        badX("minus alone", "-", "malformed_json", 1);
        badX("minus space", "- 1", "malformed_json", 1);
        badX("plus", "+1", "malformed_json", 0);
        badX("point end", "1.", "malformed_json", 2);
        badX("minus two point", "-2.", "malformed_json", 3);
        badX("point start", ".1", "malformed_json", 0);
        badX("point start exp", ".2e-3", "malformed_json", 0);
        badX("zero point e", "0.e1", "malformed_json", 2);
        badX("two point e", "2.e3", "malformed_json", 2);
        badX("e end", "1e", "malformed_json", 2);
        badX("e plus end", "1e+", "malformed_json", 3);
        badX("e minus end", "1E-", "malformed_json", 3);
        badX("hex", "0x10", "malformed_json", 1);
        badX("underscore", "1_000", "malformed_json", 1);
        badX("comma decimal", "[1,5.]", "malformed_json", 5);
        badX("huge exponent", "1e400", "out_of_range", 0);
        badX("negative huge", "-1e400", "out_of_range", 0);
        badX("past double max", "1.7976931348623159e308", "out_of_range", 0);
        badX("past uint64", "18446744073709551616", "out_of_range", 0);
        badX("past int64 min", "-9223372036854775809", "out_of_range", 0);
        badX("30 digits", "123456789012345678901234567890", "out_of_range", 0);

        // Strings (RFC 8259 7): kept exactly, escapes decoded, nothing else.
        named("plain", "\"plain\"", u"plain"_s);
        named("escaped quote", "\"a\\\"b\"", u"a\"b"_s);
        named("escaped backslash", "\"a\\\\b\"", u"a\\b"_s);
        named("escaped slash", "\"a\\/b\"", u"a/b"_s);
        named("u escape", "\"\\u0041\\u00e9\\u4E2D\"", u"A\u00e9\u4e2d"_s);
        named("surrogate pair", "\"\\ud83d\\ude00\"", u"\U0001F600"_s);
        named("last code point", "\"\\uDBFF\\uDFFF\"", u"\U0010FFFF"_s);
        named("raw two-byte", "\"caf\xc3\xa9\"", u"caf\u00e9"_s);
        named("raw three-byte", "\"\xe4\xb8\xad\"", u"\u4e2d"_s);
        named("raw four-byte", "\"\xf0\x9f\x98\x80\"", u"\U0001F600"_s);
        named("raw U+10FFFF", "\"\xf4\x8f\xbf\xbf\"", u"\U0010FFFF"_s);
        named("raw U+FFFF", "\"a\xef\xbf\xbf\"", QString(QLatin1Char('a')) + QChar(0xFFFF));
        named("leading U+FEFF raw", "\"\xef\xbb\xbflead\"", QChar(0xFEFF) + u"lead"_s);
        named("leading U+FEFF escaped", "\"\\ufefflead\"", QChar(0xFEFF) + u"lead"_s);
        named("inner U+FEFF",
              "\"mid\xef\xbb\xbf"
              "dle\"",
              u"mid"_s + QChar(0xFEFF) + u"dle"_s);
        named("html-ish", "\"<b>&amp;</b>\"", u"<b>&amp;</b>"_s);
        ok("control escapes", "\"\\b\\f\\n\\r\\t\"", u"\b\f\n\r\t"_s);
        ok("u0000", "\"a\\u0000b\"",
           QString(QString(QLatin1Char('a')) + QChar(0) + QLatin1Char('b')));
        ok("u001f", "\"\\u001f\"", QString(QChar(0x1f)));
        ok("raw DEL", "\"\x7f\"", QString(QChar(0x7f)));
        ok("empty string", "\"\"", u""_s);
        bad("control in name", "{\"name\":\"a\\nb\"}", "invalid", -1, "name");
        badX("unknown escape x", "\"\\x41\"", "malformed_json", 1);
        badX("unknown escape a", "\"\\a\"", "malformed_json", 1);
        badX("escaped quote single", "\"\\'\"", "malformed_json", 1);
        badX("capital U", "\"\\U0041\"", "malformed_json", 1);
        bad("escape at end", "{\"name\":\"\\", "malformed_json", 10);
        badX("short u", "\"\\u12\"", "malformed_json", 5);
        badX("bad hex", "\"\\u12G4\"", "malformed_json", 5);
        badX("lone high", "\"\\ud800\"", "malformed_json", 1);
        badX("lone low", "\"\\udc00\"", "malformed_json", 1);
        badX("high then letter", "\"\\ud800\\u0041\"", "malformed_json", 1);
        badX("high high", "\"\\ud800\\ud800\"", "malformed_json", 1);
        badX("low high", "\"\\udc00\\ud800\"", "malformed_json", 1);
        badX("high then text", "\"a\\ud83dx\"", "malformed_json", 2);
        badX("raw tab", "\"a\tb\"", "malformed_json", 2);
        badX("raw newline", "\"a\nb\"", "malformed_json", 2);
        badX("raw NUL", QByteArray("\"a\0b\"", 5), "malformed_json", 2);
        badX("raw 0x1f", "\"\x1f\"", "malformed_json", 1);
        badX("single quotes", "'a'", "malformed_json", 0);
        badX("unterminated", "\"abc", "malformed_json", 5);
        // UTF-8 (RFC 3629): the offset is the sequence's first byte.
        badX("overlong NUL", "\"\xc0\x80\"", "malformed_json", 1);
        badX("overlong C1", "\"\xc1\xbf\"", "malformed_json", 1);
        badX("overlong three", "\"\xe0\x80\xaf\"", "malformed_json", 1);
        badX("overlong four", "\"\xf0\x80\x80\xaf\"", "malformed_json", 1);
        badX("encoded high surrogate", "\"\xed\xa0\x80\"", "malformed_json", 1);
        badX("encoded low surrogate", "\"\xed\xbf\xbf\"", "malformed_json", 1);
        badX("past U+10FFFF", "\"\xf4\x90\x80\x80\"", "malformed_json", 1);
        badX("F5", "\"\xf5\x80\x80\x80\"", "malformed_json", 1);
        badX("FF", "\"a\xff\"", "malformed_json", 2);
        badX("lone continuation", "\"\x80\"", "malformed_json", 1);
        badX("truncated two", "\"\xc3\"", "malformed_json", 1);
        badX("truncated three", "\"\xe2\x82\"", "malformed_json", 1);
        badX("truncated four", "\"\xf0\x9f\x98\"", "malformed_json", 1);
        badX("latin-1 e acute", "\"caf\xe9\"", "malformed_json", 4);
        badX("utf-8 outside a string", "\xc3\xa9", "malformed_json", 0);

        // Objects and arrays (RFC 8259 4, 5).
        ok("empty object", "{}", QJsonObject());
        ok("empty array", "[]", QJsonArray());
        ok("empty key", "{\"\":1}", QJsonObject{{u""_s, 1}});
        ok("nested", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}",
           QJsonObject{{u"a"_s, QJsonArray{1, QJsonObject{{u"b"_s, QJsonValue::Null}}}},
                       {u"c"_s, u"d"_s}});
        ok("spaces everywhere", " [ 1 , { \"a\" : 2 } ] ", QJsonArray{1, QJsonObject{{u"a"_s, 2}}});
        ok("keys kept exactly", "{\"\\u00e9\":1,\"e\\u0301\":2}",
           QJsonObject{{u"\u00e9"_s, 1}, {u"e\u0301"_s, 2}});
        badX("trailing comma array", "[1,]", "malformed_json", 3);
        badX("trailing comma object", "{\"a\":1,}", "malformed_json", 7);
        badX("leading comma", "[,1]", "malformed_json", 1);
        badX("double comma", "[1,,2]", "malformed_json", 3);
        badX("missing comma array", "[1 2]", "malformed_json", 3);
        badX("missing comma object", "{\"a\":1 \"b\":2}", "malformed_json", 7);
        badX("missing colon", "{\"a\" 1}", "malformed_json", 5);
        badX("equals for colon", "{\"a\"=1}", "malformed_json", 4);
        badX("missing value", "{\"a\":}", "malformed_json", 5);
        badX("unquoted key", "{a:1}", "malformed_json", 1);
        badX("number key", "{1:1}", "malformed_json", 1);
        badX("single-quoted key", "{'a':1}", "malformed_json", 1);
        badX("mismatched close", "[1}", "malformed_json", 2);
        badX("object close in array", "[}", "malformed_json", 1);
        badX("comment", "/*c*/1", "malformed_json", 0);
        bad("trailing comma top", "{\"name\":\"w\",}", "malformed_json", 12);
        bad("unclosed object", "{\"name\":\"w\"", "malformed_json", 11);
        bad("unclosed after comma", "{\"name\":\"w\",", "malformed_json", 12);
        bad("lone open brace", "{", "malformed_json", 1);
        bad("lone open bracket", "[", "malformed_json", 1);
        bad("lone close", "}", "malformed_json", 0);
        // Depth: 128 nested containers pass, 129 do not (the body's own object is one).
        ok("depth 128 arrays", nested(127, '['));
        ok("depth 128 objects", nested(126, '{'));
        ok("depth 128 with scalar", nested(127, '[', "1"));
        badX("depth 129 arrays", nested(128, '['), "too_deep", 127);
        badX("depth 129 objects", nested(127, '{'), "too_deep", 127 * 5);
        badX("depth 1000", nested(1000, '['), "too_deep", 127);

        // Duplicate keys, at any depth, also when spelled differently.
        bad("duplicate name", "{\"name\":\"a\",\"name\":\"b\"}", "duplicate_key", -1, "name");
        bad("duplicate escaped", "{\"name\":\"a\",\"n\\u0061me\":\"b\"}", "duplicate_key", -1,
            "name");
        bad("duplicate deep", "{\"name\":\"w\",\"x\":{\"a\":[0,{\"b\":1,\"c\":2,\"b\":1}]}}",
            "duplicate_key", -1, "x.a.1.b");
        ok("same key in sibling objects", "[{\"a\":1},{\"a\":1}]");
        // The empty key is valid JSON; its path spells "" so no field is ever empty
        // (found by fuzz_json_body: a duplicate "" gave the field "").
        bad("duplicate empty key", "{\"name\":\"w\",\"\":1,\"\":2}", "duplicate_key", -1, "\"\"");
        bad("duplicate empty key deep", "{\"name\":\"w\",\"x\":{\"\":{\"\":1,\"\":2}}}",
            "duplicate_key", -1, "x.\"\".\"\"");

        // Whitespace (RFC 8259 2): space, tab, line feed, carriage return only.
        QTest::newRow("all four whitespace")
            << QByteArray(" \t\r\n{\"name\":\"w\"} \t\r\n") << 201 << QString() << QString() << -1
            << QJsonValue(QJsonValue::Undefined) << QJsonValue(u"w"_s);
        bad("form feed", "\f{\"name\":\"w\"}", "malformed_json", 0);
        bad("vertical tab", "{\"name\":\"w\"}\v", "malformed_json", 12);
        bad("no-break space", "{\xc2\xa0\"name\":\"w\"}", "malformed_json", 1);
        bad("line separator", "{\"name\":\"w\"}\xe2\x80\xa8", "malformed_json", 12);
        bad("form feed inside", "{\"name\":\"w\",\f\"x\":1}", "malformed_json", 12);
        // A byte order mark before the document is refused (RFC 8259 8.1: MAY ignore; we do not).
        bad("byte order mark", "\xef\xbb\xbf{\"name\":\"w\"}", "malformed_json", 0);

        // Exactly one value (RFC 8259 2).
        bad("trailing garbage", "{\"name\":\"w\"} x", "malformed_json", 13);
        bad("two documents", "{\"name\":\"w\"}{}", "malformed_json", 12);
        bad("trailing NUL", QByteArray("{\"name\":\"w\"}\0", 13), "malformed_json", 12);
        bad("extra close", "{\"name\":\"w\"}}", "malformed_json", 12);
        bad("whitespace only", "  \n", "malformed_json", 3);

        // Well-formed documents of the wrong kind: the route's schema refuses them.
        bad("top null", "null", "type", -1);
        bad("top number", "1", "type", -1);
        bad("top string", "\"\"", "type", -1);
        bad("top true", "true", "type", -1);
        bad("top array", "[]", "type", -1);
        bad("top array of the object", "[{\"name\":\"w\"}]", "type", -1);
        bad("name of the wrong kind", "{\"name\":1}", "type", -1, "name");
        // No body at all reads as {} (as before): the name is then missing.
        bad("empty body", "", "required", -1, "name");
    }

    void body()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, issue);
        QFETCH(QString, field);
        QFETCH(int, offset);
        QFETCH(QJsonValue, x);
        QFETCH(QJsonValue, name);

        const HttpResult r = m_user->api->request("POST", QStringLiteral("/api/workspaces"), body,
                                                  {{"Content-Type", "application/json"}});
        QCOMPARE(r.status, status);
        // The answer is read with the strict reader too (QJsonDocument would drop a leading
        // U+FEFF).
        const auto answer = JsonReader::read(r.body);
        QVERIFY2(answer.ok(), r.body.constData());
        const QJsonObject json = answer->toObject();
        if (status == 201) {
            if (!name.isUndefined()) {
                QCOMPARE(json.value(u"workspace"_s).toObject().value(u"name"_s), name);
                const auto walked = JsonReader::read(body, JsonReader::Builder::WalkBuilds);
                QVERIFY(walked.ok());
                QCOMPARE(walked->toObject().value(u"name"_s), name);
            }
            if (!x.isUndefined()) {
                // The member as the dispatcher's reader gives it to a handler: same kind, same
                // value. Both builders (Qt's on validated text, and ours from the DOM).
                for (const auto builder :
                     {JsonReader::Builder::QtBuilds, JsonReader::Builder::WalkBuilds}) {
                    const auto read = JsonReader::read(body, builder);
                    QVERIFY(read.ok());
                    const QJsonValue got = read->toObject().value(u"x"_s);
                    QCOMPARE(got.type(), x.type());
                    QCOMPARE(got, x);
                    if (x.isDouble()) {
                        QCOMPARE(got.toInteger(-1), x.toInteger(-1)); // int64s stay exact
                        QCOMPARE(std::signbit(got.toDouble()), std::signbit(x.toDouble()));
                    }
                }
            }
            return;
        }
        const QJsonObject error = json.value(u"error"_s).toObject();
        QCOMPARE(error.value(u"code"_s).toString(), u"validation_error"_s);
        const QJsonArray details = error.value(u"details"_s).toArray();
        QVERIFY2(!details.isEmpty(), r.body.constData());
        QCOMPARE(details.first().toObject().value(u"issue"_s).toString(), issue);
        QCOMPARE(details.first().toObject().value(u"field"_s).toString(), field);
        if (offset >= 0) {
            const QString message = error.value(u"message"_s).toString();
            QVERIFY2(message.contains(QStringLiteral("at offset %1)").arg(offset)),
                     qPrintable(message));
        }
    }

    // RFC 9110 8.4: a body in a content coding we do not decode is 415, not
    // read as if it were JSON; "identity" (any case) is no coding at all.
    void contentCodingIsRefused()
    {
        const QByteArray body = R"({"name":"coded"})";
        for (const char *coding : {"gzip", "deflate, gzip", "br"}) {
            const HttpResult r = m_user->api->request(
                "POST", QStringLiteral("/api/workspaces"), body,
                {{"Content-Type", "application/json"}, {"Content-Encoding", coding}});
            QCOMPARE(r.status, 415);
            QVERIFY2(r.body.contains("unsupported_media_type"), r.body.constData());
        }
        const HttpResult plain = m_user->api->request(
            "POST", QStringLiteral("/api/workspaces"), body,
            {{"Content-Type", "application/json"}, {"Content-Encoding", "Identity"}});
        QCOMPARE(plain.status, 201);
    }

    // A big object sent with its keys in reverse order reads in linear-ish
    // time and keeps every key (QJsonObject keeps keys sorted).
    void manyKeys()
    {
        QByteArray body = "{\"name\":\"w\",\"x\":{";
        const int n = 20000;
        for (int i = n; i > 0; --i)
            body += "\"k" + QByteArray::number(i).rightJustified(6, '0') +
                    "\":" + QByteArray::number(i) + ',';
        body.chop(1);
        body += "}}";
        const auto read = JsonReader::read(body);
        QVERIFY(read.ok());
        const QJsonObject x = read->toObject().value(u"x"_s).toObject();
        QCOMPARE(x.size(), n);
        QCOMPARE(x.value(u"k000001"_s).toInteger(), 1);
        QCOMPARE(x.value(u"k020000"_s).toInteger(), n);
        // The same with one key twice, far apart.
        body.chop(2);
        body += ",\"k000001\":0}}";
        const auto dup = JsonReader::read(body);
        QVERIFY(!dup.ok());
        QCOMPARE(dup.error().details.first().issue, u"duplicate_key"_s);
        QCOMPARE(dup.error().details.first().field, u"x.k000001"_s);
    }

    // The scan that names the offset agrees with simdjson on every row above
    // (a disagreement would leave a refusal without an offset).
    void scanAgreesWithReader_data() { body_data(); }
    void scanAgreesWithReader()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, issue);
        if (body.isEmpty())
            return;
        const bool wellFormed = issue.isEmpty() || issue == u"type"_s ||
                                issue == u"duplicate_key"_s || issue == u"invalid"_s ||
                                issue == u"required"_s;
        QCOMPARE(JsonReader::findFlaw(body).has_value(), !wellFormed);
        QCOMPARE(JsonReader::read(body).ok(), wellFormed && issue != u"duplicate_key"_s);
    }

    void bothBuildersBuildTheSameDocument()
    {
        // Whole numbers beyond 2^53: QJsonDocument keeps them as integers
        // (within qint64's range) and so must the DOM walk, or the documents
        // differ as containers (found by fuzz_json_body).
        for (const char *doc : {"{\"x\":288888888888888000.0}", "{\"x\":-9223372036854775808.0}",
                                "{\"x\":9007199254740994.0}", "{\"x\":9223372036854775807.0}",
                                "{\"x\":-0.0}", "{\"x\":[2888.0,1e300,0.5,1e17]}"}) {
            auto qt = JsonReader::read(QByteArray(doc));
            auto walked = JsonReader::read(QByteArray(doc), JsonReader::Builder::WalkBuilds);
            QVERIFY(qt.ok() && walked.ok());
            QVERIFY2(*qt == *walked, doc);
        }
    }
};

QTEST_MAIN(TestJsonBody)
#include "tst_json_body.moc"
