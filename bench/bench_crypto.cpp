// SPDX-License-Identifier: Apache-2.0
// Cost of the password KDF at the OWASP scrypt settings (all equivalent in
// strength per the OWASP Password Storage Cheat Sheet), of JCS and Ed25519
// verification on a typical manifest, and of SHA-256 token hashing.
#include "models/crypto/Crypto.h"
#include "models/crypto/Jcs.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>

#include <cmath>
#include <cstdio>

using namespace wfx;

template <typename F> double msPer(int n, F &&f)
{
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < n; ++i)
        f();
    return t.nsecsElapsed() / 1e6 / n;
}

int main()
{
    struct P
    {
        quint64 n;
        quint32 r, p;
    };
    for (const P &p : {P{1u << 17, 8, 1}, P{1u << 16, 8, 2}, P{1u << 15, 8, 3}, P{1u << 14, 8, 5},
                       P{1u << 13, 8, 10}}) {
        QString hash;
        const double ms = msPer(5, [&] {
            hash = crypto::hashPassword(QStringLiteral("correct horse battery"), {p.n, p.r, p.p});
        });
        const double vms = msPer(
            5, [&] { crypto::verifyPassword(QStringLiteral("correct horse battery"), hash); });
        std::printf(
            "scrypt N=2^%-2d r=%u p=%-2u  hash %7.1f ms  verify %7.1f ms  memory %6.1f MiB\n",
            int(std::log2(double(p.n))), p.r, p.p, ms, vms, 128.0 * p.r * p.n / 1048576.0);
    }
    QJsonObject manifest;
    for (int i = 0; i < 50; ++i)
        manifest.insert(QStringLiteral("key%1").arg(i),
                        QJsonArray{i, 1.5 * i, QStringLiteral("value %1").arg(i)});
    std::printf("JCS of a 50-key manifest            %8.4f ms\n",
                msPer(2000, [&] { crypto::sha256(jcs::canonicalize(manifest)); }));
    const auto kp = crypto::ed25519Generate();
    const QByteArray msg = jcs::canonicalize(manifest);
    const QByteArray sig = crypto::ed25519Sign(kp.privateKey, msg);
    std::printf("Ed25519 verify                      %8.4f ms\n",
                msPer(2000, [&] { crypto::ed25519Verify(kp.publicKey, msg, sig); }));
    const QByteArray token = crypto::randomToken(QStringLiteral("wfx_"), 32).toLatin1();
    std::printf("SHA-256 of an API key               %8.5f ms\n",
                msPer(100000, [&] { crypto::sha256(token); }));
    return 0;
}
