// SPDX-License-Identifier: Apache-2.0
// The public payload policy: which snapshots may be shown to anyone holding a link.
#pragma once

#include "models/core/Words.h"

#include <QJsonObject>
#include <QList>
#include <QRegularExpression>
#include <QString>

#include <optional>

namespace wfx {

struct PolicyViolation
{
    QString path; // dotted JSON path into the snapshot, e.g. run.manifest.api_key
    Words why;    // for the administrator, never sent to the public
};

class PayloadPolicy
{
public:
    struct ValueRule
    {
        QString label;   // "an email address"
        QString pattern; // searched within every string value (and key)
    };

    static QString defaultKeyPattern();
    static QList<ValueRule> defaultValueRules();

    // The default policy (CONTRACT.md section 4).
    PayloadPolicy();
    // keyPattern is matched case-insensitively anywhere in a key; value rules
    // anywhere in a string value or key. Invalid patterns make isValid() false.
    PayloadPolicy(const QString &keyPattern, const QList<ValueRule> &valueRules);

    bool isValid() const;
    QString errorString() const;

    // The first violation in document order (object keys sorted), or nullopt.
    std::optional<PolicyViolation> judge(const QJsonObject &snapshot) const;

private:
    std::optional<PolicyViolation> judgeValue(const QJsonValue &v, const QString &path) const;
    std::optional<PolicyViolation> judgeString(const QString &s, const QString &path,
                                               bool isKey) const;

    QRegularExpression m_key;
    QList<std::pair<QString, QRegularExpression>> m_values;
};

} // namespace wfx
