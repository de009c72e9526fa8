// SPDX-License-Identifier: Apache-2.0
// The public share page in a real browser: prepares one share in each of the
// 11 public share states (CONTRACT.md section 4) through the API of a running
// server, opens /r/<token> for each in Debian's Chromium (playwright-core, no
// browser download) and checks what a reader sees. Saves one PNG per state.
// Starts no server: scripts/share-page-test.sh does, with a small read budget
// (WFX_SHARE_READ_LIMIT) and password budget (WFX_SHARE_PASSWORD_ATTEMPTS),
// and passes the same numbers and the base URL here.
//
//   WFX_BASE_URL=http://127.0.0.1:PORT WFX_SHARE_READ_LIMIT=5 WFX_SHARE_PASSWORD_ATTEMPTS=3 \
//   WFX_SCREENSHOT_DIR=build/share-page-screenshots node share-page-test.mjs
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

const BASE = (process.env.WFX_BASE_URL || "").replace(/\/$/, "");
const READ_LIMIT = Number(process.env.WFX_SHARE_READ_LIMIT || 0);
const PASSWORD_ATTEMPTS = Number(process.env.WFX_SHARE_PASSWORD_ATTEMPTS || 0);
const SHOTS = process.env.WFX_SCREENSHOT_DIR || "share-page-screenshots";
const CHROMIUM = process.env.WFX_CHROMIUM || "/usr/bin/chromium";
if (!BASE || !(READ_LIMIT > PASSWORD_ATTEMPTS + 1) || !(PASSWORD_ATTEMPTS >= 1)) {
  console.error("share-page-test: set WFX_BASE_URL, WFX_SHARE_READ_LIMIT and WFX_SHARE_PASSWORD_ATTEMPTS " +
                "(the read limit must exceed the password attempts + 1)");
  process.exit(2);
}

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const uid = () => randomBytes(4).toString("hex");

// ------------------------------------------------------------------ the API

async function call(method, path, { body, bearer, cookies, headers = {} } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (bearer) h.Authorization = `Bearer ${bearer}`;
  if (cookies) {
    h.Cookie = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");
    if (method !== "GET") h["X-CSRF-Token"] = cookies.wfx_csrf;
  }
  const resp = await fetch(BASE + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await resp.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: resp.status, json, text, headers: resp.headers };
}

async function expectCall(status, method, path, opts) {
  const r = await call(method, path, opts);
  if (r.status !== status)
    throw new Error(`${method} ${path}: expected ${status}, got ${r.status} ${r.text.slice(0, 300)}`);
  return r;
}

