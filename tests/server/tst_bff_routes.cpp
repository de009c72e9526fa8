// SPDX-License-Identifier: Apache-2.0
// The dashboard BFF's named routes over HTTP against the real server: session
// cookie + CSRF, the same services and shapes as the Cloud routes, the workspace
// selection, the sample run, E2E fixtures on and off, staging on and off, and
// the catch-all proxy refusing before any handler runs.
#include "TestServer.h"

#include "models/audit/AuditService.h"
#include "models/runs/RunService.h"
#include "models/workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

using namespace wfx;

namespace {

struct Resp
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString code() const { return json().value(u"error"_s).toObject().value(u"code"_s).toString(); }
    QStringList fields() const
    {
        QStringList out;
        for (const QJsonValue &d :
             json().value(u"error"_s).toObject().value(u"details"_s).toArray())
            out << d.toObject().value(u"field"_s).toString();
        return out;
    }
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers)
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        return {};
    }
    QList<QByteArray> all(const QByteArray &name) const
    {
        QList<QByteArray> out;
        for (const auto &h : headers)
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                out << h.second;
        return out;
    }
};

struct Web
{
    QString userId, email, session, csrf;
};

struct Opt
{
    bool csrf = true;
    QByteArray origin;
};

class Client
{
public:
    explicit Client(wfxtest::TestServer &srv) : m_srv(srv) {}

    Resp send(const QByteArray &method, const QString &path, const Web *web,
              const QJsonValue &body = {}, Opt opt = {}, const QByteArray &rawBody = {})
    {
        QByteArray req = method + ' ' + QUrl(path).toEncoded() + " HTTP/1.1\r\n" +
                         m_srv.hostHeader() + "Connection: close\r\n";
        if (web) {
            req += "Cookie: wfx_session=" + web->session.toLatin1() +
                   "; wfx_csrf=" + web->csrf.toLatin1() + "\r\n";
            if (opt.csrf && method != "GET")
                req += "X-CSRF-Token: " + web->csrf.toLatin1() + "\r\n";
        }
        if (!opt.origin.isEmpty())
            req += "Origin: " + opt.origin + "\r\n";
        QByteArray payload = rawBody;
        if (payload.isEmpty() && !body.isUndefined() && !body.isNull())
            payload = body.isArray()
                          ? QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact)
                          : QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
        if (!payload.isEmpty())
            req += "Content-Type: application/json\r\nContent-Length: " +
                   QByteArray::number(payload.size()) + "\r\n";
        req += "\r\n" + payload;
        return parse(m_srv.raw(req, 10000));
    }
    Resp get(const QString &path, const Web &w) { return send("GET", path, &w); }
    Resp post(const QString &path, const Web &w, const QJsonObject &b = {})
    {
        return send("POST", path, &w, b);
    }

    Web signup(const QString &email)
    {
        const Resp r =
            send("POST", u"/api/auth/signup"_s, nullptr,
                 QJsonObject{{u"email"_s, email}, {u"password"_s, u"correct horse battery"_s}});
        if (r.status != 201)
            qFatal("signup failed: %d %s", r.status, r.body.constData());
        Web w;
        w.email = email;
        w.userId = r.json().value(u"user"_s).toObject().value(u"id"_s).toString();
        for (const QByteArray &c : r.all("Set-Cookie")) {
            const QByteArray kv = c.split(';').value(0);
            const QByteArray name = kv.left(kv.indexOf('=')), value = kv.mid(kv.indexOf('=') + 1);
            if (name == "wfx_session")
                w.session = QString::fromLatin1(value);
            else if (name == "wfx_csrf")
                w.csrf = QString::fromLatin1(value);
        }
        return w;
    }

    static Resp parse(const QByteArray &raw)
    {
        Resp r;
        const qsizetype end = raw.indexOf("\r\n\r\n");
        if (raw.size() < 12 || end < 0)
            return r;
        r.status = raw.mid(9, 3).toInt();
        const QList<QByteArray> lines = raw.left(end).split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype c = line.indexOf(':');
            if (c > 0)
                r.headers.append({line.left(c).trimmed(), line.mid(c + 1).trimmed()});
        }
        r.body = raw.mid(end + 4);
        return r;
    }

private:
    wfxtest::TestServer &m_srv;
};

QStringList idsOf(const Resp &r)
{
    QStringList out;
    for (const QJsonValue &v : r.json().value(u"items"_s).toArray())
        out << v.toObject().value(u"id"_s).toString();
    return out;
}

qint64 countRows(wfxtest::TestServer &srv, const char *table)
{
    // Only fixed table names from this file: no input reaches the SQL.
    Query q(srv.store.db->connection(), u"SELECT COUNT(*) FROM "_s + QString::fromLatin1(table));
    if (!q.exec() || !q.next())
        qFatal("count failed");
    return q.i64(0);
}

struct StoreCounts
{
    qint64 runs = 0, workspaces = 0, projects = 0, audit = 0;
    bool operator==(const StoreCounts &o) const
    {
        return runs == o.runs && workspaces == o.workspaces && projects == o.projects &&
               audit == o.audit;
    }
};

