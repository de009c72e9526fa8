// SPDX-License-Identifier: Apache-2.0
// The dashboard BFF's named routes over HTTP against the real server: session
// cookie + CSRF, the same services and shapes as the Cloud routes, the workspace
// selection, the sample run, E2E fixtures on and off, staging on and off, and
// the catch-all proxy refusing before any handler runs.
#include "TestServer.h"

#include "audit/AuditService.h"
#include "runs/RunService.h"
#include "workspaces/WorkspaceService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace wfx;

namespace {

QString S(const char *s) { return QString::fromLatin1(s); }

struct Resp
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString code() const { return json().value(S("error")).toObject().value(S("code")).toString(); }
    QStringList fields() const
    {
        QStringList out;
        for (const QJsonValue &d : json().value(S("error")).toObject().value(S("details")).toArray())
            out << d.toObject().value(S("field")).toString();
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

    Resp send(const QByteArray &method, const QString &path, const Web *web, const QJsonValue &body = {},
              Opt opt = {}, const QByteArray &rawBody = {})
    {
        QByteArray req = method + ' ' + QUrl(path).toEncoded() + " HTTP/1.1\r\n" + m_srv.hostHeader()
                         + "Connection: close\r\n";
        if (web) {
            req += "Cookie: wfx_session=" + web->session.toLatin1() + "; wfx_csrf=" + web->csrf.toLatin1() + "\r\n";
            if (opt.csrf && method != "GET")
                req += "X-CSRF-Token: " + web->csrf.toLatin1() + "\r\n";
        }
        if (!opt.origin.isEmpty())
            req += "Origin: " + opt.origin + "\r\n";
        QByteArray payload = rawBody;
        if (payload.isEmpty() && !body.isUndefined() && !body.isNull())
            payload = body.isArray() ? QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact)
                                     : QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
        if (!payload.isEmpty())
            req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(payload.size()) + "\r\n";
        req += "\r\n" + payload;
        return parse(m_srv.raw(req, 10000));
    }
    Resp get(const QString &path, const Web &w) { return send("GET", path, &w); }
    Resp post(const QString &path, const Web &w, const QJsonObject &b = {}) { return send("POST", path, &w, b); }

    Web signup(const QString &email)
    {
        const Resp r = send("POST", S("/api/auth/signup"), nullptr,
                            QJsonObject{{S("email"), email}, {S("password"), S("correct horse battery")}});
        if (r.status != 201)
            qFatal("signup failed: %d %s", r.status, r.body.constData());
        Web w;
        w.email = email;
        w.userId = r.json().value(S("user")).toObject().value(S("id")).toString();
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
    for (const QJsonValue &v : r.json().value(S("items")).toArray())
        out << v.toObject().value(S("id")).toString();
    return out;
}

qint64 countRows(wfxtest::TestServer &srv, const char *table)
{
    // Only fixed table names from this file: no input reaches the SQL.
    Query q(srv.store.db->connection(), S("SELECT COUNT(*) FROM ") + S(table));
    if (!q.exec() || !q.next())
        qFatal("count failed");
    return q.i64(0);
}

struct StoreCounts
{
    qint64 runs = 0, workspaces = 0, projects = 0, audit = 0;
    bool operator==(const StoreCounts &o) const
    {
        return runs == o.runs && workspaces == o.workspaces && projects == o.projects && audit == o.audit;
    }
};

StoreCounts counts(wfxtest::TestServer &srv)
{
    return {countRows(srv, "runs"), countRows(srv, "workspaces"), countRows(srv, "projects"), countRows(srv, "audit_log")};
}

} // namespace

class TestBffRoutes : public QObject
{
    Q_OBJECT

    // A workspace and a project of `w`, made through the BFF.
    static QString workspace(Client &c, const Web &w, const QString &name = S("lab"))
    {
        const Resp r = c.post(S("/api/cloud/workspaces"), w, {{S("name"), name}});
        if (r.status != 201)
            qFatal("workspace: %d %s", r.status, r.body.constData());
        return r.json().value(S("workspace")).toObject().value(S("id")).toString();
    }
    static QString project(Client &c, const Web &w, const QString &ws, const QString &name = S("p"))
    {
        const Resp r = c.post(S("/api/cloud/projects"), w, {{S("workspace_id"), ws}, {S("name"), name}});
        if (r.status != 201)
            qFatal("project: %d %s", r.status, r.body.constData());
        return r.json().value(S("project")).toObject().value(S("id")).toString();
    }
    static QString sampleRun(Client &c, const Web &w, const QJsonObject &body)
    {
        const Resp r = c.post(S("/api/cloud/sample-run"), w, body);
        if (r.status != 201)
            qFatal("sample-run: %d %s", r.status, r.body.constData());
        return r.json().value(S("run")).toObject().value(S("id")).toString();
    }

private slots:
    void initTestCase() { wfxtest::useFastPasswordHashing(); }

