// SPDX-License-Identifier: Apache-2.0
// GET /docs: the API reference page and its assets come from the bundle
// compiled into the server, with no reference to the network.
#include "TestServer.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

using namespace wfx;

class TestDocs : public QObject
{
    Q_OBJECT

    struct Reply
    {
        int status = 0;
        QByteArray head;
        QByteArray body;
        QByteArray header(const QByteArray &name) const
        {
            for (const QByteArray &line : head.split('\n')) {
                const qsizetype colon = line.indexOf(':');
                if (colon > 0 && line.left(colon).trimmed().toLower() == name)
                    return line.mid(colon + 1).trimmed();
            }
            return {};
        }
        QString errorCode() const
        {
            return QJsonDocument::fromJson(body)
                .object()
                .value(QStringLiteral("error"))
                .toObject()
                .value(QStringLiteral("code"))
                .toString();
        }
    };

    static Reply get(wfxtest::TestServer &srv, const QByteArray &target)
    {
        const QByteArray r = srv.raw("GET " + target + " HTTP/1.1\r\n" + srv.hostHeader() +
                                         "Connection: close\r\n\r\n",
                                     10000);
        const qsizetype split = r.indexOf("\r\n\r\n");
        Reply out;
        out.status = r.mid(9, 3).toInt();
        out.head = r.left(split);
        out.body = split < 0 ? QByteArray() : r.mid(split + 4);
        return out;
    }

    // The src/href values of script, link, img and iframe elements.
    static QStringList references(const QByteArray &html)
    {
        static const QRegularExpression re(
            QStringLiteral(
                "<(?:script|link|img|iframe)\\b[^>]*?\\b(?:src|href)\\s*=\\s*[\"']([^\"']+)"),
            QRegularExpression::CaseInsensitiveOption);
        QStringList refs;
        for (auto it = re.globalMatch(QString::fromUtf8(html)); it.hasNext();)
            refs << it.next().captured(1);
        return refs;
    }

private slots:
    void docsPageIsCachedHtml()
    {
        wfxtest::TestServer srv;
        const Reply r = get(srv, "/docs");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("text/html; charset=utf-8"));
        QCOMPARE(r.header("cache-control"), QByteArray("public, max-age=3600"));
        QVERIFY(r.body.contains("id=\"swagger-ui\""));
    }

    void docsPageReferencesOnlyLocalFiles()
    {
        wfxtest::TestServer srv;
        const Reply r = get(srv, "/docs");
        QCOMPARE(r.status, 200);
        const QStringList refs = references(r.body);
        QVERIFY(refs.contains(QStringLiteral("/docs/swagger-ui-bundle.js")));
        QVERIFY(refs.contains(QStringLiteral("/docs/swagger-ui.css")));
        for (const QString &ref : refs)
            QVERIFY2(ref.startsWith(QLatin1String("/docs/")), qPrintable(ref));
        QVERIFY(!r.body.contains("http://"));
        QVERIFY(!r.body.contains("https://"));
    }

    void everyReferencedAssetIsServedWithItsType()
    {
        wfxtest::TestServer srv;
        const QStringList refs = references(get(srv, "/docs").body);
        QVERIFY(!refs.isEmpty());
        for (const QString &ref : refs) {
            const Reply a = get(srv, ref.toUtf8());
            QVERIFY2(a.status == 200, qPrintable(ref));
            QVERIFY2(!a.body.isEmpty(), qPrintable(ref));
            const QByteArray type = a.header("content-type");
            if (ref.endsWith(QLatin1String(".js")))
                QCOMPARE(type, QByteArray("text/javascript; charset=utf-8"));
            else if (ref.endsWith(QLatin1String(".css")))
                QCOMPARE(type, QByteArray("text/css; charset=utf-8"));
            else if (ref.endsWith(QLatin1String(".png")))
                QCOMPARE(type, QByteArray("image/png"));
            else
                QFAIL(qPrintable(QStringLiteral("unexpected asset ") + ref));
            QCOMPARE(a.header("cache-control"), QByteArray("public, max-age=3600"));
        }
    }

    void bundleIsSwaggerUi()
    {
        wfxtest::TestServer srv;
        const Reply js = get(srv, "/docs/swagger-ui-bundle.js");
        QCOMPARE(js.status, 200);
        QVERIFY(js.body.size() > 100000);
        QVERIFY(js.body.contains("SwaggerUIBundle"));
        const Reply css = get(srv, "/docs/swagger-ui.css");
        QCOMPARE(css.status, 200);
        QVERIFY(css.body.contains(".swagger-ui"));
    }

    void pageLoadsThisServersOpenApi()
    {
        wfxtest::TestServer srv;
        const Reply init = get(srv, "/docs/init.js");
        QCOMPARE(init.status, 200);
        QVERIFY(init.body.contains("url: '/openapi.json'"));
        QVERIFY(init.body.contains("validatorUrl: null"));
    }

    void onlyBundledNamesAreServed()
    {
        wfxtest::TestServer srv;
        // Files of the npm package that are not in the bundle, our own build
        // inputs, and path tricks: all 404 JSON, never a file read.
        for (const char *target :
             {"/docs/package.json", "/docs/swagger-ui-bundle.js.map", "/docs/index.css",
              "/docs/%2E%2E", "/docs/..%2Fopenapi.json", "/docs/..%2F..%2Fetc%2Fpasswd",
              "/docs/wfx_docs.qrc", "/docs/Index.html"}) {
            const Reply r = get(srv, target);
            QVERIFY2(r.status == 404, target);
            QCOMPARE(r.header("content-type"), QByteArray("application/json"));
            QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        }
    }

    void docsRoutesAreDocumented()
    {
        wfxtest::TestServer srv;
        const QJsonObject paths = QJsonDocument::fromJson(get(srv, "/openapi.json").body)
                                      .object()
                                      .value(QStringLiteral("paths"))
                                      .toObject();
        QVERIFY(paths.value(QStringLiteral("/docs")).toObject().contains(QStringLiteral("get")));
        QVERIFY(
            paths.value(QStringLiteral("/docs/{file}")).toObject().contains(QStringLiteral("get")));
    }
};

QTEST_GUILESS_MAIN(TestDocs)
#include "tst_docs.moc"
