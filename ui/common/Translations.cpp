// SPDX-License-Identifier: Apache-2.0
#include "ui/common/Translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QPointer>
#include <QTranslator>

namespace wfx::ui::Translations {

QString choose(const QString &requested, const QStringList &shipped, const QStringList &uiLanguages)
{
    if (!requested.isEmpty())
        return shipped.contains(requested) ? requested : QStringLiteral("en");
    for (const QString &tag : uiLanguages) {
        // "de-DE", "de_AT", "ja": the language is the part before the region.
        const QString language =
            tag.section(QLatin1Char('-'), 0, 0).section(QLatin1Char('_'), 0, 0).toLower();
        if (shipped.contains(language))
            return language;
    }
    return QStringLiteral("en");
}

bool install(const QString &language, QString *error)
{
    // Owned by the application, so they go with it; replaced on the next install().
    static QPointer<QTranslator> console;
    static QPointer<QTranslator> qtbase;
    for (QPointer<QTranslator> *t : {&console, &qtbase}) {
        if (*t) {
            QCoreApplication::removeTranslator(t->data());
            delete t->data();
        }
    }
    auto *own = new QTranslator(QCoreApplication::instance());
    if (!own->load(QStringLiteral("worldflux-console_") + language, QStringLiteral(":/i18n"))) {
        delete own;
        if (error)
            *error = QStringLiteral("no translation for the language %1 in :/i18n").arg(language);
        return false;
    }
    QCoreApplication::installTranslator(own);
    console = own;
    // Numbers and dates follow the language when the system's locale speaks another one
    // (a German console on an en_US system writes 1.000,5; on de_AT it keeps de_AT).
    if (QLocale().language() != QLocale(language).language())
        QLocale::setDefault(QLocale(language));
    auto *qt = new QTranslator(QCoreApplication::instance());
    if (qt->load(QStringLiteral("qtbase_") + language,
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qt);
        qtbase = qt;
    } else {
        delete qt;
    }
    return true;
}

} // namespace wfx::ui::Translations
