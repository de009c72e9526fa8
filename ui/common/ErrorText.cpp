// SPDX-License-Identifier: Apache-2.0
#include "ui/common/ErrorText.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace wfx::ui {

namespace {

// The words for each issue a validation error names (models' FieldIssue::issue).
struct IssueWords
{
    QLatin1StringView issue;
    const char *words;
};
constexpr IssueWords kIssueWords[] = {
    {"required"_L1, QT_TRANSLATE_NOOP("ErrorText", "“%1” is required.")},
    {"too_long"_L1, QT_TRANSLATE_NOOP("ErrorText", "“%1” is too long.")},
    {"too_short"_L1, QT_TRANSLATE_NOOP("ErrorText", "“%1” is too short.")},
    {"too_large"_L1, QT_TRANSLATE_NOOP("ErrorText", "“%1” is too large.")},
    {"out_of_range"_L1, QT_TRANSLATE_NOOP("ErrorText", "“%1” is out of range.")},
    {"in_past"_L1, QT_TRANSLATE_NOOP("ErrorText", "“%1” lies in the past.")},
    {"unknown"_L1, QT_TRANSLATE_NOOP("ErrorText", "“%1” is unknown.")},
};

QString issueText(const FieldIssue &issue)
{
    for (const IssueWords &w : kIssueWords)
        if (issue.issue == w.issue)
            return ErrorText::tr(w.words).arg(issue.field);
    return ErrorText::tr("“%1” is not valid.").arg(issue.field);
}

QString validationText(const Error &error)
{
    if (error.details.isEmpty())
        return ErrorText::tr("A value is not valid.");
    QStringList parts;
    for (const FieldIssue &issue : error.details)
        parts << issueText(issue);
    return parts.join(u' ');
}

} // namespace

QString ErrorText::of(const Error &error)
{
    switch (error.code) {
    case ErrorCode::Validation:
        return validationText(error);
    case ErrorCode::NotFound:
        return tr("It no longer exists, or you may not see it.");
    case ErrorCode::Conflict:
        return tr("It was changed or already exists; reload and try again.");
    case ErrorCode::Forbidden:
        return tr("Your role does not allow this.");
    case ErrorCode::QuotaExceeded:
        return tr("The plan’s limit is reached.");
    case ErrorCode::InvalidCredentials:
        return tr("The credentials are not valid.");
    case ErrorCode::LoginRequired:
        return tr("Sign in first.");
    case ErrorCode::RateLimited:
        return tr("Too many attempts; wait a moment and try again.");
    case ErrorCode::Unsupported:
        return tr("This action is not supported here.");
    case ErrorCode::Unavailable:
        return tr("The service is not available right now; try again later.");
    case ErrorCode::InvalidSignature:
        return tr("The signature is not valid.");
    case ErrorCode::Internal:
        return tr("An internal error occurred; the log has the details.");
    case ErrorCode::PayloadTooLarge:
        return tr("The data is too large.");
    }
    // A code this console does not know yet: a generic sentence with the code's name.
    return tr("The action failed (%1).").arg(errorCodeName(error.code));
}

QString ErrorText::failure(const QString &what, const Error &error)
{
    return tr("%1: %2").arg(what, of(error));
}

} // namespace wfx::ui
