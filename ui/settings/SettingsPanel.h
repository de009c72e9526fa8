// SPDX-License-Identifier: Apache-2.0
// Settings: every setting of the instance with its effective value and where it
// came from (flag, settings file, environment, keychain, default; secrets only
// "(set)" or "(unset)"), and a form for the values that belong in the settings
// file. Saving writes the file (secrets go to the secret store, never the
// file); the running server keeps its settings until the next start.
#pragma once

#include <QHash>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace wfx {
class SettingsBackend;
}

namespace wfx::ui {

class SettingsPanel : public QWidget
{
    Q_OBJECT
public:
    // `backend` may be null (no settings to show: the panel says so).
    explicit SettingsPanel(SettingsBackend *backend, QWidget *parent = nullptr);

    // "flag", "file", "environment", "keychain" or "default" for an origin text.
    static QString sourceName(const QString &origin);

    // Validates every field, then saves; false (nothing saved) when a field is invalid.
    bool save();

private:
    void reload();

    SettingsBackend *m_backend;
    QTableWidget *m_table = nullptr;
    QHash<QString, QLineEdit *> m_edits;
    QHash<QString, QLabel *> m_errors;
    QHash<QString, QString> m_loaded; // key -> text as loaded into the field
    QLabel *m_status = nullptr;
    QPushButton *m_save = nullptr;
};

} // namespace wfx::ui
