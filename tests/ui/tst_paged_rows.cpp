// SPDX-License-Identifier: Apache-2.0
// PagedRows, the row store of the paged table models: rows keep their order and
// index across chunk boundaries, appending a page touches only that page (no row
// already loaded is copied, moved or relocated), iteration, clear and take.
#include "ui/common/PagedRows.h"

#include <QString>
#include <QTest>

#include <vector>

using wfx::ui::PagedRows;

namespace {

// Counts every copy and move, so a test can see which rows an append touched.
struct Counted
{
    static inline int constructions = 0;
    int value = 0;
    Counted(int v = 0) : value(v) {}
    Counted(const Counted &o) : value(o.value) { ++constructions; }
    Counted(Counted &&o) noexcept : value(o.value) { ++constructions; }
    Counted &operator=(const Counted &o)
    {
        value = o.value;
        ++constructions;
        return *this;
    }
    Counted &operator=(Counted &&o) noexcept
    {
        value = o.value;
        ++constructions;
        return *this;
    }
};

QList<QString> page(int first, int count)
{
    QList<QString> out;
    for (int i = 0; i < count; ++i)
        out.append(QString::number(first + i));
    return out;
}

} // namespace

class TestPagedRows : public QObject
{
    Q_OBJECT
private slots:
    void emptyRows()
    {
        PagedRows<QString> rows;
        QVERIFY(rows.isEmpty());
        QCOMPARE(rows.size(), 0);
        QVERIFY(rows.begin() == rows.end());
        QVERIFY(rows.take().isEmpty());
    }

    void indexAcrossChunks_data()
    {
        QTest::addColumn<int>("pageSize");
        QTest::addColumn<int>("pages");
        QTest::newRow("pages of 200") << 200 << 13;
        QTest::newRow("one row a page") << 1 << int(PagedRows<QString>::kChunk) + 3;
        QTest::newRow("exactly a chunk") << int(PagedRows<QString>::kChunk) << 3;
        QTest::newRow("more than a chunk") << int(PagedRows<QString>::kChunk) * 2 + 7 << 4;
        QTest::newRow("uneven, with an empty page") << 0 << 1;
    }
    void indexAcrossChunks()
    {
        QFETCH(int, pageSize);
        QFETCH(int, pages);
        PagedRows<QString> rows;
        for (int p = 0; p < pages; ++p)
            rows.append(page(p * pageSize, pageSize));
        rows.append(page(pages * pageSize, 5)); // a short last page
        const int total = pages * pageSize + 5;
        QCOMPARE(rows.size(), total);
        QCOMPARE(rows.isEmpty(), total == 0);
        for (int i = 0; i < total; ++i)
            QCOMPARE(rows.at(i), QString::number(i));
        QCOMPARE(rows[total - 1], QString::number(total - 1));
        int expected = 0;
        for (const QString &s : rows)
            QCOMPARE(s, QString::number(expected++));
        QCOMPARE(expected, total);
        QCOMPARE(std::distance(rows.begin(), rows.end()), total);
    }

    // The point of the container: rows already loaded never move.
    void appendKeepsLoadedRowsInPlace()
    {
        PagedRows<QString> rows;
        rows.append(page(0, 200));
        std::vector<const QString *> addresses;
        for (int i = 0; i < 200; ++i)
            addresses.push_back(&rows.at(i));
        for (int p = 1; p < 100; ++p)
            rows.append(page(p * 200, 200));
        QCOMPARE(rows.size(), 20000);
        for (int i = 0; i < 200; ++i) {
            QCOMPARE(&rows.at(i), addresses[size_t(i)]);
            QCOMPARE(rows.at(i), QString::number(i));
        }
    }

    // Appending the n-th page copies that page's rows and no others.
    void appendCopiesOnlyThePage()
    {
        PagedRows<Counted> rows;
        QList<Counted> p;
        for (int i = 0; i < 200; ++i)
            p.append(Counted(i));
        for (int n = 0; n < 50; ++n) {
            Counted::constructions = 0;
            rows.append(p);
            QCOMPARE(Counted::constructions, 200);
        }
        QCOMPARE(rows.size(), 10000);
        QCOMPARE(rows.at(9999).value, 199);
        QCOMPARE(rows.at(5000).value, 0);
    }

    void clearAndTake()
    {
        PagedRows<QString> rows;
        rows.append(page(0, 1000));
        auto chunks = rows.take();
        QVERIFY(rows.isEmpty());
        QCOMPARE(rows.size(), 0);
        qsizetype inChunks = 0;
        for (const auto &chunk : chunks)
            inChunks += chunk.size();
        QCOMPARE(inChunks, 1000);
        QCOMPARE(chunks.constFirst().constFirst(), QStringLiteral("0"));
        QCOMPARE(chunks.constLast().constLast(), QStringLiteral("999"));

        // Usable again after take and after clear.
        rows.append(page(7, 3));
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(0), QStringLiteral("7"));
        rows.clear();
        QVERIFY(rows.isEmpty());
        QVERIFY(rows.begin() == rows.end());
        rows.append(page(0, 300));
        QCOMPARE(rows.at(299), QStringLiteral("299"));
    }
};

QTEST_APPLESS_MAIN(TestPagedRows)
#include "tst_paged_rows.moc"
