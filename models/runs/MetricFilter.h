// SPDX-License-Identifier: Apache-2.0
// A condition on a metric's last value (its value at the run's highest step),
// as people write it: `loss < 0.1`, `eval/return >= 200`, `"a b" != 0`. The
// runs list filters by it (RunFilter::metric) and the Runs panel and
// GET /api/runs parse it from text.
#pragma once

#include <QString>

#include <optional>

namespace wfx {

struct MetricCondition
{
    enum Op { Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual };
    QString name;
    Op op = Less;
    double value = 0;

    bool matches(double v) const;
    // The SQL comparison operator of `op`.
    const char *sqlOperator() const;
    // Back to text that parse() reads as the same condition.
    QString toText() const;
    bool operator==(const MetricCondition &) const = default;
};

namespace metricfilter {

// What is wrong with an expression, for a message in the reader's language.
enum class Problem {
    None,
    Empty,        // nothing written
    MissingName,  // no metric name before the operator
    MissingOp,    // no <, <=, >, >=, = or != after the name
    MissingValue, // nothing after the operator
    BadValue,     // what follows the operator is not a finite number
    Unterminated, // a quoted name without its closing quote
    TooLong,      // a name longer than a metric name may be
};

struct Parsed
{
    std::optional<MetricCondition> condition;
    Problem problem = Problem::None;
    QString near; // the part that is wrong (BadValue: the text read as the number)
};

// A metric name, an operator and a number, with optional spaces between them.
// The name is everything before the first operator character (< > = !), so
// names with dots, slashes, spaces or colons need no quotes (`eval/return`);
// a name holding an operator character is written in double quotes, with \"
// and \\ inside. Numbers are read in the C locale (1e-3, -2.5, .5), `==` is
// the same as `=`.
Parsed parse(const QString &text);

// An English sentence for a problem (the API's validation message).
QString describe(const Parsed &parsed);

} // namespace metricfilter
} // namespace wfx
