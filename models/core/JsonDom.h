// SPDX-License-Identifier: Apache-2.0
// simdjson's DOM (of a document the strict reader, server/core/JsonReader,
// already accepted) read as Qt reads JSON: the one walk from its values to
// QString and QJsonValue, shared by the reader and by the parsers that read the
// DOM directly (runs/SyncRequest.h). Include <simdjson.h> where you use it.
#pragma once

#include <QJsonValue>
#include <QString>

#include <string_view>

namespace simdjson::dom {
class element;
}

namespace wfx::jsondom {

// UTF-8 as QString with every leading U+FEFF kept: QString::fromUtf8 drops a
// byte order mark at the start (Qt 6.4), and user data must not change.
QString string(std::string_view utf8);

// A number as QJsonValue holds it: the nearest double.
double number(const simdjson::dom::element &e);

// The value as QJsonDocument would have read the same text: integers that fit
// int64 and whole doubles in int64's range as integers, other numbers as
// double, strings exactly (string()). An object's keys are assumed unique (the
// reader refused duplicates).
QJsonValue toValue(const simdjson::dom::element &e);

} // namespace wfx::jsondom
