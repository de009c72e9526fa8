// SPDX-License-Identifier: Apache-2.0
// The free parts of runs: log slicing by UTF-8 bytes, signature checks and the
// compliance mapping, page limits, and row mapping on each backend: the run's
// row (and a test-only table's) read, inserted and updated from its field table.
#include "TestStore.h"

#include "models/core/Cursor.h"
#include "models/core/JsonWriter.h"
#include "models/core/ShapeColumns.h"
#include "models/crypto/Crypto.h"
#include "models/db/NativeQuery.h"
#include "models/db/Row.h"
#include "models/runs/LogSlicing.h"
#include "models/runs/RunCompliance.h"
#include "models/runs/RunJson.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace wfx;
using namespace Qt::StringLiterals;

namespace {

// A test-only row and table: a JSON member that is stored, a column that is
// not in the JSON, and (in kProbePlusFields) one field more.
struct Probe
{
    QString id, label, secret;
    qint64 weight = 0;
    std::optional<qint64> seenAt;
};
template <typename Row>
inline constexpr auto kProbeFields = std::tuple{
    shape::field("id", &Row::id, shape::uuid()).stored(shape::Update::Never),
    shape::field("label", &Row::label, shape::text()).stored(),
    shape::field("seen_at", &Row::seenAt, shape::instant().orNull()).stored(),
    shape::columnOnly("secret", &Row::secret, shape::text().orNull(), shape::Update::Never)};
template <typename Row>
inline constexpr auto kProbePlusFields = std::tuple_cat(
    kProbeFields<Row>, std::tuple{shape::field("weight", &Row::weight, shape::integer()).stored()});

// The row `sql` selects, through a Query and through a NativeQuery.
template <const auto &Fields, typename Row>
std::pair<Row, Row> readBothWays(const QSqlDatabase &conn, const QString &sql)
{
    std::pair<Row, Row> out;
    {
        Query q(conn, sql);
        if (!q.exec() || !q.next())
            qFatal("select failed: %s", qPrintable(q.errorText()));
        shape::readColumns<Fields>(q, out.first);
    }
    const QByteArray native = sql.toUtf8();
    NativeQuery n(conn, native.constData());
    if (!n.exec() || !n.next())
        qFatal("native select failed: %s", qPrintable(n.errorText()));
    shape::readColumns<Fields>(n, out.second);
    return out;
}

// INSERT INTO `table` the table's columns, bound from the row.
template <const auto &Fields, typename Row>
bool insertRow(const QSqlDatabase &conn, const QString &table, const Row &row,
               const QString &extraColumns = {}, const QString &extraValues = {})
{
    Query q(conn, u"INSERT INTO "_s + table + u" ("_s + shape::columns<Fields>(u"%1"_s) +
                      extraColumns + u") VALUES ("_s + shape::columns<Fields>(u":%1"_s) +
                      extraValues + u")"_s);
    shape::bindColumns<Fields>(q, row);
    return q.exec();
}

template <const auto &Fields, typename Row> QByteArray jsonOf(const Row &row)
{
    JsonWriter w;
    shape::writeJson<Fields>(w, row);
    return w.take();
}

} // namespace

