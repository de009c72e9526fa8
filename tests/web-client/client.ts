// SPDX-License-Identifier: Apache-2.0
// A dashboard client typed from the server's own /openapi.json: openapi-typescript
// turns the document into `paths` (openapi.d.ts, generated at test time beside this
// file) and openapi-fetch calls the server with those types. `tsc --noEmit` fails
// where this file reads a field the schema does not declare, or declares with
// another type, so a response schema that lies about what the server sends
// breaks the build of this file; running it then checks the real answers.
// Started by scripts/web-client-test.sh with WFX_BASE_URL set.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./openapi.js";
import { readFileSync } from "node:fs";

const BASE = (process.env.WFX_BASE_URL ?? "").replace(/\/$/, "");
if (!BASE) {
  console.error("web-client-test: set WFX_BASE_URL");
  process.exit(2);
}

// ------------------------------------------------------------------ type checks

// The fields read below must have real types, not `any` (an untyped schema) or
// `unknown`: `typed(x)` only compiles when x's type is neither.
type IsAny<T> = 0 extends 1 & T ? true : false;
type IsUnknown<T> = unknown extends T ? (IsAny<T> extends true ? false : true) : false;
function typed<T>(value: T, ..._proof: IsAny<T> extends true ? [never] : IsUnknown<T> extends true ? [never] : []): T {
  return value;
}

// ------------------------------------------------------------------ runtime schema check

// tsc checks the fields this client reads; this checks every JSON answer it gets,
// whole, against the response schema /openapi.json declares for its status (a
// subset of JSON Schema: the keywords the server's schema builders emit).
type Schema = { [k: string]: unknown };
const OPENAPI = JSON.parse(readFileSync(process.env.WFX_OPENAPI ?? "openapi.json", "utf8")) as {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components?: { schemas?: Record<string, Schema> };
};
const UUID_VALUE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME_VALUE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function validate(schema: Schema, value: unknown, at: string, out: string[]): void {
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = OPENAPI.components?.schemas?.[name];
    if (!target) { out.push(`${at}: unresolved ${schema.$ref}`); return; }
    validate(target, value, at, out);
    return;
  }
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  const t = typeOf(value);
  if (types.length > 0 && !types.includes(t) && !(t === "integer" && types.includes("number"))) {
    out.push(`${at}: ${JSON.stringify(value)?.slice(0, 80)} is ${t}, the schema says ${types.join(" | ")}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === "string") {
    if (schema.format === "uuid" && !UUID_VALUE.test(value)) out.push(`${at}: ${value} is not a lowercase UUID`);
    if (schema.format === "date-time" && !TIME_VALUE.test(value)) out.push(`${at}: ${value} is not an RFC 3339 time with Z`);
    if (typeof schema.minLength === "number" && value.length < schema.minLength) out.push(`${at}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength) out.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) out.push(`${at}: ${value} < ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) out.push(`${at}: ${value} > ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) out.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items && typeof schema.items === "object")
      value.forEach((v, i) => validate(schema.items as Schema, v, `${at}.${i}`, out));
  }
  if (t === "object") {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[])
      if (!(key in obj)) out.push(`${at}.${key}: required by the schema, not sent`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = props[key];
      if (sub) validate(sub, v, `${at}.${key}`, out);
      else if (schema.additionalProperties === false) out.push(`${at}.${key}: sent, but the schema forbids other fields`);
      // Sent but not declared: the generated types do not know it, so no typed client can read it.
      else if (schema.additionalProperties === undefined && schema.properties) out.push(`${at}.${key}: sent, but not declared`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === "object")
        validate(schema.additionalProperties as Schema, v, `${at}.${key}`, out);
    }
  }
}

const schemaProblems: string[] = [];
let answersChecked = 0;
const conforms: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const op = OPENAPI.paths[schemaPath]?.[request.method.toLowerCase()];
    const where = `${request.method} ${schemaPath} ${response.status}`;
    if (!op) { schemaProblems.push(`${where}: not in /openapi.json`); return response; }
    const declared = op.responses?.[String(response.status)] ?? op.responses?.["default"];
    if (!declared) { schemaProblems.push(`${where}: status not declared`); return response; }
    if (!(response.headers.get("content-type") ?? "").startsWith("application/json")) return response;
    const schema = declared.content?.["application/json"]?.schema;
    if (!schema) { schemaProblems.push(`${where}: JSON answer without a declared JSON schema`); return response; }
    validate(schema, await response.clone().json(), "body", schemaProblems);
    answersChecked++;
    return response;
  },
};

