// SPDX-License-Identifier: Apache-2.0
// JSON Schema (the OpenAPI 3.1 dialect) built in C++: the same object validates
// request bodies and is published in /openapi.json.
#pragma once

#include "models/core/Result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

#include <initializer_list>
#include <memory>
#include <utility>

namespace simdjson::dom {
class element;
}

namespace wfx::schema {

QJsonObject string(int minLength = 0, int maxLength = -1);
QJsonObject uuid();
QJsonObject dateTime();
QJsonObject enumOf(const QStringList &values);
QJsonObject integer(qint64 minimum, qint64 maximum);
QJsonObject number();
QJsonObject boolean();
QJsonObject anyObject();
QJsonObject arrayOf(const QJsonObject &items, int maxItems = -1);
QJsonObject nullable(const QJsonObject &s);
QJsonObject describe(QJsonObject s, const QString &description);

struct Prop
{
    QString name;
    QJsonObject schema;
    bool required = false;
};
QJsonObject object(std::initializer_list<Prop> props, bool additional = true);
QJsonObject object(const QList<Prop> &props, bool additional = true);
// {"<key>": inner, siblings...}
QJsonObject wrapped(const QString &key, const QJsonObject &inner,
                    std::initializer_list<Prop> siblings = {});
QJsonObject page(const QJsonObject &item);

// Validates `value` against `schema`, adding every problem to `details` with a
// dotted path (metrics.1.step). Supports the keywords the builders above emit.
void validate(const QJsonValue &value, const QJsonObject &schema, const QString &path,
              QList<FieldIssue> &details);

// A schema compiled once (a route's body schema): the same checks and answers
// as validate(), without looking keywords up by name or building a path for
// every value; a path is spelled out only for a problem. Cheap to copy.
class Validator
{
public:
    Validator() = default; // accepts anything
    explicit Validator(const QJsonObject &schema);
    void validate(const QJsonValue &value, QList<FieldIssue> &details,
                  const QString &path = {}) const;
    // The same checks and answers over simdjson's DOM of the document
    // (core/JsonReader.h's readDom), without building a QJsonValue.
    void validate(const simdjson::dom::element &value, QList<FieldIssue> &details,
                  const QString &path = {}) const;

    struct Node;

private:
    std::shared_ptr<const Node> m_root;
};

} // namespace wfx::schema