class TestRunParts : public QObject
{
    Q_OBJECT
private slots:
    void sliceLog_data()
    {
        QTest::addColumn<QByteArray>("log");
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<QString>("content");
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("next");
        const QByteArray mixed = u"aé€😀b"_s.toUtf8(); // 1 + 2 + 3 + 4 + 1 bytes
        QTest::newRow("ascii whole")
            << QByteArray("hello") << 0LL << 64LL << u"hello"_s << 0LL << -1LL;
        QTest::newRow("ascii part") << QByteArray("hello") << 1LL << 3LL << u"ell"_s << 1LL << 4LL;
        QTest::newRow("end moves back") << mixed << 0LL << 5LL << u"aé"_s << 0LL << 3LL;
        QTest::newRow("inside a character") << mixed << 2LL << 4LL << u"€"_s << 3LL << 6LL;
        QTest::newRow("limit below a character") << mixed << 6LL << 1LL << u"😀"_s << 6LL << 10LL;
        QTest::newRow("last byte") << mixed << 10LL << 1LL << u"b"_s << 10LL << -1LL;
        QTest::newRow("past the end") << mixed << 20LL << 4LL << QString() << 20LL << -1LL;
        QTest::newRow("empty") << QByteArray() << 0LL << 4LL << QString() << 0LL << -1LL;
    }
    void sliceLog()
    {
        QFETCH(QByteArray, log);
        QFETCH(qint64, offset);
        QFETCH(qint64, limit);
        QFETCH(QString, content);
        QFETCH(qint64, start);
        QFETCH(qint64, next);
        const LogSlice s = wfx::sliceLog(log, offset, limit);
        QCOMPARE(s.content, content);
        QCOMPARE(s.offset, start);
        QCOMPARE(s.nextOffset, next);
        QCOMPARE(s.totalBytes, qint64(log.size()));
    }

    void slicesCoverTheLog()
    {
        const QByteArray log = u"Ω-€-😀-x\n"_s.repeated(7).toUtf8();
        for (qint64 limit = 1; limit <= 9; ++limit) {
            QByteArray joined;
            qint64 at = 0;
            while (at >= 0) {
                const LogSlice s = wfx::sliceLog(log, at, limit);
                QCOMPARE(s.offset, at);
                joined += s.content.toUtf8();
                at = s.nextOffset;
            }
            QCOMPARE(joined, log);
        }
    }

    void strictBase64()
    {
        const auto hi = compliance::strictBase64(u"aGk="_s);
        QVERIFY(hi);
        QCOMPARE(*hi, QByteArray("hi"));
        QVERIFY(!compliance::strictBase64(u"aGk"_s));   // no padding
        QVERIFY(!compliance::strictBase64(u"aG k="_s)); // not the alphabet
        QVERIFY(!compliance::strictBase64(u"aGl="_s));  // non-canonical trailing bits
        QVERIFY(!compliance::strictBase64(u"aGk€"_s));  // not Latin-1
        QVERIFY(!compliance::strictBase64(u"aGk-"_s));  // base64url is not base64
    }

    void verifySignature()
    {
        const auto pair = crypto::ed25519Generate();
        const QByteArray message = "{\"a\":1}";
        const QByteArray sig = crypto::ed25519Sign(pair.privateKey, message);
        const SignatureInput good{u"ed25519"_s, QString::fromLatin1(pair.publicKey.toBase64()),
                                  QString::fromLatin1(sig.toBase64())};
        QVERIFY(compliance::verifySignature(good, message));
        QVERIFY(!compliance::verifySignature(good, "{\"a\":2}"));
        SignatureInput shortKey = good;
        shortKey.publicKey = QString::fromLatin1(pair.publicKey.left(31).toBase64());
        QVERIFY(!compliance::verifySignature(shortKey, message));
        SignatureInput loose = good;
        loose.sig = QString::fromLatin1(sig.toBase64(QByteArray::OmitTrailingEquals));
        QVERIFY(!compliance::verifySignature(loose, message));
    }

