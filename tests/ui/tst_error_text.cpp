// SPDX-License-Identifier: Apache-2.0
// ErrorText: every error code the services return reads as a sentence of the
// console's language (German and Japanese translated), never the model's English
// message; validation errors name their fields; an unknown code falls back to a
// translated generic sentence with the code's name.
#include "ui/common/ErrorText.h"
#include "ui/common/Translations.h"

#include <QApplication>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace wfx;
using wfx::ui::ErrorText;
namespace Translations = wfx::ui::Translations;

namespace {

const QString kModelText = u"Your role in this workspace does not allow this."_s;

// Every code of ErrorCode, in declaration order (the last one is PayloadTooLarge).
QList<ErrorCode> allCodes()
{
    QList<ErrorCode> out;
    for (int c = 0; c <= int(ErrorCode::PayloadTooLarge); ++c)
        out.append(ErrorCode(c));
    return out;
}

QString textIn(const QString &lang, const Error &e)
{
    if (!Translations::install(lang))
        return {};
    return ErrorText::of(e);
}

} // namespace

class TestErrorText : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { QVERIFY(Translations::install(u"en"_s)); }

    void everyCodeHasItsOwnSentence()
    {
        QSet<QString> seen;
        for (ErrorCode code : allCodes()) {
            const QString text = textIn(u"en"_s, Error{code, kModelText});
            QVERIFY2(!text.isEmpty(), qPrintable(errorCodeName(code)));
            QVERIFY2(!text.contains(kModelText), qPrintable(text));
            // Not the fallback: a code the console knows has a sentence of its own.
            QVERIFY2(!text.contains(errorCodeName(code)), qPrintable(text));
            seen.insert(text);
        }
        QCOMPARE(seen.size(), allCodes().size());
    }

    void everyCodeIsTranslated_data()
    {
        QTest::addColumn<QString>("lang");
        QTest::newRow("de") << u"de"_s;
        QTest::newRow("ja") << u"ja"_s;
    }

    void everyCodeIsTranslated()
    {
        QFETCH(QString, lang);
        for (ErrorCode code : allCodes()) {
            const Error e{code, kModelText};
            const QString english = textIn(u"en"_s, e);
            const QString translated = textIn(lang, e);
            QVERIFY2(!translated.isEmpty() && translated != english,
                     qPrintable(lang + u": "_s + errorCodeName(code) + u" = "_s + translated));
            QVERIFY2(!translated.contains(kModelText), qPrintable(translated));
        }
        // The "what failed: why" frame too.
        const Error forbidden{ErrorCode::Forbidden, kModelText};
        QVERIFY(Translations::install(lang));
        const QString failure = ErrorText::failure(u"WHAT"_s, forbidden);
        QVERIFY2(failure.startsWith(u"WHAT"_s), qPrintable(failure));
        QVERIFY(failure.contains(ErrorText::of(forbidden)));
    }

    void validationNamesItsFields_data()
    {
        QTest::addColumn<QString>("lang");
        QTest::newRow("en") << u"en"_s;
        QTest::newRow("de") << u"de"_s;
        QTest::newRow("ja") << u"ja"_s;
    }

    void validationNamesItsFields()
    {
        QFETCH(QString, lang);
        const QString english = u"Invalid display_name."_s;
        Error e = Error::validation(u"display_name"_s, u"too_long"_s, english);
        e.details.append({u"email"_s, u"required"_s});
        const QString text = textIn(lang, e);
        QVERIFY2(text.contains(u"display_name"_s) && text.contains(u"email"_s), qPrintable(text));
        QVERIFY(!text.contains(english));
        // Each issue has its own words: too long and required do not read alike.
        QVERIFY(textIn(lang, Error::validation(u"x"_s, u"too_long"_s)) !=
                textIn(lang, Error::validation(u"x"_s, u"required"_s)));
        // An issue without words of its own still names the field.
        QVERIFY(textIn(lang, Error::validation(u"cursor"_s, u"gap"_s)).contains(u"cursor"_s));
    }

    void unknownCodeFallsBack_data() { validationNamesItsFields_data(); }

    void unknownCodeFallsBack()
    {
        QFETCH(QString, lang);
        const Error e{ErrorCode(int(ErrorCode::PayloadTooLarge) + 7), kModelText};
        const QString text = textIn(lang, e);
        QVERIFY2(text.contains(errorCodeName(e.code)), qPrintable(text));
        QVERIFY(!text.contains(kModelText));
        if (lang != u"en"_s)
            QVERIFY2(text != textIn(u"en"_s, e), qPrintable(text));
    }
};

QTEST_MAIN(TestErrorText)
#include "tst_error_text.moc"