StoreCounts counts(wfxtest::TestServer &srv)
{
    return {countRows(srv, "runs"), countRows(srv, "workspaces"), countRows(srv, "projects"),
            countRows(srv, "audit_log")};
}

} // namespace

class TestBffRoutes : public QObject
{
    Q_OBJECT

    // A workspace and a project of `w`, made through the BFF.
    static QString workspace(Client &c, const Web &w, const QString &name = u"lab"_s)
    {
        const Resp r = c.post(u"/api/cloud/workspaces"_s, w, {{u"name"_s, name}});
        if (r.status != 201)
            qFatal("workspace: %d %s", r.status, r.body.constData());
        return r.json().value(u"workspace"_s).toObject().value(u"id"_s).toString();
    }
    static QString project(Client &c, const Web &w, const QString &ws, const QString &name = u"p"_s)
    {
        const Resp r =
            c.post(u"/api/cloud/projects"_s, w, {{u"workspace_id"_s, ws}, {u"name"_s, name}});
        if (r.status != 201)
            qFatal("project: %d %s", r.status, r.body.constData());
        return r.json().value(u"project"_s).toObject().value(u"id"_s).toString();
    }
    static QString sampleRun(Client &c, const Web &w, const QJsonObject &body)
    {
        const Resp r = c.post(u"/api/cloud/sample-run"_s, w, body);
        if (r.status != 201)
            qFatal("sample-run: %d %s", r.status, r.body.constData());
        return r.json().value(u"run"_s).toObject().value(u"id"_s).toString();
    }

private slots:
    void initTestCase() { wfxtest::useFastPasswordHashing(); }

