// SPDX-License-Identifier: Apache-2.0
#include "server/core/RequestHead.h"

namespace wfx::http {

namespace {

constexpr Rejection kBadLine{400, "bad_request", "Malformed request line."};
constexpr Rejection kBadField{400, "bad_request", "Malformed header field."};
constexpr Rejection kBadChunk{400, "bad_request", "Malformed chunked body."};

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
bool isAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isHex(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hexValue(char c)
{
    return isDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}
char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? char(c | 0x20) : c;
}

// tchar (RFC 9110 5.6.2)
bool isTchar(char c)
{
    if (isAlpha(c) || isDigit(c))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (const char c : s) {
        if (!isTchar(c))
            return false;
    }
    return true;
}

// field-vchar / SP / HTAB (obs-text included): everything but the controls and DEL.
bool isFieldChar(char c)
{
    const auto u = uchar(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

bool equalsLower(QByteArrayView s, QByteArrayView lowerLiteral)
{
    if (s.size() != lowerLiteral.size())
        return false;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (lower(s[i]) != lowerLiteral[i])
            return false;
    }
    return true;
}

bool startsWithLower(QByteArrayView s, QByteArrayView lowerLiteral)
{
    return s.size() >= lowerLiteral.size() &&
           equalsLower(s.first(lowerLiteral.size()), lowerLiteral);
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

QByteArrayView trimOws(QByteArrayView s)
{
    while (!s.isEmpty() && isOws(s.front()))
        s = s.sliced(1);
    while (!s.isEmpty() && isOws(s.back()))
        s.chop(1);
    return s;
}

// The line at `pos` without its CRLF; false for a line that ends in a bare LF,
// holds a bare CR, or has no end.
bool takeLine(QByteArrayView in, qsizetype *pos, QByteArrayView *line)
{
    const qsizetype start = *pos;
    for (qsizetype i = start; i < in.size(); ++i) {
        if (in[i] == '\n')
            return false; // bare LF
        if (in[i] == '\r') {
            if (i + 1 >= in.size() || in[i + 1] != '\n')
                return false; // bare CR
            *line = in.sliced(start, i - start);
            *pos = i + 2;
            return true;
        }
    }
    return false;
}

// request-target characters: visible ASCII except '#' (no fragment is ever
// sent), '%' only as a percent-encoded octet. A subset of what QHttpServer's
// http_parser accepts, so both read the same target.
bool isValidTargetText(QByteArrayView t)
{
    for (qsizetype i = 0; i < t.size(); ++i) {
        const auto u = uchar(t[i]);
        if (u <= 0x20 || u >= 0x7f || u == '#')
            return false;
        if (u == '%') {
            if (i + 2 >= t.size() || !isHex(t[i + 1]) || !isHex(t[i + 2]))
                return false;
            i += 2;
        }
    }
    return true;
}

bool isKnownMethod(QByteArrayView m)
{
    // What QHttpServer 6.4 tells apart (QHttpServerRequest::Method) and its
    // parser accepts; exact case: methods are case-sensitive (RFC 9110 9.1).
    static constexpr QByteArrayView known[] = {"GET",    "HEAD",    "POST",  "PUT",
                                               "DELETE", "OPTIONS", "PATCH", "TRACE"};
    for (const QByteArrayView k : known) {
        if (m == k)
            return true;
    }
    return false;
}

// Fields that must appear at most once: framing, routing and credentials.
// Index into the `seen` array of parseRequestHead.
int singletonIndex(QByteArrayView name)
{
    static constexpr QByteArrayView singletons[] = {
        "host",   "content-length", "content-type", "authorization",
        "cookie", "x-csrf-token",   "origin"};
    for (int i = 0; i < int(std::size(singletons)); ++i) {
        if (equalsLower(name, singletons[i]))
            return i;
    }
    return -1;
}

// A comma-separated list holds `token` (case-insensitive) as one of its members.
bool listHas(QByteArrayView list, QByteArrayView lowerToken)
{
    while (!list.isEmpty()) {
        const qsizetype comma = list.indexOf(',');
        const QByteArrayView member = trimOws(comma < 0 ? list : list.first(comma));
        if (equalsLower(member, lowerToken))
            return true;
        list = comma < 0 ? QByteArrayView() : list.sliced(comma + 1);
    }
    return false;
}

// A field value with leading OWS and trailing spaces removed. Trailing tabs
// stay, so that "chunked<TAB>" and "5<TAB>" are refused: QHttpServer's parser
// does not read them as chunked or as a length, and both parsers must agree.
QByteArrayView framingValue(QByteArrayView raw)
{
    while (!raw.isEmpty() && isOws(raw.front()))
        raw = raw.sliced(1);
    while (!raw.isEmpty() && raw.back() == ' ')
        raw.chop(1);
    return raw;
}

bool parseDecimal(QByteArrayView s, qint64 *out)
{
    if (s.isEmpty())
        return false;
    qint64 v = 0;
    for (const char c : s) {
        if (!isDigit(c))
            return false;
        v = v * 10 + (c - '0');
        if (v > kMaxBodyNumber)
            return false;
    }
    *out = v;
    return true;
}

// chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string
bool isValidChunkExt(QByteArrayView s)
{
    qsizetype i = 0;
    const auto skipBws = [&] {
        while (i < s.size() && isOws(s[i]))
            ++i;
    };
    const auto token = [&] {
        const qsizetype start = i;
        while (i < s.size() && isTchar(s[i]))
            ++i;
        return i > start;
    };
    while (true) {
        skipBws();
        if (i == s.size())
            return true;
        if (s[i] != ';')
            return false;
        ++i;
        skipBws();
        if (!token())
            return false;
        skipBws();
        if (i < s.size() && s[i] == '=') {
            ++i;
            skipBws();
            if (i < s.size() && s[i] == '"') {
                for (++i;; ++i) {
                    if (i >= s.size())
                        return false;
                    const char c = s[i];
                    if (c == '"')
                        break;
                    if (c == '\\') {
                        if (++i >= s.size() || !isFieldChar(s[i]))
                            return false;
                    } else if (!isFieldChar(c)) {
                        return false;
                    }
                }
                ++i;
            } else if (!token()) {
                return false;
            }
        }
    }
}

} // namespace

bool isValidAuthority(QByteArrayView a)
{
    QByteArrayView port;
    if (a.startsWith('[')) {
        const qsizetype end = a.indexOf(']');
        if (end < 3)
            return false;
        for (const char c : a.sliced(1, end - 1)) {
            if (!isHex(c) && c != ':' && c != '.')
                return false;
        }
        port = a.sliced(end + 1);
    } else {
        const qsizetype colon = a.indexOf(':');
        const QByteArrayView host = colon < 0 ? a : a.first(colon);
        // A DNS name or an IPv4 address (what QHttpServer's URL parser accepts as a
        // host); RFC 3986 reg-name allows more, no name we serve needs it.
        if (host.isEmpty() || host.size() > 253)
            return false;
        for (const char c : host) {
            if (!isAlpha(c) && !isDigit(c) && c != '-' && c != '.' && c != '_')
                return false;
        }
        port = colon < 0 ? QByteArrayView() : a.sliced(colon);
    }
    if (port.isEmpty())
        return true;
    if (port.front() != ':' || port.size() < 2 || port.size() > 6)
        return false;
    for (const char c : port.sliced(1)) {
        if (!isDigit(c))
            return false;
    }
    return true;
}

HeadResult parseRequestHead(QByteArrayView in)
{
    HeadResult r;
    RequestHead &h = r.head;
    const auto fail = [&r](Rejection why) {
        r.ok = false;
        r.rejection = why;
        return r;
    };

    // request-line = method SP request-target SP HTTP-version
    qsizetype pos = 0;
    QByteArrayView line;
    if (!takeLine(in, &pos, &line))
        return fail({400, "bad_request", "The request head must end its lines with CRLF."});
    const qsizetype sp1 = line.indexOf(' ');
    if (sp1 <= 0)
        return fail(kBadLine);
    h.method = line.first(sp1);
    const QByteArrayView rest = line.sliced(sp1 + 1);
    const qsizetype sp2 = rest.indexOf(' ');
    if (sp2 <= 0)
        return fail(kBadLine);
    h.target = rest.first(sp2);
    const QByteArrayView version = rest.sliced(sp2 + 1);
    if (!isToken(h.method))
        return fail({400, "bad_request", "The request method is not a token."});
    if (version.size() != 8 || !version.startsWith("HTTP/") || !isDigit(version[5]) ||
        version[6] != '.' || !isDigit(version[7]))
        return fail(kBadLine);
    if (!isValidTargetText(h.target))
        return fail({400, "bad_request", "Malformed request target."});
    if (version[5] != '1')
        return fail({505, "http_version_not_supported", "Only HTTP/1.0 and HTTP/1.1 are served."});
    h.minorVersion = version[7] == '0' ? 0 : 1;
    if (!isKnownMethod(h.method))
        return fail({501, "not_implemented", "This server does not implement that method."});

    // request-target: origin-form, absolute-form, or "*" for OPTIONS (RFC 9112 3.2).
    if (h.target.startsWith('/')) {
        h.form = TargetForm::Origin;
        const qsizetype q = h.target.indexOf('?');
        h.path = q < 0 ? h.target : h.target.first(q);
    } else if (h.target == "*") {
        if (h.method != "OPTIONS")
            return fail({400, "bad_request", "The asterisk-form is only for OPTIONS."});
        h.form = TargetForm::Asterisk;
        h.path = h.target;
    } else if (startsWithLower(h.target, "http://") || startsWithLower(h.target, "https://")) {
        h.form = TargetForm::Absolute;
        const QByteArrayView afterScheme = h.target.sliced(h.target.indexOf("//") + 2);
        qsizetype end = 0;
        while (end < afterScheme.size() && afterScheme[end] != '/' && afterScheme[end] != '?')
            ++end;
        h.authority = afterScheme.first(end);
        if (!isValidAuthority(h.authority))
            return fail({400, "bad_request", "Malformed authority in the request target."});
        const QByteArrayView tail = afterScheme.sliced(end);
        const qsizetype q = tail.indexOf('?');
        h.path = q < 0 ? tail : tail.first(q);
    } else {
        return fail(
            {400, "bad_request", "The request target must be a path (or an absolute URI)."});
    }

    bool seen[7] = {};
    int transferEncodings = 0;
    QByteArrayView transferEncoding;
    bool hasLength = false, close = false, keepAliveAsked = false;
    for (int fields = 0;; ++fields) {
        if (!takeLine(in, &pos, &line))
            return fail({400, "bad_request", "The request head must end its lines with CRLF."});
        if (line.isEmpty())
            break;
        if (fields == kMaxHeaderFields)
            return fail({431, "request_header_fields_too_large",
                         "The request head has too many header fields."});
        if (isOws(line.front()))
            return fail({400, "bad_request", "Folded header lines (obs-fold) are not accepted."});
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return fail(kBadField);
        const QByteArrayView name = line.first(colon);
        if (!isToken(name))
            return fail({400, "bad_request", "Malformed header field name."});
        const QByteArrayView raw = line.sliced(colon + 1);
        for (const char c : raw) {
            if (!isFieldChar(c))
                return fail({400, "bad_request", "Control characters in a header field value."});
        }
        const QByteArrayView value = trimOws(raw);
        if (const int s = singletonIndex(name); s >= 0) {
            if (seen[s])
                return fail(
                    {400, "bad_request", "A header field that must appear once is repeated."});
            seen[s] = true;
        }
        if (equalsLower(name, "host")) {
            if (!value.isEmpty() && !isValidAuthority(value))
                return fail({400, "bad_request", "Malformed Host header field."});
            h.host = value;
        } else if (equalsLower(name, "content-length")) {
            if (!parseDecimal(framingValue(raw), &h.contentLength))
                return fail({400, "bad_request", "Malformed Content-Length."});
            hasLength = true;
        } else if (equalsLower(name, "transfer-encoding")) {
            ++transferEncodings;
            transferEncoding = framingValue(raw);
        } else if (equalsLower(name, "connection")) {
            close = close || listHas(value, "close");
            keepAliveAsked = keepAliveAsked || listHas(value, "keep-alive");
        } else if (equalsLower(name, "expect")) {
            // RFC 9110 10.1.1: an HTTP/1.0 request's 100-continue is ignored.
            h.expectContinue = h.minorVersion >= 1 && equalsLower(value, "100-continue");
        }
    }
    if (pos != in.size())
        return fail({400, "bad_request", "Bytes after the end of the request head."});

    if (h.minorVersion >= 1 && !seen[0])
        return fail({400, "bad_request", "An HTTP/1.1 request must carry a Host header field."});
    if (transferEncodings > 0) {
        if (h.minorVersion == 0)
            return fail({400, "bad_request", "Transfer-Encoding is not defined for HTTP/1.0."});
        if (hasLength)
            return fail({400, "bad_request", "Content-Length and Transfer-Encoding together."});
        if (transferEncodings > 1 || !equalsLower(transferEncoding, "chunked"))
            return fail({501, "not_implemented", "The only transfer coding accepted is chunked."});
        h.chunked = true;
    }
    h.keepAlive = !close && (h.minorVersion >= 1 || keepAliveAsked);
    r.ok = true;
    return r;
}

bool parseChunkSizeLine(QByteArrayView line, qint64 *size, Rejection *why)
{
    *why = kBadChunk;
    if (!line.endsWith("\r\n"))
        return false;
    line.chop(2);
    qsizetype i = 0;
    qint64 v = 0;
    while (i < line.size() && isHex(line[i])) {
        v = v * 16 + hexValue(line[i]);
        if (v > kMaxBodyNumber) {
            *why = {400, "bad_request", "A chunk size is out of range."};
            return false;
        }
        ++i;
    }
    if (i == 0)
        return false;
    // QHttpServer's parser allows spaces but no tab between the size and ";".
    qsizetype j = i;
    while (j < line.size() && line[j] == ' ')
        ++j;
    if (j < line.size() && line[j] != ';')
        return false;
    if (!isValidChunkExt(line.sliced(i)))
        return false;
    *size = v;
    return true;
}

bool parseTrailerLine(QByteArrayView line, bool *end, Rejection *why)
{
    *end = line == "\r\n";
    if (*end)
        return true;
    *why = kBadChunk;
    if (!line.endsWith("\r\n"))
        return false;
    line.chop(2);
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0 || !isToken(line.first(colon)))
        return false;
    for (const char c : line.sliced(colon + 1)) {
        if (!isFieldChar(c))
            return false;
    }
    *why = {400, "bad_request", "Trailer fields are not accepted."};
    return false;
}

} // namespace wfx::http
