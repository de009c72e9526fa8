// SPDX-License-Identifier: Apache-2.0
// The strict request head (RFC 9112 / RFC 9110) of the connection guard: the
// pure parser, and a table of malformed and valid requests sent over raw
// sockets to the real server, each with the statuses it must get and whether
// the connection stays usable afterwards (checked by a second request on it).
// The malformed families follow the request-smuggling literature: CL.CL, CL.TE,
// TE.CL, TE obfuscation, folding, controls, duplicated routing and credential
// fields, target forms, versions, and chunked framing.
#include "TestServer.h"

#include "server/core/RequestHead.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace wfx;

namespace {

struct Response
{
    int status = 0;
    QByteArray head;
    QByteArray body;
};

// Reads one whole response (Content-Length framed; none for 1xx, 204, 304 and
// answers to HEAD) from `buffer`, filling it from the socket as needed.
bool readResponse(QTcpSocket &s, QByteArray &buffer, bool headRequest, Response *out)
{
    QElapsedTimer t;
    t.start();
    const auto fill = [&] {
        if (s.bytesAvailable() == 0 && !s.waitForReadyRead(qMax<qint64>(1, 10'000 - t.elapsed())))
            return false;
        buffer += s.readAll();
        return true;
    };
    qsizetype end;
    while ((end = buffer.indexOf("\r\n\r\n")) < 0) {
        if (t.elapsed() > 10'000 || !fill())
            return false;
    }
    out->head = buffer.left(end + 2);
    out->status = out->head.mid(9, 3).toInt();
    qint64 length = 0;
    for (const QByteArray &line : out->head.split('\n')) {
        if (line.toLower().startsWith("content-length:"))
            length = line.mid(15).trimmed().toLongLong();
    }
    if (out->status < 200 || out->status == 204 || out->status == 304 ||
        (headRequest && out->status < 400))
        length = 0;
    while (buffer.size() < end + 4 + length) {
        if (t.elapsed() > 10'000 || !fill())
            return false;
    }
    out->body = buffer.mid(end + 4, length);
    buffer.remove(0, end + 4 + length);
    return true;
}

QString errorCode(const QByteArray &body)
{
    return QJsonDocument::fromJson(body)
        .object()
        .value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("code"))
        .toString();
}

QList<int> statuses(std::initializer_list<int> s)
{
    return QList<int>(s);
}

// A literal that holds NUL bytes, whole.
template <std::size_t N> QByteArray bytes(const char (&s)[N])
{
    return QByteArray(s, qsizetype(N - 1));
}

} // namespace

class TestRequestHead : public QObject
{
    Q_OBJECT

    std::unique_ptr<wfxtest::TestServer> m_server;

    QByteArray expand(QByteArray request) const
    {
        const QByteArray authority = "127.0.0.1:" + QByteArray::number(m_server->port);
        request.replace("{H}", QByteArray("Host: " + authority + "\r\n"));
        request.replace("{A}", authority);
        return request;
    }

    // A GET that must be answered 200 on the same connection: the previous
    // request's framing ended exactly where the server thought it did.
    QByteArray followUp() const { return expand("GET /healthz HTTP/1.1\r\n{H}\r\n"); }

    QString m_backend;

private slots:
    // Every row on a server over each backend: the head is read before any
    // store is touched, and must be the same in front of either.
    void initTestCase_data() { wfxtest::addBackends(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        if (backend == m_backend)
            return;
        m_server.reset();
        m_server = std::make_unique<wfxtest::TestServer>(ServerConfig{}, true, backend);
        m_backend = backend;
    }
    void cleanupTestCase() { m_server.reset(); }

    void rawRequests_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QList<int>>("expected");
        QTest::addColumn<bool>("open");

        const auto bad = [](const char *name, const QByteArray &request, int status = 400) {
            QTest::newRow(name) << request << statuses({status}) << false;
        };
        const auto good = [](const char *name, const QByteArray &request, QList<int> expected,
                             bool open = true) {
            QTest::newRow(name) << request << expected << open;
        };
        const QByteArray post = "POST /healthz HTTP/1.1\r\n{H}";
        const QByteArray get = "GET /healthz HTTP/1.1\r\n";

        // CL.CL: two lengths, equal or not, as lines or as a list.
        bad("cl.cl different", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
        bad("cl.cl equal lines", post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
        bad("cl list equal", post + "Content-Length: 5, 5\r\n\r\nhello");
        bad("cl list different", post + "Content-Length: 5, 6\r\n\r\nhello!");
        bad("cl list no space", post + "Content-Length: 5,5\r\n\r\nhello");
        bad("cl.cl case variants", post + "Content-Length: 5\r\ncontent-length: 5\r\n\r\nhello");
        // CL.TE and TE.CL.
        bad("cl.te", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        bad("te.cl", post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n");
        bad("cl.te obfuscated",
            post + "Content-Length: 5\r\nTransfer-Encoding: xchunked\r\n\r\nhello");
        bad("te.cl zero length",
            post + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n");
        // TE obfuscation: anything but exactly one "chunked" coding is 501.
        bad("te xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 501);
        bad("te chunked identity", post + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            501);
        bad("te gzip chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);
        bad("te chunked chunked", post + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            501);
        bad("te two lines",
            post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            501);
        bad("te two lines identity",
            post + "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            501);
        bad("te parameter", post + "Transfer-Encoding: chunked;x\r\n\r\n0\r\n\r\n", 501);
        bad("te identity", post + "Transfer-Encoding: identity\r\n\r\n", 501);
        bad("te trailing tab", post + "Transfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n", 501);
        bad("te truncated", post + "Transfer-Encoding: chunk\r\n\r\n0\r\n\r\n", 501);
        bad("te empty", post + "Transfer-Encoding:\r\n\r\n", 501);
        bad("te quoted", post + "Transfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n", 501);
        bad("te comma only", post + "Transfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n", 501);
        bad("te space before colon", post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n");
        bad("te tab before colon", post + "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n");
        bad("te folded value", post + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n");
        bad("te leading space line",
            "POST /healthz HTTP/1.1\r\n Transfer-Encoding: chunked\r\n{H}\r\n0\r\n\r\n");
        bad("te nul in value", post + bytes("Transfer-Encoding: chun\0ked\r\n\r\n0\r\n\r\n"));
        bad("te vertical tab", post + "Transfer-Encoding:\x0b"
                                      "chunked\r\n\r\n0\r\n\r\n");
        bad("te on http/1.0",
            "POST /healthz HTTP/1.0\r\n{H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        // Folding and controls.
        bad("obs-fold space", get + "{H}X-Foo: a\r\n b\r\n\r\n");
        bad("obs-fold tab", get + "{H}X-Foo: a\r\n\tb\r\n\r\n");
        bad("obs-fold host", get + "Host: 127.0.0.1\r\n :1\r\n\r\n");
        bad("nul in value", get + "{H}" + bytes("X-Foo: a\0b\r\n\r\n"));
        bad("nul in name", get + "{H}" + bytes("X-F\0o: ab\r\n\r\n"));
        bad("nul in target", bytes("GET /heal\0thz HTTP/1.1\r\n") + "{H}\r\n");
        bad("nul in method", bytes("G\0T /healthz HTTP/1.1\r\n") + "{H}\r\n");
        bad("soh in value", get + "{H}X-Foo: a\x01"
                                  "b\r\n\r\n");
        bad("del in value", get + "{H}X-Foo: a\x7f"
                                  "b\r\n\r\n");
        bad("esc in value", get + "{H}X-Foo: \x1b[31m\r\n\r\n");
        bad("form feed in value", get + "{H}X-Foo: a\x0c"
                                        "b\r\n\r\n");
        bad("bare cr in value", get + "{H}X-Foo: a\rb\r\n\r\n");
        bad("bare cr in request line", "GET /healthz\rHTTP/1.1\r\n{H}\r\n");
        bad("bare cr line end", get + "{H}X-Foo: a\r\r\n\r\n");
        bad("bare lf everywhere", "GET /healthz HTTP/1.1\nHost: {A}\n\n");
        bad("bare lf in one field", get + "{H}X-Foo: a\n\r\n");
        bad("bare lf final line", get + "{H}\n");
        bad("bare lf request line", "GET /healthz HTTP/1.1\n{H}\r\n");
        // Methods.
        bad("method with space", "G ET /healthz HTTP/1.1\r\n{H}\r\n");
        bad("method with paren", "GE(T /healthz HTTP/1.1\r\n{H}\r\n");
        bad("method with at", "GET@ /healthz HTTP/1.1\r\n{H}\r\n");
        bad("method non-ascii", "G\xc3\x89T /healthz HTTP/1.1\r\n{H}\r\n");
        bad("method lower case", "get /healthz HTTP/1.1\r\n{H}\r\n", 501);
        bad("method unknown", "FOO /healthz HTTP/1.1\r\n{H}\r\n", 501);
        bad("method connect", "CONNECT {A} HTTP/1.1\r\n{H}\r\n", 501);
        bad("method propfind", "PROPFIND /healthz HTTP/1.1\r\n{H}\r\n", 501);
        bad("leading space", " GET /healthz HTTP/1.1\r\n{H}\r\n");
        bad("tab separators", "GET\t/healthz\tHTTP/1.1\r\n{H}\r\n");
        bad("double space", "GET  /healthz HTTP/1.1\r\n{H}\r\n");
        bad("space before version", "GET /healthz  HTTP/1.1\r\n{H}\r\n");
        bad("trailing space", "GET /healthz HTTP/1.1 \r\n{H}\r\n");
        bad("no version", "GET /healthz\r\n{H}\r\n");
        bad("extra word", "GET /healthz HTTP/1.1 extra\r\n{H}\r\n");
        // Host.
        bad("no host", get + "\r\n");
        bad("two hosts equal", get + "{H}{H}\r\n");
        bad("two hosts different", get + "{H}Host: evil.example\r\n\r\n");
        bad("two hosts case", get + "{H}HOST: {A}\r\n\r\n");
        bad("host with space", get + "Host: 127.0.0.1 :1\r\n\r\n");
        bad("host with path", get + "Host: {A}/x\r\n\r\n");
        bad("host with userinfo", get + "Host: user@{A}\r\n\r\n");
        bad("host port not numeric", get + "Host: 127.0.0.1:abc\r\n\r\n");
        bad("host port too long", get + "Host: 127.0.0.1:0000080\r\n\r\n");
        bad("host non-ascii", get + "Host: b\xc3\xbc"
                                    "cher.example\r\n\r\n");
        good("host foreign", get + "Host: evil.example\r\n\r\n", {421});
        // Request targets.
        good("absolute foreign authority", "GET http://evil.example/healthz HTTP/1.1\r\n{H}\r\n",
             {421});
        good("absolute foreign authority our port",
             "GET http://evil.example:{P}/healthz HTTP/1.1\r\n{H}\r\n", {421});
        good("absolute other port", "GET http://127.0.0.1:1/healthz HTTP/1.1\r\n{H}\r\n", {421});
        bad("absolute userinfo", "GET http://user@{A}/healthz HTTP/1.1\r\n{H}\r\n");
        bad("absolute ftp", "GET ftp://{A}/healthz HTTP/1.1\r\n{H}\r\n");
        bad("absolute empty authority", "GET http:///healthz HTTP/1.1\r\n{H}\r\n");
        bad("absolute fragment", "GET http://{A}/healthz#x HTTP/1.1\r\n{H}\r\n");
        bad("authority-form", "GET {A} HTTP/1.1\r\n{H}\r\n");
        bad("authority-form options", "OPTIONS {A} HTTP/1.1\r\n{H}\r\n");
        bad("asterisk get", "GET * HTTP/1.1\r\n{H}\r\n");
        bad("asterisk post", "POST * HTTP/1.1\r\n{H}Content-Length: 0\r\n\r\n");
        bad("relative target", "GET healthz HTTP/1.1\r\n{H}\r\n");
        bad("bad percent", "GET /%zz HTTP/1.1\r\n{H}\r\n");
        bad("truncated percent", "GET /a% HTTP/1.1\r\n{H}\r\n");
        bad("non-ascii target", "GET /\xff HTTP/1.1\r\n{H}\r\n");
        bad("fragment", "GET /healthz#top HTTP/1.1\r\n{H}\r\n");
        // Versions.
        bad("http/2.0", "GET /healthz HTTP/2.0\r\n{H}\r\n", 505);
        bad("http/0.9", "GET /healthz HTTP/0.9\r\n{H}\r\n", 505);
        bad("http/3.0", "GET /healthz HTTP/3.0\r\n{H}\r\n", 505);
        bad("http/1.10", "GET /healthz HTTP/1.10\r\n{H}\r\n");
        bad("lower-case http", "GET /healthz http/1.1\r\n{H}\r\n");
        bad("http/1", "GET /healthz HTTP/1\r\n{H}\r\n");
        bad("http/1.x", "GET /healthz HTTP/1.x\r\n{H}\r\n");
        bad("http/11", "GET /healthz HTTP/11\r\n{H}\r\n");
        bad("https/1.1", "GET /healthz HTTPS/1.1\r\n{H}\r\n");
        // Content-Length values.
        bad("cl negative", post + "Content-Length: -1\r\n\r\n");
        bad("cl plus", post + "Content-Length: +5\r\n\r\nhello");
        bad("cl hex", post + "Content-Length: 0x10\r\n\r\n");
        bad("cl inner space", post + "Content-Length: 5 5\r\n\r\n");
        bad("cl empty", post + "Content-Length:\r\n\r\n");
        bad("cl overflow", post + "Content-Length: 99999999999999999999\r\n\r\n");
        bad("cl exponent", post + "Content-Length: 1e3\r\n\r\n");
        bad("cl trailing tab", post + "Content-Length: 5\t\r\n\r\nhello");
        bad("cl fraction", post + "Content-Length: 5.0\r\n\r\nhello");
        bad("cl over the limit", post + "Content-Length: 104857600\r\n\r\n", 413);
        // Field names.
        bad("space before colon", get + "{H}X-Foo : bar\r\n\r\n");
        bad("empty name", get + "{H}: bar\r\n\r\n");
        bad("no colon", get + "{H}NoColon\r\n\r\n");
        bad("name with paren", get + "{H}X(Foo): bar\r\n\r\n");
        bad("name non-ascii", get + "{H}X-\xc3\xa9: a\r\n\r\n");
        // Singleton fields repeated.
        bad("two content-type", post +
                                    "Content-Type: application/json\r\nContent-Type: text/plain\r\n"
                                    "Content-Length: 2\r\n\r\n{}");
        bad("two authorization",
            get + "{H}Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n");
        bad("two cookie", get + "{H}Cookie: a=1\r\nCookie: b=2\r\n\r\n");
        bad("two csrf", get + "{H}X-CSRF-Token: a\r\nx-csrf-token: a\r\n\r\n");
        bad("two origin", get + "{H}Origin: http://{A}\r\nOrigin: http://evil.example\r\n\r\n");
        // Chunked framing.
        const QByteArray chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
        bad("chunk size not hex", chunked + "zz\r\nhello\r\n0\r\n\r\n");
        bad("chunk size negative", chunked + "-5\r\nhello\r\n0\r\n\r\n");
        bad("chunk size 0x", chunked + "0x5\r\nhello\r\n0\r\n\r\n");
        bad("chunk size overflow", chunked + "FFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n");
        bad("chunk size empty", chunked + "\r\nhello\r\n0\r\n\r\n");
        bad("chunk size bare lf", chunked + "5\nhello\r\n0\r\n\r\n");
        bad("chunk size tab", chunked + "5\t\r\nhello\r\n0\r\n\r\n");
        bad("chunk data too long", chunked + "3\r\nhello\r\n0\r\n\r\n");
        bad("chunk data no crlf", chunked + "5\r\nhello0\r\n\r\n");
        bad("chunk data bare lf", chunked + "5\r\nhello\n0\r\n\r\n");
        bad("chunk data bare cr", chunked + "5\r\nhello\r0\r\n\r\n");
        bad("chunk ext no name", chunked + "5;=x\r\nhello\r\n0\r\n\r\n");
        bad("chunk ext open quote", chunked + "5;a=\"b\r\nhello\r\n0\r\n\r\n");
        bad("chunk ext control", chunked + "5;a\x01\r\nhello\r\n0\r\n\r\n");
        bad("chunk ext no semicolon", chunked + "5 a\r\nhello\r\n0\r\n\r\n");
        bad("trailer field", chunked + "5\r\nhello\r\n0\r\nX-Foo: a\r\n\r\n");
        bad("trailer host", chunked + "0\r\nHost: evil.example\r\n\r\n");
        bad("trailer malformed", chunked + "0\r\nnot a field\r\n\r\n");
        bad("trailer bare lf", chunked + "0\r\n\n");
        bad("chunked over the limit", chunked + "200000\r\n" + QByteArray(1024, 'x'), 413);

        // Past QHttpServer 6.4's 100 fields it keeps none of them (Host included).
        QByteArray fields;
        for (int i = 0; i < wfx::http::kMaxHeaderFields; ++i)
            fields += "X-F" + QByteArray::number(i) + ": v\r\n";
        bad("101 header fields", get + "{H}" + fields + "\r\n", 431);
        bad("101 header fields, host last", get + fields + "{H}\r\n", 431);
        fields.chop(fields.size() - fields.lastIndexOf("X-F"));
        good("100 header fields", get + fields + "{H}\r\n", {200});

        // What must keep working.
        good("get", get + "{H}\r\n", {200});
        good("head", "HEAD /healthz HTTP/1.1\r\n{H}\r\n", {200});
        good("http/1.0", "GET /healthz HTTP/1.0\r\n{H}\r\n", {200}, false);
        good("http/1.0 keep-alive", "GET /healthz HTTP/1.0\r\n{H}Connection: keep-alive\r\n\r\n",
             {200});
        good("http/1.0 absolute-form without host", "GET http://{A}/healthz HTTP/1.0\r\n\r\n",
             {200}, false);
        good("http/1.2 read as 1.1", "GET /healthz HTTP/1.2\r\n{H}\r\n", {200});
        good("connection close", get + "{H}Connection: close\r\n\r\n", {200}, false);
        // RFC 9112 9.6: nothing pipelined after a closing request is served.
        good("pipelined after close",
             get + "{H}\r\n" + get + "{H}Connection: close\r\n\r\n" + get + "{H}\r\n", {200, 200},
             false);
        good("pipelined after http/1.0", "GET /healthz HTTP/1.0\r\n{H}\r\n" + get + "{H}\r\n",
             {200}, false);
        good("absolute-form our host", "GET http://{A}/healthz HTTP/1.1\r\n{H}\r\n", {200});
        good("absolute-form replaces host",
             "GET http://{A}/healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n", {200});
        good("absolute-form scheme case", "GET HTTP://{A}/healthz HTTP/1.1\r\n{H}\r\n", {200});
        good("absolute-form localhost", "GET http://localhost:{P}/healthz HTTP/1.1\r\n{H}\r\n",
             {200});
        good("options asterisk", "OPTIONS * HTTP/1.1\r\n{H}\r\n", {204});
        good("pipelined", get + "{H}\r\n" + get + "{H}\r\n" + get + "{H}\r\n", {200, 200, 200});
        good("pipelined with bodies",
             post + "Content-Length: 5\r\n\r\nhello" + post +
                 "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + get + "{H}\r\n",
             {405, 405, 200});
        good("stray crlf before request", "\r\n" + get + "{H}\r\n", {200});
        good("content-length", post + "Content-Length: 5\r\n\r\nhello", {405});
        good("content-length leading zeros", post + "Content-Length: 005\r\n\r\nhello", {405});
        good("content-length zero", post + "Content-Length: 0\r\n\r\n", {405});
        good("content-length ows", post + "Content-Length:\t 5  \r\n\r\nhello", {405});
        good("chunked", chunked + "5\r\nhello\r\n0\r\n\r\n", {405});
        good("chunked upper case",
             post + "Transfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", {405});
        good("chunked ows", post + "Transfer-Encoding:  chunked \r\n\r\n5\r\nhello\r\n0\r\n\r\n",
             {405});
        good("chunked hex sizes", chunked + "00A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n",
             {405});
        good("chunked extensions",
             chunked + "5;name=val;q=\"x \\\"y\\\"\" ; flag\r\nhello\r\n0;end\r\n\r\n", {405});
        good("expect 100-continue", post + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
             {100, 405});
        good("value with tab and obs-text", get + "{H}X-Foo: a\tb\xe9\r\n\r\n", {200});
        good("host with ows", get + "Host:  {A} \t\r\n\r\n", {200});
        good("host name", get + "Host: localhost:{P}\r\n\r\n", {200});
        good("odd token name", get + "{H}X-!#$%&'*+.^_`|~: v\r\n\r\n", {200});
        good("query with brackets", "GET /healthz?a[]=1&b=%20 HTTP/1.1\r\n{H}\r\n", {200});
        good("one of each singleton",
             get + "{H}Content-Type: application/json\r\nCookie: a=1\r\n"
                   "X-CSRF-Token: a\r\nOrigin: http://{A}\r\n\r\n",
             {200});
    }

    void rawRequests()
    {
        QFETCH(QByteArray, request);
        QFETCH(QList<int>, expected);
        QFETCH(bool, open);
        request = expand(request).replace("{P}", QByteArray::number(m_server->port));
        const bool head = request.startsWith("HEAD ");

        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_server->port);
        QVERIFY(s.waitForConnected(5000));
        s.write(request);
        QByteArray buffer;
        QList<int> got;
        Response last;
        for (qsizetype n = 0; n < expected.size(); ++n) {
            Response r;
            QVERIFY2(
                readResponse(s, buffer, head, &r),
                qPrintable(
                    QStringLiteral("no answer %1: %2").arg(n).arg(QString::fromLatin1(buffer))));
            got.append(r.status);
            last = r;
        }
        QCOMPARE(got, expected);
        const bool guardRefused = !open && (last.status == 400 || last.status == 413 ||
                                            last.status == 501 || last.status == 505);
        if (guardRefused) {
            // The contract's error shape, and the connection is over.
            QVERIFY2(last.head.contains("\r\nConnection: close\r\n"), last.head.constData());
            QVERIFY2(last.head.contains("\r\nContent-Type: application/json\r\n"),
                     last.head.constData());
            const QString code = errorCode(last.body);
            const QString want = last.status == 400   ? QStringLiteral("bad_request")
                                 : last.status == 413 ? QStringLiteral("payload_too_large")
                                 : last.status == 501
                                     ? QStringLiteral("not_implemented")
                                     : QStringLiteral("http_version_not_supported");
            QCOMPARE(code, want);
            const QByteArray reason = last.head.left(last.head.indexOf("\r\n")).mid(13);
            QVERIFY2(!reason.isEmpty() && reason != "Status", last.head.constData());
        }
        if (open) {
            s.write(followUp());
            Response r;
            QVERIFY2(readResponse(s, buffer, false, &r),
                     "the connection did not serve another request");
            QCOMPARE(r.status, 200);
            QVERIFY(buffer.isEmpty());
        } else {
            // Whatever was sent after the refused request is never answered.
            bool closed = false;
            buffer += wfxtest::TestServer::readAll(s, 10'000, &closed);
            QVERIFY2(closed, "the connection stayed open");
            QVERIFY2(buffer.isEmpty(), buffer.constData());
        }
    }

    // The refusal arrives whole even when the head comes a byte at a time.
    void byteByByte()
    {
        const QByteArray request =
            expand("POST /healthz HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n0\r\n\r\n");
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_server->port);
        QVERIFY(s.waitForConnected(5000));
        for (const char c : request) {
            s.write(&c, 1);
            s.waitForBytesWritten(1000);
            s.flush();
        }
        QByteArray buffer;
        Response r;
        QVERIFY(readResponse(s, buffer, false, &r));
        QCOMPARE(r.status, 405);
        s.write(followUp());
        QVERIFY(readResponse(s, buffer, false, &r));
        QCOMPARE(r.status, 200);
    }

    void parser_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<int>("status"); // 0: accepted
        QTest::newRow("minimal") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\n") << 0;
        QTest::newRow("1.0 without host") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 0;
        QTest::newRow("trailing bytes") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\nX") << 400;
        QTest::newRow("unterminated") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n") << 400;
        QTest::newRow("empty") << QByteArray() << 400;
        QTest::newRow("cl max")
            << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740992\r\n\r\n")
            << 0;
        QTest::newRow("cl max+1")
            << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740993\r\n\r\n")
            << 400;
        QTest::newRow("ipv6 host") << QByteArray("GET / HTTP/1.1\r\nHost: [::1]:8787\r\n\r\n") << 0;
        QTest::newRow("ipv6 host open")
            << QByteArray("GET / HTTP/1.1\r\nHost: [::1:8787\r\n\r\n") << 400;
        QTest::newRow("empty host") << QByteArray("GET / HTTP/1.1\r\nHost:\r\n\r\n") << 0;
        QTest::newRow("absolute no path")
            << QByteArray("GET http://a:1 HTTP/1.1\r\nHost: a\r\n\r\n") << 0;
    }

    void parser()
    {
        QFETCH(QByteArray, head);
        QFETCH(int, status);
        const http::HeadResult r = http::parseRequestHead(head);
        QCOMPARE(r.ok ? 0 : r.rejection.status, status);
    }

    void parserFacts()
    {
        const QByteArray text =
            "POST http://Example.test:8080/up/x?q=1 HTTP/1.0\r\nHost: other\r\n"
            "Connection: Keep-Alive, foo\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n";
        const http::HeadResult r = http::parseRequestHead(text);
        QVERIFY(r.ok);
        QCOMPARE(r.head.method.toByteArray(), QByteArray("POST"));
        QVERIFY(r.head.form == http::TargetForm::Absolute);
        QCOMPARE(r.head.authority.toByteArray(), QByteArray("Example.test:8080"));
        QCOMPARE(r.head.path.toByteArray(), QByteArray("/up/x"));
        QCOMPARE(r.head.host.toByteArray(), QByteArray("other"));
        QCOMPARE(r.head.minorVersion, 0);
        QCOMPARE(r.head.contentLength, qint64(12));
        QVERIFY(r.head.keepAlive);
        QVERIFY(!r.head.expectContinue); // ignored on HTTP/1.0 (RFC 9110 10.1.1)
        const http::HeadResult c =
            http::parseRequestHead("GET /a?b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        QVERIFY(c.ok);
        QCOMPARE(c.head.path.toByteArray(), QByteArray("/a"));
        QVERIFY(!c.head.keepAlive);
    }

    void chunkLines_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<qint64>("size"); // -1: refused
        QTest::newRow("plain") << QByteArray("1f\r\n") << qint64(31);
        QTest::newRow("zero") << QByteArray("0\r\n") << qint64(0);
        QTest::newRow("ext") << QByteArray("a;x=\"1\\\"\";y\r\n") << qint64(10);
        QTest::newRow("spaces") << QByteArray("a ; x = y\r\n") << qint64(10);
        QTest::newRow("max") << QByteArray("20000000000000\r\n") << (qint64(1) << 53);
        QTest::newRow("over max") << QByteArray("20000000000001\r\n") << qint64(-1);
        QTest::newRow("no crlf") << QByteArray("a\n") << qint64(-1);
        QTest::newRow("ext empty value") << QByteArray("a;x=\r\n") << qint64(-1);
        QTest::newRow("ext trailing semicolon") << QByteArray("a;\r\n") << qint64(-1);
    }

    void chunkLines()
    {
        QFETCH(QByteArray, line);
        QFETCH(qint64, size);
        qint64 got = -1;
        http::Rejection why;
        if (!http::parseChunkSizeLine(line, &got, &why))
            got = -1;
        QCOMPARE(got, size);
    }
};

QTEST_GUILESS_MAIN(TestRequestHead)
#include "tst_request_head.moc"
