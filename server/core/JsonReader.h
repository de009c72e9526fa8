// SPDX-License-Identifier: Apache-2.0
// The one reader of JSON that comes from outside (request bodies, webhook
// events): RFC 8259 exactly, through simdjson's DOM parser (which validates
// the whole document, unlike its On-Demand parser), plus what simdjson leaves
// to us: duplicate keys, our depth limit, an honest byte offset for a flaw.
// Stored data (audit detail, manifests, the secrets file) is not read here.
#pragma once

#include "models/core/Result.h"

#include <QByteArray>
#include <QJsonValue>

#include <functional>
#include <optional>

namespace simdjson::dom {
class element;
}

namespace wfx {

class JsonReader
{
public:
    // Containers (objects and arrays) nested deeper than this are refused.
    static constexpr int kMaxDepth = 128;

    // The document as a QJsonValue of whatever kind it is (a top-level scalar
    // too: the caller's schema decides whether it wants an object), every
    // string exactly as sent (U+FEFF, NUL and all), integers that fit int64
    // exact, other numbers as double. Otherwise 422 validation_error with one
    // issue, field "body" unless said otherwise:
    //   malformed_json  not JSON (grammar, escapes, UTF-8, a lone surrogate in
    //                   a \u escape, a byte order mark, an empty document);
    //                   the message names the byte offset and why
    //   too_deep        more than kMaxDepth nested containers (offset named)
    //   out_of_range    a number no double holds (beyond +-1.8e308), or an
    //                   integer without fraction or exponent beyond 64 bits
    //   duplicate_key   a key twice in one object; field is the key's path
    //
    // How the QJsonValue is built once simdjson and our checks accept the text:
    // Qt builds its containers fastest itself (it writes them directly; built
    // value by value through the public API they cost about twice as much), so
    // QtBuilds hands the validated text to QJsonDocument, except where Qt
    // would change it (a string that starts with U+FEFF, a top-level scalar,
    // anything Qt refuses): those, and WalkBuilds always, are built from
    // simdjson's DOM. The fuzz target holds the two to the same result.
    enum class Builder { QtBuilds, WalkBuilds };
    static Result<QJsonValue> read(const QByteArray &text, Builder builder);
    static Result<QJsonValue> read(const QByteArray &text) { return read(text, Builder::QtBuilds); }
    // The same checks and refusals, without a QJsonValue: simdjson's DOM of the
    // document handed to `use`, alive until `use` returns (a parser of its own
    // per thread, so a read() inside `use` does not disturb it).
    static Status readDom(const QByteArray &text,
                          const std::function<void(const simdjson::dom::element &)> &use);

    // Why `text` is not acceptable JSON and where, found by a plain byte-by-byte
    // scan after simdjson refused it (simdjson reports an error code but not
    // where). nullopt: the scan finds nothing wrong. Exposed so the fuzz target
    // can hold the scan and simdjson to the same verdict.
    struct Flaw
    {
        enum Kind { Malformed, TooDeep, OutOfRange };
        Kind kind = Malformed;
        qsizetype offset = 0;
        const char *what = "";
    };
    static std::optional<Flaw> findFlaw(const QByteArray &text);
};

} // namespace wfx
