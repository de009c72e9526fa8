// SPDX-License-Identifier: Apache-2.0
// The console's languages: the choice from --lang and the system's UI languages,
// the embedded translations of every language --lang accepts, English plurals.
#include "app/Config.h"
#include "ui/common/Translations.h"

#include <QApplication>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QTest>

using namespace Qt::StringLiterals;

using namespace wfx;
namespace Translations = wfx::ui::Translations;

namespace {
QString runs(int n)
{
    return QCoreApplication::translate("wfx::ui::RunsPanel", "%n run(s), all shown", nullptr, n);
}
} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { QVERIFY(Translations::install(u"en"_s)); }

    void choosesFromRequestThenSystem()
    {
        const QStringList shipped{u"en"_s, u"de"_s, u"ja"_s};
        QCOMPARE(Translations::choose(u"ja"_s, shipped, {u"de-DE"_s}), u"ja"_s);
        QCOMPARE(Translations::choose(u"fr"_s, shipped, {u"de-DE"_s}), u"en"_s);
        QCOMPARE(Translations::choose({}, shipped, {u"fr-FR"_s, u"de-AT"_s, u"en-US"_s}), u"de"_s);
        QCOMPARE(Translations::choose({}, shipped, {u"ja_JP"_s}), u"ja"_s);
        QCOMPARE(Translations::choose({}, shipped, {u"fr-FR"_s, u"pt-BR"_s}), u"en"_s);
        QCOMPARE(Translations::choose({}, shipped, {}), u"en"_s);
        QCOMPARE(Translations::choose({}, {u"en"_s}, {u"de-DE"_s}), u"en"_s);
    }

    void langIsASetting()
    {
        ConfigSources src;
        src.flags.insert(u"lang"_s, u"DE"_s);
        const QStringList shipped = Config::languages();
        QCOMPARE(shipped.first(), u"en"_s);
        if (shipped.contains(u"de"_s)) {
            const ResolvedConfig c = Config::resolve(src);
            QVERIFY2(c.ok(), qPrintable(c.error));
            QCOMPARE(c.values.language, u"de"_s);
            QVERIFY(c.describe().contains(u"lang = DE  (flag --lang)"_s));
        }
        src.flags.insert(u"lang"_s, u"xx"_s);
        const ResolvedConfig bad = Config::resolve(src);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error.contains(u"lang"_s), qPrintable(bad.error));
        src.flags.remove(u"lang"_s);
        QCOMPARE(Config::resolve(src).values.language, QString());
    }

    void englishHasItsPlurals()
    {
        QVERIFY(Translations::install(u"en"_s));
        QCOMPARE(runs(1), u"1 run, all shown"_s);
        QCOMPARE(runs(2), u"2 runs, all shown"_s);
        QCOMPARE(QCoreApplication::translate("wfx::ui::AuditPanel", "%n entry(s), all shown",
                                             nullptr, 3),
                 u"3 entries, all shown"_s);
    }

    // Every language --lang accepts is embedded and translates the console's plurals.
    void everyShippedLanguageLoads()
    {
        for (const QString &lang : Config::languages()) {
            QString error;
            QVERIFY2(Translations::install(lang, &error), qPrintable(lang + u": "_s + error));
            for (int n : {1, 2, 5}) {
                const QString text = runs(n);
                QVERIFY2(text.contains(QString::number(n)), qPrintable(lang + u": "_s + text));
                QVERIFY2(!text.contains(u"(s)"_s), qPrintable(lang + u": "_s + text));
            }
            if (lang != QLatin1String("en"))
                QVERIFY2(QCoreApplication::translate("wfx::ui::MainWindow", "Settings") !=
                                 u"Settings"_s ||
                             QCoreApplication::translate("wfx::ui::MainWindow", "Overview") !=
                                 u"Overview"_s,
                         qPrintable(lang));
        }
    }

    void qtsOwnTranslationsWhereInstalled()
    {
        const QString dir = QLibraryInfo::path(QLibraryInfo::TranslationsPath);
        if (!QFileInfo::exists(dir + u"/qtbase_de.qm"_s) || !Config::languages().contains(u"de"_s))
            QSKIP("qtbase_de.qm is not installed (qt6-translations-l10n) or German is not shipped");
        QVERIFY(Translations::install(u"de"_s));
        QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), u"Abbrechen"_s);
        QVERIFY(Translations::install(u"en"_s));
        QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), u"Cancel"_s);
    }

    void unknownLanguageFails()
    {
        QString error;
        QVERIFY(!Translations::install(u"xx"_s, &error));
        QVERIFY(error.contains(u"xx"_s));
    }
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