// ------------------------------------------------------------------ the session

// The browser would keep these cookies; here a middleware does: it sends them back
// and adds X-CSRF-Token (the wfx_csrf cookie) to every unsafe method.
const jar = new Map<string, string>();
const cookies: Middleware = {
  onRequest({ request }) {
    if (jar.size > 0)
      request.headers.set("Cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const csrf = jar.get("wfx_csrf");
    if (csrf && !["GET", "HEAD", "OPTIONS"].includes(request.method))
      request.headers.set("X-CSRF-Token", csrf);
    return request;
  },
  onResponse({ response }) {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0] ?? "";
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "") jar.delete(name); else jar.set(name, value);
    }
    return response;
  },
};

const api = createClient<paths>({ baseUrl: BASE });
api.use(cookies, conforms);
// The public read goes without the session's cookies, as the share page does.
const anon = createClient<paths>({ baseUrl: BASE });
anon.use(conforms);

// ------------------------------------------------------------------ the checks

let passed = 0;
let failed = 0;
async function step(name: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    schemaProblems.length = 0;
    await fn();
    ensure(schemaProblems.length === 0, `answers that differ from their schema:\n     ${schemaProblems.join("\n     ")}`);
    passed++;
    console.log(`PASS ${name}`);
    return true;
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}

function ensure(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function expectStatus(response: Response, status: number, error: unknown): void {
  ensure(response.status === status,
         `${response.url}: expected ${status}, got ${response.status} ${JSON.stringify(error ?? null).slice(0, 300)}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const uid = () => Math.random().toString(16).slice(2, 10);

async function main(): Promise<void> {
  const email = `web-client-${uid()}@example.test`;
  const runName = `dreamer-v3-${uid()}`;
  let workspaceId = "";
  let projectId = "";
  let runId = "";
  let token = "";

  const ok = await step("sign up (cookies wfx_session and wfx_csrf)", async () => {
    const { data, error, response } = await api.POST("/api/auth/signup", {
      body: { email, password: `pw-${uid()}-${uid()}` },
    });
    expectStatus(response, 201, error);
    ensure(data, "no body");
    const user = data.user;
    ensure(typed(user.email) === email, `user.email is ${user.email}`);
    ensure(UUID.test(typed(user.id)), `user.id is ${user.id}`);
    ensure(jar.has("wfx_session") && jar.has("wfx_csrf"), `cookies set: ${[...jar.keys()].join(", ")}`);
  });
  if (!ok) return;

  await step("a session with the wrong X-CSRF-Token is refused", async () => {
    const { error, response } = await anon.POST("/api/cloud/workspaces", {
      params: { header: { "X-CSRF-Token": "not-the-csrf-cookie" } },
      body: { name: "no csrf" },
      headers: { Cookie: `wfx_session=${jar.get("wfx_session")}; wfx_csrf=${jar.get("wfx_csrf")}` },
    });
    expectStatus(response, 403, error);
    ensure(error && typed(error.error.code) === "csrf_failed", `code ${JSON.stringify(error)}`);
  });

  if (!(await step("create a workspace (BFF named route)", async () => {
    // The named BFF routes declare the X-CSRF-Token header (the middleware would add it too).
    const { data, error, response } = await api.POST("/api/cloud/workspaces", {
      params: { header: { "X-CSRF-Token": jar.get("wfx_csrf") ?? "" } },
      body: { name: `Web client ${uid()}` },
    });
    expectStatus(response, 201, error);
    ensure(data, "no body");
    const ws = data.workspace;
    workspaceId = typed(ws.id);
    ensure(UUID.test(workspaceId), `workspace.id is ${workspaceId}`);
    ensure(typeof typed(ws.plan) === "string", "workspace.plan");
    ensure(TIME.test(typed(ws.created_at)), `workspace.created_at is ${ws.created_at}`);
    ensure(typeof typed(ws.limits) === "object" && ws.limits !== null, "workspace.limits");
  }))) return;

  if (!(await step("create a project (BFF proxy POST /api/projects)", async () => {
    const { data, error, response } = await api.POST("/api/projects", {
      body: { workspace_id: workspaceId, name: "web-client" },
    });
    expectStatus(response, 201, error);
    ensure(data, "no body");
    projectId = typed(data.project.id);
    ensure(typed(data.project.workspace_id) === workspaceId, "project.workspace_id");
    ensure(typed(data.project.name) === "web-client", "project.name");
  }))) return;

  if (!(await step("sync a run (BFF proxy POST /api/sync/runs)", async () => {
    const { data, error, response } = await api.POST("/api/sync/runs", {
      body: {
        project_id: projectId,
        client_run_id: `crid-${uid()}`,
        name: runName,
        status: "completed",
        started_at: "2026-11-01T10:00:00Z",
        finished_at: "2026-11-01T11:00:00Z",
        manifest: { algo: "dreamer-v3", seed: 1 },
        metrics: [{ name: "loss", step: 0, value: 1.25 }, { name: "loss", step: 1, value: 0.75 }],
        log: "web client\n",
      },
    });
    expectStatus(response, 201, error);
    ensure(data, "no body");
    const run = data.run;
    runId = typed(run.id);
    ensure(UUID.test(runId), `run.id is ${runId}`);
    const evidence: "verified" | "unverified" | "unsigned" = typed(run.evidence);
    ensure(evidence === "unsigned", `run.evidence is ${evidence}`);
    ensure(typed(run.name) === runName, "run.name");
  }))) return;

  await step("list runs (BFF proxy GET /api/runs)", async () => {
    const { data, error, response } = await api.GET("/api/runs", {
      params: { query: { workspace_id: workspaceId, limit: 10 } },
    });
    expectStatus(response, 200, error);
    ensure(data, "no body");
    const items = typed(data.items);
    const next: string | null | undefined = typed(data.next_cursor);
    ensure(next === null, `next_cursor is ${next}`);
    ensure(items.length === 1, `${items.length} runs listed`);
    const run = items[0];
    ensure(run, "no run listed");
    ensure(typed(run.id) === runId && typed(run.name) === runName, "the synced run is listed");
    ensure(typed(run.project_id) === projectId, "run.project_id");
    ensure(TIME.test(typed(run.created_at)), "run.created_at");
  });

  // What the dashboard reads to show a run and its workspace: each answer is
  // checked whole against its declared schema by the `conforms` middleware.
  await step("the dashboard's reads answer what their schemas declare", async () => {
    const csrf = { "X-CSRF-Token": jar.get("wfx_csrf") ?? "" };
    const answers = [
      await api.POST("/api/auth/session", { params: { header: csrf } }),
      await api.GET("/api/cloud/me"),
      await api.GET("/api/cloud/workspaces"),
      await api.GET("/api/cloud/projects", { params: { query: { workspace_id: workspaceId } } }),
      await api.GET("/api/cloud/runs", { params: { query: { workspace_id: workspaceId } } }),
      await api.GET("/api/workspaces", { params: { query: { limit: 5 } } }),
      await api.GET("/api/projects", { params: { query: { workspace_id: workspaceId } } }),
      await api.GET("/api/runs/{run_id}", { params: { path: { run_id: runId } } }),
      await api.GET("/api/runs/{run_id}/manifest", { params: { path: { run_id: runId } } }),
      await api.GET("/api/runs/{run_id}/metrics", { params: { path: { run_id: runId }, query: { name: "loss" } } }),
      await api.GET("/api/runs/{run_id}/log", { params: { path: { run_id: runId } } }),
      await api.GET("/api/runs/{run_id}/signature", { params: { path: { run_id: runId } } }),
      await api.GET("/api/runs/{run_id}/compliance_mapping", { params: { path: { run_id: runId } } }),
    ];
    for (const a of answers) expectStatus(a.response, 200, a.error);
    const art = await api.POST("/api/sync/artifacts/initiate", {
      body: { run_id: runId, name: "weights.bin", size_bytes: 3,
              sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    });
    expectStatus(art.response, 201, art.error);
    ensure(art.data, "no body");
    ensure(typed(art.data.artifact.state) === "pending", "a new artifact is pending");
    const part = typed(art.data.upload.parts)[0];
    ensure(part && typed(part.method) === "PUT" && typeof typed(part.url) === "string", "upload.parts.0");
    const aborted = await api.POST("/api/sync/artifacts/abort", { body: { artifact_id: typed(art.data.artifact.id) } });
    expectStatus(aborted.response, 200, aborted.error);
    ensure(aborted.data && typed(aborted.data.artifact.state) === "aborted", "the artifact is aborted");
  });

  await step("create and revoke a share (BFF proxy)", async () => {
    const created = await api.POST("/api/shares", { body: { run_id: runId } });
    expectStatus(created.response, 201, created.error);
    ensure(created.data, "no body");
    const shareId = typed(created.data.share.id);
    ensure(typed(created.data.share.state) === "active", "a new share is active");
    const revoked = await api.POST("/api/shares/{share_id}/revoke", { params: { path: { share_id: shareId } } });
    expectStatus(revoked.response, 200, revoked.error);
    ensure(revoked.data, "no body");
    const state: "active" | "revoked" | "expired" = typed(revoked.data.share.state);
    ensure(state === "revoked", `share.state is ${state}`);
    ensure(TIME.test(typed(revoked.data.share.revoked_at) ?? ""), "share.revoked_at");
    const gone = await anon.GET("/api/public/r/{token}", { params: { path: { token: typed(created.data.token) } } });
    expectStatus(gone.response, 410, gone.error);
    ensure(gone.error && typed(gone.error.error.code) === "share_revoked", `code ${JSON.stringify(gone.error)}`);
  });

  await step("create the active share (BFF proxy)", async () => {
    const { data, error, response } = await api.POST("/api/shares", { body: { run_id: runId } });
    expectStatus(response, 201, error);
    ensure(data, "no body");
    token = typed(data.token);
    ensure(typed(data.url).endsWith(`/r/${token}`), `url ${data.url}`);
    ensure(token.startsWith(typed(data.share.token_prefix)), "token_prefix is a prefix of the token");
    ensure(typed(data.share.has_password) === false, "has_password");
    const expires: string | null = typed(data.share.expires_at);
    ensure(expires === null, "expires_at");
  });

  await step("list shares (BFF proxy GET /api/shares)", async () => {
    const { data, error, response } = await api.GET("/api/shares", { params: { query: { run_id: runId } } });
    expectStatus(response, 200, error);
    ensure(data, "no body");
    const states = typed(data.items).map((s) => typed(s.state)).sort();
    ensure(JSON.stringify(states) === JSON.stringify(["active", "revoked"]), `states ${states.join(",")}`);
  });

  await step("read the share publicly (GET /api/public/r/{token})", async () => {
    ensure(token, "no active share");
    const { data, error, response } = await anon.GET("/api/public/r/{token}", { params: { path: { token } } });
    expectStatus(response, 200, error);
    ensure(data, "no body");
    const run = data.run;
    ensure(typed(run.name) === runName, `run.name is ${run.name}`);
    ensure(typed(run.status) === "completed", `run.status is ${run.status}`);
    // A share's snapshot keeps the evidence the run had when it was shared, so a
    // share of a run that was unverified then and verified since shows
    // "unverified" (CONTRACT.md section 4: the snapshot does not follow syncs).
    const evidence: "verified" | "unverified" | "unsigned" = typed(run.evidence);
    ensure(evidence === "unsigned", `run.evidence is ${evidence}`);
    const started: string | null = typed(run.started_at);
    ensure(started !== null && TIME.test(started) && Date.parse(started) === Date.parse("2026-11-01T10:00:00Z"),
           `run.started_at is ${started}`);
    ensure(TIME.test(typed(run.created_at)), "run.created_at");
    const names: string[] = typed(run.metric_names);
    ensure(JSON.stringify(names) === '["loss"]', `metric_names ${JSON.stringify(names)}`);
    const points: number[][] | undefined = typed(run.metrics)["loss"];
    ensure(JSON.stringify(points) === "[[0,1.25],[1,0.75]]", `metrics.loss ${JSON.stringify(points)}`);
    const truncated: boolean | undefined = typed(run.metrics_truncated);
    ensure(truncated !== true, "metrics_truncated");
    ensure(typed(run.manifest)["algo"] === "dreamer-v3", "manifest.algo");
    ensure(data.artifact === undefined || data.artifact === null, "no artifact was shared");
    const text = JSON.stringify(data);
    ensure(!/[0-9a-f]{8}-[0-9a-f]{4}-/.test(text), "the public snapshot holds an id");
  });
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`FAIL unexpected: ${e instanceof Error ? e.stack : String(e)}`);
}
console.log(`web-client-test: ${answersChecked} JSON answers checked against their /openapi.json schema`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
