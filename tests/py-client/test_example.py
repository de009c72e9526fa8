# SPDX-License-Identifier: Apache-2.0
"""The Python example client (docs/examples/) against the real server.

Started by scripts/py-client-test.sh with --base-url of a fresh server whose
artifact part size is 64 KiB. Signs up, makes a workspace, an API key and a
project (cookies + CSRF, as the console's first-run guide does), runs
docs/examples/train_example.py with that key, then checks through the API what
it created: one run for its client_run_id, completed, every point once and equal
to what was sent, the log whole, the checkpoint committed in 3 parts with its
SHA-256, the share link answering on the public read. Then a batch whose answer
is lost (the client sends it twice) and a run creation whose answer is lost:
nothing is duplicated. Each check prints PASS or FAIL; the last line is
"N passed, N failed".
"""

import argparse
import hashlib
import http.cookiejar
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "docs", "examples")
sys.path.insert(0, EXAMPLES)
from worldflux_client import Client, WorldFluxError  # noqa: E402

PART_SIZE = 64 * 1024
CHECKPOINT_BYTES = 2 * PART_SIZE + 12345  # 3 parts
STEPS, BATCH = 15, 10  # 2 metrics a step: 30 points in 3 batches

passed = failed = 0


def check(name, fn, needs=True):
    """Runs one check; needs=False (what it builds on failed) counts it failed."""
    global passed, failed
    if not needs:
        failed += 1
        print(f"FAIL {name}\n     not tried: an earlier check it needs failed", flush=True)
        return False
    try:
        fn()
    except Exception as e:  # a check that raises fails, with the reason
        failed += 1
        print(f"FAIL {name}\n     {type(e).__name__}: {e}", flush=True)
        return False
    passed += 1
    print(f"PASS {name}", flush=True)
    return True


def ensure(cond, message):
    if not cond:
        raise AssertionError(message)


class Http:
    """Plain calls for the test's own reads, with a cookie jar or a key."""

    def __init__(self, base, key=None):
        self.base = base
        self.key = key
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method, path, body=None, raw=False, auth=True):
        headers = {"Accept": "application/json"}
        if self.key and auth:
            headers["Authorization"] = f"Bearer {self.key}"
        csrf = next((c.value for c in self.jar if c.name == "wfx_csrf"), None)
        if csrf and method != "GET":
            headers["X-CSRF-Token"] = csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        url = path if path.startswith("http") else self.base + path
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        opener = self.opener if auth else urllib.request.build_opener()
        try:
            with opener.open(req, timeout=30) as resp:
                status, hdrs, content = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, content = e.code, e.headers, e.read()
        if raw:
            return status, hdrs, content
        return status, json.loads(content) if content else None

    def ok(self, method, path, body=None, want=200):
        status, doc = self.call(method, path, body)
        ensure(status == want, f"{method} {path}: expected {want}, got {status} {json.dumps(doc)[:300]}")
        return doc

    def pages(self, path, **query):
        items, cursor = [], None
        while True:
            q = dict(query, limit=200)
            if cursor:
                q["cursor"] = cursor
            doc = self.ok("GET", path + "?" + urllib.parse.urlencode(q))
            items += doc["items"]
            cursor = doc["next_cursor"]
            if not cursor:
                return items


def runs_for(api, project_id, client_run_id):
    return [r for r in api.pages("/api/runs", project_id=project_id) if r["client_run_id"] == client_run_id]


