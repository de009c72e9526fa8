// SPDX-License-Identifier: Apache-2.0
// The strict reading of an HTTP/1.x request head (RFC 9112, RFC 9110) and of
// the chunked body framing that the connection guard applies before QHttpServer
// sees a byte. Pure functions over bytes, no allocation on the success path:
// the results are views into the input.
//
// Choices where the RFCs leave one (RFC 9112 section in brackets):
// - Lines end in CRLF only; a bare LF or a bare CR anywhere in the head is 400
//   [2.2 allows a recipient to accept a bare LF; refusing it leaves no second
//   reading of where a line ends, which is what smuggling feeds on].
// - obs-fold is 400 [5.2], whitespace before the colon is 400 [5.1].
// - Only HTTP/1.0 and HTTP/1.1: another well-formed version is 505 [2.3].
//   HTTP/1.2..1.9 are read as HTTP/1.1 (RFC 9110 6.2: a higher minor version
//   of a major version we implement).
// - A method outside the set QHttpServer 6.4 can route is 501 (RFC 9110 9.1);
//   CONNECT is 501 too: this is an origin server, never a tunnel.
// - Content-Length repeated is 400 even with equal values: RFC 9110 8.6 lets
//   the recipient either reject or fold, and folding is not ours to do:
//   QHttpServer's parser reads the same bytes after us and drops a connection
//   on a repeated or list-valued Content-Length without an answer.
// - A chunked body may carry chunk extensions (validated, ignored) but no
//   trailer fields: QHttpServer 6.4 merges trailer fields into the request's
//   header fields, so a trailer could replace Host, Authorization or Cookie
//   after every check on the head (RFC 9112 7.1.2 lets a recipient drop
//   trailers; we cannot drop them, so we refuse them).
// - At most kMaxHeaderFields field lines, else 431 (RFC 6585 5): QHttpServer
//   6.4's parser keeps no field at all past its 100th, so a longer head would
//   reach the dispatcher without Host, Authorization or Cookie.
#pragma once

#include <QByteArrayView>
#include <QtGlobal>

namespace wfx::http {

// Why a head or body is refused: the status, the contract's error code and a
// sentence for people. Literals only, so refusing allocates nothing either.
struct Rejection
{
    int status = 400;
    const char *code = "bad_request";
    const char *message = "";
};

enum class TargetForm { Origin, Absolute, Asterisk };

struct RequestHead
{
    QByteArrayView method;
    QByteArrayView target;    // as sent
    QByteArrayView path;      // origin-form: target without the query; absolute-form: the path part
    QByteArrayView authority; // absolute-form only: host[:port], replaces Host for routing
    QByteArrayView host;      // the Host field value (empty when absent)
    TargetForm form = TargetForm::Origin;
    int minorVersion = 1; // HTTP/1.minor
    qint64 contentLength = 0;
    bool chunked = false;
    bool keepAlive = true; // the connection may carry another request after this one
    bool expectContinue = false;
};

struct HeadResult
{
    bool ok = false;
    RequestHead head;
    Rejection rejection;
};

// The largest Content-Length or chunk size we parse (2^53): far above any body
// limit, and no sum of them overflows.
inline constexpr qint64 kMaxBodyNumber = qint64(1) << 53;

// The most header field lines a request head may carry (QHttpServer 6.4's own cap).
inline constexpr int kMaxHeaderFields = 100;

// `head`: the request line through the empty line that ends the head, CRLFs
// included (leading empty lines already skipped by the caller).
HeadResult parseRequestHead(QByteArrayView head);

// The syntax of a Host value or an absolute-form authority: uri-host [":" port].
bool isValidAuthority(QByteArrayView authority);

// One line of a chunked body, CRLF included, read where the body expects a
// chunk-size line: `size` gets the chunk size (0: the last chunk).
bool parseChunkSizeLine(QByteArrayView line, qint64 *size, Rejection *why);

// One line after the last chunk, CRLF included: true with *end set for the
// empty line that ends the body; a trailer field (or anything else) is refused.
bool parseTrailerLine(QByteArrayView line, bool *end, Rejection *why);

} // namespace wfx::http
