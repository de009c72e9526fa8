// SPDX-License-Identifier: Apache-2.0
#include "models/secrets/SecretStore.h"

#include "models/crypto/Crypto.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QLoggingCategory>
#include <QPointer>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTimer>

#include <qt6keychain/keychain.h>

#include <memory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSecrets, "wfx.models.secrets", QtInfoMsg)

namespace wfx {

namespace {

const QString kFileName = QStringLiteral("secrets.json");
const QString kLockName = QStringLiteral("secrets.lock");
const QString kProbeKey = QStringLiteral("keychain-probe");
constexpr QFileDevice::Permissions kOwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
constexpr int kLockWaitMs = 10000;

enum class FileState { Absent, Ok, Corrupt };

// secrets.json: {"version": 1, "secrets": {"<key>": "<base64>"}}
FileState loadFile(const QString &path, QJsonObject *secrets, QString *error)
{
    QFile f(path);
    if (!f.exists())
        return FileState::Absent;
    if (!f.open(QIODevice::ReadOnly)) {
        *error = u"The secrets file %1 cannot be read."_s.arg(path);
        return FileState::Corrupt;
    }
    if ((f.permissions() & ~(kOwnerOnly | QFileDevice::ReadUser | QFileDevice::WriteUser)) != 0) {
        // Someone loosened it; the secrets are still ours, but close the door again.
        qCWarning(lcSecrets) << "the secrets file was readable by others; restoring mode 0600:"
                             << path;
        f.setPermissions(kOwnerOnly);
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    const QJsonObject root = doc.object();
    if (pe.error != QJsonParseError::NoError || !doc.isObject() ||
        root.value(u"version"_s).toInt() != 1 || !root.value(u"secrets"_s).isObject()) {
        *error =
            u"The secrets file %1 is damaged; restore it from a backup or move it aside."_s.arg(
                path);
        return FileState::Corrupt;
    }
    *secrets = root.value(u"secrets"_s).toObject();
    return FileState::Ok;
}

std::optional<QByteArray> decodeValue(const QString &text)
{
    const auto r =
        QByteArray::fromBase64Encoding(text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!r || r.decoded.isEmpty())
        return std::nullopt;
    return r.decoded;
}

// Runs one QtKeychain job to its end or to the timeout, in a local event loop.
// A job that times out is abandoned (it deletes itself if it ever finishes);
// QtKeychain runs jobs one after another, so the keychain is not used again.
struct JobOutcome
{
    bool finished = false;
    QKeychain::Error error = QKeychain::OtherError;
    QString errorString;
    QString text;
};

JobOutcome runJob(QKeychain::Job *job, int timeoutMs)
{
    auto out = std::make_shared<JobOutcome>();
    if (!QCoreApplication::instance()) {
        delete job;
        out->errorString = u"no event loop to run the keychain in"_s;
        return *out;
    }
    QEventLoop loop;
    QPointer<QEventLoop> guard(&loop);
    job->setAutoDelete(true);
    QObject::connect(job, &QKeychain::Job::finished, job, [out, guard](QKeychain::Job *j) {
        out->finished = true;
        out->error = j->error();
        out->errorString = j->errorString();
        if (auto *r = qobject_cast<QKeychain::ReadPasswordJob *>(j))
            out->text = r->textData();
        if (guard)
            guard->quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    job->start();
    if (!out->finished)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    if (!out->finished)
        out->errorString = u"the keychain did not answer within %1 ms"_s.arg(timeoutMs);
    return *out;
}
} // namespace

SecretStore::SecretStore(const QString &serviceName, const QString &dataDir, Mode mode)
    : m_service(serviceName), m_dataDir(dataDir), m_mode(mode)
{
}

bool SecretStore::validKey(const QString &key)
{
    static const QRegularExpression re(u"^[a-z0-9][a-z0-9._-]{0,63}$"_s);
    return re.match(key).hasMatch();
}

QString SecretStore::filePath() const
{
    return QDir(m_dataDir).filePath(kFileName);
}

QString SecretStore::keychainKey(const QString &key) const
{
    const QString dir = QFileInfo(m_dataDir).absoluteFilePath();
    return key + QLatin1Char('@') + crypto::sha256Hex(dir.toUtf8()).left(16);
}

QString SecretStore::backend()
{
    decide();
    return m_backend == Backend::Keychain ? u"keychain"_s : u"file"_s;
}

void SecretStore::decide()
{
    if (m_backend != Backend::Undecided)
        return;
    if (m_mode == Mode::FileOnly) {
        m_backend = Backend::File;
    } else if (m_mode == Mode::KeychainOnly) {
        m_backend = Backend::Keychain;
    } else if (QFile::exists(filePath())) {
        m_backend = Backend::File;
        qCInfo(lcSecrets) << "instance secrets: the file in the data dir (it exists)";
    } else if (keychainProbe()) {
        m_backend = Backend::Keychain;
        qCInfo(lcSecrets) << "instance secrets: the OS keychain";
    } else {
        m_backend = Backend::File;
        qCInfo(lcSecrets) << "instance secrets: no keychain answered (" << m_lastError
                          << "); using the 0600 file in the data dir";
        m_lastError.clear();
    }
}

bool SecretStore::keychainProbe()
{
    if (!keychainWrite(kProbeKey, QByteArrayLiteral("probe")))
        return false;
    auto *del = new QKeychain::DeletePasswordJob(m_service);
    del->setKey(keychainKey(kProbeKey));
    runJob(del, m_timeoutMs); // a probe left behind is harmless
    return true;
}

std::optional<QByteArray> SecretStore::get(const QString &key)
{
    m_lastError.clear();
    if (!validKey(key)) {
        m_lastError = u"Unknown secret name."_s;
        return std::nullopt;
    }
    decide();
    if (m_backend == Backend::Keychain)
        return keychainRead(key);
    if (!QDir().mkpath(m_dataDir)) {
        m_lastError = u"The data dir cannot be created."_s;
        return std::nullopt;
    }
    QLockFile lock(QDir(m_dataDir).filePath(kLockName));
    if (!lock.tryLock(kLockWaitMs)) {
        m_lastError = u"The secrets file is locked by another process."_s;
        return std::nullopt;
    }
    return fileRead(key);
}

Status SecretStore::set(const QString &key, const QByteArray &value)
{
    m_lastError.clear();
    if (!validKey(key))
        return Error::validation(u"key"_s, u"invalid"_s, u"Unknown secret name."_s);
    if (value.isEmpty())
        return Error::validation(u"value"_s, u"required"_s, u"A secret cannot be empty."_s);
    decide();
    if (m_backend == Backend::Keychain)
        return keychainWrite(key, value);
    if (!QDir().mkpath(m_dataDir))
        return Error::internal(u"The data dir cannot be created."_s);
    QLockFile lock(QDir(m_dataDir).filePath(kLockName));
    if (!lock.tryLock(kLockWaitMs))
        return Error{ErrorCode::Unavailable, u"The secrets file is locked by another process."_s};
    return fileWrite(key, value);
}

QByteArray SecretStore::getOrCreate(const QString &key,
                                    const std::function<QByteArray()> &generator)
{
    m_lastError.clear();
    if (!validKey(key)) {
        m_lastError = u"Unknown secret name."_s;
        return {};
    }
    decide();
    if (!QDir().mkpath(m_dataDir)) {
        m_lastError = u"The data dir cannot be created."_s;
        return {};
    }
    // Two processes starting at once must agree on one secret.
    QLockFile lock(QDir(m_dataDir).filePath(kLockName));
    if (!lock.tryLock(kLockWaitMs)) {
        m_lastError = u"The secrets file is locked by another process."_s;
        return {};
    }
    const auto existing = m_backend == Backend::Keychain ? keychainRead(key) : fileRead(key);
    if (existing)
        return *existing;
    if (!m_lastError.isEmpty())
        return {}; // unreadable is not absent: never replace a secret we could not read
    const QByteArray fresh = generator ? generator() : QByteArray();
    if (fresh.isEmpty()) {
        m_lastError = u"No secret was generated."_s;
        return {};
    }
    const Status stored =
        m_backend == Backend::Keychain ? keychainWrite(key, fresh) : fileWrite(key, fresh);
    if (!stored) {
        m_lastError = stored.error().message;
        return {};
    }
    return fresh;
}

std::optional<QByteArray> SecretStore::keychainRead(const QString &key)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setKey(keychainKey(key));
    const JobOutcome o = runJob(job, m_timeoutMs);
    if (o.finished && o.error == QKeychain::EntryNotFound)
        return std::nullopt;
    if (!o.finished || o.error != QKeychain::NoError) {
        m_lastError = u"The keychain could not be read: %1"_s.arg(o.errorString);
        return std::nullopt;
    }
    auto v = decodeValue(o.text);
    if (!v)
        m_lastError = u"The keychain entry %1 is damaged."_s.arg(key);
    return v;
}

Status SecretStore::keychainWrite(const QString &key, const QByteArray &value)
{
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setKey(keychainKey(key));
    job->setTextData(QString::fromLatin1(value.toBase64()));
    const JobOutcome o = runJob(job, m_timeoutMs);
    if (!o.finished || o.error != QKeychain::NoError) {
        m_lastError = u"The keychain could not be written: %1"_s.arg(o.errorString);
        return Error{ErrorCode::Unavailable, m_lastError};
    }
    return Ok{};
}

std::optional<QByteArray> SecretStore::fileRead(const QString &key)
{
    QJsonObject secrets;
    const FileState state = loadFile(filePath(), &secrets, &m_lastError);
    if (state != FileState::Ok || !secrets.contains(key))
        return std::nullopt;
    auto v = decodeValue(secrets.value(key).toString());
    if (!v)
        m_lastError = u"The secrets file %1 is damaged (entry %2)."_s.arg(filePath(), key);
    return v;
}

Status SecretStore::fileWrite(const QString &key, const QByteArray &value)
{
    QJsonObject secrets;
    QString error;
    if (loadFile(filePath(), &secrets, &error) == FileState::Corrupt) {
        // Never overwrite a file we could not read: its other secrets would be lost.
        m_lastError = error;
        return Error::internal(error);
    }
    secrets.insert(key, QString::fromLatin1(value.toBase64()));
    const QJsonObject root{{u"version"_s, 1}, {u"secrets"_s, secrets}};
    QSaveFile f(filePath());
    // The temporary file is 0600 before a byte is written, so the secret is
    // never readable by others, not even for a moment; the rename is atomic.
    if (!f.open(QIODevice::WriteOnly) || !f.setPermissions(kOwnerOnly)) {
        m_lastError = u"The secrets file %1 cannot be written."_s.arg(filePath());
        return Error::internal(m_lastError);
    }
    f.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!f.commit()) {
        m_lastError = u"The secrets file %1 cannot be written."_s.arg(filePath());
        return Error::internal(m_lastError);
    }
    return Ok{};
}

} // namespace wfx
