// SPDX-License-Identifier: Apache-2.0
// NativeQuery (statements on the sqlite3 / PGconn handle under QtSql): typed
// binds and columns, UTF-8 text as stored, NULLs, repeated placeholders, the
// per-connection statement cache (reuse, a busy statement, a connection that
// closes), sharing the transaction with Query and Tx, and errors. Then the
// writers built on it: JsonWriter's UTF-8 strings and times against Qt's own
// output, and RunService::writeList against QJsonDocument of list(). Runs on
// SQLite and PostgreSQL.
#include "TestStore.h"

#include "models/core/Access.h"
#include "models/core/JsonWriter.h"
#include "models/db/NativeQuery.h"
#include "models/runs/RunService.h"
#include "models/workspaces/WorkspaceService.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

using namespace wfx;

namespace {
constexpr qint64 kYear1 = -62135596800000; // 0001-01-01T00:00:00Z

// Strings that exercise every escaping rule: quotes, backslashes, controls,
// DEL, 2-, 3- and 4-byte characters.
const QList<QByteArray> kTexts = {
    QByteArray(""),
    QByteArray("plain ascii"),
    QByteArray("quote \" backslash \\ slash /"),
    QByteArray("controls \x01\x08\x09\x0a\x0c\x0d\x1f and DEL \x7f"),
    QByteArray("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x9a\x80 \xef\xbb\xbf"),
    QByteArray(
        "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf"), // boundaries
};
} // namespace

class TestNativeQuery : public QObject
{
    Q_OBJECT
    std::unique_ptr<wfxtest::TestStore> s;