    void mapping()
    {
        const auto items = compliance::mappingFor({u"verified"_s, u"abc"_s, 2, 10, 3});
        QCOMPARE(items.size(), qsizetype(4));
        QStringList controls, statuses;
        for (const auto &i : items) {
            QCOMPARE(i.framework, RunService::kFramework);
            controls << i.control;
            statuses << i.status;
        }
        QCOMPARE(controls, (QStringList{u"integrity.signature"_s, u"provenance.manifest"_s,
                                        u"reproducibility.metrics"_s, u"audit.logged"_s}));
        QCOMPARE(statuses, QStringList(4, u"satisfied"_s));
        QVERIFY(items.at(0).evidence.contains(u"abc"_s));
        QCOMPARE(items.at(2).evidence, u"10 points in 3 series."_s);

        const auto bare = compliance::mappingFor({u"unsigned"_s, u"abc"_s, 0, 0, 0});
        QCOMPARE(bare.at(0).status, u"not_satisfied"_s);
        QCOMPARE(bare.at(1).status, u"not_satisfied"_s);
        QCOMPARE(bare.at(2).status, u"not_satisfied"_s);
        QCOMPARE(bare.at(3).status, u"satisfied"_s);
        QCOMPARE(compliance::mappingFor({u"unverified"_s, {}, 1, 0, 0}).at(0).evidence,
                 u"A signature is present but does not verify."_s);
        QCOMPARE(compliance::metricsItem(0, 0).evidence, u"No metrics were recorded."_s);
    }

    void seriesIn()
    {
        const QList<MetricInput> points{
            {u"loss"_s, 1, 0.5}, {u"loss"_s, 2, 0.4}, {u"acc"_s, 1, 0.1}, {u"loss"_s, 3, 0.3}};
        QCOMPARE(compliance::seriesIn(points), qsizetype(2));
        QCOMPARE(compliance::seriesIn({}), qsizetype(0));
    }

    void checkLimit()
    {
        QVERIFY(cursor::checkLimit(1).ok());
        QVERIFY(cursor::checkLimit(cursor::kMaxLimit).ok());
        for (int bad : {0, -1, cursor::kMaxLimit + 1}) {
            const Status s = cursor::checkLimit(bad);
            QVERIFY(!s.ok());
            QCOMPARE(s.error().code, ErrorCode::Validation);
            QCOMPARE(s.error().details.size(), qsizetype(1));
            QCOMPARE(s.error().details.at(0).field, u"limit"_s);
            QCOMPARE(s.error().message, u"limit must be between 1 and 200."_s);
        }
        QVERIFY(cursor::checkLimit(5000, 5000).ok());
        QCOMPARE(cursor::checkLimit(5001, 5000).error().message,
                 u"limit must be between 1 and 5000."_s);
    }

    // The signature's and the compliance item's JSON from their field tables:
    // the objects the hand-written toJson made.
    void signatureAndComplianceJson()
    {
        RunSignature s;
        s.runId = u"00000000-0000-4000-8000-000000000001"_s;
        s.evidence = u"unsigned"_s;
        QCOMPARE(s.toJson(), (QJsonObject{{u"run_id"_s, s.runId},
                                          {u"evidence"_s, s.evidence},
                                          {u"signature"_s, QJsonValue(QJsonValue::Null)}}));
        s.present = true;
        s.evidence = u"verified"_s;
        s.alg = u"ed25519"_s;
        s.publicKey = u"pk"_s;
        s.sig = u"sg"_s;
        s.signedSha256 = u"ab"_s;
        s.verified = true;
        s.checkedAt = 1'800'000'000'123;
        QCOMPARE(s.toJson(), (QJsonObject{{u"run_id"_s, s.runId},
                                          {u"evidence"_s, u"verified"_s},
                                          {u"alg"_s, u"ed25519"_s},
                                          {u"public_key"_s, u"pk"_s},
                                          {u"sig"_s, u"sg"_s},
                                          {u"verified"_s, true},
                                          {u"signed_sha256"_s, u"ab"_s},
                                          {u"checked_at"_s, ids::formatTime(s.checkedAt)}}));
        const ComplianceItem item{u"f"_s, u"c"_s, u"satisfied"_s, u"e"_s};
        QCOMPARE(item.toJson(), (QJsonObject{{u"framework"_s, u"f"_s},
                                             {u"control"_s, u"c"_s},
                                             {u"status"_s, u"satisfied"_s},
                                             {u"evidence"_s, u"e"_s}}));
        QCOMPARE(shape::columns<kRunSignatureFields>(u"%1"_s),
                 u"run_id, alg, public_key, sig, signed_sha256, verified, checked_at"_s);
    }

