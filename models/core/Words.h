// SPDX-License-Identifier: Apache-2.0
// Words for a person, composed in the model and worded by whoever shows them:
// an English source marked for lupdate with QT_TRANSLATE_NOOP("wfx::Words", ...)
// and its arguments. english() is the API's wording; the console translates
// the source and words counts, durations and times in the reader's language
// (ui/common/WordsText.h).
#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

#include <memory>

namespace wfx {

struct Words
{
    struct Arg
    {
        enum class Kind : quint8 {
            Text,     // as it is: an address, a name, a path, a code
            Term,     // a fixed English term translated when a translation exists
            Count,    // a number
            Duration, // milliseconds, worded as "5 minutes"
            Instant,  // milliseconds since the epoch, a date and time
            Clock,    // milliseconds since the epoch, a time of day (UTC in English)
            Nested,   // further words
        };
        Kind kind = Kind::Text;
        QString text;
        qint64 value = 0;
        std::shared_ptr<const Words> nested;
    };

    const char *source =
        nullptr; // QT_TRANSLATE_NOOP("wfx::Words", "...%1..."); %1.. are args in order
    QList<Arg> args;

    QString english() const;

    static Arg text(const QString &s) { return {Arg::Kind::Text, s, 0, {}}; }
    static Arg term(const QString &s) { return {Arg::Kind::Term, s, 0, {}}; }
    static Arg count(qint64 n) { return {Arg::Kind::Count, {}, n, {}}; }
    static Arg duration(qint64 ms) { return {Arg::Kind::Duration, {}, ms, {}}; }
    static Arg instant(qint64 ms) { return {Arg::Kind::Instant, {}, ms, {}}; }
    static Arg clock(qint64 ms) { return {Arg::Kind::Clock, {}, ms, {}}; }
    static Arg nested(const Words &w)
    {
        return {Arg::Kind::Nested, {}, 0, std::make_shared<const Words>(w)};
    }

    // Puts args[N-1] in place of each %N of `pattern` in one pass (an argument
    // that itself holds "%2" stays as it is).
    static QString fill(const QString &pattern, const QStringList &args);
    // A duration in one whole unit: seconds under a minute, minutes under an
    // hour, hours under two days, else days (a negative one is 0 seconds).
    enum class Unit : quint8 { Seconds, Minutes, Hours, Days };
    struct Span
    {
        Unit unit;
        qint64 count;
    };
    static Span span(qint64 ms);
    // "5 minutes"
    static QString englishDuration(qint64 ms);
};

} // namespace wfx
