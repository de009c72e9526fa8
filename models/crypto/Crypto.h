// SPDX-License-Identifier: Apache-2.0
// The few primitives the product needs, on OpenSSL 3.
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace wfx::crypto {

QByteArray randomBytes(int n);
// prefix + base64url(n random bytes), no padding. API keys: randomToken("wfx_", 32).
QString randomToken(const QString &prefix, int nBytes);

QByteArray sha256(const QByteArray &data);
QString sha256Hex(const QByteArray &data);
QByteArray hmacSha256(const QByteArray &key, const QByteArray &data);

bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

// scrypt password hashing. The encoded form carries its parameters so they can
// be raised later without breaking stored hashes: scrypt$N$r$p$salt$hash (base64).
struct ScryptParams
{
    // OWASP's scrypt settings are equivalent in strength: N=2^17, r=8, p=1 needs
    // 128 MiB per hash, N=2^15, r=8, p=3 needs 32 MiB for about the same work.
    // The latter: a server's peak memory is a login per thread at once (four
    // concurrent logins were 512 MiB), and a hash should not dominate it.
    quint64 n = 1u << 15;
    quint32 r = 8;
    quint32 p = 3;
};
ScryptParams defaultScryptParams();
// Tests lower the cost process-wide; production never calls this.
void setDefaultScryptParams(const ScryptParams &params);
QString hashPassword(const QString &password);
QString hashPassword(const QString &password, const ScryptParams &params);
bool verifyPassword(const QString &password, const QString &encoded);

// Ed25519 on raw keys (32-byte public, 32-byte private seed, 64-byte signature).
bool ed25519Verify(const QByteArray &publicKey, const QByteArray &message,
                   const QByteArray &signature);
struct Ed25519KeyPair
{
    QByteArray privateKey; // 32-byte seed
    QByteArray publicKey;  // 32 bytes
};
Ed25519KeyPair ed25519Generate();
std::optional<QByteArray> ed25519PublicFromPrivate(const QByteArray &privateKey);
QByteArray ed25519Sign(const QByteArray &privateKey, const QByteArray &message);

} // namespace wfx::crypto
