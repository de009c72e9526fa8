// SPDX-License-Identifier: Apache-2.0
// The instance's own secrets (session signing key, audit/evidence signing key,
// webhook secret, cursor key): in the OS keychain through QtKeychain, or in a
// 0600 file in the data dir where no Secret Service answers (headless servers).
#pragma once

#include "models/core/Result.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <optional>

namespace wfx {

class SecretStore
{
public:
    enum class Mode {
        Auto,         // the keychain if one answers in time, else the file
        KeychainOnly, // the keychain or an error
        FileOnly,     // <dataDir>/secrets.json
    };

    // The fixed internal names of the instance's secrets.
    inline static const QString kSessionSigningKey = QStringLiteral("session-signing-key");
    inline static const QString kAuditSigningKey =
        QStringLiteral("audit-signing-key"); // Ed25519 seed
    inline static const QString kWebhookSecret = QStringLiteral("webhook-secret");
    inline static const QString kCursorKey = QStringLiteral("cursor-key");

    static constexpr int kDefaultKeychainTimeoutMs = 3000;

    // serviceName names the keychain service (e.g. "worldflux-console"). Keychain
    // entries are named "<key>@<hash of the data dir>" so that two instances
    // with different data dirs on one machine never share a secret.
    SecretStore(const QString &serviceName, const QString &dataDir, Mode mode = Mode::Auto);

    // The secret, or nullopt when it does not exist or cannot be read (then
    // lastError() says why; it never contains a secret).
    std::optional<QByteArray> get(const QString &key);
    Status set(const QString &key, const QByteArray &value);
    // The stored secret, or a new one from generator, stored before it is
    // returned. Serialised across processes sharing the data dir. Empty when the
    // secret can neither be read nor stored: the caller must not go on without it.
    QByteArray getOrCreate(const QString &key, const std::function<QByteArray()> &generator);

    // "keychain" or "file". In Auto mode the first call decides and the choice
    // is kept: an existing secrets file wins (a previous run chose it, and its
    // secrets must stay); otherwise a probe entry is written to and removed from
    // the keychain within the timeout; if that fails, the file.
    QString backend();
    QString lastError() const { return m_lastError; }
    QString filePath() const;
    void setKeychainTimeoutMs(int ms) { m_timeoutMs = ms; }

    static bool validKey(const QString &key);

private:
    enum class Backend { Undecided, Keychain, File };
    void decide();
    QString keychainKey(const QString &key) const;

    std::optional<QByteArray> getUnlocked(const QString &key);
    Status setUnlocked(const QString &key, const QByteArray &value);

    std::optional<QByteArray> keychainRead(const QString &key);
    Status keychainWrite(const QString &key, const QByteArray &value);
    bool keychainProbe();

    std::optional<QByteArray> fileRead(const QString &key);
    Status fileWrite(const QString &key, const QByteArray &value);

    QString m_service, m_dataDir;
    Mode m_mode;
    Backend m_backend = Backend::Undecided;
    int m_timeoutMs = kDefaultKeychainTimeoutMs;
    QString m_lastError;
};

} // namespace wfx
