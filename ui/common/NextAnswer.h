// SPDX-License-Identifier: Apache-2.0
// The answer a test scripts for the next question a helper would put to the user
// (Confirm, FileChooser): taken once, after which the user is asked again.
#pragma once

#include <optional>
#include <utility>

namespace wfx::ui {

template <typename T> class NextAnswer
{
public:
    void set(T answer) { m_next = std::move(answer); }
    // The scripted answer, once; nothing when none is set.
    std::optional<T> take() { return std::exchange(m_next, std::nullopt); }

private:
    std::optional<T> m_next;
};

} // namespace wfx::ui
