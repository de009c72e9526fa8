// SPDX-License-Identifier: Apache-2.0
// RFC 8785 canonical JSON (what manifest signatures cover): the RFC's own
// examples, and strings that UTF-8 alone cannot carry.
#include "models/crypto/Jcs.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace wfx;

namespace {
QJsonValue parse(const QByteArray &json)
{
    return QJsonDocument::fromJson('[' + json + ']').array().at(0);
}
} // namespace

class TestJcs : public QObject
{
    Q_OBJECT
private slots:
    void canonicalForm_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("canonical");
        // RFC 8785 3.2.2 and 3.2.3 (sorting by UTF-16 code units).
        QTest::newRow("rfc-3.2.2")
            << QByteArray(R"({"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000001],
            "string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]})")
            << QByteArray(
                   "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,"
                   "0.002,0.000001],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
        QTest::newRow("rfc-3.2.3-sort")
            << QByteArray(
                   R"({"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"})")
            << QByteArray("{\"\\r\":\"Carriage "
                          "Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\",\"\xc3\xb6\":"
                          "\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro "
                          "Sign\",\"\xf0\x9f\x98\x80\":"
                          "\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With "
                          "Dagesh\"}");
        QTest::newRow("controls") << QByteArray(R"("\u0000\u001f\u007f")")
                                  << QByteArray("\"\\u0000\\u001f\x7f\"");
        // fuzz_jcs's round-trip invariant: a lone surrogate became "?", so "\ud800"
        // and "?" had one canonical form (one signature for two manifests).
        QTest::newRow("lone-high") << QByteArray(R"("a\ud800b")") << QByteArray("\"a\\ud800b\"");
        QTest::newRow("lone-low") << QByteArray(R"("\udc00")") << QByteArray("\"\\udc00\"");
        QTest::newRow("reversed-pair")
            << QByteArray(R"("\ude00\ud83d")") << QByteArray("\"\\ude00\\ud83d\"");
        QTest::newRow("high-at-end") << QByteArray(R"("x\ud83d")") << QByteArray("\"x\\ud83d\"");
        // fuzz_jcs: next to a lone-surrogate key, QJsonObject::value() missed the
        // emoji key of the re-parsed object and the canonical form said null.
        QTest::newRow("lone-surrogate-key") << QByteArray(R"({"\ud83d\ude00":1,"\ud83f":2})")
                                            << QByteArray("{\"\xf0\x9f\x98\x80\":1,\"\\ud83f\":2}");
        QTest::newRow("question-mark") << QByteArray(R"("a?b")") << QByteArray("\"a?b\"");
    }
    void canonicalForm()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, canonical);
        const QJsonValue v = parse(input);
        QVERIFY(!v.isUndefined());
        QCOMPARE(jcs::canonicalize(v), canonical);
        // The canonical bytes are JSON for the same value, and canonical themselves.
        // (Compared as variants: QJsonObject's == depends on the order keys were inserted in.)
        QCOMPARE(parse(canonical).toVariant(), v.toVariant());
        QCOMPARE(jcs::canonicalize(parse(canonical)), canonical);
    }

    void distinctStringsStayDistinct()
    {
        QVERIFY(jcs::canonicalize(parse(R"("\ud800")")) != jcs::canonicalize(parse(R"("?")")));
        QVERIFY(jcs::canonicalize(parse(R"("\ud800")")) != jcs::canonicalize(parse(R"("\ufffd")")));
    }
};

QTEST_GUILESS_MAIN(TestJcs)
#include "tst_jcs.moc"
