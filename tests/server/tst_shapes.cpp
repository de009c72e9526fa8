// SPDX-License-Identifier: Apache-2.0
// Resources declared once (models/core/Shape.h): for the run, share, workspace,
// API key and audit entry, the tree (toJson), the bytes written without it
// (writeJson, and for a run the native row's writer) and the published schema
// all come from one field table and agree with each other.
#include "models/accounts/ApiKeyService.h"
#include "models/audit/AuditService.h"
#include "models/core/ShapeInput.h"
#include "models/runs/RunJson.h"
#include "models/shares/ShareService.h"
#include "models/workspaces/WorkspaceService.h"
#include "server/core/ShapeSchema.h"

#include <QJsonDocument>
#include <QTest>

#include <cstring>

using namespace Qt::StringLiterals;
using namespace wfx;

namespace {

constexpr qint64 kAt = 1'800'000'000'123LL;

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

template <typename T> QByteArray written(const T &value)
{
    JsonWriter w;
    value.writeJson(w);
    return w.take();
}

// The problems the schema finds in `o`, as "field:issue". The validator reads
// a request body, where null is a member left out; a null member is checked
// against the schema's "type" (and its presence by strangers()).
QStringList problems(const QJsonObject &schema, const QJsonObject &o)
{
    QJsonObject present = o;
    QStringList out;
    const QJsonObject props = schema.value(u"properties"_s).toObject();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
        if (!it.value().isNull())
            continue;
        present.remove(it.key());
        if (!props.value(it.key()).toObject().value(u"type"_s).toArray().contains(u"null"_s))
            out << it.key() + u":not_nullable"_s;
    }
    QList<FieldIssue> details;
    schema::Validator(schema).validate(present, details);
    for (const FieldIssue &f : details)
        if (f.issue != u"required"_s || !o.value(f.field).isNull())
            out << f.field + QLatin1Char(':') + f.issue;
    return out;
}

// The members `o` has that the schema does not name, and the required ones it lacks.
QStringList strangers(const QJsonObject &schema, const QJsonObject &o)
{
    const QJsonObject props = schema.value(u"properties"_s).toObject();
    QStringList out;
    for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
        if (!props.contains(it.key()))
            out << u"extra:"_s + it.key();
    }
    for (const QJsonValue &r : schema.value(u"required"_s).toArray()) {
        if (!o.contains(r.toString()))
            out << u"missing:"_s + r.toString();
    }
    return out;
}

Run sampleRun(bool full)
{
    Run r;
    r.id = u"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    r.projectId = u"7f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    r.workspaceId = u"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    r.clientRunId = u"client \"quoted\" \\ run"_s;
    r.name = u"dreamer-v3 \u00e9\u6f22 \U0001F600 tab\t"_s;
    r.status = full ? u"completed"_s : u"running"_s;
    r.createdAt = kAt;
    r.evidence = u"verified"_s;
    r.metricCount = full ? 9007199254740991LL : 0;
    r.logBytes = 42;
    r.createdBy = u"9f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    if (full) {
        r.startedAt = kAt - 1000;
        r.finishedAt = kAt + 1;
        r.metricNames = QStringList{u"loss"_s, u"reward/\u00e9"_s};
    }
    return r;
}

Share sampleShare(bool full)
{
    Share s;
    s.id = u"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    s.workspaceId = u"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    s.runId = u"7f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    s.tokenPrefix = u"wfxs_abc"_s;
    s.createdAt = kAt;
    s.state = full ? u"revoked"_s : u"active"_s;
    if (full) {
        s.artifactId = u"5f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
        s.hasPassword = true;
        s.expiresAt = kAt + 86'400'000;
        s.revokedAt = kAt + 5;
    }
    return s;
}

Workspace sampleWorkspace(bool full)
{
    Workspace w;
    w.id = u"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    w.name = u"Lab \u00e9"_s;
    w.ownerId = u"9f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    w.plan = u"pro"_s;
    w.createdAt = kAt;
    w.limits = {
        {u"runs"_s, 1000}, {u"artifact_bytes"_s, 5'000'000'000LL}, {u"compute_seconds"_s, 36'000}};
    if (full)
        w.role = u"admin"_s;
    return w;
}

