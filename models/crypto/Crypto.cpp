// SPDX-License-Identifier: Apache-2.0
#include "models/crypto/Crypto.h"

#include <QList>
#include <QStringList>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <atomic>
#include <mutex>

namespace wfx::crypto {

namespace {
std::mutex g_paramsMutex;
ScryptParams g_params;

// OpenSSL frees a thread's state (its error queue: 904 bytes) from a
// thread-exit handler, and OPENSSL_cleanup, which it registers with atexit,
// takes that handler away. A QThread is detached: wait() returns before the
// thread has run its exit handlers, so a worker or pool thread can still be
// ending while exit() runs, and its state was then never freed (the
// LeakSanitizer report that lsan.supp once hid as leak:CRYPTO_zalloc). Without
// the atexit cleanup the handler always runs; OpenSSL's global state lasts
// until the process ends. Set before main(): the first OPENSSL_init_crypto
// call decides, and the next could come from libpq or Qt's TLS backend.
// tests/models/tst_openssl_exit.cpp.
[[maybe_unused]] const bool g_openSslNoAtExit =
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;

QByteArray scryptRaw(const QByteArray &password, const QByteArray &salt, const ScryptParams &p,
                     int len)
{
    QByteArray out(len, Qt::Uninitialized);
    // maxmem 0 would mean a 32 MiB cap (PLATFORM.md 8): allow 128*r*N*p plus headroom.
    const quint64 need = 128ull * p.r * p.n * p.p + 128ull * p.r * p.n + (1u << 20);
    if (EVP_PBE_scrypt(password.constData(), size_t(password.size()),
                       reinterpret_cast<const unsigned char *>(salt.constData()),
                       size_t(salt.size()), p.n, p.r, p.p, need + (1u << 24),
                       reinterpret_cast<unsigned char *>(out.data()), size_t(len)) != 1)
        return {};
    return out;
}
} // namespace

QByteArray randomBytes(int n)
{
    QByteArray out(n, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), n) != 1)
        qFatal("RAND_bytes failed");
    return out;
}

QString randomToken(const QString &prefix, int nBytes)
{
    return prefix + QString::fromLatin1(randomBytes(nBytes).toBase64(
                        QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QByteArray sha256(const QByteArray &data)
{
    QByteArray out(SHA256_DIGEST_LENGTH, Qt::Uninitialized);
    SHA256(reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size()),
           reinterpret_cast<unsigned char *>(out.data()));
    return out;
}

QString sha256Hex(const QByteArray &data)
{
    return QString::fromLatin1(sha256(data).toHex());
}

QByteArray hmacSha256(const QByteArray &key, const QByteArray &data)
{
    QByteArray out(32, Qt::Uninitialized);
    size_t outLen = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.constData(), size_t(key.size()),
                   reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size()),
                   reinterpret_cast<unsigned char *>(out.data()), size_t(out.size()), &outLen))
        return {};
    out.resize(qsizetype(outLen));
    return out;
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    return CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
}

ScryptParams defaultScryptParams()
{
    std::lock_guard lock(g_paramsMutex);
    return g_params;
}

void setDefaultScryptParams(const ScryptParams &params)
{
    std::lock_guard lock(g_paramsMutex);
    g_params = params;
}

QString hashPassword(const QString &password)
{
    return hashPassword(password, defaultScryptParams());
}

QString hashPassword(const QString &password, const ScryptParams &params)
{
    const QByteArray salt = randomBytes(16);
    const QByteArray hash = scryptRaw(password.toUtf8(), salt, params, 32);
    if (hash.isEmpty())
        return {};
    return QStringLiteral("scrypt$%1$%2$%3$%4$%5")
        .arg(params.n)
        .arg(params.r)
        .arg(params.p)
        .arg(QString::fromLatin1(salt.toBase64()), QString::fromLatin1(hash.toBase64()));
}

bool verifyPassword(const QString &password, const QString &encoded)
{
    const QStringList parts = encoded.split(QLatin1Char('$'));
    if (parts.size() != 6 || parts[0] != QLatin1String("scrypt"))
        return false;
    bool okN = false, okR = false, okP = false;
    ScryptParams p{parts[1].toULongLong(&okN), parts[2].toUInt(&okR), parts[3].toUInt(&okP)};
    // Refuse absurd stored parameters rather than allocate gigabytes.
    if (!okN || !okR || !okP || p.n < 2 || p.n > (1u << 20) || p.r == 0 || p.r > 32 || p.p == 0 ||
        p.p > 16)
        return false;
    const QByteArray salt = QByteArray::fromBase64(parts[4].toLatin1());
    const QByteArray expected = QByteArray::fromBase64(parts[5].toLatin1());
    if (expected.size() != 32)
        return false;
    const QByteArray got = scryptRaw(password.toUtf8(), salt, p, 32);
    return constantTimeEquals(got, expected);
}

bool ed25519Verify(const QByteArray &publicKey, const QByteArray &message,
                   const QByteArray &signature)
{
    if (publicKey.size() != 32 || signature.size() != 64)
        return false;
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char *>(publicKey.constData()),
        32);
    if (!key)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
              EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.constData()),
                               64, reinterpret_cast<const unsigned char *>(message.constData()),
                               size_t(message.size())) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

Ed25519KeyPair ed25519Generate()
{
    Ed25519KeyPair kp;
    kp.privateKey = randomBytes(32);
    kp.publicKey = ed25519PublicFromPrivate(kp.privateKey).value_or(QByteArray());
    return kp;
}

std::optional<QByteArray> ed25519PublicFromPrivate(const QByteArray &privateKey)
{
    if (privateKey.size() != 32)
        return std::nullopt;
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char *>(privateKey.constData()),
        32);
    if (!key)
        return std::nullopt;
    QByteArray pub(32, Qt::Uninitialized);
    size_t len = 32;
    const bool ok =
        EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char *>(pub.data()), &len) == 1;
    EVP_PKEY_free(key);
    if (!ok || len != 32)
        return std::nullopt;
    return pub;
}

QByteArray ed25519Sign(const QByteArray &privateKey, const QByteArray &message)
{
    if (privateKey.size() != 32)
        return {};
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char *>(privateKey.constData()),
        32);
    if (!key)
        return {};
    QByteArray sig(64, Qt::Uninitialized);
    size_t len = 64;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
                    EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(sig.data()), &len,
                                   reinterpret_cast<const unsigned char *>(message.constData()),
                                   size_t(message.size())) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok ? sig : QByteArray();
}

} // namespace wfx::crypto
