// SPDX-License-Identifier: Apache-2.0
// PanelActions, the one shape of a panel action: the service call runs on the pool
// while the panel is busy; then on the GUI thread the status shows the success words
// and the reload runs, or "<what failed>: <why>" in the console's language (never
// the model's English message) stays without a reload; an empty success text
// leaves the status.
#include "ui/common/ErrorText.h"
#include "ui/common/PanelActions.h"

#include <QApplication>
#include <QSemaphore>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;
using namespace wfx;
using wfx::ui::ErrorText;
using wfx::ui::PanelActions;

namespace {

const QString kModelText = u"Your role in this workspace does not allow this."_s;

struct Panel
{
    QObject owner;
    QStringList shown;
    int reloads = 0;
    PanelActions actions{&owner, [this](const QString &text) { shown.append(text); }};
    ~Panel() { actions.waitForAll(); }
};

} // namespace

class TestPanelActions : public QObject
{
    Q_OBJECT

private slots:
    void successShowsTheWordsAndReloads()
    {
        Panel p;
        QSemaphore go;
        Qt::HANDLE workThread = nullptr;
        p.actions.act(
            [&go, &workThread]() -> Result<int> {
                workThread = QThread::currentThreadId();
                go.acquire();
                return 42;
            },
            u"Cannot count"_s, [](int n) { return u"Counted %1."_s.arg(n); },
            [&p] { ++p.reloads; });
        QVERIFY(p.actions.busy());
        QVERIFY(p.shown.isEmpty()); // nothing happens on the GUI thread before the work ends
        go.release();
        QVERIFY(QTest::qWaitFor([&] { return !p.actions.busy(); }));
        QVERIFY(workThread != QThread::currentThreadId());
        QCOMPARE(p.shown, QStringList{u"Counted 42."_s});
        QCOMPARE(p.reloads, 1);
    }

    void failureShowsWhatAndWhyByCodeAndDoesNotReload()
    {
        Panel p;
        bool doneCalled = false;
        p.actions.act([]() -> Status { return Error::forbidden(kModelText); },
                      u"Cannot remove the member"_s,
                      [&doneCalled] {
                          doneCalled = true;
                          return u"Removed."_s;
                      },
                      [&p] { ++p.reloads; });
        QVERIFY(QTest::qWaitFor([&] { return !p.actions.busy(); }));
        QVERIFY(!doneCalled);
        QCOMPARE(p.shown.size(), 1);
        QCOMPARE(p.shown.first(),
                 ErrorText::failure(u"Cannot remove the member"_s, Error::forbidden(kModelText)));
        QVERIFY(p.shown.first().startsWith(u"Cannot remove the member"_s));
        QVERIFY(!p.shown.first().contains(kModelText));
        QCOMPARE(p.reloads, 0);
    }

    void statusSuccessTakesNoValueAndEmptyWordsShowNothing()
    {
        Panel p;
        p.actions.act([]() -> Status { return Ok{}; }, u"Cannot"_s, [] { return QString(); },
                      [&p] { ++p.reloads; });
        QVERIFY(QTest::qWaitFor([&] { return !p.actions.busy(); }));
        QVERIFY(p.shown.isEmpty());
        QCOMPARE(p.reloads, 1);
    }

    void busyUntilTheLastActionEnds()
    {
        Panel p;
        QSemaphore first, second;
        auto waitOn = [](QSemaphore *s) {
            return [s]() -> Status {
                s->acquire();
                return Ok{};
            };
        };
        p.actions.act(
            waitOn(&first), u"a"_s, [] { return u"a done"_s; }, [] {});
        p.actions.act(
            waitOn(&second), u"b"_s, [] { return u"b done"_s; }, [] {});
        first.release();
        QVERIFY(QTest::qWaitFor([&] { return p.shown.size() == 1; }));
        QVERIFY(p.actions.busy());
        second.release();
        QVERIFY(QTest::qWaitFor([&] { return !p.actions.busy(); }));
        QCOMPARE(p.shown, (QStringList{u"a done"_s, u"b done"_s}));
    }
};

QTEST_MAIN(TestPanelActions)
#include "tst_panel_actions.moc"