    // ------------------------------------------------------------ access
    void namedRoutesNeedASession()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        for (const auto &[m, p] :
             {std::pair{"GET", "/api/cloud/me"}, std::pair{"POST", "/api/cloud/me"},
              std::pair{"GET", "/api/cloud/workspaces"}, std::pair{"GET", "/api/cloud/runs"},
              std::pair{"POST", "/api/cloud/runs"}, std::pair{"POST", "/api/cloud/sample-run"},
              std::pair{"POST", "/api/workspace/selection"}, std::pair{"POST", "/api/e2e/cli-sync"},
              std::pair{"POST", "/api/cloud/projects/00000000-0000-4000-8000-000000000000/"
                                "staging-retention-proof"}}) {
            const Resp r = c.send(m, QString::fromLatin1(p), nullptr, QJsonObject{});
            QVERIFY2(r.status == 401 && r.code() == u"login_required"_s, p);
        }
    }

    void unsafeNamedRouteWithoutCsrfIs403AndCreatesNothing()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const StoreCounts before = counts(srv);
        Resp r = c.send("POST", u"/api/cloud/workspaces"_s, &a, QJsonObject{{u"name"_s, u"x"_s}},
                        Opt{false, {}});
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), u"csrf_failed"_s);
        r = c.send("POST", u"/api/cloud/workspaces"_s, &a, QJsonObject{{u"name"_s, u"x"_s}},
                   Opt{true, "http://evil.example"});
        QCOMPARE(r.status, 403);
        QVERIFY(counts(srv) == before);
    }

    // ------------------------------------------------------------ profile and DSAR
    void meReadAndPatch()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        Resp r = c.get(u"/api/cloud/me"_s, a);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"user"_s).toObject().value(u"email"_s).toString(), a.email);
        QCOMPARE(r.json().value(u"user"_s).toObject().value(u"id"_s).toString(), a.userId);
        r = c.send("PATCH", u"/api/cloud/me"_s, &a, QJsonObject{{u"display_name"_s, u"Ada"_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"user"_s).toObject().value(u"display_name"_s).toString(),
                 u"Ada"_s);
        QCOMPARE(c.get(u"/api/cloud/me"_s, a)
                     .json()
                     .value(u"user"_s)
                     .toObject()
                     .value(u"display_name"_s)
                     .toString(),
                 u"Ada"_s);
    }

    void mePatchBadInputIs422()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        Resp r = c.send("PATCH", u"/api/cloud/me"_s, &a,
                        QJsonObject{{u"display_name"_s, QString(201, QLatin1Char('x'))}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{u"display_name"_s});
        r = c.send("PATCH", u"/api/cloud/me"_s, &a, QJsonObject{{u"display_name"_s, 5}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{u"display_name"_s});
    }

    void meActionsDoWhatMeRoutesDo()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        Resp r = c.post(u"/api/cloud/me"_s, a, {{u"action"_s, u"export"_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"user"_s).toObject().value(u"email"_s).toString(), a.email);
        r = c.post(u"/api/cloud/me"_s, a, {{u"action"_s, u"delete"_s}});
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json().value(u"deletion"_s).toObject().value(u"state"_s).toString(),
                 u"scheduled"_s);
        r = c.post(u"/api/cloud/me"_s, a, {{u"action"_s, u"cancel_delete"_s}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"deletion"_s).toObject().value(u"state"_s).toString(),
                 u"cancelled"_s);
        r = c.post(u"/api/cloud/me"_s, a, {{u"action"_s, u"cancel_delete"_s}});
        QCOMPARE(r.status, 409); // nothing scheduled any more
        r = c.post(
            u"/api/cloud/me"_s, a,
            {{u"action"_s, u"object"_s}, {u"purpose"_s, u"marketing"_s}, {u"objected"_s, true}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"objection"_s).toObject().value(u"objected"_s).toBool(), true);
    }

    void meRestrictBlocksWritesUntilLifted()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        Resp r =
            c.post(u"/api/cloud/me"_s, a, {{u"action"_s, u"restrict"_s}, {u"restricted"_s, true}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"restricted"_s).toBool(), true);
        const StoreCounts before = counts(srv);
        r = c.post(u"/api/cloud/workspaces"_s, a, {{u"name"_s, u"while restricted"_s}});
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), u"forbidden"_s);
        QVERIFY(counts(srv) == before);
        QCOMPARE(c.get(u"/api/cloud/me"_s, a).status, 200); // reads still work
        r = c.post(u"/api/cloud/me"_s, a, {{u"action"_s, u"restrict"_s}, {u"restricted"_s, false}});
        QCOMPARE(r.status, 200);
        QCOMPARE(c.post(u"/api/cloud/workspaces"_s, a, {{u"name"_s, u"lifted"_s}}).status, 201);
    }

    void meActionBadInputIs422()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const struct
        {
            QJsonObject body;
            QStringList fields;
        } cases[] = {
            {{}, {u"action"_s}},
            {{{u"action"_s, u"explode"_s}}, {u"action"_s}},
            {{{u"action"_s, u"restrict"_s}}, {u"restricted"_s}},
            {{{u"action"_s, u"restrict"_s}, {u"restricted"_s, u"yes"_s}}, {u"restricted"_s}},
            {{{u"action"_s, u"object"_s}, {u"objected"_s, true}}, {u"purpose"_s}},
            {{{u"action"_s, u"object"_s}, {u"purpose"_s, u"spam"_s}, {u"objected"_s, true}},
             {u"purpose"_s}},
            {{{u"action"_s, u"object"_s}, {u"purpose"_s, u"research"_s}}, {u"objected"_s}}};
        for (const auto &k : cases) {
            const Resp r = c.post(u"/api/cloud/me"_s, a, k.body);
            QCOMPARE(r.status, 422);
            QCOMPARE(r.fields(), k.fields);
        }
        // Nothing was restricted by the refused calls.
        QCOMPARE(c.get(u"/api/cloud/me"_s, a)
                     .json()
                     .value(u"user"_s)
                     .toObject()
                     .value(u"restricted"_s)
                     .toBool(),
                 false);
    }

    // ------------------------------------------------------------ workspaces and projects
    void workspacesCreateListDelete()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        Resp r = c.post(u"/api/cloud/workspaces"_s, a, {{u"name"_s, u"Lab"_s}});
        QCOMPARE(r.status, 201);
        const QJsonObject ws = r.json().value(u"workspace"_s).toObject();
        for (const char *f : {"id", "name", "owner_id", "plan", "limits", "created_at"})
            QVERIFY2(ws.contains(QString::fromLatin1(f)), f);
        QCOMPARE(ws.value(u"owner_id"_s).toString(), a.userId);
        QVERIFY(idsOf(c.get(u"/api/cloud/workspaces"_s, a)).contains(ws.value(u"id"_s).toString()));
        r = c.send("DELETE", u"/api/cloud/workspaces"_s, &a,
                   QJsonObject{{u"id"_s, ws.value(u"id"_s)}});
        QVERIFY(r.status == 204 || r.status == 200);
        QVERIFY(
            !idsOf(c.get(u"/api/cloud/workspaces"_s, a)).contains(ws.value(u"id"_s).toString()));
    }

    void workspacesBadInputIs422()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const StoreCounts before = counts(srv);
        QCOMPARE(c.post(u"/api/cloud/workspaces"_s, a, {}).fields(), QStringList{u"name"_s});
        QCOMPARE(
            c.post(u"/api/cloud/workspaces"_s, a, {{u"name"_s, QString(201, QLatin1Char('n'))}})
                .fields(),
            QStringList{u"name"_s});
        Resp r = c.send("DELETE", u"/api/cloud/workspaces"_s, &a,
                        QJsonObject{{u"id"_s, u"not-a-uuid"_s}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{u"id"_s});
        QCOMPARE(c.send("DELETE", u"/api/cloud/workspaces"_s, &a, QJsonObject{}).fields(),
                 QStringList{u"id"_s});
        QCOMPARE(c.get(u"/api/cloud/workspaces?limit=0"_s, a).status, 422);
        QVERIFY(counts(srv) == before);
    }

    void foreignWorkspaceDeleteIs404AndKeepsIt()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s), b = c.signup(u"b@example.com"_s);
        const QString wsA = workspace(c, a);
        const StoreCounts before = counts(srv);
        const Resp r =
            c.send("DELETE", u"/api/cloud/workspaces"_s, &b, QJsonObject{{u"id"_s, wsA}});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), u"not_found"_s);
        QVERIFY(counts(srv) == before);
        QVERIFY(idsOf(c.get(u"/api/cloud/workspaces"_s, a)).contains(wsA));
        QVERIFY(!idsOf(c.get(u"/api/cloud/workspaces"_s, b)).contains(wsA));
    }

    void projectsCreateListDelete()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const QString ws1 = workspace(c, a), ws2 = workspace(c, a, u"other"_s);
        Resp r = c.post(u"/api/cloud/projects"_s, a,
                        {{u"workspace_id"_s, ws1}, {u"name"_s, u"walker"_s}});
        QCOMPARE(r.status, 201);
        const QJsonObject p = r.json().value(u"project"_s).toObject();
        QCOMPARE(p.value(u"workspace_id"_s).toString(), ws1);
        QCOMPARE(p.value(u"name"_s).toString(), u"walker"_s);
        const QString p2 = project(c, a, ws2);
        QVERIFY(idsOf(c.get(u"/api/cloud/projects"_s, a)).contains(p.value(u"id"_s).toString()));
        const QStringList only1 = idsOf(c.get(u"/api/cloud/projects?workspace_id="_s + ws1, a));
        QVERIFY(only1.contains(p.value(u"id"_s).toString()) && !only1.contains(p2));
        r = c.send("DELETE", u"/api/cloud/projects"_s, &a,
                   QJsonObject{{u"id"_s, p.value(u"id"_s)}});
        QVERIFY(r.status == 204 || r.status == 200);
        QVERIFY(!idsOf(c.get(u"/api/cloud/projects"_s, a)).contains(p.value(u"id"_s).toString()));
    }

    void projectsBadInputAndForeignIds()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s), b = c.signup(u"b@example.com"_s);
        const QString wsA = workspace(c, a), pA = project(c, a, wsA);
        const StoreCounts before = counts(srv);
        QCOMPARE(c.post(u"/api/cloud/projects"_s, a, {{u"name"_s, u"x"_s}}).fields(),
                 QStringList{u"workspace_id"_s});
        QCOMPARE(c.post(u"/api/cloud/projects"_s, a, {{u"workspace_id"_s, wsA}}).fields(),
                 QStringList{u"name"_s});
        QCOMPARE(
            c.post(u"/api/cloud/projects"_s, a, {{u"workspace_id"_s, u"x"_s}, {u"name"_s, u"x"_s}})
                .fields(),
            QStringList{u"workspace_id"_s});
        QCOMPARE(c.send("DELETE", u"/api/cloud/projects"_s, &a, QJsonObject{{u"id"_s, 7}}).fields(),
                 QStringList{u"id"_s});
        QCOMPARE(
            c.post(u"/api/cloud/projects"_s, b, {{u"workspace_id"_s, wsA}, {u"name"_s, u"x"_s}})
                .status,
            404);
        QCOMPARE(c.send("DELETE", u"/api/cloud/projects"_s, &b, QJsonObject{{u"id"_s, pA}}).status,
                 404);
        QCOMPARE(c.get(u"/api/cloud/projects?workspace_id="_s + wsA, b).status, 404);
        QVERIFY(!idsOf(c.get(u"/api/cloud/projects"_s, b)).contains(pA));
        QVERIFY(counts(srv) == before);
    }

    // ------------------------------------------------------------ selection, runs, sample run
    void selectionOwnOkForeignAndUnknown404()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s), b = c.signup(u"b@example.com"_s);
        const QString wsA = workspace(c, a), wsB = workspace(c, b);
        Resp r = c.post(u"/api/workspace/selection"_s, a, {{u"workspace_id"_s, wsA}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"workspace_id"_s).toString(), wsA);
        r = c.post(u"/api/workspace/selection"_s, a, {{u"workspace_id"_s, wsB}});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), u"not_found"_s);
        QCOMPARE(
            c.post(u"/api/workspace/selection"_s, a, {{u"workspace_id"_s, ids::newUuid()}}).status,
            404);
        QCOMPARE(
            c.post(u"/api/workspace/selection"_s, a, {{u"workspace_id"_s, u"nope"_s}}).fields(),
            QStringList{u"workspace_id"_s});
        QCOMPARE(c.post(u"/api/workspace/selection"_s, a, {}).fields(),
                 QStringList{u"workspace_id"_s});
    }

    void runsListUsesTheSelection()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const QString ws1 = workspace(c, a), ws2 = workspace(c, a, u"two"_s);
        const QString r1 = sampleRun(c, a, {{u"workspace_id"_s, ws1}});
        const QString r2 = sampleRun(c, a, {{u"workspace_id"_s, ws2}});
        QStringList listed = idsOf(c.get(u"/api/cloud/runs"_s, a));
        QVERIFY(listed.contains(r1) && listed.contains(r2)); // no selection: every workspace
        QCOMPARE(c.post(u"/api/workspace/selection"_s, a, {{u"workspace_id"_s, ws1}}).status, 200);
        listed = idsOf(c.get(u"/api/cloud/runs"_s, a));
        QVERIFY(listed.contains(r1) && !listed.contains(r2));
        listed = idsOf(c.get(u"/api/cloud/runs?workspace_id="_s + ws2, a));
        QVERIFY(!listed.contains(r1) && listed.contains(r2));
        // The selection belongs to the session: another session of the user sees every workspace.
        const Resp login =
            c.send("POST", u"/api/auth/login"_s, nullptr,
                   QJsonObject{{u"email"_s, a.email}, {u"password"_s, u"correct horse battery"_s}});
        QCOMPARE(login.status, 200);
        Web a2 = a;
        for (const QByteArray &ck : login.all("Set-Cookie")) {
            const QByteArray kv = ck.split(';').value(0);
            if (kv.startsWith("wfx_session="))
                a2.session = QString::fromLatin1(kv.mid(12));
            else if (kv.startsWith("wfx_csrf="))
                a2.csrf = QString::fromLatin1(kv.mid(9));
        }
        listed = idsOf(c.get(u"/api/cloud/runs"_s, a2));
        QVERIFY(listed.contains(r1) && listed.contains(r2));
    }

    void runsListShowsOnlyOwnRunsAndChecksQuery()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s), b = c.signup(u"b@example.com"_s);
        const QString wsA = workspace(c, a);
        const QString runA = sampleRun(c, a, {{u"workspace_id"_s, wsA}});
        const Resp r = c.get(u"/api/cloud/runs"_s, b);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.body.contains(runA.toLatin1()));
        QCOMPARE(c.get(u"/api/cloud/runs?workspace_id="_s + wsA, b).status, 404);
        QCOMPARE(c.get(u"/api/cloud/runs?limit=201"_s, a).fields(), QStringList{u"limit"_s});
        QCOMPARE(c.get(u"/api/cloud/runs?status=exploded"_s, a).fields(), QStringList{u"status"_s});
        QCOMPARE(c.get(u"/api/cloud/runs?cursor=forged"_s, a).fields(), QStringList{u"cursor"_s});
    }

    void sampleRunSyncsARealRunIntoTheSampleProject()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const QString ws = workspace(c, a);
        QCOMPARE(c.post(u"/api/workspace/selection"_s, a, {{u"workspace_id"_s, ws}}).status, 200);
        Resp r = c.post(u"/api/cloud/sample-run"_s, a, {});
        QCOMPARE(r.status, 201);
        const QJsonObject run = r.json().value(u"run"_s).toObject();
        QCOMPARE(run.value(u"workspace_id"_s).toString(), ws);
        QCOMPARE(run.value(u"status"_s).toString(), u"completed"_s);
        QCOMPARE(run.value(u"metric_count"_s).toInt(), 300);
        QVERIFY(run.value(u"client_run_id"_s).toString().startsWith(u"sample-"_s));
        QVERIFY(run.value(u"log_bytes"_s).toInt() > 0);
        // The run is real: the run service reads its metrics, a decreasing loss.
        RunService runs(srv.store.ctx);
        auto got = runs.metricSeries(Actor::user(a.userId), run.value(u"id"_s).toString(),
                                     u"loss"_s, 10000);
        QVERIFY(got);
        QCOMPARE(got->size(), 300);
        QVERIFY(got->first().value > got->last().value);
        // A second sample goes to the same "Sample project" with another client_run_id.
        r = c.post(u"/api/cloud/sample-run"_s, a, {});
        QCOMPARE(r.status, 201);
        const QJsonObject again = r.json().value(u"run"_s).toObject();
        QCOMPARE(again.value(u"project_id"_s).toString(), run.value(u"project_id"_s).toString());
        QVERIFY(again.value(u"client_run_id"_s) != run.value(u"client_run_id"_s));
        auto projects =
            WorkspaceService(srv.store.ctx).listProjects(Actor::user(a.userId), ws, 200, {});
        QVERIFY(projects);
        QCOMPARE(projects->items.size(), 1);
        QCOMPARE(projects->items.first().name, u"Sample project"_s);
    }

    void sampleRunIntoAGivenProject()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const QString ws = workspace(c, a), p = project(c, a, ws);
        const Resp r =
            c.post(u"/api/cloud/sample-run"_s, a, {{u"workspace_id"_s, ws}, {u"project_id"_s, p}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(u"run"_s).toObject().value(u"project_id"_s).toString(), p);
    }

    void sampleRunForeignOrMismatchedIs404AndWritesNothing()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s), b = c.signup(u"b@example.com"_s);
        const QString wsA = workspace(c, a), pA = project(c, a, wsA);
        const QString wsA2 = workspace(c, a, u"second"_s), wsB = workspace(c, b);
        const StoreCounts before = counts(srv);
        QCOMPARE(c.post(u"/api/cloud/sample-run"_s, b, {{u"workspace_id"_s, wsA}}).status, 404);
        QCOMPARE(c.post(u"/api/cloud/sample-run"_s, b, {{u"project_id"_s, pA}}).status, 404);
        QCOMPARE(
            c.post(u"/api/cloud/sample-run"_s, b, {{u"workspace_id"_s, wsB}, {u"project_id"_s, pA}})
                .status,
            404);
        QCOMPARE(c.post(u"/api/cloud/sample-run"_s, a,
                        {{u"workspace_id"_s, wsA2}, {u"project_id"_s, pA}})
                     .status,
                 404);
        QCOMPARE(c.post(u"/api/cloud/sample-run"_s, a, {{u"workspace_id"_s, u"x"_s}}).fields(),
                 QStringList{u"workspace_id"_s});
        QCOMPARE(c.post(u"/api/cloud/sample-run"_s, a, {{u"project_id"_s, 3}}).fields(),
                 QStringList{u"project_id"_s});
        QVERIFY(counts(srv) == before);
    }

    void sampleRunWithoutAnyWorkspaceIs422()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const Resp r = c.post(u"/api/cloud/sample-run"_s, a, {});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{u"workspace_id"_s});
    }

    // ------------------------------------------------------------ fixtures off / on
    void fixtureRoutesAre405WhenOffAndWriteNothing()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const QString ws = workspace(c, a), p = project(c, a, ws);
        const StoreCounts before = counts(srv);
        Resp r = c.post(u"/api/cloud/runs"_s, a, {{u"name"_s, u"e2e"_s}, {u"project_id"_s, p}});
        QCOMPARE(r.status, 405);
        QCOMPARE(r.code(), u"unsupported_action"_s);
        QVERIFY(r.header("Allow").contains("GET"));
        r = c.send("POST", u"/api/cloud/runs"_s, &a, {}, {},
                   "{\"name\": 12}"); // any body: still 405
        QCOMPARE(r.status, 405);
        r = c.post(
            u"/api/e2e/cli-sync"_s, a,
            {{u"runs"_s, QJsonArray{QJsonObject{{u"name"_s, u"e2e"_s}, {u"project_id"_s, p}}}}});
        QCOMPARE(r.status, 405);
        QCOMPARE(r.code(), u"unsupported_action"_s);
        QVERIFY(counts(srv) == before);
        QVERIFY(idsOf(c.get(u"/api/cloud/runs"_s, a)).isEmpty());
    }

    void fixturesAnswerDeterministicallyAndTouchNoStore()
    {
        ServerConfig cfg;
        cfg.e2eFixtures = true;
        QStringList first;
        for (int start = 0; start < 2; ++start) {
            wfxtest::TestServer srv(cfg);
            Client c(srv);
            const Web a = c.signup(u"a@example.com"_s);
            const StoreCounts before = counts(srv);
            Resp r = c.get(u"/api/cloud/runs"_s, a);
            QCOMPARE(r.status, 200);
            const QStringList listed = idsOf(r);
            QCOMPARE(listed.size(), 3);
            if (start == 0)
                first = listed;
            else
                QCOMPARE(listed, first); // the same fixtures on every start

            r = c.post(u"/api/cloud/runs"_s, a, {{u"name"_s, u"added-by-post"_s}});
            QCOMPARE(r.status, 201);
            const QString added = r.json().value(u"run"_s).toObject().value(u"id"_s).toString();
            QVERIFY(ids::isUuid(added));
            r = c.post(u"/api/e2e/cli-sync"_s, a,
                       {{u"runs"_s, QJsonArray{QJsonObject{{u"name"_s, u"cli-1"_s}},
                                               QJsonObject{{u"name"_s, u"cli-2"_s},
                                                           {u"status"_s, u"failed"_s}}}}});
            QCOMPARE(r.status, 201);
            QCOMPARE(r.json().value(u"runs"_s).toArray().size(), 2);
            r = c.get(u"/api/cloud/runs"_s, a);
            QCOMPARE(idsOf(r).size(), 6);
            QVERIFY(idsOf(r).contains(added));
            QCOMPARE(idsOf(c.get(u"/api/cloud/runs?status=failed"_s, a)).size(), 2);
            // Pages: two of three, then the rest.
            r = c.get(u"/api/cloud/runs?limit=4"_s, a);
            QCOMPARE(idsOf(r).size(), 4);
            const QString next = r.json().value(u"next_cursor"_s).toString();
            QVERIFY(!next.isEmpty());
            r = c.get(u"/api/cloud/runs?limit=4&cursor="_s +
                          QString::fromLatin1(QUrl::toPercentEncoding(next)),
                      a);
            QCOMPARE(idsOf(r).size(), 2);
            QVERIFY(r.json().value(u"next_cursor"_s).isNull());
            QVERIFY(counts(srv) == before); // nothing reached the store
        }
    }

    void fixtureBadInputIs422AndAddsNothing()
    {
        ServerConfig cfg;
        cfg.e2eFixtures = true;
        wfxtest::TestServer srv(cfg);
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        QCOMPARE(c.post(u"/api/cloud/runs"_s, a, {}).fields(), QStringList{u"name"_s});
        QCOMPARE(c.post(u"/api/cloud/runs"_s, a, {{u"name"_s, u"x"_s}, {u"project_id"_s, u"p"_s}})
                     .fields(),
                 QStringList{u"project_id"_s});
        QCOMPARE(c.post(u"/api/cloud/runs"_s, a, {{u"name"_s, u"x"_s}, {u"status"_s, u"boom"_s}})
                     .fields(),
                 QStringList{u"status"_s});
        Resp r =
            c.post(u"/api/e2e/cli-sync"_s, a,
                   {{u"runs"_s, QJsonArray{QJsonObject{{u"name"_s, u"ok"_s}}, QJsonObject{}}}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{u"runs.1.name"_s});
        QCOMPARE(c.post(u"/api/e2e/cli-sync"_s, a, {}).fields(), QStringList{u"runs"_s});
        QCOMPARE(idsOf(c.get(u"/api/cloud/runs"_s, a)).size(), 3); // all or nothing
        QCOMPARE(c.send("POST", u"/api/cloud/runs"_s, &a, {}, {}, "{not json").status, 422);
    }

    void fixtureWritesNeedCsrf()
    {
        ServerConfig cfg;
        cfg.e2eFixtures = true;
        wfxtest::TestServer srv(cfg);
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const Resp r = c.send("POST", u"/api/cloud/runs"_s, &a, QJsonObject{{u"name"_s, u"x"_s}},
                              Opt{false, {}});
        QCOMPARE(r.status, 403);
        QCOMPARE(idsOf(c.get(u"/api/cloud/runs"_s, a)).size(), 3);
    }

    // ------------------------------------------------------------ shares
    void sharesCreateAndList()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const QString ws = workspace(c, a), run = sampleRun(c, a, {{u"workspace_id"_s, ws}});
        Resp r = c.post(u"/api/cloud/shares"_s, a,
                        {{u"run_id"_s, run}, {u"password"_s, u"sesame-open"_s}});
        QCOMPARE(r.status, 201);
        const QJsonObject share = r.json().value(u"share"_s).toObject();
        const QString token = r.json().value(u"token"_s).toString();
        QCOMPARE(share.value(u"run_id"_s).toString(), run);
        QCOMPARE(share.value(u"state"_s).toString(), u"active"_s);
        QCOMPARE(share.value(u"has_password"_s).toBool(), true);
        QVERIFY(token.startsWith(share.value(u"token_prefix"_s).toString()));
        QVERIFY(r.json().value(u"url"_s).toString().contains(token));
        QVERIFY(idsOf(c.get(u"/api/cloud/shares"_s, a)).contains(share.value(u"id"_s).toString()));
        QVERIFY(idsOf(c.get(u"/api/cloud/shares?run_id="_s + run, a))
                    .contains(share.value(u"id"_s).toString()));
        QVERIFY(!c.get(u"/api/cloud/shares"_s, a).body.contains(token.toLatin1())); // shown once
    }

    void sharesBadInputAndForeignRun()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s), b = c.signup(u"b@example.com"_s);
        const QString ws = workspace(c, a), run = sampleRun(c, a, {{u"workspace_id"_s, ws}});
        const qint64 shares = countRows(srv, "shares");
        QCOMPARE(c.post(u"/api/cloud/shares"_s, a, {}).fields(), QStringList{u"run_id"_s});
        QCOMPARE(
            c.post(u"/api/cloud/shares"_s, a, {{u"run_id"_s, run}, {u"password"_s, u"short"_s}})
                .fields(),
            QStringList{u"password"_s});
        QCOMPARE(c.post(u"/api/cloud/shares"_s, a,
                        {{u"run_id"_s, run}, {u"expires_at"_s, u"tomorrow"_s}})
                     .fields(),
                 QStringList{u"expires_at"_s});
        QCOMPARE(c.post(u"/api/cloud/shares"_s, a, {{u"run_id"_s, run}, {u"artifact_id"_s, u"x"_s}})
                     .fields(),
                 QStringList{u"artifact_id"_s});
        QCOMPARE(c.post(u"/api/cloud/shares"_s, b, {{u"run_id"_s, run}}).status, 404);
        QCOMPARE(c.get(u"/api/cloud/shares?workspace_id="_s + ws, b).status, 404);
        QCOMPARE(countRows(srv, "shares"), shares);
    }

    // ------------------------------------------------------------ billing
    void billingCheckoutAndPortal()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const QString ws = workspace(c, a);
        Resp r = c.post(u"/api/cloud/billing/checkout"_s, a,
                        {{u"workspace_id"_s, ws}, {u"plan"_s, u"pro"_s}});
        QCOMPARE(r.status, 201);
        QVERIFY(!r.json().value(u"url"_s).toString().isEmpty());
        QCOMPARE(r.json().value(u"checkout"_s).toObject().value(u"plan"_s).toString(), u"pro"_s);
        QCOMPARE(r.json().value(u"checkout"_s).toObject().value(u"workspace_id"_s).toString(), ws);
        r = c.post(u"/api/cloud/billing/portal"_s, a, {{u"workspace_id"_s, ws}});
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(u"url"_s).toString().contains(ws));
    }

    void billingBadInputAndForeignWorkspace()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s), b = c.signup(u"b@example.com"_s);
        const QString ws = workspace(c, a);
        const qint64 subs = countRows(srv, "billing_subscriptions");
        QCOMPARE(c.post(u"/api/cloud/billing/checkout"_s, a, {{u"workspace_id"_s, ws}}).fields(),
                 QStringList{u"plan"_s});
        QCOMPARE(c.post(u"/api/cloud/billing/checkout"_s, a,
                        {{u"workspace_id"_s, ws}, {u"plan"_s, u"free"_s}})
                     .fields(),
                 QStringList{u"plan"_s});
        QCOMPARE(c.post(u"/api/cloud/billing/checkout"_s, a, {{u"plan"_s, u"pro"_s}}).fields(),
                 QStringList{u"workspace_id"_s});
        QCOMPARE(c.post(u"/api/cloud/billing/checkout"_s, a,
                        {{u"workspace_id"_s, ws},
                         {u"plan"_s, u"pro"_s},
                         {u"success_url"_s, QString(2049, QLatin1Char('u'))}})
                     .fields(),
                 QStringList{u"success_url"_s});
        QCOMPARE(c.post(u"/api/cloud/billing/checkout"_s, b,
                        {{u"workspace_id"_s, ws}, {u"plan"_s, u"pro"_s}})
                     .status,
                 404);
        QCOMPARE(c.post(u"/api/cloud/billing/portal"_s, b, {{u"workspace_id"_s, ws}}).status, 404);
        QCOMPARE(c.post(u"/api/cloud/billing/portal"_s, a, {}).fields(),
                 QStringList{u"workspace_id"_s});
        QCOMPARE(countRows(srv, "billing_subscriptions"), subs);
    }

    // ------------------------------------------------------------ staging
    void stagingRetentionProofIs405WhenNotStaging()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const QString ws = workspace(c, a), p = project(c, a, ws);
        for (const QString &pid : {p, ids::newUuid(), u"not-a-uuid"_s}) {
            const Resp r =
                c.post(u"/api/cloud/projects/"_s + pid + u"/staging-retention-proof"_s, a);
            QCOMPARE(r.status, 405);
            QCOMPARE(r.code(), u"unsupported_action"_s);
        }
    }

    void stagingRetentionProofCountsWhatIsHeld()
    {
        ServerConfig cfg;
        cfg.staging = true;
        wfxtest::TestServer srv(cfg);
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s), b = c.signup(u"b@example.com"_s);
        const QString ws = workspace(c, a), p = project(c, a, ws);
        sampleRun(c, a, {{u"project_id"_s, p}});
        sampleRun(c, a, {{u"project_id"_s, p}});
        const QString path = u"/api/cloud/projects/"_s + p + u"/staging-retention-proof"_s;
        Resp r = c.post(path, a);
        QCOMPARE(r.status, 200);
        const QJsonObject proof = r.json().value(u"retention_proof"_s).toObject();
        QCOMPARE(proof.value(u"project_id"_s).toString(), p);
        QVERIFY(proof.value(u"purged"_s).isArray());
        QCOMPARE(proof.value(u"signature"_s).toObject().value(u"alg"_s).toString(), u"ed25519"_s);
        QCOMPARE(c.post(path, b).status, 404);
        QCOMPARE(
            c.post(u"/api/cloud/projects/"_s + ids::newUuid() + u"/staging-retention-proof"_s, a)
                .status,
            404);
        // After the project is deleted nothing is held: the proof answers 404 for the project.
        QVERIFY(c.send("DELETE", u"/api/cloud/projects"_s, &a, QJsonObject{{u"id"_s, p}}).status ==
                204);
        QCOMPARE(c.post(path, a).status, 404);
        QCOMPARE(countRows(srv, "runs"), 0);
    }

    // ------------------------------------------------------------ the catch-all proxy
    void proxyRefusesBeforeAnyHandlerRuns()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(u"a@example.com"_s);
        const QString ws = workspace(c, a);
        const QString run = sampleRun(c, a, {{u"workspace_id"_s, ws}});
        const StoreCounts before = counts(srv);

        Resp r = c.send("DELETE", u"/api/runs/"_s + run, &a);
        QCOMPARE(r.status, 405);
        QCOMPARE(r.code(), u"unsupported_action"_s);
        QVERIFY(r.header("Allow").contains("GET"));
        r = c.send("PATCH", u"/api/workspaces/"_s + ws, &a, QJsonObject{{u"name"_s, u"changed"_s}});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), u"not_found"_s);
        r = c.get(u"/api/runs?bogus=1"_s, a);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{u"bogus"_s});
        r = c.send("POST", u"/api/workspaces"_s, &a, QJsonObject{{u"name"_s, u"sneaky"_s}},
                   Opt{false, {}});
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), u"csrf_failed"_s);

        QVERIFY(counts(srv) == before);
        const Actor actor = Actor::user(a.userId);
        QVERIFY(RunService(srv.store.ctx).get(actor, run));
        auto w = WorkspaceService(srv.store.ctx).get(actor, ws);
        QVERIFY(w);
        QCOMPARE(w->name, u"lab"_s);
    }
};

QTEST_GUILESS_MAIN(TestBffRoutes)
#include "tst_bff_routes.moc"
