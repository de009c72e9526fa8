// SPDX-License-Identifier: Apache-2.0
// The console's language: chosen from --lang or the system's UI languages,
// loaded from the embedded :/i18n/worldflux-console_<lang>.qm (English: its
// plural forms only) plus Qt's own qtbase_<lang>.qm where installed
// (Debian: qt6-translations-l10n). Load before the first window is built:
// the panels translate their texts when they are constructed.
#pragma once

#include <QLocale>
#include <QString>
#include <QStringList>

namespace wfx::ui::Translations {

// `requested` when it is one of `shipped`; when `requested` is empty, the first
// of `uiLanguages` (e.g. "de-DE", "ja") whose language is shipped; else "en".
QString choose(const QString &requested, const QStringList &shipped,
               const QStringList &uiLanguages = QLocale::system().uiLanguages());

// Installs the translators for `language` into the application (replacing
// earlier ones). False with the reason when the console's own file is missing;
// a missing Qt file is not an error (English has none).
bool install(const QString &language, QString *error = nullptr);

} // namespace wfx::ui::Translations
