// SPDX-License-Identifier: Apache-2.0
#include "models/core/Shape.h"

namespace wfx::shape {

QStringList namesOf(std::span<const std::string_view> names)
{
    QStringList out;
    out.reserve(qsizetype(names.size()));
    for (std::string_view n : names)
        out.append(QString::fromLatin1(n.data(), qsizetype(n.size())));
    return out;
}

bool hasControl(QStringView text)
{
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}

} // namespace wfx::shape
