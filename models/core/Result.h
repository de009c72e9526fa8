// SPDX-License-Identifier: Apache-2.0
// Typed errors and Result<T>: what every service returns instead of throwing.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace wfx {

enum class ErrorCode {
    Validation,         // 422 validation_error
    NotFound,           // 404 not_found
    Conflict,           // 409 conflict
    Forbidden,          // 403 forbidden
    QuotaExceeded,      // 402 quota_exceeded
    InvalidCredentials, // 401 invalid_credentials
    LoginRequired,      // 401 login_required
    RateLimited,        // 429 rate_limited
    Unsupported,        // 405 unsupported_action
    Unavailable,        // 503 unavailable
    InvalidSignature,   // 400 invalid_signature
    Internal,           // 500 internal_error
    PayloadTooLarge,    // 413 payload_too_large
};

struct FieldIssue
{
    QString field; // dotted path, numeric indexes: metrics.0.step
    QString issue; // required, invalid, too_long, ...
};

struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QList<FieldIssue> details;
    QJsonObject extra; // e.g. the current ledger head on a conflict

    static Error notFound(const QString &what)
    {
        return {ErrorCode::NotFound, what + QStringLiteral(" not found.")};
    }
    static Error conflict(const QString &msg) { return {ErrorCode::Conflict, msg}; }
    static Error forbidden(const QString &msg = QStringLiteral("You may not do this."))
    {
        return {ErrorCode::Forbidden, msg};
    }
    static Error internal(const QString &msg = QStringLiteral("Internal error."))
    {
        return {ErrorCode::Internal, msg};
    }
    static Error validation(const QString &field, const QString &issue, const QString &msg = {})
    {
        Error e{ErrorCode::Validation,
                msg.isEmpty() ? QStringLiteral("Invalid %1.").arg(field) : msg};
        e.details.append({field, issue});
        return e;
    }
};

// Stable wire name of an error code (CONTRACT.md section 1).
QString errorCodeName(ErrorCode code);
int errorHttpStatus(ErrorCode code);

template <typename T> class [[nodiscard]] Result
{
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error error) : m_v(std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T &value() & { return std::get<0>(m_v); }
    const T &value() const & { return std::get<0>(m_v); }
    // By value: `for (x : service.call().value())` must not dangle.
    T value() && { return std::get<0>(std::move(m_v)); }
    T *operator->() { return &std::get<0>(m_v); }
    const T *operator->() const { return &std::get<0>(m_v); }
    T &operator*() { return std::get<0>(m_v); }
    const Error &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

struct Ok
{
};
using Status = Result<Ok>;

} // namespace wfx
