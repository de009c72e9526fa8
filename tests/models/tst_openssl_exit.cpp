// SPDX-License-Identifier: Apache-2.0
// A thread that used OpenSSL and is still ending while the process exits must
// not lose its OpenSSL state (models/crypto/Crypto.cpp). A QThread is
// detached: wait() returns before the thread runs its exit handlers, so an
// ApiServer worker or a pool thread can still be ending during exit(). Here
// that is made certain: the thread's exit is held until every atexit handler
// registered after this test's has run (OpenSSL's cleanup, if it registered
// one) and then finishes before LeakSanitizer's check at the very end.
// The finding is LeakSanitizer's, so this test fails only in the sanitized
// suite (scripts/sanitize-test.sh): "904 byte(s) leaked ... CRYPTO_zalloc"
// and a non-zero exit. It is the only test in its binary: it owns the exit.
#include "models/crypto/Crypto.h"

#include <QTest>
#include <QThread>

#include <openssl/err.h>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace {
std::atomic<bool> g_release{false};
std::atomic<bool> g_ended{false};
pthread_key_t g_holdKey;  // created before OpenSSL's thread keys: its destructor runs first
pthread_key_t g_endedKey; // created after them: its destructor runs last

// Bounded, so a mistake here can never hang the suite.
void waitFor(const std::atomic<bool> &flag)
{
    for (int i = 0; i < 10000 && !flag.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}
} // namespace

class TestOpenSslExit : public QObject
{
    Q_OBJECT
private slots:
    void threadStillEndingAtExitKeepsNoOpenSslState()
    {
        // Runs after the atexit handlers registered from here on (OpenSSL's, if it
        // registers one on first use below) and before LeakSanitizer's.
        std::atexit([] {
            g_release = true;
            waitFor(g_ended);
        });
        QCOMPARE(pthread_key_create(&g_holdKey, [](void *) { waitFor(g_release); }), 0);

        QByteArray digest;
        std::unique_ptr<QThread> worker(QThread::create([&] {
            pthread_setspecific(g_holdKey, &g_holdKey);
            digest = wfx::crypto::sha256Hex("abc").toLatin1();
            ERR_clear_error(); // makes this thread's error queue, as any failed OpenSSL call does
            if (pthread_key_create(&g_endedKey, [](void *) { g_ended = true; }) == 0)
                pthread_setspecific(g_endedKey, &g_endedKey);
        }));
        worker->start();
        QVERIFY(worker->wait());
        // wait() has returned; the thread itself is held in its exit handlers until exit().
        QCOMPARE(digest,
                 QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QVERIFY(!g_ended.load());
    }
};

QTEST_GUILESS_MAIN(TestOpenSslExit)
#include "tst_openssl_exit.moc"