ApiKey sampleApiKey(bool full)
{
    ApiKey k;
    k.id = u"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    k.userId = u"9f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    k.name = u"CI \"runner\""_s;
    k.prefix = u"wfx_ab12"_s;
    k.createdAt = kAt;
    if (full) {
        k.workspaceId = u"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
        k.lastUsedAt = kAt + 60'000;
    }
    return k;
}

AuditEntry sampleAudit(bool full)
{
    AuditEntry e;
    e.seq = full ? 9007199254740991LL : 1;
    e.id = u"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
    e.at = kAt;
    e.action = u"share.create"_s;
    e.targetType = full ? u"share"_s : QString();
    e.detail = full ? QJsonObject{{u"z"_s, 1.5},
                                  {u"a"_s, QJsonArray{1, u"\u00e9"_s, QJsonValue::Null}},
                                  {u"nested"_s, QJsonObject{{u"ok"_s, true}}}}
                    : QJsonObject{};
    e.prevHash = QString(64, u'0');
    e.hash = QString(64, u'a');
    if (full) {
        e.actorId = u"9f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
        e.workspaceId = u"8f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
        e.targetId = u"5f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s;
        e.ip = u"192.0.2.7"_s;
    }
    return e;
}

// A resource made up for the test, in two versions of its table.
struct Probe
{
    QString id;
    qint64 at = 0;
    QString note;
};
inline constexpr auto kProbeV1 = std::tuple{
    shape::field("id", &Probe::id, shape::uuid()),
    shape::field("at", &Probe::at, shape::instant()),
};
inline constexpr auto kProbeV2 = std::tuple{
    shape::field("id", &Probe::id, shape::uuid()),
    shape::field("at", &Probe::at, shape::instant()),
    shape::field("note", &Probe::note, shape::text(0, 5).orNull()),
};

// A resource a request's body sends, made up for the test: a key, members a
// sent value replaces, one the service rules on, and one the body may not set.
struct Sendable
{
    QString key, label, state, owner;
    std::optional<qint64> at;
    qint64 count = 0;
};
inline constexpr auto kSendable = std::tuple{
    shape::field("key", &Sendable::key, shape::uuid()).sent(shape::Input::Key),
    shape::field("label", &Sendable::label, shape::text(2, 5).trimmed())
        .sent(shape::Input::Replaces, "a short label"),
    shape::field("state", &Sendable::state, shape::oneOf<RunStatus>()).sent(shape::Input::Ruled),
    shape::field("at", &Sendable::at, shape::instant().orNull()).sent(shape::Input::Replaces),
    shape::field("count", &Sendable::count, shape::integer(1, 10)).sent(shape::Input::Replaces),
    shape::field("owner", &Sendable::owner, shape::text()),
};

// The body `json` read by the table: what it sent, and its problems as "field:issue".
struct ReadBack
{
    Sendable row;
    shape::Sent sent = 0;
    QStringList issues;
};
ReadBack readSendable(const char *json)
{
    simdjson::dom::parser parser;
    const simdjson::dom::element root = parser.parse(json, std::strlen(json)).value();
    ReadBack r;
    r.row.owner = u"kept"_s;
    shape::BodyIssues issues;
    r.sent = shape::readInput<kSendable>(shape::BodyValue(root), r.row, issues);
    if (!issues.empty()) {
        for (const FieldIssue &f : issues.error(u"probe"_s).details)
            r.issues << f.field + QLatin1Char(':') + f.issue;
    }
    return r;
}

template <const auto &Fields> QByteArray probeBytes(const Probe &p)
{
    JsonWriter w;
    shape::writeJson<Fields>(w, p);
    return w.take();
}

// The tree, the bytes and the schema of one value of a resource agree.
template <const auto &Fields, typename T> void agree(const T &value)
{
    const QJsonObject tree = value.toJson();
    QCOMPARE(written(value), compact(tree));
    const QJsonObject api = schema::of(Fields, shape::Api);
    // Joined, so that a failure names the members.
    const QString none;
    QCOMPARE(problems(api, tree).join(u' '), none);
    QCOMPARE(strangers(api, tree).join(u' '), none);
    QCOMPARE(problems(schema::of(Fields, shape::Bff), tree).join(u' '), none);
}

} // namespace

