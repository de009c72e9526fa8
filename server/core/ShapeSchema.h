// SPDX-License-Identifier: Apache-2.0
// The JSON Schema of a resource from its field table (models/core/Shape.h):
// what the routes publish in /openapi.json and validate with, from the same
// declaration the resource's JSON writer comes from.
#pragma once

#include "models/core/Shape.h"
#include "server/core/Schema.h"

namespace wfx::schema {

// One member's schema as the shape `in` publishes it.
QJsonObject ofSpec(const shape::Spec &spec, shape::Shape in);

// {"type": "object", "properties": {...}, "required": [...]} of the table's
// fields in the shape `in`, then `more` (members the shape adds of its own); a
// member is required unless it is omittable. A column that is not in the JSON
// (no name) is not in the schema either, nor a member the shape leaves out.
template <typename Fields>
QJsonObject of(const Fields &fields, shape::Shape in, const QList<Prop> &more = {})
{
    QList<Prop> props;
    auto add = [&](const auto &f) {
        if (!f.name.empty() && (f.spec.in & in))
            props.append(Prop{QString::fromLatin1(f.name.data(), qsizetype(f.name.size())),
                              ofSpec(f.spec, in), !f.spec.optional});
    };
    std::apply([&](const auto &...f) { (add(f), ...); }, fields);
    props.append(more);
    return object(props);
}

// The members a request's body sends (Field::sent, models/core/ShapeInput.h),
// as the request schema's properties: a key is required, any other may be left
// out (null too, so no member states null), each described by its input note.
template <typename Fields> QList<Prop> inputs(const Fields &fields)
{
    QList<Prop> props;
    auto add = [&](const auto &f) {
        if (f.input == shape::Input::None)
            return;
        shape::Spec spec = f.spec;
        spec.nullable = false;
        spec.description = f.inputNote;
        props.append(Prop{QString::fromLatin1(f.name.data(), qsizetype(f.name.size())),
                          ofSpec(spec, shape::Api), f.input == shape::Input::Key});
    };
    std::apply([&](const auto &...f) { (add(f), ...); }, fields);
    return props;
}

// The schema of the table's member `name` in the shape `in` (for request
// bodies that take a resource's field); an empty object when the table has no
// such member.
template <typename Fields>
QJsonObject member(const Fields &fields, std::string_view name, shape::Shape in)
{
    QJsonObject found;
    auto pick = [&](const auto &f) {
        if (f.name == name)
            found = ofSpec(f.spec, in);
    };
    std::apply([&](const auto &...f) { (pick(f), ...); }, fields);
    return found;
}

} // namespace wfx::schema
