// SPDX-License-Identifier: Apache-2.0
// Settings: every setting of the instance with its effective value and where it
// came from (flag, settings file, environment, keychain, default; secrets only
// "(set)" or "(unset)"), and a form for the values that belong in the settings
// file. Saving writes the file (secrets go to the secret store, never the
// file) on the thread pool, since a keychain write can stall for seconds; the
// form is disabled while it runs. The running server keeps its settings until
// the next start.
#pragma once

#include "ui/common/WidgetGroup.h"

#include <QHash>

class QLabel;
class QLineEdit;
class QProgressBar;
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

    // Validates every field, then starts saving off the GUI thread (saveFinished
    // tells the outcome). False when nothing was started: a field is invalid, or
    // there is nothing to save, or a save is already running.
    bool save();
    bool isSaving() const { return m_saving; }

signals:
    void saveFinished(bool ok);

private:
    void reload();
    void setSaving(bool saving);

    SettingsBackend *m_backend;
    QTableWidget *m_table = nullptr;
    QHash<QString, QLineEdit *> m_edits;
    QHash<QString, QLabel *> m_errors;
    QHash<QString, QString> m_loaded; // key -> text as loaded into the field
    QLabel *m_status = nullptr;
    WidgetGroup m_editing; // the form and its buttons: disabled while saving
    QProgressBar *m_progress = nullptr;
    bool m_saving = false;
};

} // namespace wfx::ui