class TestShapes : public QObject
{
    Q_OBJECT

private slots:
    void resources_data()
    {
        QTest::addColumn<bool>("full");
        QTest::newRow("nulls and members left out") << false;
        QTest::newRow("every member set") << true;
    }
    void resources()
    {
        QFETCH(bool, full);
        agree<kRunFields<Run>>(sampleRun(full));
        if (QTest::currentTestFailed())
            return;
        agree<kShareFields>(sampleShare(full));
        if (QTest::currentTestFailed())
            return;
        agree<kWorkspaceFields>(sampleWorkspace(full));
        if (QTest::currentTestFailed())
            return;
        agree<kApiKeyFields>(sampleApiKey(full));
        if (QTest::currentTestFailed())
            return;
        agree<kAuditEntryFields>(sampleAudit(full));
    }

    // The native row's writer (run pages) writes the bytes Run::writeJson does.
    void runFromNativeRow_data() { resources_data(); }
    void runFromNativeRow()
    {
        QFETCH(bool, full);
        const Run r = sampleRun(full);
        const QByteArray u[] = {
            r.id.toUtf8(),   r.projectId.toUtf8(), r.workspaceId.toUtf8(), r.clientRunId.toUtf8(),
            r.name.toUtf8(), r.status.toUtf8(),    r.evidence.toUtf8()};
        const RunView v = RunView{.id = u[0],
                                  .projectId = u[1],
                                  .workspaceId = u[2],
                                  .clientRunId = u[3],
                                  .name = u[4],
                                  .status = u[5],
                                  .startedAt = r.startedAt,
                                  .finishedAt = r.finishedAt,
                                  .createdAt = r.createdAt,
                                  .evidence = u[6],
                                  .metricCount = r.metricCount,
                                  .logBytes = r.logBytes,
                                  .metricNames = r.metricNames ? &*r.metricNames : nullptr};
        JsonWriter w;
        writeRunJson(w, v);
        QCOMPARE(w.bytes(), written(r));
    }

