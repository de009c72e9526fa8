// SPDX-License-Identifier: Apache-2.0
// What AccountService's .cpp files share; not for other code.
#pragma once

#include "models/core/Result.h"

#include <QString>

namespace wfx::account {

Error loginRequired();
// Failures are counted per email whether or not an account has it, so the
// throttle itself does not tell which emails exist; the bucket name holds a
// hash, not the address.
QString accountBucket(const QString &email);

} // namespace wfx::account
