// SPDX-License-Identifier: Apache-2.0
// JsonWriter writes the bytes QJsonDocument::Compact writes for the same values.
#include "models/core/JsonWriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <limits>

using namespace wfx;

namespace {
QByteArray viaQt(const QJsonValue &v)
{
    return QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
}
QByteArray viaWriter(const QJsonValue &v)
{
    JsonWriter w;
    w.beginArray();
    switch (v.type()) {
    case QJsonValue::String:
        w.string(v.toString());
        break;
    case QJsonValue::Double:
        w.number(v.toDouble());
        break;
    default:
        w.value(v);
        break;
    }
    w.endArray();
    return w.take();
}
} // namespace

class TestJsonWriter : public QObject
{
    Q_OBJECT
private slots:
    void stringsMatchQJsonDocument_data()
    {
        QTest::addColumn<QString>("s");
        QTest::newRow("empty") << QString();
        QTest::newRow("ascii") << QStringLiteral("run-42 a/b");
        QTest::newRow("quote and backslash") << QStringLiteral("a\"b\\c");
        QTest::newRow("short escapes") << QStringLiteral("\b\f\n\r\t");
        QString controls;
        for (char16_t c = 0; c < 0x20; ++c)
            controls.append(QChar(c));
        controls.append(QChar(0x7f));
        QTest::newRow("every control") << controls;
        QTest::newRow("latin1 and bmp")
            << QStringLiteral("Gr\u00fc\u00dfe \u20ac \u4e2d\u6587 \u2713");
        QTest::newRow("astral pair") << QString::fromUtf8("\xf0\x9f\x98\x80 emoji");
        QTest::newRow("lone high surrogate")
            << (QStringLiteral("a") + QChar(0xd800) + QStringLiteral("b"));
        QTest::newRow("lone low surrogate") << (QChar(0xdc01) + QStringLiteral("z"));
        QTest::newRow("high at end") << (QStringLiteral("z") + QChar(0xdbff));
        QTest::newRow("html") << QStringLiteral("</script><!-- & '");
    }
    void stringsMatchQJsonDocument()
    {
        QFETCH(QString, s);
        QCOMPARE(viaWriter(s), viaQt(s));
    }

    void numbersMatchQJsonDocument_data()
    {
        QTest::addColumn<double>("d");
        for (double d : {0.0,
                         -0.0,
                         1.0,
                         -1.0,
                         0.001,
                         0.1,
                         1.5,
                         -2.25,
                         1e6,
                         1e15,
                         9007199254740991.0,
                         9007199254740992.0,
                         1e16,
                         1e21,
                         1.7976931348623157e308,
                         5e-324,
                         3.141592653589793,
                         123456.789,
                         -1e-7,
                         2.5e-5})
            QTest::newRow(qPrintable(QString::number(d, 'g', 17))) << d;
        QTest::newRow("inf") << std::numeric_limits<double>::infinity();
        QTest::newRow("nan") << std::numeric_limits<double>::quiet_NaN();
    }
    void numbersMatchQJsonDocument()
    {
        QFETCH(double, d);
        QCOMPARE(viaWriter(d), viaQt(d));
    }

    void integersMatchQJsonDocument()
    {
        for (qint64 v : {qint64(0), qint64(7), qint64(-7), qint64(1) << 53,
                         std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::min()}) {
            JsonWriter w;
            w.beginArray().integer(v).endArray();
            QCOMPARE(w.take(), viaQt(QJsonValue(v)));
        }
    }

    void nestingAndCommas()
    {
        JsonWriter w;
        w.beginObject();
        w.key(QLatin1String("a")).beginArray().endArray();
        w.key(QLatin1String("b")).beginObject().endObject();
        w.key(QLatin1String("c"))
            .beginArray()
            .integer(1)
            .beginArray()
            .null()
            .boolean(true)
            .endArray()
            .string(QStringLiteral("x"))
            .endArray();
        w.key(QLatin1String("d")).value(QJsonObject{{QStringLiteral("k"), QJsonArray{1, 2.5}}});
        w.key(QLatin1String("e")).boolean(false);
        w.endObject();
        const QJsonObject want{
            {QStringLiteral("a"), QJsonArray()},
            {QStringLiteral("b"), QJsonObject()},
            {QStringLiteral("c"),
             QJsonArray{1, QJsonArray{QJsonValue(), true}, QStringLiteral("x")}},
            {QStringLiteral("d"), QJsonObject{{QStringLiteral("k"), QJsonArray{1, 2.5}}}},
            {QStringLiteral("e"), false}};
        QCOMPARE(w.bytes(), QJsonDocument(want).toJson(QJsonDocument::Compact));
    }

    void keysEscapedLikeQJsonDocument()
    {
        const QLatin1String odd("q\"b\\s\n\xe9");
        JsonWriter w;
        w.beginObject().key(QLatin1String("plain")).integer(1).key(odd).integer(2).endObject();
        const QJsonObject want{{QStringLiteral("plain"), 1}, {QString(odd), 2}};
        QCOMPARE(w.bytes(), QJsonDocument(want).toJson(QJsonDocument::Compact));
    }
};

QTEST_GUILESS_MAIN(TestJsonWriter)
#include "tst_jsonwriter.moc"
