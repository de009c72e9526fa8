// SPDX-License-Identifier: Apache-2.0
// /openapi.json, generated from the route table (and the BFF proxy allowlist).
#pragma once

#include <QJsonObject>

namespace wfx {

class RouteTable;
QJsonObject openApiDocument(const RouteTable &table);

} // namespace wfx