function cookiesOf(resp) {
  const out = {};
  for (const line of resp.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair.indexOf("=");
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

// RFC 8032 test 1: a real key and a real signature, but of the empty message,
// so it does not sign any manifest: the run's evidence is "unverified".
const WRONG_SIGNATURE = {
  alg: "ed25519",
  public_key: Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex").toString("base64"),
  sig: Buffer.from("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065" +
                   "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", "hex").toString("base64"),
};

async function prepare() {
  const email = `share-page-${uid()}@example.test`;
  const password = `pw-${uid()}-${uid()}`;
  const signup = await expectCall(201, "POST", "/api/auth/signup", { body: { email, password } });
  const cookies = cookiesOf(signup);
  if (!cookies.wfx_session || !cookies.wfx_csrf) throw new Error("signup set no wfx_session / wfx_csrf cookie");
  const key = (await expectCall(201, "POST", "/api/api-keys", { cookies, body: { name: "share page test" } })).json.secret;
  const api = (method, path, body, status) => expectCall(status, method, path, { bearer: key, body });

  const ws = (await api("POST", "/api/workspaces", { name: `Share page ${uid()}` }, 201)).json.workspace;
  const project = (await api("POST", "/api/projects", { workspace_id: ws.id, name: "share-page" }, 201)).json.project;
  const metrics = [];
  for (let step = 0; step <= 20; step++) {
    metrics.push({ name: "loss", step, value: 2 / (1 + step) });
    metrics.push({ name: "return", step, value: step * 10 + (step % 3) });
  }
  const sync = async (over) => {
    const body = {
      project_id: project.id, client_run_id: `crid-${uid()}`, name: `run-${uid()}`, status: "completed",
      started_at: "2026-11-01T10:00:00Z", finished_at: "2026-11-01T11:12:00Z",
      manifest: { algo: "dreamer-v3", seed: 1, env: { name: "cartpole", steps: 1000 } },
      metrics, log: "share page test\n", ...over,
    };
    return (await api("POST", "/api/sync/runs", body, 201)).json.run;
  };
  const run = await sync({ name: `dreamer-v3-cartpole-${uid()}` });
  const unverified = await sync({ signature: WRONG_SIGNATURE });
  if (unverified.evidence !== "unverified") throw new Error(`a wrong signature gave evidence ${unverified.evidence}`);
  const leaky = await sync({ manifest: { algo: "dreamer-v3", api_key: "not-for-the-public" } });
  // Initiated, never committed: the shared artifact is pending.
  const artifact = (await api("POST", "/api/sync/artifacts/initiate", {
    run_id: run.id, name: "weights.bin", size_bytes: 3, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  }, 201)).json.artifact;

  const share = async (runId, extra = {}) => {
    const r = (await api("POST", "/api/shares", { run_id: runId, ...extra }, 201)).json;
    if (!r.url.endsWith(`/r/${r.token}`)) throw new Error(`share url ${r.url} does not end with /r/<token>`);
    return r;
  };
  const sharePassword = `open-${uid()}-sesame`;
  // Expires a few seconds from now; read last, after it has passed.
  const expiresAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 4000);
  const shares = {
    active: await share(run.id),
    password_required: await share(run.id, { password: sharePassword }),
    wrong_password: await share(run.id, { password: sharePassword }),
    password_locked: await share(run.id, { password: sharePassword }),
    revoked: await share(run.id),
    expired: await share(run.id, { expires_at: expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z") }),
    evidence_unverified: await share(unverified.id),
    artifact_filtered: await share(run.id, { artifact_id: artifact.id }),
    policy_rejected: await share(leaky.id),
    rate_limited: await share(run.id),
  };
  await api("POST", `/api/shares/${shares.revoked.share.id}/revoke`, undefined, 200);

  // Use up the password budget: the last wrong password still answers 401, then the share is locked.
  for (let i = 1; i <= PASSWORD_ATTEMPTS; i++)
    await expectCall(401, "GET", `/api/public/r/${shares.password_locked.token}`, { headers: { "X-Share-Password": `wrong-${i}` } });
  // Use up the read budget.
  for (let i = 1; i <= READ_LIMIT; i++)
    await expectCall(200, "GET", `/api/public/r/${shares.rate_limited.token}`);

  // A token of the right look that matches no share.
  const fake = shares.active.token.slice(0, 4) + randomBytes(32).toString("base64url").slice(0, shares.active.token.length - 4);
  return { email, run, sharePassword, expiresAt, shares, notFoundToken: fake };
}

// ------------------------------------------------------------------ the browser

let passed = 0, failed = 0;
function record(name, problems) {
  if (problems.length === 0) { passed++; console.log(`PASS ${name}`); return; }
  failed++;
  console.log(`FAIL ${name}`);
  for (const p of problems) console.log(`     ${p}`);
}

// What every state shows: lang, headings, no internal id, no owner email, no script error.
async function commonChecks(page, ctx, problems) {
  const lang = await page.getAttribute("html", "lang");
  if (!lang) problems.push("the page has no lang attribute");
  if ((await page.locator("h1").count()) !== 1) problems.push("the page should have exactly one h1");
  const visibleH2 = await page.locator("h2:visible").count();
  if (visibleH2 < 1) problems.push("no visible h2 heading names the state shown");
  const text = await page.locator("body").innerText();
  const id = text.match(UUID_RE);
  if (id) problems.push(`an internal id is visible: ${id[0]}`);
  if (text.includes(ctx.email)) problems.push("the owner's email is visible");
  const title = await page.title();
  if (UUID_RE.test(title)) problems.push(`the title holds an id: ${title}`);
  return text;
}

async function visible(page, selector) { return page.locator(selector).isVisible(); }

async function openShare(browser, token) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`script error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${BASE}/r/${encodeURIComponent(token)}`, { waitUntil: "load" });
  // The status line leaves "Loading" once the public read has answered.
  await page.waitForFunction(() => !/^Loading/.test(document.getElementById("status").textContent), null, { timeout: 10000 });
  return { page, errors };
}

async function shot(page, n, state) {
  await page.screenshot({ path: join(SHOTS, `${String(n).padStart(2, "0")}-${state}.png`), fullPage: true });
}

async function checkUnavailable(browser, ctx, n, state, token, phrase) {
  const problems = [];
  try {
    const { page, errors } = await openShare(browser, token);
    const text = await commonChecks(page, ctx, problems);
    if (!(await visible(page, "#unavailable"))) problems.push("the 'not available' card is not shown");
    if (await visible(page, "#run")) problems.push("the run is shown");
    if (await visible(page, "#password")) problems.push("the password form is shown");
    const message = await page.locator("#unavailable-text").innerText();
    if (!phrase.test(message)) problems.push(`the message ${JSON.stringify(message)} does not match ${phrase}`);
    if (text.includes(ctx.run.name)) problems.push("the run's name is visible");
    problems.push(...errors);
    await shot(page, n, state);
    await page.close();
  } catch (e) { problems.push(String(e && e.stack || e)); }
  record(`${state}: public message`, problems);
}

async function checkActive(browser, ctx, n) {
  const problems = [];
  try {
    const { page, errors } = await openShare(browser, ctx.shares.active.token);
    await commonChecks(page, ctx, problems);
    if (!(await visible(page, "#run"))) problems.push("the run is not shown");
    const name = await page.locator("#run-name").innerText();
    if (name !== ctx.run.name) problems.push(`the run heading is ${JSON.stringify(name)}, expected ${ctx.run.name}`);
    if ((await page.locator("#metrics figure").count()) !== 2) problems.push("expected two metric charts (loss, return)");
    if ((await page.locator("#metrics svg[role=img][aria-label]").count()) !== 2) problems.push("charts lack role=img with a label");
    const facts = await page.locator("#run-facts").innerText();
    if (!/Duration\s*1 hour 12 minutes/.test(facts)) problems.push(`run facts lack the duration: ${JSON.stringify(facts)}`);
    if (!(await page.locator("#manifest").innerText()).includes("cartpole")) problems.push("the manifest is not rendered");
    if (!(await page.title()).startsWith(ctx.run.name)) problems.push("the document title does not name the run");
    problems.push(...errors);
    await shot(page, n, "active");
    await page.close();
  } catch (e) { problems.push(String(e && e.stack || e)); }
  record("active: the run is rendered", problems);
}

async function passwordFormChecks(page, problems) {
  if (!(await visible(page, "#password"))) { problems.push("the password form is not shown"); return; }
  if (await visible(page, "#run")) problems.push("the run is shown before the password");
  // The input has a label that names it (the accessible name comes from <label for>).
  const byLabel = page.getByLabel("Password", { exact: true });
  if ((await byLabel.count()) !== 1 || (await byLabel.getAttribute("id")) !== "password-input")
    problems.push("the password input has no label 'Password'");
  if ((await page.locator("#password-input").getAttribute("type")) !== "password") problems.push("the input is not type=password");
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  if (focused !== "password-input") problems.push(`focus is on ${focused}, not the password input`);
}

async function checkPasswordRequired(browser, ctx, n) {
  const problems = [];
  try {
    const { page, errors } = await openShare(browser, ctx.shares.password_required.token);
    await commonChecks(page, ctx, problems);
    await passwordFormChecks(page, problems);
    if (await visible(page, "#password-error")) problems.push("an error is shown before any password was sent");
    await shot(page, n, "password_required");
    // The right password renders the run.
    await page.getByLabel("Password", { exact: true }).fill(ctx.sharePassword);
    await page.getByRole("button", { name: "Show the run" }).click();
    await page.locator("#run").waitFor({ state: "visible", timeout: 10000 });
    await commonChecks(page, ctx, problems);
    const name = await page.locator("#run-name").innerText();
    if (name !== ctx.run.name) problems.push(`after the right password the heading is ${JSON.stringify(name)}`);
    if (await visible(page, "#password")) problems.push("the password form stays after the right password");
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (focused !== "run-name") problems.push(`after the right password focus is on ${focused}, not the run heading`);
    problems.push(...errors);
    await shot(page, n, "password_required-then-right-password");
    await page.close();
  } catch (e) { problems.push(String(e && e.stack || e)); }
  record("password_required: the form, then the right password shows the run", problems);
}

async function checkWrongPassword(browser, ctx, n) {
  const problems = [];
  try {
    const { page, errors } = await openShare(browser, ctx.shares.wrong_password.token);
    await passwordFormChecks(page, problems);
    await page.getByLabel("Password", { exact: true }).fill("not-the-password");
    await page.getByRole("button", { name: "Show the run" }).click();
    await page.locator("#password-error").waitFor({ state: "visible", timeout: 10000 });
    await commonChecks(page, ctx, problems);
    await passwordFormChecks(page, problems);
    const err = await page.locator("#password-error").innerText();
    if (!/not right/i.test(err)) problems.push(`the error says ${JSON.stringify(err)}`);
    if ((await page.locator("#password-error").getAttribute("role")) !== "alert") problems.push("the error is not role=alert");
    if ((await page.locator("#password-input").getAttribute("aria-invalid")) !== "true") problems.push("the input is not aria-invalid");
    problems.push(...errors);
    await shot(page, n, "wrong_password");
    await page.close();
  } catch (e) { problems.push(String(e && e.stack || e)); }
  record("wrong_password: the form says the password is not right", problems);
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const ctx = await prepare();
  const profile = mkdtempSync(join(tmpdir(), "wfx-share-page-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1000, height: 800 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    await checkActive(context, ctx, 1);
    await checkPasswordRequired(context, ctx, 2);
    await checkWrongPassword(context, ctx, 3);
    await checkUnavailable(context, ctx, 4, "password_locked", ctx.shares.password_locked.token, /Too many wrong passwords.*try again in/);
    await checkUnavailable(context, ctx, 5, "not_found", ctx.notFoundToken, /does not lead to a shared run/);
    await checkUnavailable(context, ctx, 6, "revoked", ctx.shares.revoked.token, /withdrawn the link/);
    await checkUnavailable(context, ctx, 7, "evidence_unverified", ctx.shares.evidence_unverified.token, /signature could not be verified/);
    await checkUnavailable(context, ctx, 8, "artifact_filtered", ctx.shares.artifact_filtered.token, /file shared with this run is not available/);
    await checkUnavailable(context, ctx, 9, "public_payload_policy_rejected", ctx.shares.policy_rejected.token, /may not be shown publicly/);
    await checkUnavailable(context, ctx, 10, "rate_limited", ctx.shares.rate_limited.token, /opened too many times.*try again in/);
    const wait = ctx.expiresAt.getTime() + 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await checkUnavailable(context, ctx, 11, "expired", ctx.shares.expired.token, /has expired/);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`FAIL setup: ${e && e.stack || e}`);
}
console.log(`screenshots: ${SHOTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed === 11 ? 0 : 1);
