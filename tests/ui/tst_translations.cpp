// SPDX-License-Identifier: Apache-2.0
// The console's languages: the choice from --lang and the system's UI languages,
// the embedded translations of every language --lang accepts, English plurals.
#include "Config.h"
#include "common/Translations.h"

#include <QApplication>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QTest>

using namespace wfx;
namespace Translations = wfx::ui::Translations;

namespace {
QString S(const char *s)
{
    return QString::fromUtf8(s);
}
QString runs(int n)
{
    return QCoreApplication::translate("wfx::ui::RunsPanel", "%n run(s), all shown", nullptr, n);
}
} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { QVERIFY(Translations::install(S("en"))); }

    void choosesFromRequestThenSystem()
    {
        const QStringList shipped{S("en"), S("de"), S("ja")};
        QCOMPARE(Translations::choose(S("ja"), shipped, {S("de-DE")}), S("ja"));
        QCOMPARE(Translations::choose(S("fr"), shipped, {S("de-DE")}), S("en"));
        QCOMPARE(Translations::choose({}, shipped, {S("fr-FR"), S("de-AT"), S("en-US")}), S("de"));
        QCOMPARE(Translations::choose({}, shipped, {S("ja_JP")}), S("ja"));
        QCOMPARE(Translations::choose({}, shipped, {S("fr-FR"), S("pt-BR")}), S("en"));
        QCOMPARE(Translations::choose({}, shipped, {}), S("en"));
        QCOMPARE(Translations::choose({}, {S("en")}, {S("de-DE")}), S("en"));
    }

    void langIsASetting()
    {
        ConfigSources src;
        src.flags.insert(S("lang"), S("DE"));
        const QStringList shipped = Config::languages();
        QCOMPARE(shipped.first(), S("en"));
        if (shipped.contains(S("de"))) {
            const ResolvedConfig c = Config::resolve(src);
            QVERIFY2(c.ok(), qPrintable(c.error));
            QCOMPARE(c.values.language, S("de"));
            QVERIFY(c.describe().contains(S("lang = DE  (flag --lang)")));
        }
        src.flags.insert(S("lang"), S("xx"));
        const ResolvedConfig bad = Config::resolve(src);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error.contains(S("lang")), qPrintable(bad.error));
        src.flags.remove(S("lang"));
        QCOMPARE(Config::resolve(src).values.language, QString());
    }

    void englishHasItsPlurals()
    {
        QVERIFY(Translations::install(S("en")));
        QCOMPARE(runs(1), S("1 run, all shown"));
        QCOMPARE(runs(2), S("2 runs, all shown"));
        QCOMPARE(QCoreApplication::translate("wfx::ui::AuditPanel", "%n entry(s), all shown", nullptr, 3),
                 S("3 entries, all shown"));
    }

    // Every language --lang accepts is embedded and translates the console's plurals.
    void everyShippedLanguageLoads()
    {
        for (const QString &lang : Config::languages()) {
            QString error;
            QVERIFY2(Translations::install(lang, &error), qPrintable(lang + S(": ") + error));
            for (int n : {1, 2, 5}) {
                const QString text = runs(n);
                QVERIFY2(text.contains(QString::number(n)), qPrintable(lang + S(": ") + text));
                QVERIFY2(!text.contains(S("(s)")), qPrintable(lang + S(": ") + text));
            }
            if (lang != QLatin1String("en"))
                QVERIFY2(QCoreApplication::translate("wfx::ui::MainWindow", "Settings") != S("Settings")
                             || QCoreApplication::translate("wfx::ui::MainWindow", "Overview") != S("Overview"),
                         qPrintable(lang));
        }
    }

    void qtsOwnTranslationsWhereInstalled()
    {
        const QString dir = QLibraryInfo::path(QLibraryInfo::TranslationsPath);
        if (!QFileInfo::exists(dir + S("/qtbase_de.qm")) || !Config::languages().contains(S("de")))
            QSKIP("qtbase_de.qm is not installed (qt6-translations-l10n) or German is not shipped");
        QVERIFY(Translations::install(S("de")));
        QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), S("Abbrechen"));
        QVERIFY(Translations::install(S("en")));
        QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), S("Cancel"));
    }

    void unknownLanguageFails()
    {
        QString error;
        QVERIFY(!Translations::install(S("xx"), &error));
        QVERIFY(error.contains(S("xx")));
    }
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
