// SPDX-License-Identifier: Apache-2.0
// One byte range of a Range request header (RFC 9110 section 14) against a known size.
#pragma once

#include <QString>

namespace wfx {

struct ByteRange
{
    enum class Kind {
        Full,          // no usable Range: send everything (200)
        Partial,       // send bytes start..end inclusive (206)
        Unsatisfiable, // 416 with Content-Range: bytes */size
    };
    Kind kind = Kind::Full;
    qint64 start = 0;
    qint64 end = -1; // inclusive

    qint64 length() const { return kind == Kind::Partial ? end - start + 1 : 0; }
    // "bytes 0-9/100" for Partial, "bytes */100" for Unsatisfiable, empty for Full.
    QString contentRange(qint64 size) const;

    // A missing, malformed or non-"bytes" header, and a request for several
    // ranges (not supported), answer Full: RFC 9110 lets a server ignore Range.
    // One range whose first byte lies at or beyond the end, or a suffix of 0
    // bytes, is Unsatisfiable; a last byte beyond the end is clamped.
    static ByteRange parse(const QString &header, qint64 size);
};

} // namespace wfx
