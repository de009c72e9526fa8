// SPDX-License-Identifier: Apache-2.0
// The body validator: every keyword the schema builders emit, the issue each
// problem gets, and the dotted path it is reported at.
#include "core/JsonReader.h"
#include "core/Schema.h"

#include <QTest>


using namespace wfx;
using namespace wfx::schema;

namespace {
QString S(const char *s) { return QString::fromUtf8(s); }

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
    const Status read = JsonReader::readDom(QByteArray(json), [&](const simdjson::dom::element &root) {
        Validator(schema).validate(root, fromDom, path);
    });
    if (!read)
        qFatal("test JSON does not parse as a DOM: %s", json);
    const QStringList tree = spelled(details), dom = spelled(fromDom);
    if (tree != dom)
        return QStringList{S("tree and DOM differ"), tree.join(QLatin1Char(' ')), dom.join(QLatin1Char(' '))};
    return tree;
}

QJsonObject syncLike()
{
    return object({
        {S("project_id"), uuid(), true},
        {S("name"), string(1, 8), true},
        {S("status"), enumOf({S("running"), S("completed")})},
        {S("started_at"), nullable(dateTime())},
        {S("manifest"), anyObject()},
        {S("metrics"), arrayOf(object({{S("name"), string(1, 64), true},
                                       {S("step"), integer(0, 1000), true},
                                       {S("value"), number(), true}}, false), 3)},
    }, false);
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
        const QString id = S("\"project_id\":\"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\"");
        const auto row = [](const char *tag, const QString &json, const QStringList &expected) {
            QTest::newRow(tag) << json << expected;
        };
        row("valid", S("{") + id + S(",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1,\"value\":0.5}]}"), {});
        row("body not an object", S("[1]"), {S("body:type")});
        row("body null", S("null"), {S("body:type")});
        row("body number", S("1"), {S("body:type")});
        row("body string", S("\"\""), {S("body:type")});
        row("body boolean", S("true"), {S("body:type")});
        row("required missing and null", S("{\"name\":null}"), {S("project_id:required"), S("name:required")});
        row("empty required string", S("{") + id + S(",\"name\":\"\"}"), {S("name:required")});
        row("too long", S("{") + id + S(",\"name\":\"123456789\"}"), {S("name:too_long")});
        row("uuid", S("{\"project_id\":\"nope\",\"name\":\"a\"}"), {S("project_id:invalid")});
        row("enum", S("{") + id + S(",\"name\":\"a\",\"status\":\"done\"}"), {S("status:invalid")});
        row("date-time and null", S("{") + id + S(",\"name\":\"a\",\"started_at\":\"yesterday\"}"), {S("started_at:invalid")});
        row("nullable null", S("{") + id + S(",\"name\":\"a\",\"started_at\":null}"), {});
        row("unknown member", S("{") + id + S(",\"name\":\"a\",\"zz\":1}"), {S("zz:unknown")});
        row("any object", S("{") + id + S(",\"name\":\"a\",\"manifest\":{\"x\":[1,{\"y\":2}]}}"), {});
        row("any object wrong type", S("{") + id + S(",\"name\":\"a\",\"manifest\":3}"), {S("manifest:type")});
        row("item paths", S("{") + id + S(",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1,\"value\":1},"
                                       "{\"step\":1.5,\"value\":\"x\",\"extra\":true}]}"),
            {S("metrics.1.name:required"), S("metrics.1.step:type"), S("metrics.1.value:type"), S("metrics.1.extra:unknown")});
        row("out of range", S("{") + id + S(",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1001,\"value\":1}]}"),
            {S("metrics.0.step:out_of_range")});
        row("too many items", S("{") + id + S(",\"name\":\"a\",\"metrics\":[1,2,3,4]}"), {S("metrics:too_many")});
        row("item of the wrong type", S("{") + id + S(",\"name\":\"a\",\"metrics\":[1]}"), {S("metrics.0:type")});
        // Where the DOM and the tree could part: strings counted in UTF-16
        // units, a leading U+FEFF kept, numbers as doubles, unknown keys in order.
        row("length in UTF-16 units", S("{") + id + S(",\"name\":\"\U0001F600\U0001F600\U0001F600\U0001F600x\"}"),
            {S("name:too_long")});
        row("eight units fit", S("{") + id + S(",\"name\":\"\U0001F600\U0001F600\U0001F600\U0001F600\"}"), {});
        row("escaped surrogate pair", S("{") + id + S(",\"name\":\"\\ud83d\\ude00\"}"), {});
        row("leading BOM in a uuid", S("{\"project_id\":\"\\ufeff6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b\",\"name\":\"a\"}"),
            {S("project_id:invalid")});
        row("leading BOM in an enum", S("{") + id + S(",\"name\":\"a\",\"status\":\"\\ufeffrunning\"}"),
            {S("status:invalid")});
        row("escaped enum", S("{") + id + S(",\"name\":\"a\",\"status\":\"r\\u0075nning\"}"), {});
        row("numbers at the bounds", S("{") + id + S(",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1000.0,"
                                                 "\"value\":-0.0},{\"name\":\"l\",\"step\":1e3,\"value\":1e308},"
                                                 "{\"name\":\"l\",\"step\":-0,\"value\":18446744073709551615}]}"), {});
        row("integers that are not", S("{") + id + S(",\"name\":\"a\",\"metrics\":[{\"name\":\"l\",\"step\":1e-300,"
                                                 "\"value\":1},{\"name\":\"l\",\"step\":9223372036854775807,\"value\":1},"
                                                 "{\"name\":\"l\",\"step\":-9223372036854775808,\"value\":1}]}"),
            {S("metrics.0.step:type"), S("metrics.1.step:type"), S("metrics.2.step:type")});
        row("unknown keys in order", S("{") + id + S(",\"name\":\"a\",\"\U0001F600\":1,\"\\ue000\":2,\"b\":3,\"A\":4,\"\":5}"),
            {S("\"\":unknown"), S("A:unknown"), S("b:unknown"), S("\ue000:unknown"), S("\U0001F600:unknown")});
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
        QCOMPARE(d.at(0).issue, S("type"));
        QCOMPARE(d.at(1).issue, S("type"));
        QCOMPARE(d.at(2).issue, S("out_of_range"));
    }

    void basePathAndFreeFunction()
    {
        QList<FieldIssue> d;
        validate(parse("{\"name\":7}"), syncLike(), S("runs.3"), d);
        QCOMPARE(d.size(), 2);
        QCOMPARE(d.at(0).field, S("runs.3.project_id"));
        QCOMPARE(d.at(1).field, S("runs.3.name"));
        QCOMPARE(d.at(1).issue, S("type"));
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
        QCOMPARE(d.last().field, S("49"));
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
