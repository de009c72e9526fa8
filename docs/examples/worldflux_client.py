# SPDX-License-Identifier: Apache-2.0
"""A WorldFlux Console client for training code, Python 3.11 standard library only.

Copy this one file next to your training script. It syncs a run while it trains
(a run that grows: CONTRACT.md section 3, "Runs that grow"), uploads a checkpoint
in parts and makes a share link:

    from worldflux_client import Client

    client = Client("http://127.0.0.1:8787", "wfx_...")         # an API key
    with client.start_run(project_id, "dreamer-v3-seed-1",
                          manifest={"algo": "dreamer-v3", "seed": 1}) as run:
        for step in range(1000):
            loss = train_step()
            run.log_metrics({"loss": loss}, step=step)           # returns at once
            run.log_text(f"step {step} loss {loss}\\n")
    # leaving the block flushes every point and finishes the run
    # (status completed, or failed when the block raised)
    artifact = client.upload_artifact(run.id, "model.ckpt")
    share = client.create_share(run.id)
    print(run.id, share["url"])

How it talks to the server:

- start_run() sends the first sync (POST /api/sync/runs, status running) with a
  client_run_id made once per run, and answers the run's id.
- log_metrics() and log_text() only queue. A background thread sends what is
  queued as one sync of the same run (the same project_id and client_run_id)
  every `flush_interval` seconds or `batch_size` points, carrying only the new
  points and the new log text with its byte offset (log_offset).
- Every sync is idempotent on the server: the same body again changes nothing.
  So a batch whose answer is lost (connection reset, timeout, 5xx, 429) is
  simply sent again, with backoff, and a lost connection never duplicates a
  run or a point.
- finish() waits until every queued batch is stored, then sends status
  completed (or failed) with finished_at.
- An error answer ({"error": {"code", "message", ...}}) that a retry cannot fix
  (a wrong key, a validation error, a quota) raises WorldFluxError naming the
  status, code, message and details. One raised in the background thread
  surfaces at the next log_*(), flush() or finish() call.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import json
import math
import os
import queue
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Mapping

__all__ = ["Client", "Run", "WorldFluxError"]

USER_AGENT = "worldflux-example-client/1"


class WorldFluxError(Exception):
    """An error answer from the server, or a request that could not be sent.

    status is the HTTP status (0 when no answer came), code the API's stable
    error code ("validation_error", "login_required", ...), message the
    server's text for people, details the list of {"field", "issue"} of a
    validation error.
    """

    def __init__(self, method: str, path: str, status: int, code: str, message: str,
                 details: list | None = None):
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        text = f"{method} {path}: {status} {code}: {message}" if status else f"{method} {path}: {message}"
        for d in self.details:
            if isinstance(d, dict):
                text += f"\n  {d.get('field', '?')}: {d.get('issue', '?')}"
        super().__init__(text)


def _now() -> str:
    """The current time in RFC 3339 UTC with Z, as the API writes it."""
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def sha256_of(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file, as upload_artifact declares it."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# Answers worth sending again: the server did not finish the request, or asks
# to come back later. Any other error answer would come back the same.
_RETRY_STATUSES = {429, 500, 502, 503, 504}
# Of those, the ones where the server surely did nothing, so even a request
# that is not idempotent (an artifact's initiate, a share) may be sent again.
_NOTHING_DONE_STATUSES = {429, 503}
# Log text sent in one sync at most (characters; a body is at most 1 MiB by default).
_LOG_PER_BATCH = 256 * 1024


class Client:
    """The Cloud API with one API key.

    base_url: the server, e.g. "http://127.0.0.1:8787".
    api_key: a key's secret, "wfx_...", from the console or POST /api/api-keys.
    retries: how many times a transient failure is tried again (backoff starts
    at `backoff` seconds and doubles, with jitter, up to `max_backoff`).
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0,
                 retries: int = 8, backoff: float = 0.5, max_backoff: float = 30.0):
        if not api_key.startswith("wfx_"):
            raise ValueError("api_key must be a WorldFlux API key secret (wfx_...)")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff

    # ------------------------------------------------------------- transport

    def _send(self, method: str, url: str, data: bytes | None,
              headers: Mapping[str, str]) -> tuple[int, Mapping[str, str], bytes]:
        """One HTTP exchange: (status, headers, body). Raises OSError (URLError,
        ConnectionError, TimeoutError, http.client exceptions) when no answer
        came. The one seam a test replaces to lose answers."""
        req = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, e.read()

    def _exchange(self, method: str, url: str, path: str, data: bytes | None,
                  headers: Mapping[str, str], idempotent: bool) -> tuple[int, Mapping[str, str], bytes]:
        """_send with retries. A request that is not idempotent is sent again
        only when the server surely did not act on it (refused connection,
        429, 503)."""
        attempt = 0
        while True:
            failure: str | None = None
            retry_after: float | None = None
            try:
                status, hdrs, body = self._send(method, url, data, headers)
            except (OSError, http.client.HTTPException) as e:
                reason = getattr(e, "reason", e)
                refused = isinstance(reason, ConnectionRefusedError)
                if not (idempotent or refused) or attempt >= self.retries:
                    raise WorldFluxError(method, path, 0, "connection_error",
                                         f"no answer from {self.base_url}: {reason}") from e
                failure = f"no answer ({reason})"
            else:
                retryable = status in (_RETRY_STATUSES if idempotent else _NOTHING_DONE_STATUSES)
                if not retryable or attempt >= self.retries:
                    return status, hdrs, body
                failure = f"answer {status}"
                try:
                    retry_after = float(hdrs.get("Retry-After", ""))
                except ValueError:
                    retry_after = None
            delay = min(self.max_backoff, self.backoff * 2 ** attempt) * (0.5 + random.random() / 2)
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.max_backoff))
            attempt += 1
            self._on_retry(method, path, attempt, failure, delay)
            time.sleep(delay)

    def _on_retry(self, method: str, path: str, attempt: int, failure: str, delay: float) -> None:
        """Called before each retry; override to log differently."""
        print(f"worldflux: {method} {path}: {failure}; try {attempt + 1} in {delay:.1f} s", flush=True)

    def request(self, method: str, path: str, body: Any = None, *, idempotent: bool | None = None,
                query: Mapping[str, Any] | None = None) -> dict:
        """One Cloud API call with the key: the decoded JSON answer on 2xx,
        WorldFluxError otherwise. GET, PUT and DELETE are retried on transient
        failures; a POST only when idempotent=True says it is safe."""
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json",
                   "User-Agent": USER_AGENT}
        data = None
        if body is not None:
            data = json.dumps(body, allow_nan=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        status, hdrs, raw = self._exchange(method, url, path, data, headers, idempotent)
        return _decode(method, path, status, raw)

    # ------------------------------------------------------------- runs

    def start_run(self, project_id: str, name: str, *, manifest: Mapping[str, Any] | None = None,
                  client_run_id: str | None = None, batch_size: int = 1000,
                  flush_interval: float = 5.0, max_queue: int = 1_000_000) -> "Run":
        """Creates the run (status running) and starts its background sender.

        client_run_id: made here (a random UUID) unless given; give the same
        one to carry on a run after a restart (points already stored are
        ignored, new ones added, the log appended; started_at becomes the
        time of this call).
        """
        run = Run(self, project_id, name, client_run_id or str(uuid.uuid4()), manifest or {},
                  batch_size=batch_size, flush_interval=flush_interval, max_queue=max_queue)
        run._start()
        return run

    def sync(self, body: Mapping[str, Any]) -> dict:
        """POST /api/sync/runs, retried: every sync of a client_run_id is idempotent."""
        return self.request("POST", "/api/sync/runs", body, idempotent=True)["run"]

    # ------------------------------------------------------------- artifacts

    def upload_artifact(self, run_id: str, path: str | os.PathLike, *, name: str | None = None,
                        content_type: str = "application/octet-stream",
                        progress: Callable[[int, int], None] | None = None) -> dict:
        """Uploads a file to the run in parts and commits it; answers the
        committed artifact. The SHA-256 is computed first (one read of the
        file), each part is read from disk when it is sent (memory stays at one
        part), and each part is sent again on a transient failure (the last
        one sent wins). progress(parts_done, parts_total) after each part."""
        path = os.fspath(path)
        answer = self.request("POST", "/api/sync/artifacts/initiate", {
            "run_id": run_id, "name": name or os.path.basename(path),
            "size_bytes": os.path.getsize(path), "sha256": sha256_of(path),
            "content_type": content_type})
        artifact, upload = answer["artifact"], answer["upload"]
        part_size = int(upload["part_size"])
        parts = sorted(upload["parts"], key=lambda p: p["number"])
        try:
            with open(path, "rb") as f:
                for i, part in enumerate(parts):
                    f.seek((part["number"] - 1) * part_size)
                    self._put_part(part, f.read(part_size))
                    if progress:
                        progress(i + 1, len(parts))
            return self.request("POST", "/api/sync/artifacts/commit",
                                {"artifact_id": artifact["id"]}, idempotent=True)["artifact"]
        except BaseException:
            # Nothing half-uploaded is left pending: the bytes sent so far are dropped.
            try:
                self.request("POST", "/api/sync/artifacts/abort", {"artifact_id": artifact["id"]},
                             idempotent=True)
            except WorldFluxError:
                pass
            raise

    def _put_part(self, part: Mapping[str, Any], data: bytes) -> dict:
        """PUT one part to its capability URL (no API key: the URL carries its
        own token; it may point at this server or an S3-compatible store)."""
        url = part["url"]
        if url.startswith("/"):
            url = self.base_url + url
        headers = {"User-Agent": USER_AGENT, "Content-Type": "application/octet-stream"}
        headers.update(part.get("headers") or {})
        shown = f"part {part['number']}"
        status, _, raw = self._exchange(part.get("method", "PUT"), url, shown, data, headers, True)
        return _decode("PUT", shown, status, raw)

    # ------------------------------------------------------------- shares

    def create_share(self, run_id: str, *, password: str | None = None,
                     expires_at: str | None = None, artifact_id: str | None = None) -> dict:
        """POST /api/shares: answers {"share", "token", "url"}. The token is
        shown once; url is the public link."""
        body = {"run_id": run_id}
        if password is not None:
            body["password"] = password
        if expires_at is not None:
            body["expires_at"] = expires_at
        if artifact_id is not None:
            body["artifact_id"] = artifact_id
        answer = self.request("POST", "/api/shares", body)
        if answer.get("url", "").startswith("/"):
            answer["url"] = self.base_url + answer["url"]
        return answer


def _decode(method: str, path: str, status: int, raw: bytes) -> dict:
    try:
        doc = json.loads(raw) if raw else {}
    except ValueError:
        doc = None
    if 200 <= status < 300:
        if not isinstance(doc, dict):
            raise WorldFluxError(method, path, status, "bad_answer", "the answer is not a JSON object")
        return doc
    err = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(err, dict):
        raise WorldFluxError(method, path, status, str(err.get("code", "")), str(err.get("message", "")),
                             err.get("details"))
    text = raw[:200].decode("utf-8", "replace") if raw else "(empty body)"
    raise WorldFluxError(method, path, status, "http_error", text)


class Run:
    """A run being synced while it trains. Made by Client.start_run().

    Thread-safe: log_metrics() and log_text() may be called from any thread.
    """

    def __init__(self, client: Client, project_id: str, name: str, client_run_id: str,
                 manifest: Mapping[str, Any], *, batch_size: int, flush_interval: float, max_queue: int):
        self.client = client
        self.project_id = project_id
        self.name = name
        self.client_run_id = client_run_id
        self.manifest = dict(manifest)
        self.id: str | None = None
        self.run: dict | None = None  # the run as the last sync answered it
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.points_sent = 0
        self.batches_sent = 0
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self._log_offset = 0  # UTF-8 bytes of the log the server holds
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._finished = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------- training side

    def log_metrics(self, values: Mapping[str, float], step: int) -> None:
        """Queues one point per metric name at this step. Each (name, step) is
        stored once: a point logged again for a stored step is ignored."""
        self._check()
        if not isinstance(step, int) or step < 0:
            raise ValueError(f"step must be a whole number >= 0, not {step!r}")
        for name, value in values.items():
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"metric {name!r} at step {step} is {value}: JSON has no NaN or infinity")
            self._queue.put(("point", {"name": str(name), "step": step, "value": value}))

    def log_text(self, text: str) -> None:
        """Queues log text (appended to the run's log as it is)."""
        self._check()
        if text:
            self._queue.put(("log", text))

    def flush(self, timeout: float | None = None) -> None:
        """Waits until everything queued so far is stored on the server."""
        self._check()
        done = threading.Event()
        self._queue.put(("flush", done))
        if not done.wait(timeout):
            raise TimeoutError("the queued metrics were not all sent in time")
        self._check()

    def finish(self, status: str = "completed") -> dict:
        """Sends what is queued, then the terminal status with finished_at,
        stops the sender and answers the run as stored."""
        if status not in ("completed", "failed", "cancelled"):
            raise ValueError("status must be completed, failed or cancelled")
        with self._lock:
            if self._finished:
                return self.run or {}
            self._finished = True
        self._queue.put(("stop", None))
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            if status == "completed":
                status = "failed"
            # The points that did not make it are lost; the run still ends, as failed.
            try:
                self._sync({"status": status, "finished_at": _now()})
            except WorldFluxError:
                pass  # the same cause, most likely (a revoked key, say): report the first
            raise error
        return self._sync({"status": status, "finished_at": _now()})

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.finish("completed")
        else:
            self._finish_quietly("cancelled" if issubclass(exc_type, KeyboardInterrupt) else "failed", exc)

    def _finish_quietly(self, status: str, raised: BaseException) -> None:
        """Ends the run while the block's own exception propagates (it may be a
        batch's error that log_*() surfaced: then it is not printed twice)."""
        try:
            self.finish(status)
        except Exception as e:
            if e is not raised:
                print(f"worldflux: could not finish run {self.id}: {e}", flush=True)

    # ------------------------------------------------------------- the sender

    def _start(self) -> None:
        self.run = self.client.sync({
            "project_id": self.project_id, "client_run_id": self.client_run_id, "name": self.name,
            "status": "running", "started_at": _now(), "manifest": self.manifest})
        self.id = self.run["id"]
        self._log_offset = int(self.run.get("log_bytes", 0))
        self._thread = threading.Thread(target=self._sender, name=f"worldflux-run-{self.id}", daemon=True)
        self._thread.start()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error
        if self._finished:
            raise RuntimeError("the run is finished")

    def _sync(self, fields: Mapping[str, Any]) -> dict:
        body = {"project_id": self.project_id, "client_run_id": self.client_run_id, **fields}
        self.run = self.client.sync(body)
        return self.run

    def _send_batch(self, points: list, log: list) -> None:
        """One sync carrying only what is new: the points, and the log text at
        the offset where it starts. Retried by Client.sync with the very same
        body, so a batch whose answer was lost is stored once."""
        if not points and not log:
            return
        fields: dict[str, Any] = {}
        if points:
            fields["metrics"] = points
        text = "".join(log)
        if text:
            fields["log"] = text
            fields["log_offset"] = self._log_offset
        self._sync(fields)
        self._log_offset += len(text.encode("utf-8"))
        self.points_sent += len(points)
        self.batches_sent += 1

    def _sender(self) -> None:
        points: list = []
        log: list = []
        log_bytes = 0
        waiting: list[threading.Event] = []
        deadline = time.monotonic() + self.flush_interval
        stop = False
        while not stop:
            try:
                kind, item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                kind, item = "tick", None
            if kind == "point":
                points.append(item)
            elif kind == "log":
                log.append(item)
                log_bytes += len(item)
            elif kind == "flush":
                waiting.append(item)
            elif kind == "stop":
                stop = True
            full = len(points) >= self.batch_size or log_bytes >= _LOG_PER_BATCH
            if not (full or stop or waiting or time.monotonic() >= deadline):
                continue
            try:
                if self._error is None:
                    self._send_batch(points, log)
            except BaseException as e:  # surfaced at the next call on the training side
                self._error = e
            points, log, log_bytes = [], [], 0
            for done in waiting:
                done.set()
            waiting = []
            deadline = time.monotonic() + self.flush_interval
