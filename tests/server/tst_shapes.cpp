// SPDX-License-Identifier: Apache-2.0
// Resources declared once (models/core/Shape.h): for the run, share, workspace,
// API key and audit entry, the tree (toJson), the bytes written without it
// (writeJson, and for a run the native row's writer) and the published schema
// all come from one field table and agree with each other.
#include "models/accounts/ApiKeyService.h"
#include "models/audit/AuditService.h"
#include "models/runs/RunJson.h"
#include "models/shares/ShareService.h"
#include "models/workspaces/WorkspaceService.h"
#include "server/core/ShapeSchema.h"

#include <QJsonDocument>
#include <QTest>

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
