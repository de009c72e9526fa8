// SPDX-License-Identifier: Apache-2.0
#include "models/runs/MetricFilter.h"

#include "models/runs/SyncRequest.h"

#include <QLocale>

#include <cmath>

namespace wfx {

bool MetricCondition::matches(double v) const
{
    switch (op) {
    case Less:
        return v < value;
    case LessEqual:
        return v <= value;
    case Greater:
        return v > value;
    case GreaterEqual:
        return v >= value;
    case Equal:
        return v == value;
    case NotEqual:
        return v != value;
    }
    return false;
}

const char *MetricCondition::sqlOperator() const
{
    switch (op) {
    case Less:
        return "<";
    case LessEqual:
        return "<=";
    case Greater:
        return ">";
    case GreaterEqual:
        return ">=";
    case Equal:
        return "=";
    case NotEqual:
        return "<>";
    }
    return "<";
}

QString MetricCondition::toText() const
{
    static const char *const ops[] = {"<", "<=", ">", ">=", "=", "!="};
    QString n = name;
    if (n.contains(QLatin1Char('<')) || n.contains(QLatin1Char('>')) ||
        n.contains(QLatin1Char('=')) || n.contains(QLatin1Char('!')) ||
        n.startsWith(QLatin1Char('"')) || n != n.trimmed()) {
        n.replace(QLatin1String("\\"), QLatin1String("\\\\"))
            .replace(QLatin1String("\""), QLatin1String("\\\""));
        n = QLatin1Char('"') + n + QLatin1Char('"');
    }
    return n + QLatin1Char(' ') + QLatin1String(ops[op]) + QLatin1Char(' ') +
           QString::number(value, 'g', 17);
}

namespace metricfilter {

namespace {
bool isOpChar(QChar c)
{
    return c == QLatin1Char('<') || c == QLatin1Char('>') || c == QLatin1Char('=') ||
           c == QLatin1Char('!');
}
} // namespace

Parsed parse(const QString &text)
{
    Parsed out;
    const QString t = text.trimmed();
    if (t.isEmpty()) {
        out.problem = Problem::Empty;
        return out;
    }
    QString name;
    qsizetype at = 0;
    if (t.startsWith(QLatin1Char('"'))) {
        bool closed = false;
        for (at = 1; at < t.size(); ++at) {
            const QChar c = t.at(at);
            if (c == QLatin1Char('\\') && at + 1 < t.size()) {
                name += t.at(++at);
            } else if (c == QLatin1Char('"')) {
                closed = true;
                ++at;
                break;
            } else {
                name += c;
            }
        }
        if (!closed) {
            out.problem = Problem::Unterminated;
            out.near = t;
            return out;
        }
        while (at < t.size() && t.at(at).isSpace())
            ++at;
    } else {
        while (at < t.size() && !isOpChar(t.at(at)))
            ++at;
        name = t.left(at).trimmed();
    }
    if (name.isEmpty()) {
        out.problem = Problem::MissingName;
        return out;
    }
    if (name.size() > SyncRequest::kMaxTextLength) {
        out.problem = Problem::TooLong;
        return out;
    }
    const QString rest = t.mid(at);
    MetricCondition c;
    c.name = name;
    qsizetype opLen = 0;
    struct Spelling
    {
        const char *text;
        MetricCondition::Op op;
    };
    // Longest spellings first.
    static const Spelling spellings[] = {
        {"<=", MetricCondition::LessEqual}, {">=", MetricCondition::GreaterEqual},
        {"!=", MetricCondition::NotEqual},  {"==", MetricCondition::Equal},
        {"<", MetricCondition::Less},       {">", MetricCondition::Greater},
        {"=", MetricCondition::Equal}};
    for (const Spelling &s : spellings) {
        if (rest.startsWith(QLatin1String(s.text))) {
            c.op = s.op;
            opLen = qsizetype(qstrlen(s.text));
            break;
        }
    }
    if (opLen == 0) {
        out.problem = Problem::MissingOp;
        out.near = rest;
        return out;
    }
    const QString number = rest.mid(opLen).trimmed();
    if (number.isEmpty()) {
        out.problem = Problem::MissingValue;
        return out;
    }
    bool ok = false;
    const double v = QLocale::c().toDouble(number, &ok);
    if (!ok || !std::isfinite(v)) {
        out.problem = Problem::BadValue;
        out.near = number;
        return out;
    }
    c.value = v;
    out.condition = c;
    return out;
}

QString describe(const Parsed &parsed)
{
    switch (parsed.problem) {
    case Problem::None:
        return {};
    case Problem::Empty:
        return QStringLiteral(
            "Write a metric name, an operator and a number, for example: loss < 0.1.");
    case Problem::MissingName:
        return QStringLiteral(
            "A metric name is missing before the operator (for example: loss < 0.1).");
    case Problem::MissingOp:
        return QStringLiteral(
            "An operator is missing after the metric name: one of <, <=, >, >=, =, !=.");
    case Problem::MissingValue:
        return QStringLiteral("A number is missing after the operator (for example: loss < 0.1).");
    case Problem::BadValue:
        return QStringLiteral("\"%1\" is not a number (write it like 0.1, -2 or 1e-3).")
            .arg(parsed.near);
    case Problem::Unterminated:
        return QStringLiteral("The quoted metric name has no closing quote.");
    case Problem::TooLong:
        return QStringLiteral("The metric name is longer than %1 characters.")
            .arg(SyncRequest::kMaxTextLength);
    }
    return {};
}

} // namespace metricfilter
} // namespace wfx
