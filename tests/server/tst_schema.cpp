// SPDX-License-Identifier: Apache-2.0
// The body validator: every keyword the schema builders emit, the issue each
// problem gets, and the dotted path it is reported at.
#include "server/core/JsonReader.h"
#include "server/core/Schema.h"

#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;
using namespace wfx::schema;

namespace {

// Any kind of document, as the dispatcher's reader gives it to the validator.
QJsonValue parse(const char *json)
{
    const auto v = JsonReader::read(QByteArray(json));
    if (!v)
        qFatal("test JSON does not parse: %s", json);
    return v.value();
}

QStringList spelled(const QList<FieldIssue> &details)
{
    QStringList out;
    for (const FieldIssue &f : details)
        out << f.field + QLatin1Char(':') + f.issue;
    return out;
}

// "field:issue" per problem, in order, from Qt's tree; the same walk over
// simdjson's DOM (the dispatcher's way for bodyAsDom() routes) must find the
// same problems in the same order, or the answer says how they differ.
QStringList problems(const QJsonObject &schema, const char *json, const QString &path = {})
{
    QList<FieldIssue> details;
    Validator(schema).validate(parse(json), details, path);
    QList<FieldIssue> fromDom;
    const Status read =
        JsonReader::readDom(QByteArray(json), [&](const simdjson::dom::element &root) {
            Validator(schema).validate(root, fromDom, path);
        });
    if (!read)
        qFatal("test JSON does not parse as a DOM: %s", json);
    const QStringList tree = spelled(details), dom = spelled(fromDom);
    if (tree != dom)
        return QStringList{u"tree and DOM differ"_s, tree.join(QLatin1Char(' ')),
                           dom.join(QLatin1Char(' '))};
    return tree;
}

QJsonObject syncLike()
{
    return object(
        {
            {u"project_id"_s, uuid(), true},
            {u"name"_s, string(1, 8), true},
            {u"status"_s, enumOf({u"running"_s, u"completed"_s})},
            {u"started_at"_s, nullable(dateTime())},
            {u"manifest"_s, anyObject()},
            {u"metrics"_s, arrayOf(object({{u"name"_s, string(1, 64), true},
                                           {u"step"_s, integer(0, 1000), true},
                                           {u"value"_s, number(), true}},
                                          false),
                                   3)},
        },
        false);
}
} // namespace