    void makeTable()
    {
        QSqlQuery q(s->db->connection()); // DDL: PostgreSQL prepares no CREATE
        QVERIFY2(
            q.exec(
                u"CREATE TABLE nq (id INTEGER PRIMARY KEY, t TEXT, i BIGINT, d DOUBLE PRECISION)"_s),
            qPrintable(q.lastError().text()));
    }
    void insert(qint64 id, const std::optional<QByteArray> &t, std::optional<qint64> i,
                std::optional<double> d)
    {
        NativeQuery q(s->db->connection(), "INSERT INTO nq (id, t, i) VALUES ($1, $2, $3)");
        q.bind(1, id);
        t ? q.bind(2, QByteArrayView(*t)) : q.bindNull(2);
        i ? q.bind(3, *i) : q.bindNull(3);
        QVERIFY2(q.exec(), qPrintable(q.errorText()));
        QVERIFY(!q.next());
        QVERIFY(q.errorText().isEmpty());
        if (d) { // NativeQuery binds text and integers; doubles go in through Query
            Query u(s->db->connection(), u"UPDATE nq SET d = :d WHERE id = :id"_s);
            u.bind(u":d"_s, *d).bind(u":id"_s, id);
            QVERIFY(u.exec());
        }
    }

private slots:
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        s = std::make_unique<wfxtest::TestStore>(backend);
        makeTable();
    }
    void cleanup() { s.reset(); }

    void typedColumnsAndNulls()
    {
        for (int k = 0; k < kTexts.size(); ++k)
            insert(k + 1, kTexts[k], qint64(k) * 1000, 0.5 + k);
        insert(100, std::nullopt, std::nullopt, std::nullopt);
        insert(101, QByteArray("extremes"), std::numeric_limits<qint64>::min(), -0.0);
        insert(102, QByteArray("extremes"), std::numeric_limits<qint64>::max(), 1e300);
        insert(103, QByteArray("fractions"), -1, 0.1);

        NativeQuery q(s->db->connection(), "SELECT id, t, i, d FROM nq ORDER BY id");
        QVERIFY(q.exec());
        int rows = 0;
        while (q.next()) {
            const qint64 id = q.i64(0);
            if (id <= kTexts.size()) {
                QCOMPARE(q.text(1).toByteArray(), kTexts[id - 1]);
                QVERIFY(!q.isNull(1));
                QCOMPARE(q.i64(2), (id - 1) * 1000);
                QCOMPARE(q.dbl(3), 0.5 + double(id - 1));
            } else if (id == 100) {
                QVERIFY(q.isNull(1));
                QVERIFY(q.isNull(2));
                QVERIFY(q.isNull(3));
            } else if (id == 101) {
                QCOMPARE(q.i64(2), std::numeric_limits<qint64>::min());
                QVERIFY(std::signbit(q.dbl(3)) ||
                        q.dbl(3) == 0.0); // PostgreSQL may print -0 as "-0"
            } else if (id == 102) {
                QCOMPARE(q.i64(2), std::numeric_limits<qint64>::max());
                QCOMPARE(q.dbl(3), 1e300);
            } else if (id == 103) {
                QCOMPARE(q.i64(2), qint64(-1));
                QCOMPARE(q.dbl(3), 0.1); // shortest round-trip text on PostgreSQL
            }
            ++rows;
        }
        QCOMPARE(rows, kTexts.size() + 4);
        QVERIFY(q.errorText().isEmpty());
    }

    void repeatedAndReorderedPlaceholders()
    {
        insert(1, QByteArray("a"), 10, {});
        insert(2, QByteArray("b"), 20, {});
        insert(3, QByteArray("c"), 30, {});
        // $2 before $1, and $1 twice.
        NativeQuery q(s->db->connection(),
                      "SELECT id FROM nq WHERE i > $2 AND (id = $1 OR i = $1 * 10) ORDER BY id");
        q.bind(1, qint64(3)).bind(2, qint64(15));
        QVERIFY(q.exec());
        QVERIFY(q.next());
        QCOMPARE(q.i64(0), qint64(3));
        QVERIFY(!q.next());
    }

    void cachedStatementIsReusedWithNewBindings()
    {
        for (int k = 1; k <= 5; ++k)
            insert(k, QByteArray::number(k), k, {});
        for (int k = 1; k <= 5; ++k) {
            NativeQuery q(s->db->connection(), "SELECT t FROM nq WHERE id = $1");
            q.bind(1, qint64(k));
            QVERIFY(q.exec());
            QVERIFY(q.next());
            QCOMPARE(q.text(0).toByteArray(), QByteArray::number(k));
            QVERIFY(!q.next());
        }
        // The same SQL while it is open further up: a statement of its own.
        NativeQuery outer(s->db->connection(), "SELECT t FROM nq WHERE id = $1");
        outer.bind(1, qint64(1));
        QVERIFY(outer.exec());
        QVERIFY(outer.next());
        {
            NativeQuery inner(s->db->connection(), "SELECT t FROM nq WHERE id = $1");
            inner.bind(1, qint64(2));
            QVERIFY(inner.exec());
            QVERIFY(inner.next());
            QCOMPARE(inner.text(0).toByteArray(), QByteArray("2"));
        }
        QCOMPARE(outer.text(0).toByteArray(), QByteArray("1"));
    }

    void aClosedConnectionDropsItsStatements()
    {
        insert(1, QByteArray("x"), 1, {});
        {
            NativeQuery q(s->db->connection(), "SELECT t FROM nq WHERE id = $1");
            q.bind(1, qint64(1));
            QVERIFY(q.exec() && q.next());
        }
        s->db->closeConnection(); // the statement must go with the connection
        NativeQuery q(s->db->connection(), "SELECT t FROM nq WHERE id = $1");
        q.bind(1, qint64(1));
        QVERIFY2(q.exec(), qPrintable(q.errorText()));
        QVERIFY(q.next());
        QCOMPARE(q.text(0).toByteArray(), QByteArray("x"));
    }

    void sharesTheTransaction()
    {
        auto began = Tx::begin(*s->db);
        QVERIFY(began.ok());
        Tx &tx = *began;
        Query ins = tx.query(u"INSERT INTO nq (id, t) VALUES (7, 'in tx')"_s);
        QVERIFY(ins.exec());
        {
            NativeQuery q(tx.conn(), "SELECT t FROM nq WHERE id = $1");
            q.bind(1, qint64(7));
            QVERIFY(q.exec());
            QVERIFY(q.next()); // the uncommitted row is seen: same connection, same transaction
            QCOMPARE(q.text(0).toByteArray(), QByteArray("in tx"));
        }
        tx.rollback();
        NativeQuery q(s->db->connection(), "SELECT t FROM nq WHERE id = $1");
        q.bind(1, qint64(7));
        QVERIFY(q.exec());
        QVERIFY(!q.next());
        QVERIFY(q.errorText().isEmpty());
    }

    void errorsAreReported()
    {
        NativeQuery bad(s->db->connection(), "SELECT nope FROM no_such_table WHERE id = $1");
        bad.bind(1, qint64(1));
        QVERIFY(!bad.exec());
        QVERIFY(!bad.errorText().isEmpty());
        QVERIFY(!bad.next());
        QCOMPARE(bad.error().code, ErrorCode::Internal);
        // A runtime error (a duplicate key) fails exec() on both dialects.
        insert(1, QByteArray("dup"), 1, {});
        NativeQuery dup(s->db->connection(), "INSERT INTO nq (id, t) VALUES ($1, $2)");
        dup.bind(1, qint64(1)).bind(2, QByteArrayView("again"));
        QVERIFY(!dup.exec());
        QVERIFY(!dup.errorText().isEmpty());
        // The connection is still good.
        NativeQuery ok(s->db->connection(), "SELECT COUNT(*) FROM nq");
        QVERIFY(ok.exec() && ok.next());
        QCOMPARE(ok.i64(0), qint64(1));
    }

    void utf8StringsAreWhatQtWrites()
    {
        QList<QByteArray> cases = kTexts;
        // Not UTF-8: overlong, encoded surrogate, truncated, stray bytes, above U+10FFFF.
        cases << QByteArray("\xc0\xaf") << QByteArray("\xed\xa0\x80") << QByteArray("ab\xe6\x97")
              << QByteArray("\xff\xfe x") << QByteArray("\xf4\x90\x80\x80") << QByteArray("\x80")
              << QByteArray("a\xc3");
        QRandomGenerator rng(42);
        for (int k = 0; k < 2000; ++k) {
            QByteArray b(int(rng.bounded(12)), Qt::Uninitialized);
            for (char &c : b)
                c = char(rng.bounded(256));
            cases << b;
        }
        for (const QByteArray &c : cases) {
            const QString asString = QString::fromUtf8(c);
            const QByteArray expected =
                QJsonDocument(QJsonArray{asString}).toJson(QJsonDocument::Compact);
            JsonWriter w;
            w.beginArray().stringUtf8(c).endArray();
            QVERIFY2(w.bytes() == expected, c.toHex().constData());
            QByteArray out;
            JsonWriter::appendEscapedUtf8(out, c);
            QByteArray viaQString;
            JsonWriter::appendEscaped(viaQString, asString);
            QCOMPARE(out, viaQString);
        }
    }

    void timesAreWhatFormatTimeWrites()
    {
        const qint64 cases[] = {0,
                                1,
                                -1,
                                999,
                                -999,
                                -1000,
                                1'800'000'000'123,
                                253402300799999,
                                253402300800000,
                                -62167219200000,
                                -62167219200001,
                                std::numeric_limits<qint64>::min() / 2};
        for (qint64 ms : cases) {
            JsonWriter w;
            w.beginArray().time(ms).endArray();
            const QByteArray expected =
                QJsonDocument(QJsonArray{ids::formatTime(ms)}).toJson(QJsonDocument::Compact);
            QVERIFY2(w.bytes() == expected, qPrintable(QString::number(ms)));
            // Qt's calendar has no year 0: compare from year 1 on.
            if (ms >= kYear1 && ms <= 253402300799999)
                QCOMPARE(ids::formatTime(ms),
                         QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs));
        }
        QRandomGenerator rng(7);
        for (int k = 0; k < 5000; ++k) {
            const qint64 ms = qint64(rng.bounded(253402300799999.0)) - (k % 2 ? -kYear1 : 0);
            char buf[24];
            QVERIFY(ids::formatTime(ms, buf));
            QCOMPARE(QString::fromLatin1(buf, 24),
                     QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs));
        }
    }

    void runPagesAreWhatQJsonDocumentWrites()
    {
        useFastHashing();
        const QString alice = s->createUser(u"alice@example.com"_s);
        const QString bob = s->createUser(u"bob@example.com"_s);
        WorkspaceService w(s->ctx);
        const QString ws1 = w.create(s->actor(alice), u"one"_s)->id;
        const QString ws2 = w.create(s->actor(alice), u"two"_s)->id;
        const QString ws3 = w.create(s->actor(bob), u"bob's"_s)->id;
        const QString p1 = w.createProject(s->actor(alice), ws1, u"p1"_s)->id;
        const QString p2 = w.createProject(s->actor(alice), ws2, u"p2"_s)->id;
        const QString p3 = w.createProject(s->actor(bob), ws3, u"p3"_s)->id;
        const QString statuses[] = {u"queued"_s, u"running"_s, u"completed"_s, u"failed"_s};
        const QString evidences[] = {u"verified"_s, u"unverified"_s, u"unsigned"_s};
        for (int k = 0; k < 60; ++k) {
            const QString proj = k % 3 == 0 ? p1 : k % 3 == 1 ? p2 : p3;
            const QString ws = k % 3 == 0 ? ws1 : k % 3 == 1 ? ws2 : ws3;
            Query q(s->db->connection(), u"INSERT INTO runs (id, project_id, workspace_id, "
                                         u"client_run_id, name, status, started_at, "
                                         "finished_at, created_at, manifest, evidence, "
                                         "metric_count, log_bytes) VALUES (:id, :p, :w, :c, "
                                         ":n, :s, :st, :fi, :t, '{}', :e, :mc, :lb)"_s);
            q.bind(u":id"_s, ids::newUuid())
                .bind(u":p"_s, proj)
                .bind(u":w"_s, ws)
                .bind(u":c"_s, u"client \"%1\" \\ "_s.arg(k))
                .bind(u":n"_s, k % 5 == 0 ? u"Läufer 日本 🚀 %1\n"_s.arg(k) : u"run-%1"_s.arg(k))
                .bind(u":s"_s, statuses[k % 4])
                .bind(u":st"_s, k % 2 ? QVariant(qint64(1'700'000'000'000) + k)
                                      : QVariant(QMetaType(QMetaType::LongLong)))
                .bind(u":fi"_s, k % 4 == 2 ? QVariant(qint64(1'700'000'100'000) + k)
                                           : QVariant(QMetaType(QMetaType::LongLong)))
                // Several runs in one millisecond: the cursor's id tie-break shows.
                .bind(u":t"_s, qint64(1'800'000'000'000) + k / 4)
                .bind(u":e"_s, evidences[k % 3])
                .bind(u":mc"_s, qint64(k) * 1001)
                .bind(u":lb"_s, qint64(k) * 7);
            QVERIFY(q.exec());
        }
        RunService runs(s->ctx);
        struct Case
        {
            Actor actor;
            RunFilter filter;
        };
        RunFilter all, onlyWs2, onlyP1, completed, verified, text, foreign;
        onlyWs2.workspaceId = ws2;
        onlyP1.projectId = p1;
        completed.status = u"completed"_s;
        verified.evidence = u"verified"_s;
        text.text = u"läufer"_s;
        foreign.workspaceId = ws3;
        const QList<Case> cases = {
            {s->actor(alice), all},       {s->actor(alice), onlyWs2},  {s->actor(alice), onlyP1},
            {s->actor(alice), completed}, {s->actor(alice), verified}, {s->actor(alice), text},
            {Actor::system(), all},       {s->actor(bob), all},        {s->actor(alice), foreign}};
        int pagesCompared = 0;
        for (const Case &c : cases) {
            for (int limit : {1, 7, 50}) {
                QString cursor;
                int guard = 0;
                do {
                    auto page = runs.list(c.actor, c.filter, limit, cursor);
                    JsonWriter out;
                    const Status written = runs.writeList(out, c.actor, c.filter, limit, cursor);
                    QCOMPARE(written.ok(), page.ok());
                    if (!page) {
                        QCOMPARE(written.error().code, page.error().code);
                        break;
                    }
                    QJsonArray items;
                    for (const Run &r : page->items)
                        items.append(r.toJson());
                    const QJsonObject expected{
                        {u"items"_s, items},
                        {u"next_cursor"_s, page->nextCursor.isEmpty()
                                               ? QJsonValue(QJsonValue::Null)
                                               : QJsonValue(page->nextCursor)}};
                    QCOMPARE(out.bytes(), QJsonDocument(expected).toJson(QJsonDocument::Compact));
                    ++pagesCompared;
                    cursor = page->nextCursor;
                } while (!cursor.isEmpty() && ++guard < 100);
            }
        }
        QVERIFY(pagesCompared > 60);
        // The other workspace's runs stay invisible: a 404, as list() answers.
        JsonWriter none;
        QCOMPARE(runs.writeList(none, s->actor(bob), onlyWs2, 10, {}).error().code,
                 ErrorCode::NotFound);
    }

private:
    static void useFastHashing() { wfxtest::useFastPasswordHashing(); }
};

QTEST_GUILESS_MAIN(TestNativeQuery)
#include "tst_native_query.moc"
