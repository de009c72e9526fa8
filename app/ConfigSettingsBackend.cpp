// SPDX-License-Identifier: Apache-2.0
#include "ConfigSettingsBackend.h"

#include "models/secrets/SecretStore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSettings>

#include <utility>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

const ConfigKey *findKey(const QString &key)
{
    for (const ConfigKey &k : configKeys()) {
        if (key == QLatin1String(k.key))
            return &k;
    }
    return nullptr;
}

QString fileValue(const QSettings &file, const QString &key)
{
    const QVariant v = file.value(key);
    return v.userType() == QMetaType::QStringList ? v.toStringList().join(QLatin1Char(','))
                                                  : v.toString();
}

} // namespace

const QSet<QString> &ConfigSettingsBackend::editableKeys()
{
    static const QSet<QString> keys{
        u"listen"_s,
        u"port"_s,
        u"public-hosts"_s,
        u"data-dir"_s,
        u"database"_s,
        u"max-body"_s,
        u"part-size"_s,
        u"share-read-limit"_s,
        u"share-password-attempts"_s,
        u"log-format"_s,
        u"tls-cert"_s,
        u"tls-key"_s,
        u"sendmail"_s,
        u"webhook-secret"_s,
        u"stripe-secret-key"_s,
        u"lang"_s,
    };
    return keys;
}

QStringList ConfigSettingsBackend::applySecretStore(ResolvedConfig &resolved, SecretStore &store)
{
    QStringList filled;
    for (const ConfigKey &k : configKeys()) {
        const QString key = QString::fromLatin1(k.key);
        if (!k.secret || resolved.origin.value(key) != QLatin1String("default"))
            continue;
        const std::optional<QByteArray> value = store.get(key);
        if (!value || value->isEmpty())
            continue;
        QString why;
        if (!k.apply(resolved.values, QString::fromUtf8(*value), &why))
            continue;
        resolved.raw.insert(key, QString::fromUtf8(*value));
        resolved.origin.insert(key, u"keychain"_s);
        filled << key;
    }
    return filled;
}

ConfigSettingsBackend::ConfigSettingsBackend(ConfigSources sources, ResolvedConfig resolved,
                                             SecretStore *secrets)
    : m_sources(std::move(sources)), m_resolved(std::move(resolved)), m_secrets(secrets)
{
}

QList<SettingsBackend::Entry> ConfigSettingsBackend::entries() const
{
    QSettings file(m_sources.file, QSettings::IniFormat);
    const bool haveFile = !m_sources.file.isEmpty() && QFileInfo(m_sources.file).isFile();
    QList<Entry> out;
    for (const ConfigKey &k : configKeys()) {
        Entry e;
        e.key = QString::fromLatin1(k.key);
        e.help = QCoreApplication::translate("wfx::Config", k.help);
        e.secret = k.secret;
        e.defaultValue = QString::fromLatin1(k.defaultValue);
        e.editable = editableKeys().contains(e.key);
        e.origin = m_resolved.origin.value(e.key);
        const QString raw = m_resolved.raw.value(e.key);
        // Secrets cross into the ui as "(set)" or "(unset)" only: not even a prefix.
        e.value = k.secret ? (raw.isEmpty() ? u"(unset)"_s : u"(set)"_s) : raw;
        if (!k.secret && haveFile && file.contains(e.key))
            e.fileValue = fileValue(file, e.key);
        out << e;
    }
    return out;
}

QString ConfigSettingsBackend::secretStoreDescription() const
{
    // Part of a sentence of the Settings panel ("Secrets are stored in %2").
    if (!m_secrets)
        return QCoreApplication::translate("wfx::ConfigSettingsBackend", "no secret store");
    return m_secrets->backend() == QLatin1String("keychain")
               ? QCoreApplication::translate("wfx::ConfigSettingsBackend", "the OS keychain")
               : QCoreApplication::translate("wfx::ConfigSettingsBackend",
                                             "the secrets file %1 (no OS keychain answered)")
                     .arg(m_secrets->filePath());
}

QString ConfigSettingsBackend::validate(const QString &key, const QString &value) const
{
    const ConfigKey *k = findKey(key);
    if (!k)
        return u"is not a setting"_s;
    if (!editableKeys().contains(key))
        return u"is not edited here"_s;
    AppConfig scratch;
    QString why;
    if (!k->apply(scratch, value, &why))
        return why;
    return QString();
}

bool ConfigSettingsBackend::save(const QHash<QString, QString> &values,
                                 const QHash<QString, QByteArray> &secrets, QString *error)
{
    QStringList problems;
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        const ConfigKey *k = findKey(it.key());
        if (k && k->secret) {
            problems << QStringLiteral("%1 is a secret and never goes into the settings file")
                            .arg(it.key());
            continue;
        }
        if (it.value().trimmed().isEmpty() && k && editableKeys().contains(it.key()))
            continue; // removed from the file
        if (const QString why = validate(it.key(), it.value()); !why.isEmpty())
            problems << QStringLiteral("%1 %2").arg(it.key(), why);
    }
    for (auto it = secrets.cbegin(); it != secrets.cend(); ++it) {
        const ConfigKey *k = findKey(it.key());
        if (!k || !k->secret || !editableKeys().contains(it.key()))
            problems << QStringLiteral("%1 is not a secret setting").arg(it.key());
    }
    if (!secrets.isEmpty() && !m_secrets)
        problems << u"no secret store to save secrets in"_s;
    if (m_sources.file.isEmpty())
        problems << u"no settings file"_s;
    if (!problems.isEmpty()) {
        *error = problems.join(QStringLiteral("; "));
        return false;
    }

    for (auto it = secrets.cbegin(); it != secrets.cend(); ++it) {
        if (const Status st = m_secrets->set(it.key(), it.value()); !st) {
            *error = QStringLiteral("cannot store %1: %2").arg(it.key(), st.error().message);
            return false;
        }
    }
    if (values.isEmpty())
        return true;
    if (!QDir().mkpath(QFileInfo(m_sources.file).absolutePath())) {
        *error = QStringLiteral("cannot create the folder of %1").arg(m_sources.file);
        return false;
    }
    QSettings file(m_sources.file, QSettings::IniFormat);
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        if (it.value().trimmed().isEmpty())
            file.remove(it.key());
        else
            file.setValue(it.key(), it.value().trimmed());
    }
    file.sync();
    if (file.status() != QSettings::NoError) {
        *error = QStringLiteral("cannot write the settings file %1").arg(m_sources.file);
        return false;
    }
    return true;
}

} // namespace wfx
