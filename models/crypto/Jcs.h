// SPDX-License-Identifier: Apache-2.0
// RFC 8785 JSON Canonicalization Scheme: the bytes a run manifest signature covers.
#pragma once

#include <QByteArray>
#include <QJsonValue>

namespace wfx::jcs {

QByteArray canonicalize(const QJsonValue &value);
// ECMAScript Number.prototype.toString for a finite double (RFC 8785 3.2.2.3).
QByteArray formatNumber(double d);

} // namespace wfx::jcs