def points(items):
    return sorted((p["name"], p["step"], p["value"]) for p in items)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    args = parser.parse_args()
    base = args.base_url.rstrip("/")

    # ------------------------------------------------------------ an account, a key, a project
    session = Http(base)
    state = {}

    def setup():
        session.ok("POST", "/api/auth/signup",
                   {"email": f"py-{uuid.uuid4().hex[:8]}@example.org", "password": f"pw-{uuid.uuid4().hex}"}, 201)
        ws = session.ok("POST", "/api/cloud/workspaces", {"name": "Python example"}, 201)["workspace"]
        key = session.ok("POST", "/api/cloud/api-keys", {"name": "python", "workspace_id": ws["id"]}, 201)
        project = session.ok("POST", "/api/projects", {"workspace_id": ws["id"], "name": "python"}, 201)
        state.update(key=key["secret"], project=project["project"]["id"])

    if not check("sign up, a workspace, an API key and a project", setup):
        return
    api = Http(base, state["key"])
    project = state["project"]

    # ------------------------------------------------------------ the example as a user runs it
    work = tempfile.mkdtemp(prefix="wfx-py-client-")
    summary_path = os.path.join(work, "summary.json")
    result = {}

    def run_example():
        env = dict(os.environ, WFX_URL=base, WFX_API_KEY=state["key"], WFX_PROJECT_ID=project)
        proc = subprocess.run(
            [sys.executable, os.path.join(EXAMPLES, "train_example.py"), "--steps", str(STEPS),
             "--batch-size", str(BATCH), "--flush-interval", "600", "--checkpoint-bytes", str(CHECKPOINT_BYTES),
             "--summary", summary_path],
            env=env, capture_output=True, text=True, timeout=300)
        result["stdout"] = proc.stdout
        ensure(proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}{proc.stderr}")
        with open(summary_path) as f:
            result.update(json.load(f))
        lines = proc.stdout.splitlines()
        ensure(f"run id: {result['run_id']}" in lines, f"no 'run id:' line:\n{proc.stdout}")
        ensure(f"share link: {result['share_url']}" in lines, f"no 'share link:' line:\n{proc.stdout}")
        ensure(result["share_url"].startswith(base + "/"), f"share link {result['share_url']}")
        ensure(result["batches"] == 3, f"{result['batches']} batches, expected 3")
        ensure(len(result["metrics"]) == 2 * STEPS, f"{len(result['metrics'])} points sent")

    ran = check("train_example.py syncs 30 points in 3 batches, finishes, uploads, shares", run_example)
    run_id = result.get("run_id")

    def one_run():
        found = runs_for(api, project, result["client_run_id"])
        ensure([r["id"] for r in found] == [run_id], f"runs for the client_run_id: {found}")

    def completed():
        run = api.ok("GET", f"/api/runs/{run_id}")["run"]
        ensure(run["status"] == "completed", f"status {run['status']}")
        ensure(run["finished_at"] is not None, "finished_at is null")
        ensure(run["name"] == result["name"], f"name {run['name']}")
        ensure(sorted(run.get("metric_names", [])) == ["loss", "reward"], f"metric_names {run.get('metric_names')}")

    def metric_count():
        run = api.ok("GET", f"/api/runs/{run_id}")["run"]
        ensure(run["metric_count"] == len(result["metrics"]),
               f"metric_count {run['metric_count']}, {len(result['metrics'])} sent")

    def metrics_equal():
        stored = points(api.pages(f"/api/runs/{run_id}/metrics"))
        sent = points(result["metrics"])
        ensure(stored == sent, f"{len(stored)} stored, {len(sent)} sent; first difference: "
               f"{next(((a, b) for a, b in zip(stored, sent) if a != b), None)}")

    def log_whole():
        log = api.ok("GET", f"/api/runs/{run_id}/log")["log"]
        ensure(log["content"] == result["log"], f"log {log['content']!r}, sent {result['log']!r}")
        ensure(log["total_bytes"] == len(result["log"].encode()), f"total_bytes {log['total_bytes']}")

    def artifact():
        ensure("checkpoint part 3/3 uploaded" in result["stdout"], f"not 3 parts:\n{result['stdout']}")
        status, hdrs, body = api.call("GET", f"/api/artifacts/{result['artifact_id']}", raw=True)
        ensure(status == 200, f"GET /api/artifacts/{result['artifact_id']}: {status} {body[:200]!r}")
        with open(result["checkpoint"], "rb") as f:
            local = f.read()
        ensure(len(body) == len(local) == CHECKPOINT_BYTES, f"{len(body)} bytes served, {len(local)} local")
        ensure(hashlib.sha256(body).hexdigest() == hashlib.sha256(local).hexdigest() == result["sha256"],
               "the served bytes' SHA-256 differs from the checkpoint's")
        ensure(result["sha256"] in (hdrs.get("ETag") or ""), f"ETag {hdrs.get('ETag')}")

    def share():
        token = result["share_token"]
        ensure(token in result["share_url"], "the link does not hold the token")
        status, doc = api.call("GET", f"/api/public/shares/{token}", auth=False)
        ensure(status == 200, f"public read: {status} {json.dumps(doc)[:300]}")
        text = json.dumps(doc)
        ensure(result["name"] in text, "the snapshot does not name the run")
        ensure(run_id not in text, "the public answer holds the run's id")
        status, _, page = api.call("GET", result["share_url"], raw=True, auth=False)
        ensure(status == 200 and page, f"the share link answers {status}")

    check("one run for the client_run_id", one_run, ran)
    check("the run is completed, with finished_at", completed, ran)
    check("metric_count equals the points sent", metric_count, ran)
    check("the metrics read back equal those sent", metrics_equal, ran)
    check("the log read back equals the lines sent (log_offset)", log_whole, ran)
    check("the checkpoint is committed in 3 parts with its SHA-256", artifact, ran)
    check("the share link answers on the public read", share, ran)

    # ------------------------------------------------------------ answers lost on the way back
    class LosingClient(Client):
        """Sends each chosen request for real, then drops its answer, as a
        connection reset after the server stored it would."""

        def __init__(self, *a, lose, **kw):
            super().__init__(*a, **kw)
            self.lose = lose  # predicate on the decoded body
            self.sent = []  # every sync body that reached the server

        def _send(self, method, url, data, headers):
            answer = super()._send(method, url, data, headers)
            if url.endswith("/api/sync/runs"):
                body = json.loads(data)
                self.sent.append(body)
                if self.lose(body) and sum(b == body for b in self.sent) == 1:
                    raise ConnectionResetError("answer lost (simulated)")
            return answer

        def _on_retry(self, *a):
            pass

    def lost_answers():
        client = LosingClient(base, state["key"], backoff=0.01,
                              lose=lambda b: "name" in b or b.get("metrics", [{}])[0].get("step") == 5)
        run = client.start_run(project, "lost-answers", batch_size=5, flush_interval=600)
        sent = []
        for step in range(15):
            run.log_metrics({"loss": 1.0 / (step + 1)}, step=step)
            sent.append({"name": "loss", "step": step, "value": 1.0 / (step + 1)})
            if step % 5 == 0:
                run.log_text(f"step {step}\n")
        run.finish()
        creations = [b for b in client.sent if "name" in b]
        ensure(len(creations) == 2, f"the creation was sent {len(creations)} times, expected 2")
        batch = [b for b in client.sent if b.get("metrics", [{}])[0].get("step") == 5]
        ensure(len(batch) == 2 and batch[0] == batch[1], "the second batch was not sent twice, unchanged")
        ensure("log" in batch[0] and "log_offset" in batch[0], f"the batch carries no log at its offset: {batch[0]}")
        found = runs_for(api, project, run.client_run_id)
        ensure([r["id"] for r in found] == [run.id], f"runs for the client_run_id: {found}")
        stored = api.ok("GET", f"/api/runs/{run.id}")["run"]
        ensure(stored["status"] == "completed", f"status {stored['status']}")
        ensure(stored["metric_count"] == 15, f"metric_count {stored['metric_count']}, 15 sent")
        ensure(points(api.pages(f"/api/runs/{run.id}/metrics")) == points(sent), "the stored points differ")
        log = api.ok("GET", f"/api/runs/{run.id}/log")["log"]["content"]
        ensure(log == "step 0\nstep 5\nstep 10\n", f"log {log!r}")

    check("a run creation and a batch whose answers were lost are sent again and stored once", lost_answers)

    def lost_creation_only():
        # What a server without growing runs can already show: the creation sent twice is one run.
        client = LosingClient(base, state["key"], backoff=0.01, lose=lambda b: "name" in b)
        crid = str(uuid.uuid4())
        client.sync({"project_id": project, "client_run_id": crid, "name": "lost-creation",
                     "status": "completed", "metrics": [{"name": "loss", "step": 0, "value": 0.5}]})
        ensure(len(client.sent) == 2, f"sent {len(client.sent)} times, expected 2")
        found = runs_for(api, project, crid)
        ensure(len(found) == 1 and found[0]["metric_count"] == 1, f"runs for the client_run_id: {found}")

    check("a whole run sent twice (its answer lost) is one run", lost_creation_only)

    def errors_surface():
        try:
            Client(base, "wfx_" + "A" * 43).start_run(project, "no-key")
        except WorldFluxError as e:
            ensure(e.status == 401 and e.code == "login_required", f"{e.status} {e.code}")
            ensure("401 login_required" in str(e), str(e))
        else:
            raise AssertionError("a wrong key raised nothing")
        run = Client(base, state["key"]).start_run(project, "bad-points", flush_interval=600)
        run.log_metrics({"loss": 1.0}, step=0)
        run._queue.put(("point", {"name": "", "step": 1, "value": 1.0}))  # past log_metrics' checks
        try:
            run.flush()
        except WorldFluxError as e:
            ensure(e.status == 422 and e.code == "validation_error", f"{e.status} {e.code}")
            ensure(any(d.get("field", "").startswith("metrics.") for d in e.details), f"details {e.details}")
        else:
            raise AssertionError("an invalid point raised nothing")
        try:
            run.finish()
        except WorldFluxError:
            pass  # the batch's error again
        stored = api.ok("GET", f"/api/runs/{run.id}")["run"]
        ensure(stored["status"] == "failed", f"a run whose batch failed ended {stored['status']}")

    check("an error answer surfaces with its status, code and fields; the run ends failed", errors_surface)


if __name__ == "__main__":
    try:
        main()
    finally:
        print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)
