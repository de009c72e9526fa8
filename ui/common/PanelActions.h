// SPDX-License-Identifier: Apache-2.0
// The one shape of a panel action: run a service call on the pool (busy while it
// runs), then on the GUI thread show either what failed and why (ErrorText, in the
// console's language) or the words for the success and reload what it changed.
#pragma once

#include "ui/common/Async.h"
#include "ui/common/ErrorText.h"

#include <functional>
#include <type_traits>
#include <utility>

namespace wfx::ui {

class PanelActions : public PanelJobs
{
public:
    using Show = std::function<void(const QString &)>;

    // show: puts a line in the panel's status (an error or a success).
    PanelActions(QObject *owner, Show show) : PanelJobs(owner), m_show(std::move(show)) {}

    // work() returns Result<T> (Status too). On success done(value) (or done() when it
    // takes no value) may act on the value and returns the status words (empty: the
    // status stays as it is), then reload() runs. On failure the status says
    // "<failure>: <why>" and stays: a reload would replace it with its own words.
    template <typename Work, typename Done, typename Reload>
    void act(Work work, QString failure, Done done, Reload reload)
    {
        run(std::move(work), [this, failure = std::move(failure), done = std::move(done),
                              reload = std::move(reload)](const auto &result) mutable {
            if (!result) {
                m_show(ErrorText::failure(failure, result.error()));
                return;
            }
            QString text;
            if constexpr (std::is_invocable_v<Done &, decltype(result.value())>)
                text = done(result.value());
            else
                text = done();
            if (!text.isEmpty())
                m_show(text);
            reload();
        });
    }

    void show(const QString &text) { m_show(text); }

private:
    Show m_show;
};

} // namespace wfx::ui