    // A member added to a table is in the writer's bytes, the tree and the
    // schema at once; the table before it has it in none.
    void tableChangeReachesWriterAndSchema()
    {
        const Probe p{u"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s, kAt, u"hi"_s};
        QVERIFY(!probeBytes<kProbeV1>(p).contains("\"note\""));
        QVERIFY(!schema::of(kProbeV1, shape::Api)
                     .value(u"properties"_s)
                     .toObject()
                     .contains(u"note"_s));

        const QJsonObject tree = shape::toJson<kProbeV2>(p);
        QCOMPARE(probeBytes<kProbeV2>(p), compact(tree));
        QCOMPARE(tree.value(u"note"_s).toString(), u"hi"_s);
        const QJsonObject v2 = schema::of(kProbeV2, shape::Api);
        QCOMPARE(v2.value(u"properties"_s).toObject().value(u"note"_s).toObject(),
                 schema::nullable(schema::string(0, 5)));
        QCOMPARE(v2.value(u"required"_s).toArray(), (QJsonArray{u"id"_s, u"at"_s, u"note"_s}));
        // The limit the table states is the one the schema checks.
        QCOMPARE(problems(v2, QJsonObject{{u"id"_s, p.id},
                                          {u"at"_s, u"2027-01-15T08:00:00.000Z"_s},
                                          {u"note"_s, u"too long"_s}}),
                 QStringList{u"note:too_long"_s});
        // An empty nullable member is null in both.
        const Probe empty{p.id, kAt, QString()};
        QCOMPARE(probeBytes<kProbeV2>(empty),
                 QByteArray("{\"at\":\"2027-01-15T08:00:00.123Z\",\"id\":\"") + p.id.toUtf8() +
                     "\",\"note\":null}");
    }

    // A request's body is read by the table: each member by its kind and
    // limits, a key required, null and absent alike left out, every problem
    // listed, and a member the table does not mark sent never read.
    void inputIsReadByTheTable()
    {
        constexpr shape::Sent key = shape::bitOf<kSendable>("key"),
                              label = shape::bitOf<kSendable>("label"),
                              state = shape::bitOf<kSendable>("state"),
                              at = shape::bitOf<kSendable>("at"),
                              count = shape::bitOf<kSendable>("count");
        static_assert(key == 1 && label == 2 && count == 16 && shape::bitOf<kSendable>("x") == 0);

        ReadBack all = readSendable(
            R"({"key":"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b","label":"  ab ","state":"running",
                "at":"2027-01-15T08:00:00.123Z","count":3,"owner":"mallory"})");
        QCOMPARE(all.issues, QStringList());
        QCOMPARE(all.sent, key | label | state | at | count);
        QCOMPARE(all.row.key, u"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b"_s);
        QCOMPARE(all.row.label, u"ab"_s); // trimmed
        QCOMPARE(all.row.state, u"running"_s);
        QCOMPARE(all.row.at, std::optional<qint64>(kAt));
        QCOMPARE(all.row.count, 3);
        QCOMPARE(all.row.owner, u"kept"_s);

        ReadBack some = readSendable(R"({"key":"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b","at":null})");
        QCOMPARE(some.issues, QStringList());
        QCOMPARE(some.sent, key);

        QCOMPARE(readSendable(R"({"label":"abc"})").issues, QStringList{u"key:required"_s});
        QCOMPARE(readSendable(R"({"key":""})").issues, QStringList{u"key:required"_s});
        QCOMPARE(readSendable(R"({"key":"not-a-uuid","label":"a","state":"paused",
                                  "at":"yesterday","count":1.5})")
                     .issues,
                 (QStringList{u"key:invalid"_s, u"label:too_short"_s, u"state:invalid"_s,
                              u"at:invalid"_s, u"count:invalid"_s}));
        QCOMPARE(readSendable(R"({"key":7,"label":["ab"],"state":1,"at":0,"count":"3"})").issues,
                 (QStringList{u"key:type"_s, u"label:type"_s, u"state:type"_s, u"at:type"_s,
                              u"count:type"_s}));
        QCOMPARE(readSendable(R"({"key":"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b","label":"   ",
                                  "count":11})")
                     .issues,
                 (QStringList{u"label:required"_s, u"count:invalid"_s}));
        QCOMPARE(readSendable(R"({"key":"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b","label":"abcdef"})")
                     .issues,
                 QStringList{u"label:too_long"_s});
        QCOMPARE(
            readSendable(R"({"key":"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b","label":"a\u0007b"})")
                .issues,
            QStringList{u"label:invalid"_s});
    }

    // The one control-character rule every name and key a client sends follows:
    // Unicode's Cc (C0 with tab and newline, DEL, C1); format characters and
    // letters pass.
    void controlCharacters()
    {
        for (const char16_t c : {u'\0', u'\t', u'\n', u'\x7f', u'\x85', u'\x9f'})
            QVERIFY2(shape::hasControl(QString(u"a"_s + QChar(c) + u"b"_s)),
                     qPrintable(QString::number(c)));
        for (const QString &ok : {u"plain"_s, u"caf\u00e9"_s, u"zero\u200bwidth"_s, QString()})
            QVERIFY2(!shape::hasControl(ok), qPrintable(ok));
    }

    // What a body sent is taken whole by a new row; a stored row takes the
    // members a sent value replaces when they differ, and names them; a ruled
    // member is left to the service, an unsent one keeps its value.
    void sentMembersAreTakenByTheTable()
    {
        ReadBack sent = readSendable(
            R"({"key":"6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b","label":"new","state":"failed",
                "count":4})");
        QCOMPARE(sent.issues, QStringList());
        Sendable fresh;
        shape::takeSent<kSendable>(sent.row, sent.sent, fresh);
        QCOMPARE(fresh.key, sent.row.key);
        QCOMPARE(fresh.label, u"new"_s);
        QCOMPARE(fresh.state, u"failed"_s);
        QCOMPARE(fresh.count, 4);
        QCOMPARE(fresh.owner, QString());

        Sendable stored{sent.row.key, u"old"_s, u"running"_s, u"alice"_s, kAt, 4};
        QStringList changed;
        shape::takeReplaced<kSendable>(sent.row, sent.sent, stored, changed);
        QCOMPARE(changed, QStringList{u"label"_s}); // count is the same; state is ruled
        QCOMPARE(stored.label, u"new"_s);
        QCOMPARE(stored.state, u"running"_s);
        QCOMPARE(stored.at, std::optional<qint64>(kAt)); // not sent
        QCOMPARE(stored.owner, u"alice"_s);

        // The request schema: the sent members, a key required, none nullable,
        // described by their input notes; the others are not in it.
        const QJsonObject body = schema::object(schema::inputs(kSendable));
        QCOMPARE(body.value(u"properties"_s).toObject().keys(),
                 (QStringList{u"at"_s, u"count"_s, u"key"_s, u"label"_s, u"state"_s}));
        QCOMPARE(body.value(u"required"_s).toArray(), QJsonArray{u"key"_s});
        QCOMPARE(body.value(u"properties"_s).toObject().value(u"at"_s).toObject(),
                 schema::dateTime());
        QCOMPARE(body.value(u"properties"_s).toObject().value(u"label"_s).toObject(),
                 schema::describe(schema::string(2, 5), u"a short label"_s));
    }

    // One name table per enum: the schema's list, the parser's and the order.
    void runStatusNames()
    {
        const QStringList names{u"queued"_s, u"running"_s, u"completed"_s, u"failed"_s,
                                u"cancelled"_s};
        QCOMPARE(shape::namesOf<RunStatus>(), names);
        QCOMPARE(schema::member(kRunFields<Run>, "status", shape::Api).value(u"enum"_s).toArray(),
                 QJsonArray::fromStringList(names));
        QCOMPARE(SyncRequest::statusRank(u"queued"_s), 0);
        QCOMPARE(SyncRequest::statusRank(u"running"_s), 1);
        for (const QString &terminal : names.mid(2))
            QVERIFY(SyncRequest::isTerminal(terminal));
        QCOMPARE(SyncRequest::statusRank(u"paused"_s), -1);
        QVERIFY(shape::enumFrom<RunStatus>(u"failed") == RunStatus::Failed);
        QVERIFY(shape::nameOf(RunStatus::Cancelled) == "cancelled");
    }

    // A share's public view of a run is the members its table marks public, in
    // the tree and in the schema alike: no id, no owner, no counts.
    void publicShapeIsTheMarkedMembers_data() { resources_data(); }
    void publicShapeIsTheMarkedMembers()
    {
        QFETCH(bool, full);
        const QStringList shown{u"created_at"_s, u"evidence"_s,   u"finished_at"_s,
                                u"name"_s,       u"started_at"_s, u"status"_s};
        const QJsonObject tree = shape::toJson<kRunFields<Run>, shape::Public>(sampleRun(full));
        QCOMPARE(tree.keys(), shown);
        const QJsonObject all = sampleRun(full).toJson();
        for (const QString &k : shown)
            QCOMPARE(tree.value(k), all.value(k));

        const QJsonObject pub =
            schema::of(kRunFields<Run>, shape::Public, {{u"extra"_s, schema::boolean(), true}});
        QStringList published = pub.value(u"properties"_s).toObject().keys();
        QVERIFY(published.removeOne(u"extra"_s));
        QCOMPARE(published, shown);
        QCOMPARE(pub.value(u"required"_s).toArray().last().toString(), u"extra"_s);
        QJsonObject withExtra = tree;
        withExtra.insert(u"extra"_s, true);
        const QString none;
        QCOMPARE(problems(pub, withExtra).join(u' '), none);
        QVERIFY(!pub.value(u"properties"_s)
                     .toObject()
                     .value(u"evidence"_s)
                     .toObject()
                     .contains(u"description"_s));
        // The Cloud API's shape is unchanged by the public marks.
        QCOMPARE(shape::toJson<kRunFields<Run>>(sampleRun(full)), all);
    }

    // The BFF publishes the same members without the Cloud API's descriptions.
    void bffShapeDropsDescriptionsOnly()
    {
        const QJsonObject api = schema::of(kRunFields<Run>, shape::Api);
        const QJsonObject bff = schema::of(kRunFields<Run>, shape::Bff);
        QCOMPARE(bff.value(u"required"_s), api.value(u"required"_s));
        const QJsonObject apiProps = api.value(u"properties"_s).toObject();
        const QJsonObject bffProps = bff.value(u"properties"_s).toObject();
        QCOMPARE(bffProps.keys(), apiProps.keys());
        for (const QString &k : apiProps.keys()) {
            QJsonObject a = apiProps.value(k).toObject();
            a.remove(u"description"_s);
            QCOMPARE(bffProps.value(k).toObject(), a);
        }
        QVERIFY(apiProps.value(u"evidence"_s).toObject().contains(u"description"_s));
    }
};

QTEST_GUILESS_MAIN(TestShapes)
#include "tst_shapes.moc"
