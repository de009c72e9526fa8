// SPDX-License-Identifier: Apache-2.0
#include "server/core/ShapeSchema.h"

namespace wfx::schema {

QJsonObject ofSpec(const shape::Spec &spec, shape::Shape in)
{
    using shape::Kind;
    QJsonObject s;
    switch (spec.kind) {
    case Kind::Uuid:
        s = uuid();
        break;
    case Kind::Text:
        s = (spec.limitsIn & in) ? string(spec.minLength, spec.maxLength) : string();
        break;
    case Kind::Time:
        s = dateTime();
        break;
    case Kind::Integer:
        s = integer(spec.minimum, spec.maximum);
        break;
    case Kind::Boolean:
        s = boolean();
        break;
    case Kind::Enum:
        s = enumOf(shape::namesOf(spec.names));
        break;
    case Kind::AnyObject:
        s = anyObject();
        break;
    case Kind::Counts: {
        QList<Prop> props;
        for (std::string_view n : spec.names)
            props.append(Prop{QString::fromLatin1(n.data(), qsizetype(n.size())),
                              integer(spec.minimum, spec.maximum), true});
        s = object(props);
        break;
    }
    case Kind::TextList:
        s = arrayOf(string());
        break;
    }
    if (spec.nullable)
        s = nullable(s);
    if (in == shape::Api && !spec.description.empty())
        s = describe(
            s, QString::fromUtf8(spec.description.data(), qsizetype(spec.description.size())));
    return s;
}

} // namespace wfx::schema