    // ------------------------------------------------------------ access
    void namedRoutesNeedASession()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        for (const auto &[m, p] : {std::pair{"GET", "/api/cloud/me"}, std::pair{"POST", "/api/cloud/me"},
                                   std::pair{"GET", "/api/cloud/workspaces"}, std::pair{"GET", "/api/cloud/runs"},
                                   std::pair{"POST", "/api/cloud/runs"}, std::pair{"POST", "/api/cloud/sample-run"},
                                   std::pair{"POST", "/api/workspace/selection"}, std::pair{"POST", "/api/e2e/cli-sync"},
                                   std::pair{"POST", "/api/cloud/projects/00000000-0000-4000-8000-000000000000/staging-retention-proof"}}) {
            const Resp r = c.send(m, S(p), nullptr, QJsonObject{});
            QVERIFY2(r.status == 401 && r.code() == S("login_required"), p);
        }
    }

    void unsafeNamedRouteWithoutCsrfIs403AndCreatesNothing()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const StoreCounts before = counts(srv);
        Resp r = c.send("POST", S("/api/cloud/workspaces"), &a, QJsonObject{{S("name"), S("x")}}, Opt{false, {}});
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), S("csrf_failed"));
        r = c.send("POST", S("/api/cloud/workspaces"), &a, QJsonObject{{S("name"), S("x")}},
                   Opt{true, "http://evil.example"});
        QCOMPARE(r.status, 403);
        QVERIFY(counts(srv) == before);
    }

    // ------------------------------------------------------------ profile and DSAR
    void meReadAndPatch()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        Resp r = c.get(S("/api/cloud/me"), a);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("user")).toObject().value(S("email")).toString(), a.email);
        QCOMPARE(r.json().value(S("user")).toObject().value(S("id")).toString(), a.userId);
        r = c.send("PATCH", S("/api/cloud/me"), &a, QJsonObject{{S("display_name"), S("Ada")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("user")).toObject().value(S("display_name")).toString(), S("Ada"));
        QCOMPARE(c.get(S("/api/cloud/me"), a).json().value(S("user")).toObject().value(S("display_name")).toString(), S("Ada"));
    }

    void mePatchBadInputIs422()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        Resp r = c.send("PATCH", S("/api/cloud/me"), &a, QJsonObject{{S("display_name"), QString(201, QLatin1Char('x'))}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{S("display_name")});
        r = c.send("PATCH", S("/api/cloud/me"), &a, QJsonObject{{S("display_name"), 5}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{S("display_name")});
    }

    void meActionsDoWhatMeRoutesDo()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        Resp r = c.post(S("/api/cloud/me"), a, {{S("action"), S("export")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("user")).toObject().value(S("email")).toString(), a.email);
        r = c.post(S("/api/cloud/me"), a, {{S("action"), S("delete")}});
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json().value(S("deletion")).toObject().value(S("state")).toString(), S("scheduled"));
        r = c.post(S("/api/cloud/me"), a, {{S("action"), S("cancel_delete")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("deletion")).toObject().value(S("state")).toString(), S("cancelled"));
        r = c.post(S("/api/cloud/me"), a, {{S("action"), S("cancel_delete")}});
        QCOMPARE(r.status, 409); // nothing scheduled any more
        r = c.post(S("/api/cloud/me"), a, {{S("action"), S("object")}, {S("purpose"), S("marketing")}, {S("objected"), true}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("objection")).toObject().value(S("objected")).toBool(), true);
    }

    void meRestrictBlocksWritesUntilLifted()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        Resp r = c.post(S("/api/cloud/me"), a, {{S("action"), S("restrict")}, {S("restricted"), true}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("restricted")).toBool(), true);
        const StoreCounts before = counts(srv);
        r = c.post(S("/api/cloud/workspaces"), a, {{S("name"), S("while restricted")}});
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), S("forbidden"));
        QVERIFY(counts(srv) == before);
        QCOMPARE(c.get(S("/api/cloud/me"), a).status, 200); // reads still work
        r = c.post(S("/api/cloud/me"), a, {{S("action"), S("restrict")}, {S("restricted"), false}});
        QCOMPARE(r.status, 200);
        QCOMPARE(c.post(S("/api/cloud/workspaces"), a, {{S("name"), S("lifted")}}).status, 201);
    }

    void meActionBadInputIs422()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const struct
        {
            QJsonObject body;
            QStringList fields;
        } cases[] = {{{}, {S("action")}},
                     {{{S("action"), S("explode")}}, {S("action")}},
                     {{{S("action"), S("restrict")}}, {S("restricted")}},
                     {{{S("action"), S("restrict")}, {S("restricted"), S("yes")}}, {S("restricted")}},
                     {{{S("action"), S("object")}, {S("objected"), true}}, {S("purpose")}},
                     {{{S("action"), S("object")}, {S("purpose"), S("spam")}, {S("objected"), true}}, {S("purpose")}},
                     {{{S("action"), S("object")}, {S("purpose"), S("research")}}, {S("objected")}}};
        for (const auto &k : cases) {
            const Resp r = c.post(S("/api/cloud/me"), a, k.body);
            QCOMPARE(r.status, 422);
            QCOMPARE(r.fields(), k.fields);
        }
        // Nothing was restricted by the refused calls.
        QCOMPARE(c.get(S("/api/cloud/me"), a).json().value(S("user")).toObject().value(S("restricted")).toBool(), false);
    }

    // ------------------------------------------------------------ workspaces and projects
    void workspacesCreateListDelete()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        Resp r = c.post(S("/api/cloud/workspaces"), a, {{S("name"), S("Lab")}});
        QCOMPARE(r.status, 201);
        const QJsonObject ws = r.json().value(S("workspace")).toObject();
        for (const char *f : {"id", "name", "owner_id", "plan", "limits", "created_at"})
            QVERIFY2(ws.contains(S(f)), f);
        QCOMPARE(ws.value(S("owner_id")).toString(), a.userId);
        QVERIFY(idsOf(c.get(S("/api/cloud/workspaces"), a)).contains(ws.value(S("id")).toString()));
        r = c.send("DELETE", S("/api/cloud/workspaces"), &a, QJsonObject{{S("id"), ws.value(S("id"))}});
        QVERIFY(r.status == 204 || r.status == 200);
        QVERIFY(!idsOf(c.get(S("/api/cloud/workspaces"), a)).contains(ws.value(S("id")).toString()));
    }

    void workspacesBadInputIs422()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const StoreCounts before = counts(srv);
        QCOMPARE(c.post(S("/api/cloud/workspaces"), a, {}).fields(), QStringList{S("name")});
        QCOMPARE(c.post(S("/api/cloud/workspaces"), a, {{S("name"), QString(201, QLatin1Char('n'))}}).fields(),
                 QStringList{S("name")});
        Resp r = c.send("DELETE", S("/api/cloud/workspaces"), &a, QJsonObject{{S("id"), S("not-a-uuid")}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{S("id")});
        QCOMPARE(c.send("DELETE", S("/api/cloud/workspaces"), &a, QJsonObject{}).fields(), QStringList{S("id")});
        QCOMPARE(c.get(S("/api/cloud/workspaces?limit=0"), a).status, 422);
        QVERIFY(counts(srv) == before);
    }

    void foreignWorkspaceDeleteIs404AndKeepsIt()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com")), b = c.signup(S("b@example.com"));
        const QString wsA = workspace(c, a);
        const StoreCounts before = counts(srv);
        const Resp r = c.send("DELETE", S("/api/cloud/workspaces"), &b, QJsonObject{{S("id"), wsA}});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), S("not_found"));
        QVERIFY(counts(srv) == before);
        QVERIFY(idsOf(c.get(S("/api/cloud/workspaces"), a)).contains(wsA));
        QVERIFY(!idsOf(c.get(S("/api/cloud/workspaces"), b)).contains(wsA));
    }

    void projectsCreateListDelete()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const QString ws1 = workspace(c, a), ws2 = workspace(c, a, S("other"));
        Resp r = c.post(S("/api/cloud/projects"), a, {{S("workspace_id"), ws1}, {S("name"), S("walker")}});
        QCOMPARE(r.status, 201);
        const QJsonObject p = r.json().value(S("project")).toObject();
        QCOMPARE(p.value(S("workspace_id")).toString(), ws1);
        QCOMPARE(p.value(S("name")).toString(), S("walker"));
        const QString p2 = project(c, a, ws2);
        QVERIFY(idsOf(c.get(S("/api/cloud/projects"), a)).contains(p.value(S("id")).toString()));
        const QStringList only1 = idsOf(c.get(S("/api/cloud/projects?workspace_id=") + ws1, a));
        QVERIFY(only1.contains(p.value(S("id")).toString()) && !only1.contains(p2));
        r = c.send("DELETE", S("/api/cloud/projects"), &a, QJsonObject{{S("id"), p.value(S("id"))}});
        QVERIFY(r.status == 204 || r.status == 200);
        QVERIFY(!idsOf(c.get(S("/api/cloud/projects"), a)).contains(p.value(S("id")).toString()));
    }

    void projectsBadInputAndForeignIds()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com")), b = c.signup(S("b@example.com"));
        const QString wsA = workspace(c, a), pA = project(c, a, wsA);
        const StoreCounts before = counts(srv);
        QCOMPARE(c.post(S("/api/cloud/projects"), a, {{S("name"), S("x")}}).fields(), QStringList{S("workspace_id")});
        QCOMPARE(c.post(S("/api/cloud/projects"), a, {{S("workspace_id"), wsA}}).fields(), QStringList{S("name")});
        QCOMPARE(c.post(S("/api/cloud/projects"), a, {{S("workspace_id"), S("x")}, {S("name"), S("x")}}).fields(),
                 QStringList{S("workspace_id")});
        QCOMPARE(c.send("DELETE", S("/api/cloud/projects"), &a, QJsonObject{{S("id"), 7}}).fields(), QStringList{S("id")});
        QCOMPARE(c.post(S("/api/cloud/projects"), b, {{S("workspace_id"), wsA}, {S("name"), S("x")}}).status, 404);
        QCOMPARE(c.send("DELETE", S("/api/cloud/projects"), &b, QJsonObject{{S("id"), pA}}).status, 404);
        QCOMPARE(c.get(S("/api/cloud/projects?workspace_id=") + wsA, b).status, 404);
        QVERIFY(!idsOf(c.get(S("/api/cloud/projects"), b)).contains(pA));
        QVERIFY(counts(srv) == before);
    }

    // ------------------------------------------------------------ selection, runs, sample run
    void selectionOwnOkForeignAndUnknown404()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com")), b = c.signup(S("b@example.com"));
        const QString wsA = workspace(c, a), wsB = workspace(c, b);
        Resp r = c.post(S("/api/workspace/selection"), a, {{S("workspace_id"), wsA}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(S("workspace_id")).toString(), wsA);
        r = c.post(S("/api/workspace/selection"), a, {{S("workspace_id"), wsB}});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), S("not_found"));
        QCOMPARE(c.post(S("/api/workspace/selection"), a, {{S("workspace_id"), ids::newUuid()}}).status, 404);
        QCOMPARE(c.post(S("/api/workspace/selection"), a, {{S("workspace_id"), S("nope")}}).fields(),
                 QStringList{S("workspace_id")});
        QCOMPARE(c.post(S("/api/workspace/selection"), a, {}).fields(), QStringList{S("workspace_id")});
    }

    void runsListUsesTheSelection()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const QString ws1 = workspace(c, a), ws2 = workspace(c, a, S("two"));
        const QString r1 = sampleRun(c, a, {{S("workspace_id"), ws1}});
        const QString r2 = sampleRun(c, a, {{S("workspace_id"), ws2}});
        QStringList listed = idsOf(c.get(S("/api/cloud/runs"), a));
        QVERIFY(listed.contains(r1) && listed.contains(r2)); // no selection: every workspace
        QCOMPARE(c.post(S("/api/workspace/selection"), a, {{S("workspace_id"), ws1}}).status, 200);
        listed = idsOf(c.get(S("/api/cloud/runs"), a));
        QVERIFY(listed.contains(r1) && !listed.contains(r2));
        listed = idsOf(c.get(S("/api/cloud/runs?workspace_id=") + ws2, a));
        QVERIFY(!listed.contains(r1) && listed.contains(r2));
        // The selection belongs to the session: another session of the user sees every workspace.
        const Resp login = c.send("POST", S("/api/auth/login"), nullptr,
                                  QJsonObject{{S("email"), a.email}, {S("password"), S("correct horse battery")}});
        QCOMPARE(login.status, 200);
        Web a2 = a;
        for (const QByteArray &ck : login.all("Set-Cookie")) {
            const QByteArray kv = ck.split(';').value(0);
            if (kv.startsWith("wfx_session="))
                a2.session = QString::fromLatin1(kv.mid(12));
            else if (kv.startsWith("wfx_csrf="))
                a2.csrf = QString::fromLatin1(kv.mid(9));
        }
        listed = idsOf(c.get(S("/api/cloud/runs"), a2));
        QVERIFY(listed.contains(r1) && listed.contains(r2));
    }

    void runsListShowsOnlyOwnRunsAndChecksQuery()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com")), b = c.signup(S("b@example.com"));
        const QString wsA = workspace(c, a);
        const QString runA = sampleRun(c, a, {{S("workspace_id"), wsA}});
        const Resp r = c.get(S("/api/cloud/runs"), b);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.body.contains(runA.toLatin1()));
        QCOMPARE(c.get(S("/api/cloud/runs?workspace_id=") + wsA, b).status, 404);
        QCOMPARE(c.get(S("/api/cloud/runs?limit=201"), a).fields(), QStringList{S("limit")});
        QCOMPARE(c.get(S("/api/cloud/runs?status=exploded"), a).fields(), QStringList{S("status")});
        QCOMPARE(c.get(S("/api/cloud/runs?cursor=forged"), a).fields(), QStringList{S("cursor")});
    }

    void sampleRunSyncsARealRunIntoTheSampleProject()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const QString ws = workspace(c, a);
        QCOMPARE(c.post(S("/api/workspace/selection"), a, {{S("workspace_id"), ws}}).status, 200);
        Resp r = c.post(S("/api/cloud/sample-run"), a, {});
        QCOMPARE(r.status, 201);
        const QJsonObject run = r.json().value(S("run")).toObject();
        QCOMPARE(run.value(S("workspace_id")).toString(), ws);
        QCOMPARE(run.value(S("status")).toString(), S("completed"));
        QCOMPARE(run.value(S("metric_count")).toInt(), 300);
        QVERIFY(run.value(S("client_run_id")).toString().startsWith(S("sample-")));
        QVERIFY(run.value(S("log_bytes")).toInt() > 0);
        // The run is real: the run service reads its metrics, a decreasing loss.
        RunService runs(srv.store.ctx);
        auto got = runs.metricSeries(Actor::user(a.userId), run.value(S("id")).toString(), S("loss"), 10000);
        QVERIFY(got);
        QCOMPARE(got->size(), 300);
        QVERIFY(got->first().value > got->last().value);
        // A second sample goes to the same "Sample project" with another client_run_id.
        r = c.post(S("/api/cloud/sample-run"), a, {});
        QCOMPARE(r.status, 201);
        const QJsonObject again = r.json().value(S("run")).toObject();
        QCOMPARE(again.value(S("project_id")).toString(), run.value(S("project_id")).toString());
        QVERIFY(again.value(S("client_run_id")) != run.value(S("client_run_id")));
        auto projects = WorkspaceService(srv.store.ctx).listProjects(Actor::user(a.userId), ws, 200, {});
        QVERIFY(projects);
        QCOMPARE(projects->items.size(), 1);
        QCOMPARE(projects->items.first().name, S("Sample project"));
    }

    void sampleRunIntoAGivenProject()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const QString ws = workspace(c, a), p = project(c, a, ws);
        const Resp r = c.post(S("/api/cloud/sample-run"), a, {{S("workspace_id"), ws}, {S("project_id"), p}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json().value(S("run")).toObject().value(S("project_id")).toString(), p);
    }

    void sampleRunForeignOrMismatchedIs404AndWritesNothing()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com")), b = c.signup(S("b@example.com"));
        const QString wsA = workspace(c, a), pA = project(c, a, wsA);
        const QString wsA2 = workspace(c, a, S("second")), wsB = workspace(c, b);
        const StoreCounts before = counts(srv);
        QCOMPARE(c.post(S("/api/cloud/sample-run"), b, {{S("workspace_id"), wsA}}).status, 404);
        QCOMPARE(c.post(S("/api/cloud/sample-run"), b, {{S("project_id"), pA}}).status, 404);
        QCOMPARE(c.post(S("/api/cloud/sample-run"), b, {{S("workspace_id"), wsB}, {S("project_id"), pA}}).status, 404);
        QCOMPARE(c.post(S("/api/cloud/sample-run"), a, {{S("workspace_id"), wsA2}, {S("project_id"), pA}}).status, 404);
        QCOMPARE(c.post(S("/api/cloud/sample-run"), a, {{S("workspace_id"), S("x")}}).fields(), QStringList{S("workspace_id")});
        QCOMPARE(c.post(S("/api/cloud/sample-run"), a, {{S("project_id"), 3}}).fields(), QStringList{S("project_id")});
        QVERIFY(counts(srv) == before);
    }

    void sampleRunWithoutAnyWorkspaceIs422()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const Resp r = c.post(S("/api/cloud/sample-run"), a, {});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{S("workspace_id")});
    }

    // ------------------------------------------------------------ fixtures off / on
    void fixtureRoutesAre405WhenOffAndWriteNothing()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const QString ws = workspace(c, a), p = project(c, a, ws);
        const StoreCounts before = counts(srv);
        Resp r = c.post(S("/api/cloud/runs"), a, {{S("name"), S("e2e")}, {S("project_id"), p}});
        QCOMPARE(r.status, 405);
        QCOMPARE(r.code(), S("unsupported_action"));
        QVERIFY(r.header("Allow").contains("GET"));
        r = c.send("POST", S("/api/cloud/runs"), &a, {}, {}, "{\"name\": 12}"); // any body: still 405
        QCOMPARE(r.status, 405);
        r = c.post(S("/api/e2e/cli-sync"), a, {{S("runs"), QJsonArray{QJsonObject{{S("name"), S("e2e")}, {S("project_id"), p}}}}});
        QCOMPARE(r.status, 405);
        QCOMPARE(r.code(), S("unsupported_action"));
        QVERIFY(counts(srv) == before);
        QVERIFY(idsOf(c.get(S("/api/cloud/runs"), a)).isEmpty());
    }

    void fixturesAnswerDeterministicallyAndTouchNoStore()
    {
        ServerConfig cfg;
        cfg.e2eFixtures = true;
        QStringList first;
        for (int start = 0; start < 2; ++start) {
            wfxtest::TestServer srv(cfg);
            Client c(srv);
            const Web a = c.signup(S("a@example.com"));
            const StoreCounts before = counts(srv);
            Resp r = c.get(S("/api/cloud/runs"), a);
            QCOMPARE(r.status, 200);
            const QStringList listed = idsOf(r);
            QCOMPARE(listed.size(), 3);
            if (start == 0)
                first = listed;
            else
                QCOMPARE(listed, first); // the same fixtures on every start

            r = c.post(S("/api/cloud/runs"), a, {{S("name"), S("added-by-post")}});
            QCOMPARE(r.status, 201);
            const QString added = r.json().value(S("run")).toObject().value(S("id")).toString();
            QVERIFY(ids::isUuid(added));
            r = c.post(S("/api/e2e/cli-sync"), a, {{S("runs"), QJsonArray{QJsonObject{{S("name"), S("cli-1")}},
                                                                           QJsonObject{{S("name"), S("cli-2")},
                                                                                       {S("status"), S("failed")}}}}});
            QCOMPARE(r.status, 201);
            QCOMPARE(r.json().value(S("runs")).toArray().size(), 2);
            r = c.get(S("/api/cloud/runs"), a);
            QCOMPARE(idsOf(r).size(), 6);
            QVERIFY(idsOf(r).contains(added));
            QCOMPARE(idsOf(c.get(S("/api/cloud/runs?status=failed"), a)).size(), 2);
            // Pages: two of three, then the rest.
            r = c.get(S("/api/cloud/runs?limit=4"), a);
            QCOMPARE(idsOf(r).size(), 4);
            const QString next = r.json().value(S("next_cursor")).toString();
            QVERIFY(!next.isEmpty());
            r = c.get(S("/api/cloud/runs?limit=4&cursor=") + QString::fromLatin1(QUrl::toPercentEncoding(next)), a);
            QCOMPARE(idsOf(r).size(), 2);
            QVERIFY(r.json().value(S("next_cursor")).isNull());
            QVERIFY(counts(srv) == before); // nothing reached the store
        }
    }

    void fixtureBadInputIs422AndAddsNothing()
    {
        ServerConfig cfg;
        cfg.e2eFixtures = true;
        wfxtest::TestServer srv(cfg);
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        QCOMPARE(c.post(S("/api/cloud/runs"), a, {}).fields(), QStringList{S("name")});
        QCOMPARE(c.post(S("/api/cloud/runs"), a, {{S("name"), S("x")}, {S("project_id"), S("p")}}).fields(),
                 QStringList{S("project_id")});
        QCOMPARE(c.post(S("/api/cloud/runs"), a, {{S("name"), S("x")}, {S("status"), S("boom")}}).fields(),
                 QStringList{S("status")});
        Resp r = c.post(S("/api/e2e/cli-sync"), a, {{S("runs"), QJsonArray{QJsonObject{{S("name"), S("ok")}}, QJsonObject{}}}});
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{S("runs.1.name")});
        QCOMPARE(c.post(S("/api/e2e/cli-sync"), a, {}).fields(), QStringList{S("runs")});
        QCOMPARE(idsOf(c.get(S("/api/cloud/runs"), a)).size(), 3); // all or nothing
        QCOMPARE(c.send("POST", S("/api/cloud/runs"), &a, {}, {}, "{not json").status, 422);
    }

    void fixtureWritesNeedCsrf()
    {
        ServerConfig cfg;
        cfg.e2eFixtures = true;
        wfxtest::TestServer srv(cfg);
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const Resp r = c.send("POST", S("/api/cloud/runs"), &a, QJsonObject{{S("name"), S("x")}}, Opt{false, {}});
        QCOMPARE(r.status, 403);
        QCOMPARE(idsOf(c.get(S("/api/cloud/runs"), a)).size(), 3);
    }

    // ------------------------------------------------------------ shares
    void sharesCreateAndList()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const QString ws = workspace(c, a), run = sampleRun(c, a, {{S("workspace_id"), ws}});
        Resp r = c.post(S("/api/cloud/shares"), a, {{S("run_id"), run}, {S("password"), S("sesame-open")}});
        QCOMPARE(r.status, 201);
        const QJsonObject share = r.json().value(S("share")).toObject();
        const QString token = r.json().value(S("token")).toString();
        QCOMPARE(share.value(S("run_id")).toString(), run);
        QCOMPARE(share.value(S("state")).toString(), S("active"));
        QCOMPARE(share.value(S("has_password")).toBool(), true);
        QVERIFY(token.startsWith(share.value(S("token_prefix")).toString()));
        QVERIFY(r.json().value(S("url")).toString().contains(token));
        QVERIFY(idsOf(c.get(S("/api/cloud/shares"), a)).contains(share.value(S("id")).toString()));
        QVERIFY(idsOf(c.get(S("/api/cloud/shares?run_id=") + run, a)).contains(share.value(S("id")).toString()));
        QVERIFY(!c.get(S("/api/cloud/shares"), a).body.contains(token.toLatin1())); // shown once
    }

    void sharesBadInputAndForeignRun()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com")), b = c.signup(S("b@example.com"));
        const QString ws = workspace(c, a), run = sampleRun(c, a, {{S("workspace_id"), ws}});
        const qint64 shares = countRows(srv, "shares");
        QCOMPARE(c.post(S("/api/cloud/shares"), a, {}).fields(), QStringList{S("run_id")});
        QCOMPARE(c.post(S("/api/cloud/shares"), a, {{S("run_id"), run}, {S("password"), S("short")}}).fields(),
                 QStringList{S("password")});
        QCOMPARE(c.post(S("/api/cloud/shares"), a, {{S("run_id"), run}, {S("expires_at"), S("tomorrow")}}).fields(),
                 QStringList{S("expires_at")});
        QCOMPARE(c.post(S("/api/cloud/shares"), a, {{S("run_id"), run}, {S("artifact_id"), S("x")}}).fields(),
                 QStringList{S("artifact_id")});
        QCOMPARE(c.post(S("/api/cloud/shares"), b, {{S("run_id"), run}}).status, 404);
        QCOMPARE(c.get(S("/api/cloud/shares?workspace_id=") + ws, b).status, 404);
        QCOMPARE(countRows(srv, "shares"), shares);
    }

    // ------------------------------------------------------------ billing
    void billingCheckoutAndPortal()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const QString ws = workspace(c, a);
        Resp r = c.post(S("/api/cloud/billing/checkout"), a, {{S("workspace_id"), ws}, {S("plan"), S("pro")}});
        QCOMPARE(r.status, 201);
        QVERIFY(!r.json().value(S("url")).toString().isEmpty());
        QCOMPARE(r.json().value(S("checkout")).toObject().value(S("plan")).toString(), S("pro"));
        QCOMPARE(r.json().value(S("checkout")).toObject().value(S("workspace_id")).toString(), ws);
        r = c.post(S("/api/cloud/billing/portal"), a, {{S("workspace_id"), ws}});
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(S("url")).toString().contains(ws));
    }

    void billingBadInputAndForeignWorkspace()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com")), b = c.signup(S("b@example.com"));
        const QString ws = workspace(c, a);
        const qint64 subs = countRows(srv, "billing_subscriptions");
        QCOMPARE(c.post(S("/api/cloud/billing/checkout"), a, {{S("workspace_id"), ws}}).fields(), QStringList{S("plan")});
        QCOMPARE(c.post(S("/api/cloud/billing/checkout"), a, {{S("workspace_id"), ws}, {S("plan"), S("free")}}).fields(),
                 QStringList{S("plan")});
        QCOMPARE(c.post(S("/api/cloud/billing/checkout"), a, {{S("plan"), S("pro")}}).fields(), QStringList{S("workspace_id")});
        QCOMPARE(c.post(S("/api/cloud/billing/checkout"), a,
                        {{S("workspace_id"), ws}, {S("plan"), S("pro")}, {S("success_url"), QString(2049, QLatin1Char('u'))}})
                     .fields(),
                 QStringList{S("success_url")});
        QCOMPARE(c.post(S("/api/cloud/billing/checkout"), b, {{S("workspace_id"), ws}, {S("plan"), S("pro")}}).status, 404);
        QCOMPARE(c.post(S("/api/cloud/billing/portal"), b, {{S("workspace_id"), ws}}).status, 404);
        QCOMPARE(c.post(S("/api/cloud/billing/portal"), a, {}).fields(), QStringList{S("workspace_id")});
        QCOMPARE(countRows(srv, "billing_subscriptions"), subs);
    }

    // ------------------------------------------------------------ staging
    void stagingRetentionProofIs405WhenNotStaging()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const QString ws = workspace(c, a), p = project(c, a, ws);
        for (const QString &pid : {p, ids::newUuid(), S("not-a-uuid")}) {
            const Resp r = c.post(S("/api/cloud/projects/") + pid + S("/staging-retention-proof"), a);
            QCOMPARE(r.status, 405);
            QCOMPARE(r.code(), S("unsupported_action"));
        }
    }

    void stagingRetentionProofCountsWhatIsHeld()
    {
        ServerConfig cfg;
        cfg.staging = true;
        wfxtest::TestServer srv(cfg);
        Client c(srv);
        const Web a = c.signup(S("a@example.com")), b = c.signup(S("b@example.com"));
        const QString ws = workspace(c, a), p = project(c, a, ws);
        sampleRun(c, a, {{S("project_id"), p}});
        sampleRun(c, a, {{S("project_id"), p}});
        const QString path = S("/api/cloud/projects/") + p + S("/staging-retention-proof");
        Resp r = c.post(path, a);
        QCOMPARE(r.status, 200);
        const QJsonObject proof = r.json().value(S("proof")).toObject();
        QCOMPARE(proof.value(S("project_id")).toString(), p);
        QCOMPARE(proof.value(S("runs")).toInt(), 2);
        QCOMPARE(proof.value(S("metric_points")).toInt(), 600);
        QCOMPARE(proof.value(S("digest")).toString().size(), 64);
        QCOMPARE(c.post(path, b).status, 404);
        QCOMPARE(c.post(S("/api/cloud/projects/") + ids::newUuid() + S("/staging-retention-proof"), a).status, 404);
        // After the project is deleted nothing is held: the proof answers 404 for the project.
        QVERIFY(c.send("DELETE", S("/api/cloud/projects"), &a, QJsonObject{{S("id"), p}}).status == 204);
        QCOMPARE(c.post(path, a).status, 404);
        QCOMPARE(countRows(srv, "runs"), 0);
    }

    // ------------------------------------------------------------ the catch-all proxy
    void proxyRefusesBeforeAnyHandlerRuns()
    {
        wfxtest::TestServer srv;
        Client c(srv);
        const Web a = c.signup(S("a@example.com"));
        const QString ws = workspace(c, a);
        const QString run = sampleRun(c, a, {{S("workspace_id"), ws}});
        const StoreCounts before = counts(srv);

        Resp r = c.send("DELETE", S("/api/runs/") + run, &a);
        QCOMPARE(r.status, 405);
        QCOMPARE(r.code(), S("unsupported_action"));
        QVERIFY(r.header("Allow").contains("GET"));
        r = c.send("PATCH", S("/api/workspaces/") + ws, &a, QJsonObject{{S("name"), S("changed")}});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.code(), S("not_found"));
        r = c.get(S("/api/runs?bogus=1"), a);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.fields(), QStringList{S("bogus")});
        r = c.send("POST", S("/api/workspaces"), &a, QJsonObject{{S("name"), S("sneaky")}}, Opt{false, {}});
        QCOMPARE(r.status, 403);
        QCOMPARE(r.code(), S("csrf_failed"));

        QVERIFY(counts(srv) == before);
        const Actor actor = Actor::user(a.userId);
        QVERIFY(RunService(srv.store.ctx).get(actor, run));
        auto w = WorkspaceService(srv.store.ctx).get(actor, ws);
        QVERIFY(w);
        QCOMPARE(w->name, S("lab"));
    }
};

QTEST_GUILESS_MAIN(TestBffRoutes)
#include "tst_bff_routes.moc"
