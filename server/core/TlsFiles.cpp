// SPDX-License-Identifier: Apache-2.0
#include "server/core/TlsFiles.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslKey>
#include <QStringList>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

struct Free
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(X509 *p) const { X509_free(p); }
    void operator()(BIO *p) const { BIO_free(p); }
    void operator()(X509_EXTENSION *p) const { X509_EXTENSION_free(p); }
};
template <typename T> using Owned = std::unique_ptr<T, Free>;

QByteArray bioBytes(BIO *bio)
{
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return QByteArray(data, int(n));
}

bool addExtension(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// PEM cert and key of a fresh self-signed ECDSA P-256 certificate.
bool makeSelfSigned(QByteArray *certPem, QByteArray *keyPem)
{
    Owned<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    Owned<X509> cert(X509_new());
    if (!key || !cert)
        return false;
    X509_set_version(cert.get(), 2); // v3
    ASN1_INTEGER_set_int64(X509_get_serialNumber(cert.get()),
                           qint64(QRandomGenerator::system()->generate64() >> 1));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>("WorldFlux Console"), -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (!addExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
        !addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !addExtension(cert.get(), NID_key_usage, "critical,digitalSignature") ||
        !addExtension(cert.get(), NID_ext_key_usage, "serverAuth") ||
        !addExtension(cert.get(), NID_subject_key_identifier, "hash"))
        return false;
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
        return false;
    Owned<BIO> certBio(BIO_new(BIO_s_mem()));
    Owned<BIO> keyBio(BIO_new(BIO_s_mem()));
    if (!certBio || !keyBio || PEM_write_bio_X509(certBio.get(), cert.get()) != 1 ||
        PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1)
        return false;
    *certPem = bioBytes(certBio.get());
    *keyPem = bioBytes(keyBio.get());
    return true;
}

bool writeFile(const QString &path, const QByteArray &data, QFile::Permissions perms)
{
    QFile f(path);
    // Created with the final permissions before any byte is written.
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate, perms))
        return false;
    const bool ok = f.write(data) == data.size() && f.flush();
    f.close();
    return ok && f.setPermissions(perms);
}

} // namespace

bool TlsFiles::load(const QString &certFile, const QString &keyFile, QSslConfiguration *out,
                    QString *error)
{
    QFile cf(certFile);
    if (!cf.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the TLS certificate %1").arg(certFile);
        return false;
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(cf.readAll(), QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        *error = QStringLiteral("%1 holds no PEM certificate").arg(certFile);
        return false;
    }
    QFile kf(keyFile);
    if (!kf.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the TLS key %1").arg(keyFile);
        return false;
    }
    const QByteArray keyPem = kf.readAll();
    QSslKey key;
    for (QSsl::KeyAlgorithm alg : {QSsl::Ec, QSsl::Rsa}) {
        key = QSslKey(keyPem, alg, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        *error =
            QStringLiteral("%1 holds no PEM private key (RSA or EC, unencrypted)").arg(keyFile);
        return false;
    }
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setLocalCertificateChain(chain);
    conf.setPrivateKey(key);
    conf.setPeerVerifyMode(QSslSocket::VerifyNone);
    conf.setProtocol(QSsl::TlsV1_2OrLater);
    *out = conf;
    return true;
}

bool TlsFiles::ensureSelfSigned(const QString &dataDir, QString *certFile, QString *keyFile,
                                QString *error)
{
    const QDir dir(QDir(dataDir).filePath(u"tls"_s));
    *certFile = dir.filePath(u"cert.pem"_s);
    *keyFile = dir.filePath(u"key.pem"_s);
    if (QFileInfo::exists(*certFile) && QFileInfo::exists(*keyFile))
        return true;
    if (!QDir().mkpath(dir.path())) {
        *error = QStringLiteral("cannot create %1").arg(dir.path());
        return false;
    }
    QByteArray certPem, keyPem;
    if (!makeSelfSigned(&certPem, &keyPem)) {
        *error = u"cannot create a self-signed certificate (OpenSSL)"_s;
        return false;
    }
    // The key first: a certificate without its key would be taken as complete.
    if (!writeFile(*keyFile, keyPem, QFile::ReadOwner | QFile::WriteOwner) ||
        !writeFile(*certFile, certPem,
                   QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther)) {
        QFile::remove(*keyFile);
        QFile::remove(*certFile);
        *error = QStringLiteral("cannot write the TLS files in %1").arg(dir.path());
        return false;
    }
    return true;
}

QString TlsFiles::fingerprint(const QSslConfiguration &config)
{
    const QList<QSslCertificate> chain = config.localCertificateChain();
    if (chain.isEmpty())
        return {};
    const QByteArray hex = chain.first().digest(QCryptographicHash::Sha256).toHex().toUpper();
    QStringList pairs;
    for (qsizetype i = 0; i < hex.size(); i += 2)
        pairs << QString::fromLatin1(hex.mid(i, 2));
    return pairs.join(QLatin1Char(':'));
}

} // namespace wfx
