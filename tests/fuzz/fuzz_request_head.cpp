// SPDX-License-Identifier: Apache-2.0
// The strict request head of the connection guard (core/RequestHead.h): the
// input is cut at its first empty line into a head, which parseRequestHead
// reads, and a rest, which is read as a chunked body line by line the way the
// guard does. Whatever is accepted must satisfy what the guard and the server
// rely on afterwards (no bare CR/LF or controls passed on, one known method, a
// bounded length, views inside the input, an allowed target form).
#include "FuzzSupport.h"

#include "server/core/RequestHead.h"

#include <cstring>

using namespace wfx;

namespace {

bool inside(QByteArrayView view, QByteArrayView whole)
{
    return view.isEmpty() || (view.data() >= whole.data() &&
                              view.data() + view.size() <= whole.data() + whole.size());
}

// Every CR is followed by LF and every LF preceded by CR; no NUL or other
// control but HTAB outside line ends.
bool cleanLines(QByteArrayView s)
{
    for (qsizetype i = 0; i < s.size(); ++i) {
        const auto c = uchar(s[i]);
        if (c == '\r') {
            if (i + 1 >= s.size() || s[i + 1] != '\n')
                return false;
            ++i;
        } else if (c == '\n' || (c < 0x20 && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

void checkRejection(const http::Rejection &why)
{
    WFX_FUZZ_CHECK(why.status == 400 || why.status == 501 || why.status == 505, "status %d",
                   why.status);
    WFX_FUZZ_CHECK(why.code && why.message && std::strlen(why.message) > 0,
                   "a rejection without words");
}

void readChunkedBody(QByteArrayView body)
{
    bool trailer = false;
    qsizetype pos = 0;
    while (pos < body.size()) {
        const qsizetype lf = body.indexOf('\n', pos);
        const QByteArrayView line = body.sliced(pos, (lf < 0 ? body.size() : lf + 1) - pos);
        pos += line.size();
        http::Rejection why;
        if (trailer) {
            bool end = false;
            if (!http::parseTrailerLine(line, &end, &why)) {
                checkRejection(why);
                return;
            }
            WFX_FUZZ_CHECK(end && line == "\r\n", "only the empty line ends a trailer section");
            return;
        }
        qint64 size = -1;
        if (!http::parseChunkSizeLine(line, &size, &why)) {
            checkRejection(why);
            return;
        }
        WFX_FUZZ_CHECK(size >= 0 && size <= http::kMaxBodyNumber, "chunk size %lld",
                       static_cast<long long>(size));
        WFX_FUZZ_CHECK(line.endsWith("\r\n") && cleanLines(line.first(line.size() - 2)) &&
                           line.indexOf('\r') == line.size() - 2,
                       "an accepted chunk-size line holds a control");
        if (size == 0) {
            trailer = true;
            continue;
        }
        // Skip the data and demand CRLF after it, as the guard does.
        if (size > body.size() - pos)
            return;
        pos += size;
        if (body.size() - pos < 2 || body.sliced(pos, 2) != "\r\n")
            return;
        pos += 2;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16 * 1024)
        return 0;
    const QByteArrayView in(reinterpret_cast<const char *>(data), qsizetype(size));
    // The guard hands over the head at the first line that is empty ("\r\n" or a bare "\n").
    qsizetype end = -1;
    for (qsizetype start = 0; start < in.size();) {
        const qsizetype lf = in.indexOf('\n', start);
        if (lf < 0)
            break;
        const QByteArrayView line = in.sliced(start, lf + 1 - start);
        if (line == "\r\n" || line == "\n") {
            end = lf + 1;
            break;
        }
        start = lf + 1;
    }
    const QByteArrayView head = end < 0 ? in : in.first(end);
    const http::HeadResult r = http::parseRequestHead(head);
    if (!r.ok) {
        if (r.rejection.status == 431) {
            // Only for a head past the field-line cap: request line, fields, empty line.
            WFX_FUZZ_CHECK(head.count('\n') > http::kMaxHeaderFields + 1,
                           "431 for a head of %lld lines",
                           static_cast<long long>(head.count('\n')));
            return 0;
        }
        checkRejection(r.rejection);
        return 0;
    }
    WFX_FUZZ_CHECK(head.count('\n') <= http::kMaxHeaderFields + 2,
                   "accepted a head past the field-line cap");
    const http::RequestHead &h = r.head;
    WFX_FUZZ_CHECK(end >= 0 && head.endsWith("\r\n\r\n"),
                   "accepted a head that does not end with CRLFCRLF");
    WFX_FUZZ_CHECK(cleanLines(head), "accepted a bare CR, bare LF or control in the head");
    WFX_FUZZ_CHECK(inside(h.method, head) && inside(h.target, head) && inside(h.path, head) &&
                       inside(h.authority, head) && inside(h.host, head),
                   "a view points outside the head");
    static constexpr QByteArrayView methods[] = {"GET",    "HEAD",    "POST",  "PUT",
                                                 "DELETE", "OPTIONS", "PATCH", "TRACE"};
    bool known = false;
    for (const QByteArrayView m : methods)
        known = known || h.method == m;
    WFX_FUZZ_CHECK(known, "method %.*s", int(h.method.size()), h.method.data());
    WFX_FUZZ_CHECK(h.minorVersion == 0 || h.minorVersion == 1, "version 1.%d", h.minorVersion);
    WFX_FUZZ_CHECK(h.contentLength >= 0 && h.contentLength <= http::kMaxBodyNumber,
                   "length out of range");
    WFX_FUZZ_CHECK(!h.chunked || (h.contentLength == 0 && h.minorVersion == 1),
                   "chunked with a length or on 1.0");
    WFX_FUZZ_CHECK(h.target.indexOf(' ') < 0 && h.target.indexOf('#') < 0,
                   "target with SP or fragment");
    switch (h.form) {
    case http::TargetForm::Origin:
        WFX_FUZZ_CHECK(h.target.startsWith('/') && h.authority.isEmpty(), "origin-form");
        break;
    case http::TargetForm::Asterisk:
        WFX_FUZZ_CHECK(h.target == "*" && h.method == "OPTIONS", "asterisk-form outside OPTIONS");
        break;
    case http::TargetForm::Absolute:
        WFX_FUZZ_CHECK(http::isValidAuthority(h.authority) && h.authority.indexOf('@') < 0,
                       "absolute-form authority");
        break;
    }
    WFX_FUZZ_CHECK(h.host.isEmpty() || http::isValidAuthority(h.host), "Host value");
    if (h.chunked)
        readChunkedBody(in.sliced(end));
    return 0;
}
