// SPDX-License-Identifier: Apache-2.0
#include "models/shares/PayloadPolicy.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {
constexpr int kMaxDepth = 256;

// Numbers, booleans and null can break no rule: they need no path (a metric
// series holds thousands of them).
bool judged(const QJsonValue &v)
{
    return v.isString() || v.isObject() || v.isArray();
}

QString child(const QString &path, const QString &key)
{
    return path.isEmpty() ? key : path + QLatin1Char('.') + key;
}
} // namespace

QString PayloadPolicy::defaultKeyPattern()
{
    return u"secret|password|token|api[_-]?key|credential"_s;
}

QList<PayloadPolicy::ValueRule> PayloadPolicy::defaultValueRules()
{
    return {
        {QString::fromLatin1(QT_TRANSLATE_NOOP("wfx::Words", "an email address")),
         u"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}"_s},
        {QString::fromLatin1(QT_TRANSLATE_NOOP("wfx::Words", "a wfx_ API key")),
         u"wfx_[A-Za-z0-9_-]{16,}"_s},
    };
}

PayloadPolicy::PayloadPolicy() : PayloadPolicy(defaultKeyPattern(), defaultValueRules()) {}

PayloadPolicy::PayloadPolicy(const QString &keyPattern, const QList<ValueRule> &valueRules)
    : m_key(keyPattern, QRegularExpression::CaseInsensitiveOption)
{
    for (const auto &r : valueRules)
        m_values.append({r.label, QRegularExpression(r.pattern)});
    // Compile now, so concurrent readers (one resolver used by several server
    // threads) only ever match.
    m_key.optimize();
    for (auto &v : m_values)
        v.second.optimize();
}

bool PayloadPolicy::isValid() const
{
    return errorString().isEmpty();
}

QString PayloadPolicy::errorString() const
{
    if (!m_key.isValid())
        return u"key pattern: "_s + m_key.errorString();
    for (const auto &v : m_values) {
        if (!v.second.isValid())
            return v.first + u": "_s + v.second.errorString();
    }
    return {};
}

std::optional<PolicyViolation> PayloadPolicy::judge(const QJsonObject &snapshot) const
{
    if (!isValid()) // a broken policy refuses everything rather than nothing
        return PolicyViolation{
            QString(), Words{QT_TRANSLATE_NOOP("wfx::Words",
                                               "the public payload policy itself is invalid: %1"),
                             {Words::text(errorString())}}};
    return judgeValue(snapshot, QString());
}

std::optional<PolicyViolation> PayloadPolicy::judgeString(const QString &s, const QString &path,
                                                          bool isKey) const
{
    if (isKey && !m_key.pattern().isEmpty() && m_key.match(s).hasMatch())
        return PolicyViolation{
            path,
            Words{QT_TRANSLATE_NOOP("wfx::Words", "its name looks like a secret (matches \"%1\")"),
                  {Words::text(m_key.pattern())}}};
    for (const auto &v : m_values) {
        if (!v.second.pattern().isEmpty() && v.second.match(s).hasMatch())
            return PolicyViolation{
                path, Words{isKey ? QT_TRANSLATE_NOOP("wfx::Words", "its name looks like %1")
                                  : QT_TRANSLATE_NOOP("wfx::Words", "its value looks like %1"),
                            {Words::term(v.first)}}};
    }
    return std::nullopt;
}

std::optional<PolicyViolation> PayloadPolicy::judgeValue(const QJsonValue &root,
                                                         const QString &rootPath) const
{
    // Iterative walk: a deeply nested manifest cannot exhaust the stack.
    struct Item
    {
        QJsonValue value;
        QString path;
        int depth;
    };
    QList<Item> stack{{root, rootPath, 0}};
    while (!stack.isEmpty()) {
        const Item it = stack.takeLast();
        if (it.depth > kMaxDepth)
            return PolicyViolation{
                it.path,
                Words{QT_TRANSLATE_NOOP("wfx::Words", "it is nested too deeply to be judged"), {}}};
        if (it.value.isString()) {
            if (auto v = judgeString(it.value.toString(), it.path, false))
                return v;
        } else if (it.value.isObject()) {
            const QJsonObject o = it.value.toObject();
            // Keys first (in order), then children, so the first violation is stable.
            for (auto i = o.constBegin(); i != o.constEnd(); ++i) {
                if (auto v = judgeString(i.key(), child(it.path, i.key()), true))
                    return v;
            }
            for (auto i = o.constEnd(); i != o.constBegin();) {
                --i;
                if (judged(i.value()))
                    stack.append({i.value(), child(it.path, i.key()), it.depth + 1});
            }
        } else if (it.value.isArray()) {
            const QJsonArray a = it.value.toArray();
            for (qsizetype i = a.size(); i > 0; --i) {
                if (judged(a.at(i - 1)))
                    stack.append(
                        {a.at(i - 1), child(it.path, QString::number(i - 1)), it.depth + 1});
            }
        }
    }
    return std::nullopt;
}

} // namespace wfx
