// SPDX-License-Identifier: Apache-2.0
#include "ConfigSettingsBackend.h"

#include "secrets/SecretStore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSettings>

#include <utility>

namespace wfx {

namespace {

QString S(const char *s) { return QString::fromLatin1(s); }

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
    return v.userType() == QMetaType::QStringList ? v.toStringList().join(QLatin1Char(',')) : v.toString();
}

} // namespace

const QSet<QString> &ConfigSettingsBackend::editableKeys()
{
    static const QSet<QString> keys{
        S("listen"),    S("port"),        S("public-hosts"),     S("data-dir"),
        S("database"),  S("max-body"),    S("part-size"),        S("share-read-limit"),
        S("share-password-attempts"),     S("log-format"),       S("tls-cert"),
        S("tls-key"),   S("sendmail"),    S("webhook-secret"),   S("stripe-secret-key"),
        S("lang"),
    };
    return keys;
}

QStringList ConfigSettingsBackend::applySecretStore(ResolvedConfig &resolved, SecretStore &store)
{
    QStringList filled;
    for (const ConfigKey &k : configKeys()) {
        const QString key = S(k.key);
        if (!k.secret || resolved.origin.value(key) != QLatin1String("default"))
            continue;
        const std::optional<QByteArray> value = store.get(key);
        if (!value || value->isEmpty())
            continue;
        QString why;
        if (!k.apply(resolved.values, QString::fromUtf8(*value), &why))
            continue;
        resolved.raw.insert(key, QString::fromUtf8(*value));
        resolved.origin.insert(key, S("keychain"));
        filled << key;
    }
    return filled;
}

ConfigSettingsBackend::ConfigSettingsBackend(ConfigSources sources, ResolvedConfig resolved, SecretStore *secrets)
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
        e.key = S(k.key);
        e.help = QCoreApplication::translate("wfx::Config", k.help);
        e.secret = k.secret;
        e.defaultValue = S(k.defaultValue);
        e.editable = editableKeys().contains(e.key);
        e.origin = m_resolved.origin.value(e.key);
        const QString raw = m_resolved.raw.value(e.key);
        // Secrets cross into the ui as "(set)" or "(unset)" only: not even a prefix.
        e.value = k.secret ? (raw.isEmpty() ? S("(unset)") : S("(set)")) : raw;
        if (!k.secret && haveFile && file.contains(e.key))
            e.fileValue = fileValue(file, e.key);
        out << e;
    }
    return out;
}

QString ConfigSettingsBackend::secretStoreDescription() const
{
    if (!m_secrets)
        return S("no secret store");
    return m_secrets->backend() == QLatin1String("keychain")
               ? S("the OS keychain")
               : QStringLiteral("the secrets file %1 (no OS keychain answered)").arg(m_secrets->filePath());
}

QString ConfigSettingsBackend::validate(const QString &key, const QString &value) const
{
    const ConfigKey *k = findKey(key);
    if (!k)
        return S("is not a setting");
    if (!editableKeys().contains(key))
        return S("is not edited here");
    AppConfig scratch;
    QString why;
    if (!k->apply(scratch, value, &why))
        return why;
    return QString();
}

bool ConfigSettingsBackend::save(const QHash<QString, QString> &values, const QHash<QString, QByteArray> &secrets,
                                 QString *error)
{
    QStringList problems;
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        const ConfigKey *k = findKey(it.key());
        if (k && k->secret) {
            problems << QStringLiteral("%1 is a secret and never goes into the settings file").arg(it.key());
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
        problems << S("no secret store to save secrets in");
    if (m_sources.file.isEmpty())
        problems << S("no settings file");
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