    void initTestCase_data() { wfxtest::addBackends(); }

    // The run's SELECT list is its table's stored fields in order: every JSON
    // member but metric_names (not stored), then created_by (not in the JSON).
    // An update writes all but the fields stored once.
    void runColumnsComeFromTheTable()
    {
        QCOMPARE(shape::columns<kRunFields<Run>>(u"r.%1"_s),
                 u"r.id, r.project_id, r.workspace_id, r.client_run_id, r.name, r.status, "
                 "r.started_at, r.finished_at, r.created_at, r.evidence, r.metric_count, "
                 "r.log_bytes, r.created_by"_s);
        QCOMPARE(shape::columns<kRunFields<Run>>(u"%1 = :%1"_s, shape::Columns::Updated),
                 u"name = :name, status = :status, started_at = :started_at, finished_at = "
                 ":finished_at, evidence = :evidence, metric_count = :metric_count, log_bytes "
                 "= :log_bytes"_s);
        QCOMPARE(shape::columnCount<kRunFields<Run>>(), 13);
        QStringList jsonStored;
        std::apply(
            [&](const auto &...f) {
                ((f.name.empty() || f.column.empty()
                      ? void()
                      : void(jsonStored
                             << QString::fromLatin1(f.column.data(), qsizetype(f.column.size())))),
                 ...);
            },
            kRunFields<Run>);
        QCOMPARE(jsonStored.join(u", "_s) + u", created_by"_s,
                 shape::columns<kRunFields<Run>>(u"%1"_s));
        Run r;
        r.createdBy = u"00000000-0000-4000-8000-0000000000bb"_s;
        QVERIFY(!r.toJson().contains(u"created_by"_s));
    }

    // A run written by the table's insert reads back the same through a Query,
    // a NativeQuery (as a Run and as the page writer's RunView), and an update
    // writes the updated fields only.
    void runRowBothWays_data()
    {
        QTest::addColumn<bool>("full");
        QTest::newRow("every field") << true;
        QTest::newRow("nulls") << false;
    }
    void runRowBothWays()
    {
        QFETCH_GLOBAL(QString, backend);
        QFETCH(bool, full);
        wfxtest::TestStore store(backend);
        const QString user = store.createUser(u"alice@example.com"_s);
        WorkspaceService w(store.ctx);
        Run run;
        run.workspaceId = w.create(store.actor(user), u"one"_s)->id;
        run.projectId = w.createProject(store.actor(user), run.workspaceId, u"p"_s)->id;
        run.id = ids::newUuid();
        run.clientRunId = u"client \"1\" Läufer"_s;
        run.name = u"日本 🚀 run"_s;
        run.status = u"running"_s;
        run.evidence = u"unsigned"_s;
        run.createdAt = 1'800'000'000'123;
        if (full) {
            run.startedAt = 1'700'000'000'001;
            run.finishedAt = 1'700'000'000'002;
            run.metricCount = 12;
            run.logBytes = 34;
            run.createdBy = user;
        }
        const QSqlDatabase conn = store.db->connection();
        QVERIFY(insertRow<kRunFields<Run>>(conn, u"runs"_s, run, u", manifest"_s, u", '{}'"_s));
        const QString select = u"SELECT "_s + shape::columns<kRunFields<Run>>(u"r.%1"_s) +
                               u" FROM runs r WHERE r.id = '"_s + run.id + u"'"_s;
        const auto [viaQuery, viaNative] = readBothWays<kRunFields<Run>, Run>(conn, select);
        for (const Run *r : {&viaQuery, &viaNative}) {
            QCOMPARE(r->toJson(), run.toJson());
            QCOMPARE(r->createdBy, run.createdBy);
        }
        {
            const QByteArray sql = select.toUtf8();
            NativeQuery n(conn, sql.constData());
            QVERIFY(n.exec() && n.next());
            const RunView view = runView(n);
            JsonWriter fromView, fromRun;
            writeRunJson(fromView, view);
            run.writeJson(fromRun);
            QCOMPARE(fromView.bytes(), fromRun.bytes());
            QCOMPARE(view.createdBy.toByteArray(), run.createdBy.toUtf8());
        }
        {
            // Ended before the next native read (NativeQuery.h).
            Query isNull(conn, u"SELECT created_by IS NULL, started_at IS NULL FROM runs"_s);
            QVERIFY(isNull.exec() && isNull.next());
            QCOMPARE(isNull.i64(0) != 0, !full);
            QCOMPARE(isNull.i64(1) != 0, !full);
            isNull.raw().finish();
        }

        Run changed = run;
        changed.name = u"renamed"_s;
        changed.status = u"completed"_s;
        changed.finishedAt = 1'700'000'000'009;
        changed.metricCount = 99;
        changed.createdAt = 5;              // stored once: not updated
        changed.createdBy = ids::newUuid(); // stored once: not updated
        changed.clientRunId = u"other"_s;   // stored once: not updated
        {
            Query up(conn,
                     u"UPDATE runs SET "_s +
                         shape::columns<kRunFields<Run>>(u"%1 = :%1"_s, shape::Columns::Updated) +
                         u" WHERE id = :id"_s);
            shape::bindColumns<kRunFields<Run>>(up, changed, shape::Columns::Updated);
            up.bind(u":id"_s, run.id);
            QVERIFY(up.exec());
            QCOMPARE(up.rowsAffected(), 1);
        }
        Run expected = changed;
        expected.createdAt = run.createdAt;
        expected.createdBy = run.createdBy;
        expected.clientRunId = run.clientRunId;
        const auto [afterQuery, afterNative] = readBothWays<kRunFields<Run>, Run>(conn, select);
        for (const Run *r : {&afterQuery, &afterNative}) {
            QCOMPARE(r->toJson(), expected.toJson());
            QCOMPARE(r->createdBy, expected.createdBy);
        }
    }

