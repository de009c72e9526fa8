// SPDX-License-Identifier: Apache-2.0
#include "ui/common/WordsText.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>
#include <QStringList>

#include <climits>

namespace wfx::ui {

namespace {

QString duration(qint64 ms)
{
    // (The count is computed before the translate() calls: lupdate 6.4 loops on
    // a division or a template argument list inside their arguments.)
    const Words::Span d = Words::span(ms);
    const int n = d.count > INT_MAX ? INT_MAX : int(d.count);
    switch (d.unit) {
    case Words::Unit::Seconds:
        return QCoreApplication::translate("wfx::Words", "%n second(s)", nullptr, n);
    case Words::Unit::Minutes:
        return QCoreApplication::translate("wfx::Words", "%n minute(s)", nullptr, n);
    case Words::Unit::Hours:
        return QCoreApplication::translate("wfx::Words", "%n hour(s)", nullptr, n);
    case Words::Unit::Days:
        break;
    }
    return QCoreApplication::translate("wfx::Words", "%n day(s)", nullptr, n);
}

} // namespace

QString wordsText(const Words &words)
{
    const QLocale locale;
    QStringList args;
    args.reserve(words.args.size());
    for (const Words::Arg &a : words.args) {
        switch (a.kind) {
        case Words::Arg::Kind::Text:
            args.append(a.text);
            break;
        case Words::Arg::Kind::Term:
            args.append(QCoreApplication::translate("wfx::Words", a.text.toUtf8().constData()));
            break;
        case Words::Arg::Kind::Count:
            args.append(locale.toString(a.value));
            break;
        case Words::Arg::Kind::Duration:
            args.append(duration(a.value));
            break;
        case Words::Arg::Kind::Instant:
            args.append(
                locale.toString(QDateTime::fromMSecsSinceEpoch(a.value), QLocale::ShortFormat));
            break;
        case Words::Arg::Kind::Clock:
            args.append(locale.toString(QDateTime::fromMSecsSinceEpoch(a.value).time(),
                                        QLocale::ShortFormat));
            break;
        case Words::Arg::Kind::Nested:
            args.append(a.nested ? wordsText(*a.nested) : QString());
            break;
        }
    }
    return Words::fill(QCoreApplication::translate("wfx::Words", words.source ? words.source : ""),
                       args);
}

} // namespace wfx::ui
