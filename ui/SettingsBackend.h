// SPDX-License-Identifier: Apache-2.0
// What the console's Settings panel shows of, and writes to, the instance
// settings. app/ implements it over the settings table (Config); the ui never
// includes app/ headers. Nothing here changes the running server: saved
// values apply at the next start.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

namespace wfx {

class SettingsBackend
{
public:
    struct Entry
    {
        QString key; // INI key, as --print-config names it
        QString help;
        QString value;     // effective value of this run; secrets: "(set)" or "(unset)" only
        QString origin;    // "flag --x", "file PATH", "env VAR", "keychain", "default"
        QString fileValue; // the value in the settings file now; empty when absent (never a secret)
        QString defaultValue;
        bool secret = false;
        bool editable = false; // belongs in the settings file (secrets: in the keychain)
    };

    virtual ~SettingsBackend() = default;

    virtual QList<Entry> entries() const = 0;
    // The settings file the values are saved to.
    virtual QString filePath() const = 0;
    // Where secrets are stored, e.g. "the OS keychain".
    virtual QString secretStoreDescription() const = 0;
    // Empty when `value` is valid for `key` (checked by the setting's own parser), else why not.
    virtual QString validate(const QString &key, const QString &value) const = 0;
    // Writes `values` (key -> text; an empty text removes the key from the file)
    // and stores `secrets` (key -> value) in the secret store. Validates every
    // value first and writes nothing when one is invalid. False with a message.
    virtual bool save(const QHash<QString, QString> &values,
                      const QHash<QString, QByteArray> &secrets, QString *error) = 0;
};

} // namespace wfx
