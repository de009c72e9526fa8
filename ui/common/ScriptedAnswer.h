// SPDX-License-Identifier: Apache-2.0
// A question a helper puts to the user (Confirm, FileChooser) that a test can
// answer ahead, as KeePassXC's MessageBox lets it: setNextAnswer() makes the
// next question return that answer without showing anything; after it, the user
// is asked again.
#pragma once

#include <optional>
#include <utility>

namespace wfx::ui {

template <typename Question, typename Answer> class ScriptedAnswer
{
public:
    static void setNextAnswer(Answer answer) { s_next = std::move(answer); }

protected:
    // The scripted answer, once; nothing when none is set.
    static std::optional<Answer> takeNextAnswer() { return std::exchange(s_next, std::nullopt); }

private:
    static inline std::optional<Answer> s_next;
};

} // namespace wfx::ui