class TestSchema : public QObject
{
    Q_OBJECT
private slots:
    void problems_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QStringList>("expected");
        const QString id = u"\"project_id\":\"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\""_s;
        const auto row = [](const char *tag, const QString &json, const QStringList &expected) {
            QTest::newRow(tag) << json << expected;
        };
        row("valid",
            u"{"_s + id +
                u",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1,\"value\":0.5}]}"_s,
            {});
        row("body not an object", u"[1]"_s, {u"body:type"_s});
        row("body null", u"null"_s, {u"body:type"_s});
        row("body number", u"1"_s, {u"body:type"_s});
        row("body string", u"\"\""_s, {u"body:type"_s});
        row("body boolean", u"true"_s, {u"body:type"_s});
        row("required missing and null", u"{\"name\":null}"_s,
            {u"project_id:required"_s, u"name:required"_s});
        row("empty required string", u"{"_s + id + u",\"name\":\"\"}"_s, {u"name:required"_s});
        row("too long", u"{"_s + id + u",\"name\":\"123456789\"}"_s, {u"name:too_long"_s});
        row("uuid", u"{\"project_id\":\"nope\",\"name\":\"a\"}"_s, {u"project_id:invalid"_s});
        row("enum", u"{"_s + id + u",\"name\":\"a\",\"status\":\"done\"}"_s, {u"status:invalid"_s});
        row("date-time and null", u"{"_s + id + u",\"name\":\"a\",\"started_at\":\"yesterday\"}"_s,
            {u"started_at:invalid"_s});
        row("nullable null", u"{"_s + id + u",\"name\":\"a\",\"started_at\":null}"_s, {});
        row("unknown member", u"{"_s + id + u",\"name\":\"a\",\"zz\":1}"_s, {u"zz:unknown"_s});
        row("any object", u"{"_s + id + u",\"name\":\"a\",\"manifest\":{\"x\":[1,{\"y\":2}]}}"_s,
            {});
        row("any object wrong type", u"{"_s + id + u",\"name\":\"a\",\"manifest\":3}"_s,
            {u"manifest:type"_s});
        row("item paths",
            u"{"_s + id +
                u",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1,\"value\":1},"
                "{\"step\":1.5,\"value\":\"x\",\"extra\":true}]}"_s,
            {u"metrics.1.name:required"_s, u"metrics.1.step:type"_s, u"metrics.1.value:type"_s,
             u"metrics.1.extra:unknown"_s});
        row("out of range",
            u"{"_s + id +
                u",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1001,\"value\":1}]}"_s,
            {u"metrics.0.step:out_of_range"_s});
        row("too many items", u"{"_s + id + u",\"name\":\"a\",\"metrics\":[1,2,3,4]}"_s,
            {u"metrics:too_many"_s});
        row("item of the wrong type", u"{"_s + id + u",\"name\":\"a\",\"metrics\":[1]}"_s,
            {u"metrics.0:type"_s});
        // Where the DOM and the tree could part: strings counted in UTF-16
        // units, a leading U+FEFF kept, numbers as doubles, unknown keys in order.
        row("length in UTF-16 units",
            u"{"_s + id + u",\"name\":\"\U0001F600\U0001F600\U0001F600\U0001F600x\"}"_s,
            {u"name:too_long"_s});
        row("eight units fit",
            u"{"_s + id + u",\"name\":\"\U0001F600\U0001F600\U0001F600\U0001F600\"}"_s, {});
        row("escaped surrogate pair", u"{"_s + id + u",\"name\":\"\\ud83d\\ude00\"}"_s, {});
        row("leading BOM in a uuid",
            u"{\"project_id\":\"\\ufeff6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\",\"name\":\"a\"}"_s,
            {u"project_id:invalid"_s});
        row("leading BOM in an enum",
            u"{"_s + id + u",\"name\":\"a\",\"status\":\"\\ufeffrunning\"}"_s,
            {u"status:invalid"_s});
        row("escaped enum", u"{"_s + id + u",\"name\":\"a\",\"status\":\"r\\u0075nning\"}"_s, {});
        row("numbers at the bounds",
            u"{"_s + id +
                u",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1000.0,"
                "\"value\":-0.0},{\"name\":\"l\",\"step\":1e3,\"value\":1e308},"
                "{\"name\":\"l\",\"step\":-0,\"value\":18446744073709551615}]}"_s,
            {});
        row("integers that are not",
            u"{"_s + id +
                u",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1e-300,"
                "\"value\":1},{\"name\":\"l\",\"step\":9223372036854775807,\"value\":1},"
                "{\"name\":\"l\",\"step\":-9223372036854775808,\"value\":1}]}"_s,
            {u"metrics.0.step:type"_s, u"metrics.1.step:type"_s, u"metrics.2.step:type"_s});
        row("unknown keys in order",
            u"{"_s + id +
                u",\"name\":\"a\",\"\U0001F600\":1,\"\\ue000\":2,\"b\":3,\"A\":4,\"\":5}"_s,
            {u"\"\":unknown"_s, u"A:unknown"_s, u"b:unknown"_s, u"\ue000:unknown"_s,
             u"\U0001F600:unknown"_s});
    }
    void problems()
    {
        QFETCH(QString, json);
        QFETCH(QStringList, expected);
        QCOMPARE(::problems(syncLike(), json.toUtf8().constData()), expected);
    }

    void integerBounds()
    {
        const QJsonObject s = integer(-5, 5);
        QList<FieldIssue> d;
        Validator(s).validate(QJsonValue(2.5), d);
        Validator(s).validate(QJsonValue(9007199254740992.0), d);
        Validator(s).validate(QJsonValue(-6), d);
        Validator(s).validate(QJsonValue(5), d);
        QCOMPARE(d.size(), 3);
        QCOMPARE(d.at(0).issue, u"type"_s);
        QCOMPARE(d.at(1).issue, u"type"_s);
        QCOMPARE(d.at(2).issue, u"out_of_range"_s);
    }

    void basePathAndFreeFunction()
    {
        QList<FieldIssue> d;
        validate(parse("{\"name\":7}"), syncLike(), u"runs.3"_s, d);
        QCOMPARE(d.size(), 2);
        QCOMPARE(d.at(0).field, u"runs.3.project_id"_s);
        QCOMPARE(d.at(1).field, u"runs.3.name"_s);
        QCOMPARE(d.at(1).issue, u"type"_s);
    }

    // At most 50 problems from one array, however long it is.
    void boundedIssues()
    {
        QByteArray json = "[";
        for (int i = 0; i < 1000; ++i)
            json += (i ? ",\"x\"" : "\"x\"");
        json += "]";
        QList<FieldIssue> d;
        Validator(arrayOf(integer(0, 1))).validate(parse(json.constData()), d);
        QCOMPARE(d.size(), 50);
        QCOMPARE(d.last().field, u"49"_s);
    }

    void emptyValidatorAcceptsAnything()
    {
        QList<FieldIssue> d;
        Validator().validate(parse("{\"a\":[1,\"b\",null]}"), d);
        Validator(QJsonObject{}).validate(parse("[{}]"), d);
        QVERIFY(d.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestSchema)
#include "tst_schema.moc"