    // A field added to a table reaches its columns, its reader, its insert and
    // its JSON together; a column-only field is stored but not written.
    void addedFieldReachesEverything()
    {
        QFETCH_GLOBAL(QString, backend);
        wfxtest::TestStore store(backend);
        const QSqlDatabase conn = store.db->connection();
        {
            QSqlQuery ddl(conn); // DDL: PostgreSQL prepares no CREATE
            QVERIFY2(ddl.exec(u"CREATE TABLE shape_probe (id TEXT PRIMARY KEY, label TEXT NOT "
                              "NULL, seen_at BIGINT, secret TEXT, weight BIGINT NOT NULL DEFAULT "
                              "0)"_s),
                     qPrintable(ddl.lastError().text()));
        }
        QCOMPARE(shape::columns<kProbeFields<Probe>>(u"%1"_s), u"id, label, seen_at, secret"_s);
        QCOMPARE(shape::columns<kProbePlusFields<Probe>>(u"%1"_s),
                 u"id, label, seen_at, secret, weight"_s);
        QCOMPARE(shape::columns<kProbePlusFields<Probe>>(u"%1"_s, shape::Columns::Updated),
                 u"label, seen_at, weight"_s);
        QCOMPARE(shape::columnCount<kProbePlusFields<Probe>>(), 5);

        Probe before{u"00000000-0000-4000-8000-000000000001"_s, u"a"_s, u"s"_s, 7, 42};
        Probe plus{u"00000000-0000-4000-8000-000000000002"_s, u"b"_s, QString(), 9, {}};
        QVERIFY(insertRow<kProbeFields<Probe>>(conn, u"shape_probe"_s, before));
        QVERIFY(insertRow<kProbePlusFields<Probe>>(conn, u"shape_probe"_s, plus));
        auto select = [](const QString &columns, const QString &id) -> QString {
            return u"SELECT "_s + columns + u" FROM shape_probe WHERE id = '"_s + id + u"'"_s;
        };
        // The table without weight neither stored nor reads it.
        const auto [q1, n1] = readBothWays<kProbeFields<Probe>, Probe>(
            conn, select(shape::columns<kProbeFields<Probe>>(u"%1"_s), before.id));
        const auto [q1Plus, n1Plus] = readBothWays<kProbePlusFields<Probe>, Probe>(
            conn, select(shape::columns<kProbePlusFields<Probe>>(u"%1"_s), before.id));
        for (const Probe *p : {&q1, &n1}) {
            QCOMPARE(p->label, u"a"_s);
            QCOMPARE(p->secret, u"s"_s);
            QCOMPARE(p->seenAt, std::optional<qint64>(42));
            QCOMPARE(p->weight, qint64(0));
        }
        QCOMPARE(q1Plus.weight, qint64(0));
        QCOMPARE(n1Plus.weight, qint64(0));
        // The table with it stores and reads it, on both paths.
        const auto [q2, n2] = readBothWays<kProbePlusFields<Probe>, Probe>(
            conn, select(shape::columns<kProbePlusFields<Probe>>(u"%1"_s), plus.id));
        for (const Probe *p : {&q2, &n2}) {
            QCOMPARE(p->id, plus.id);
            QCOMPARE(p->label, u"b"_s);
            QVERIFY(p->secret.isEmpty());
            QVERIFY(!p->seenAt);
            QCOMPARE(p->weight, qint64(9));
        }
        Query nulls(conn, u"SELECT secret IS NULL, seen_at IS NULL FROM shape_probe "
                          "WHERE id = :id"_s);
        nulls.bind(u":id"_s, plus.id);
        QVERIFY(nulls.exec() && nulls.next());
        QVERIFY(nulls.i64(0) != 0);
        QVERIFY(nulls.i64(1) != 0);
        nulls.raw().finish();
        // The JSON gains the member; the column-only field is in neither.
        QCOMPARE(jsonOf<kProbeFields<Probe>>(before),
                 QByteArray(R"({"id":"00000000-0000-4000-8000-000000000001","label":"a",)"
                            R"("seen_at":"1970-01-01T00:00:00.042Z"})"));
        QCOMPARE(jsonOf<kProbePlusFields<Probe>>(plus),
                 QByteArray(R"({"id":"00000000-0000-4000-8000-000000000002","label":"b",)"
                            R"("seen_at":null,"weight":9})"));
        QCOMPARE(QJsonDocument(shape::toJson<kProbePlusFields<Probe>>(plus))
                     .toJson(QJsonDocument::Compact),
                 jsonOf<kProbePlusFields<Probe>>(plus));
    }

