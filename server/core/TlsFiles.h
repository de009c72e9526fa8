// SPDX-License-Identifier: Apache-2.0
// The instance's TLS material: PEM certificate and key files loaded into a
// server QSslConfiguration, or a self-signed certificate created once and
// kept in the data folder (tls/cert.pem, tls/key.pem 0600).
#pragma once

#include <QSslConfiguration>
#include <QString>

namespace wfx {

class TlsFiles
{
public:
    // Loads a certificate chain and its private key (RSA or EC, PEM).
    static bool load(const QString &certFile, const QString &keyFile, QSslConfiguration *out,
                     QString *error);
    // Creates <dataDir>/tls/{cert,key}.pem when missing: ECDSA P-256, SHA-256,
    // CN and SAN localhost, 127.0.0.1, ::1, valid ten years. Returns the paths.
    static bool ensureSelfSigned(const QString &dataDir, QString *certFile, QString *keyFile,
                                 QString *error);
    // SHA-256 fingerprint of the first certificate, AA:BB:... form.
    static QString fingerprint(const QSslConfiguration &config);
};

} // namespace wfx
