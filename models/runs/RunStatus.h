// SPDX-License-Identifier: Apache-2.0
// The names a run's status and evidence take, each listed once.
#pragma once

#include "models/core/Shape.h"

namespace wfx {

enum class RunStatus { Queued, Running, Completed, Failed, Cancelled };
// Ed25519 over the RFC 8785 manifest: verified, present but wrong, or none.
enum class Evidence { Verified, Unverified, Unsigned };

template <> struct shape::EnumNames<RunStatus>
{
    static constexpr std::array<std::string_view, 5> names{"queued", "running", "completed",
                                                           "failed", "cancelled"};
};
template <> struct shape::EnumNames<Evidence>
{
    static constexpr std::array<std::string_view, 3> names{"verified", "unverified", "unsigned"};
};

} // namespace wfx
