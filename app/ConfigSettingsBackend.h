// SPDX-License-Identifier: Apache-2.0
// The Settings panel's backend over the settings table (Config): effective
// values and origins of this run, the settings file (QSettings INI at the path
// the Config read) for the editable keys, and the secret store for secrets.
#pragma once

#include "Config.h"
#include "ui/SettingsBackend.h"

#include <QSet>

namespace wfx {

class SecretStore;

class ConfigSettingsBackend : public SettingsBackend
{
public:
    // The keys the panel edits: those that belong in the settings file.
    static const QSet<QString> &editableKeys();
    // Secrets given by no flag, file or environment variable come from `store`
    // (keychain or its file fallback): fills resolved.raw/origin ("keychain")
    // and resolved.values. Returns the keys it filled.
    static QStringList applySecretStore(ResolvedConfig &resolved, SecretStore &store);

    // `secrets` may be null: then secrets cannot be saved.
    ConfigSettingsBackend(ConfigSources sources, ResolvedConfig resolved, SecretStore *secrets);

    QList<Entry> entries() const override;
    QString filePath() const override { return m_sources.file; }
    QString secretStoreDescription() const override;
    QString validate(const QString &key, const QString &value) const override;
    bool save(const QHash<QString, QString> &values, const QHash<QString, QByteArray> &secrets,
              QString *error) override;

private:
    ConfigSources m_sources;
    ResolvedConfig m_resolved;
    SecretStore *m_secrets;
};

} // namespace wfx
