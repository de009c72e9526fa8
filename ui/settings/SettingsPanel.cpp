// SPDX-License-Identifier: Apache-2.0
#include "ui/settings/SettingsPanel.h"

#include "ui/SettingsBackend.h"
#include "ui/common/Async.h"
#include "ui/common/Heading.h"
#include "ui/common/Tone.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPalette>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace wfx::ui {

QString SettingsPanel::sourceName(const QString &origin)
{
    if (origin.startsWith(QLatin1String("flag")))
        return tr("flag");
    if (origin.startsWith(QLatin1String("file")))
        return tr("file");
    if (origin.startsWith(QLatin1String("env")))
        return tr("environment");
    if (origin == QLatin1String("keychain"))
        return tr("keychain");
    return tr("default");
}

SettingsPanel::SettingsPanel(SettingsBackend *backend, QWidget *parent)
    : QWidget(parent), m_backend(backend)
{
    setAccessibleName(tr("Settings"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(heading(tr("Settings"), this));
    if (!m_backend) {
        auto *none =
            new QLabel(tr("This console was started without access to its settings."), this);
        none->setObjectName(QStringLiteral("settingsUnavailable"));
        layout->addWidget(none);
        layout->addStretch(1);
        return;
    }

    auto *intro = new QLabel(
        tr("Changes are saved to the settings file %1 and apply at the next start of the console: "
           "the running server keeps its current settings. A flag given at start overrides the "
           "file, and "
           "the file overrides the environment (flag > file > environment > default). Secrets are "
           "stored in %2, "
           "never in the file, and used when no flag, file or environment variable gives them.")
            .arg(m_backend->filePath(), m_backend->secretStoreDescription()),
        this);
    intro->setObjectName(QStringLiteral("settingsNotice"));
    intro->setTextFormat(Qt::PlainText);
    intro->setWordWrap(true);
    intro->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(intro);

    auto *split = new QSplitter(Qt::Horizontal, this);
    m_table = new QTableWidget(0, 3, split);
    m_table->setTabKeyNavigation(false); // Tab leaves the table; arrows move in it
    m_table->setObjectName(QStringLiteral("settingsTable"));
    m_table->setAccessibleName(tr("Effective settings"));
    m_table->setHorizontalHeaderLabels({tr("Setting"), tr("Value now"), tr("Source")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);

    auto *formBox = new QGroupBox(tr("Settings file"), split);
    auto *formOuter = new QVBoxLayout(formBox);
    auto *scroll = new QScrollArea(formBox);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *formWidget = new QWidget(scroll);
    auto *form = new QFormLayout(formWidget);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    for (const SettingsBackend::Entry &e : m_backend->entries()) {
        if (!e.editable)
            continue;
        auto *field = new QWidget(formWidget);
        auto *col = new QVBoxLayout(field);
        col->setContentsMargins(0, 0, 0, 0);
        col->setSpacing(2);
        auto *edit = new QLineEdit(field);
        edit->setObjectName(QStringLiteral("edit-") + e.key);
        edit->setAccessibleName(e.key);
        edit->setToolTip(e.help);
        if (e.secret) {
            edit->setEchoMode(QLineEdit::Password);
            edit->setPlaceholderText(e.value == QLatin1String("(set)")
                                         ? tr("(set) type to replace")
                                         : tr("(unset) type to store"));
        } else {
            edit->setPlaceholderText(e.defaultValue.isEmpty()
                                         ? tr("not in the file")
                                         : tr("not in the file (default %1)").arg(e.defaultValue));
        }
        auto *error = new QLabel(field);
        error->setObjectName(QStringLiteral("error-") + e.key);
        error->setWordWrap(true);
        setTone(error, Tone::Bad);
        error->hide();
        col->addWidget(edit);
        col->addWidget(error);
        form->addRow(e.key, field);
        m_edits.insert(e.key, edit);
        m_errors.insert(e.key, error);
        connect(edit, &QLineEdit::textEdited, error, &QLabel::hide);
    }
    scroll->setWidget(formWidget);
    formOuter->addWidget(scroll);
    auto *buttons = new QHBoxLayout;
    m_status = new QLabel(formBox);
    m_status->setObjectName(QStringLiteral("settingsStatus"));
    m_status->setWordWrap(true);
    m_progress = new QProgressBar(formBox);
    m_progress->setObjectName(QStringLiteral("settingsProgress"));
    m_progress->setAccessibleName(tr("Saving settings"));
    m_progress->setRange(0, 0); // busy: a keychain write says nothing about its progress
    m_progress->setMaximumWidth(120);
    m_progress->hide();
    auto *saveButton = new QPushButton(tr("Save for the next start"), formBox);
    saveButton->setObjectName(QStringLiteral("settingsSave"));
    auto *revert = new QPushButton(tr("Revert"), formBox);
    revert->setObjectName(QStringLiteral("settingsRevert"));
    m_editing.add({formWidget, saveButton, revert});
    // The message gets the panel's width above the buttons: beside them a
    // translated message was squeezed into a column of single words.
    formOuter->addWidget(m_status);
    buttons->addWidget(m_progress);
    buttons->addStretch(1);
    buttons->addWidget(revert);
    buttons->addWidget(saveButton);
    formOuter->addLayout(buttons);
    connect(saveButton, &QPushButton::clicked, this, [this] { save(); });
    connect(revert, &QPushButton::clicked, this, [this] {
        reload();
        m_status->clear();
    });

    split->addWidget(m_table);
    split->addWidget(formBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    reload();
}

void SettingsPanel::reload()
{
    const QList<SettingsBackend::Entry> entries = m_backend->entries();
    m_table->setRowCount(int(entries.size()));
    int row = 0;
    for (const SettingsBackend::Entry &e : entries) {
        auto *key = new QTableWidgetItem(e.key);
        key->setToolTip(e.help);
        auto *value = new QTableWidgetItem(e.value);
        auto *source = new QTableWidgetItem(sourceName(e.origin));
        source->setToolTip(e.origin);
        m_table->setItem(row, 0, key);
        m_table->setItem(row, 1, value);
        m_table->setItem(row, 2, source);
        ++row;
        if (QLineEdit *edit = m_edits.value(e.key)) {
            // Secrets are never loaded into a field: an empty field keeps the stored one.
            const QString text = e.secret ? QString() : e.fileValue;
            edit->setText(text);
            m_loaded.insert(e.key, text);
            m_errors.value(e.key)->hide();
        }
    }
}

bool SettingsPanel::save()
{
    QHash<QString, QString> values;
    QHash<QString, QByteArray> secrets;
    bool valid = true;
    for (auto it = m_edits.cbegin(); it != m_edits.cend(); ++it) {
        const QString key = it.key();
        QLineEdit *edit = it.value();
        QLabel *error = m_errors.value(key);
        error->hide();
        const QString text = edit->text();
        if (edit->echoMode() == QLineEdit::Password) {
            if (!text.isEmpty())
                secrets.insert(key, text.trimmed().toUtf8());
            continue;
        }
        if (text == m_loaded.value(key))
            continue;
        if (!text.trimmed().isEmpty()) {
            if (const QString why = m_backend->validate(key, text); !why.isEmpty()) {
                error->setText(tr("%1 %2").arg(key, why));
                error->show();
                valid = false;
                continue;
            }
        }
        values.insert(key, text);
    }
    if (!valid) {
        m_status->setText(tr("Nothing was saved: correct the fields marked in red."));
        return false;
    }
    if (m_saving)
        return false;
    if (values.isEmpty() && secrets.isEmpty()) {
        m_status->setText(tr("No changes to save."));
        return false;
    }
    struct Outcome
    {
        bool ok = false;
        QString error;
    };
    const int changes = int(values.size() + secrets.size());
    setSaving(true);
    SettingsBackend *backend = m_backend; // outlives the panel (app/ owns it)
    runAsync(
        this,
        [backend, values, secrets] {
            Outcome o;
            o.ok = backend->save(values, secrets, &o.error);
            return o;
        },
        [this, changes](const Outcome &o) {
            setSaving(false);
            if (!o.ok) {
                m_status->setText(tr("Nothing was saved: %1").arg(o.error));
                emit saveFinished(false);
                return;
            }
            reload();
            for (auto it = m_edits.cbegin(); it != m_edits.cend(); ++it) {
                if (it.value()->echoMode() == QLineEdit::Password)
                    it.value()->clear();
            }
            m_status->setText(tr("Saved %n change(s). They apply at the next start of the console.",
                                 nullptr, changes));
            emit saveFinished(true);
        });
    return true;
}

void SettingsPanel::setSaving(bool saving)
{
    m_saving = saving;
    m_editing.setEnabled(!saving);
    m_progress->setVisible(saving);
    if (saving)
        m_status->setText(tr("Saving…"));
}

} // namespace wfx::ui
