// SPDX-License-Identifier: Apache-2.0
#include "models/core/Result.h"

namespace wfx {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Validation:
        return QStringLiteral("validation_error");
    case ErrorCode::NotFound:
        return QStringLiteral("not_found");
    case ErrorCode::Conflict:
        return QStringLiteral("conflict");
    case ErrorCode::Forbidden:
        return QStringLiteral("forbidden");
    case ErrorCode::QuotaExceeded:
        return QStringLiteral("quota_exceeded");
    case ErrorCode::InvalidCredentials:
        return QStringLiteral("invalid_credentials");
    case ErrorCode::LoginRequired:
        return QStringLiteral("login_required");
    case ErrorCode::RateLimited:
        return QStringLiteral("rate_limited");
    case ErrorCode::Unsupported:
        return QStringLiteral("unsupported_action");
    case ErrorCode::Unavailable:
        return QStringLiteral("unavailable");
    case ErrorCode::InvalidSignature:
        return QStringLiteral("invalid_signature");
    case ErrorCode::Internal:
        return QStringLiteral("internal_error");
    case ErrorCode::PayloadTooLarge:
        return QStringLiteral("payload_too_large");
    }
    return QStringLiteral("internal_error");
}

int errorHttpStatus(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Validation:
        return 422;
    case ErrorCode::NotFound:
        return 404;
    case ErrorCode::Conflict:
        return 409;
    case ErrorCode::Forbidden:
        return 403;
    case ErrorCode::QuotaExceeded:
        return 402;
    case ErrorCode::InvalidCredentials:
        return 401;
    case ErrorCode::LoginRequired:
        return 401;
    case ErrorCode::RateLimited:
        return 429;
    case ErrorCode::Unsupported:
        return 405;
    case ErrorCode::Unavailable:
        return 503;
    case ErrorCode::InvalidSignature:
        return 400;
    case ErrorCode::Internal:
        return 500;
    case ErrorCode::PayloadTooLarge:
        return 413;
    }
    return 500;
}

} // namespace wfx