    void rowRead()
    {
        QFETCH_GLOBAL(QString, backend);
        wfxtest::TestStore store(backend);
        Query q(store.db->connection(),
                u"SELECT 'x', CAST(NULL AS TEXT), 42, CAST(NULL AS BIGINT), 2.5, 1, 0, "
                "CAST(NULL AS BIGINT), 7"_s);
        QVERIFY(q.exec());
        QVERIFY(q.next());
        QString text, none;
        qint64 n = 0, zero = -1;
        double d = 0;
        bool yes = false, no = true;
        std::optional<qint64> absent = 1, present;
        row::read(q, text, none, n, zero, d, yes, no, absent);
        QCOMPARE(text, u"x"_s);
        QVERIFY(none.isEmpty());
        QCOMPARE(n, qint64(42));
        QCOMPARE(zero, qint64(0));
        QCOMPARE(d, 2.5);
        QVERIFY(yes);
        QVERIFY(!no);
        QVERIFY(!absent);
        row::readFrom(q, 8, present);
        QVERIFY(present);
        QCOMPARE(*present, qint64(7));
        QVERIFY(sqlvalue::time(std::nullopt).isNull());
        QCOMPARE(sqlvalue::time(5).toLongLong(), 5LL);
    }
};

QTEST_GUILESS_MAIN(TestRunParts)
#include "tst_run_parts.moc"
