// SPDX-License-Identifier: Apache-2.0
// The public share page: reads /api/public/r/<token> (same origin, no cookies)
// and renders the run's public snapshot. Everything from the answer is put into
// the page as text (textContent / SVG attributes), never as markup.
"use strict";

(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var password = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }

  // The token is the path segment after /r/; the server never writes it into the page.
  function tokenFromPath() {
    var parts = window.location.pathname.split("/");
    var raw = parts.length >= 3 && parts[1] === "r" ? parts.slice(2).join("/") : "";
    try { return decodeURIComponent(raw); } catch (e) { return raw; }
  }

  function show(section) {
    ["password", "unavailable", "run"].forEach(function (id) { $(id).hidden = id !== section; });
  }

  function setStatus(text) { $("status").textContent = text; }

  function plural(n, unit) { return n + " " + unit + (n === 1 ? "" : "s"); }

  function waitWords(seconds) {
    if (!(seconds > 0)) return "a little while";
    if (seconds < 60) return plural(seconds, "second");
    if (seconds < 3600) return plural(Math.ceil(seconds / 60), "minute");
    return plural(Math.ceil(seconds / 3600), "hour");
  }

  function retryText(resp) {
    var secs = parseInt(resp.headers.get("Retry-After") || "", 10);
    if (!(secs > 0)) return "Please try again later.";
    var at = new Date(Date.now() + secs * 1000);
    return "Please try again in " + waitWords(secs) + " (after " +
      at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ").";
  }

  // Public wording for every state that shows no run (CONTRACT.md section 4).
  function unavailableText(code, resp) {
    switch (code) {
      case "share_not_found":
        return "This link does not lead to a shared run. Check that the whole link was copied.";
      case "share_revoked":
        return "The person who shared this run has withdrawn the link.";
      case "share_expired":
        return "This link has expired.";
      case "share_password_locked":
        return "Too many wrong passwords were tried for this link. " + retryText(resp);
      case "share_rate_limited":
        return "This link has been opened too many times in a short while. " + retryText(resp);
      case "evidence_unverified":
        return "The run's signature could not be verified, so it is not shown.";
      case "artifact_filtered":
        return "The file shared with this run is not available, so the run is not shown.";
      case "public_payload_policy_rejected":
        return "This run holds information that may not be shown publicly, so it is not shown.";
      case "unavailable":
        return "Shared runs cannot be shown right now. " + retryText(resp);
      default:
        return "This shared run cannot be shown.";
    }
  }

  function showUnavailable(text) {
    show("unavailable");
    $("unavailable-text").textContent = text;
    setStatus("The shared run is not available.");
  }

  function askPassword(wrong) {
    show("password");
    var err = $("password-error");
    err.hidden = !wrong;
    err.textContent = wrong ? "That password is not right. Please try again." : "";
    var input = $("password-input");
    input.value = "";
    input.setAttribute("aria-invalid", wrong ? "true" : "false");
    setStatus(wrong ? "Wrong password." : "This shared run needs a password.");
    input.focus();
  }

  function load() {
    var token = tokenFromPath();
    if (!token) {
      showUnavailable(unavailableText("share_not_found"));
      return;
    }
    var headers = { "Accept": "application/json" };
    if (password !== null) headers["X-Share-Password"] = password;
    setStatus("Loading the shared run…");
    fetch("/api/public/r/" + encodeURIComponent(token), {
      method: "GET", headers: headers, credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer"
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (body) { handle(resp, body); });
    }).catch(function () {
      showUnavailable("The shared run could not be loaded. Check your connection and reload the page.");
    });
  }

  function handle(resp, body) {
    if (resp.status === 200 && body && typeof body === "object" && body.run) {
      render(body);
      return;
    }
    var code = body && body.error && typeof body.error.code === "string" ? body.error.code : "";
    if (code === "share_password_required") {
      askPassword(password !== null);
      return;
    }
    if (code === "share_wrong_password") {
      askPassword(true);
      return;
    }
    showUnavailable(unavailableText(code, resp));
  }

  // ------------------------------------------------------------------ rendering

  function formatTime(iso) {
    if (typeof iso !== "string" || !iso) return null;
    var d = new Date(iso);
    if (isNaN(d.getTime())) return null;
    var t = el("time", null, d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
    t.setAttribute("datetime", iso);
    t.title = iso;
    return t;
  }

  function duration(a, b) {
    var ms = new Date(b).getTime() - new Date(a).getTime();
    if (!(ms >= 0)) return null;
    var s = Math.round(ms / 1000);
    if (s < 60) return plural(s, "second");
    var m = Math.floor(s / 60);
    if (m < 60) return plural(m, "minute") + (s % 60 ? " " + plural(s % 60, "second") : "");
    var h = Math.floor(m / 60);
    return plural(h, "hour") + (m % 60 ? " " + plural(m % 60, "minute") : "");
  }

  function fact(dl, label, value) {
    if (value === null || value === undefined || value === "") return;
    dl.appendChild(el("dt", null, label));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    dl.appendChild(dd);
  }

  function evidenceText(e) {
    if (e === "verified") return "Verified: the manifest's signature checks out";
    if (e === "unsigned") return "Unsigned: the run was not signed";
    return String(e);
  }

  function bytesText(n) {
    if (typeof n !== "number" || !(n >= 0)) return String(n);
    var units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    var v = n, i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    var exact = n.toLocaleString() + " bytes";
    return i === 0 ? exact : v.toFixed(v < 10 ? 2 : 1) + " " + units[i] + " (" + exact + ")";
  }

  function num(v) {
    if (typeof v !== "number") return String(v);
    var a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Math.round(v * 1e4) / 1e4);
  }

  function render(snap) {
    var run = snap.run || {};
    show("run");
    document.title = (run.name ? run.name + " · " : "") + "Shared run";
    $("run-name").textContent = run.name || "Unnamed run";

    var facts = $("run-facts");
    facts.textContent = "";
    fact(facts, "Status", el("span", "badge", run.status));
    fact(facts, "Evidence", evidenceText(run.evidence));
    fact(facts, "Started", formatTime(run.started_at));
    fact(facts, "Finished", formatTime(run.finished_at));
    if (run.started_at && run.finished_at) fact(facts, "Duration", duration(run.started_at, run.finished_at));
    fact(facts, "Recorded", formatTime(run.created_at));

    var art = snap.artifact;
    $("artifact").hidden = !art;
    if (art) {
      var af = $("artifact-facts");
      af.textContent = "";
      fact(af, "Name", art.name);
      fact(af, "Size", bytesText(art.size_bytes));
    }

    renderMetrics(run);
    renderManifest(run.manifest);
    setStatus("Showing the shared run " + (run.name || "") + ".");
    if (password !== null) {
      // After the password form, move focus to the run that replaced it.
      $("run-name").setAttribute("tabindex", "-1");
      $("run-name").focus();
    }
  }

  function renderMetrics(run) {
    var box = $("metrics");
    box.textContent = "";
    var names = Array.isArray(run.metric_names) ? run.metric_names : [];
    var series = run.metrics && typeof run.metrics === "object" ? run.metrics : {};
    $("metrics-empty").hidden = names.length > 0;
    $("metrics-truncated").hidden = !run.metrics_truncated;
    names.forEach(function (name, i) {
      var pts = (Array.isArray(series[name]) ? series[name] : []).filter(function (p) {
        return Array.isArray(p) && typeof p[0] === "number" && typeof p[1] === "number" && isFinite(p[1]);
      });
      box.appendChild(chart(String(name), pts, i));
    });
  }

  // One series as a small inline SVG line chart with a text summary.
  function chart(name, pts, index) {
    var fig = el("figure", "metric");
    var cap = el("figcaption", null, name);
    var summary;
    if (pts.length === 0) {
      summary = "no points";
    } else {
      var values = pts.map(function (p) { return p[1]; });
      var last = pts[pts.length - 1];
      summary = plural(pts.length, "point") + ", steps " + pts[0][0] + " to " + last[0] +
        "; last " + num(last[1]) + ", min " + num(Math.min.apply(null, values)) +
        ", max " + num(Math.max.apply(null, values));
    }
    var sum = el("span", "summary", summary);
    sum.id = "metric-summary-" + index;
    cap.appendChild(sum);
    fig.appendChild(cap);
    if (pts.length === 0) return fig;

    var W = 300, H = 120, P = 8;
    var s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", focusable: "false",
                         "aria-label": "Line chart of " + name + ": " + summary });
    var t = svg("title");
    t.textContent = name;
    s.appendChild(t);
    var x0 = pts[0][0], x1 = pts[pts.length - 1][0];
    var ys = pts.map(function (p) { return p[1]; });
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    function X(x) { return x1 === x0 ? W / 2 : P + (x - x0) / (x1 - x0) * (W - 2 * P); }
    function Y(y) { return y1 === y0 ? H / 2 : H - P - (y - y0) / (y1 - y0) * (H - 2 * P); }
    s.appendChild(svg("line", { "class": "axis", x1: P, y1: H - P, x2: W - P, y2: H - P, "stroke-width": 1 }));
    s.appendChild(svg("line", { "class": "axis", x1: P, y1: P, x2: P, y2: H - P, "stroke-width": 1 }));
    if (pts.length === 1) {
      s.appendChild(svg("circle", { "class": "dot", cx: X(pts[0][0]), cy: Y(pts[0][1]), r: 3 }));
    } else {
      var d = pts.map(function (p) { return X(p[0]).toFixed(2) + "," + Y(p[1]).toFixed(2); }).join(" ");
      s.appendChild(svg("polyline", { "class": "series", points: d, "stroke-width": 2,
                                      "stroke-linejoin": "round", "vector-effect": "non-scaling-stroke" }));
    }
    fig.appendChild(s);
    return fig;
  }

  // The manifest as a nested list: keys in bold, scalars as text.
  function renderManifest(manifest) {
    var box = $("manifest");
    box.textContent = "";
    var empty = !manifest || typeof manifest !== "object" || Object.keys(manifest).length === 0;
    $("manifest-empty").hidden = !empty;
    if (!empty) box.appendChild(tree(manifest, 0));
  }

  function scalar(v) {
    if (v === null) return el("span", "literal", "null");
    if (typeof v === "string") return el("span", "string", JSON.stringify(v));
    return el("span", "literal", String(v));
  }

  function tree(value, depth) {
    var ul = el("ul");
    if (depth === 0) ul.setAttribute("role", "list");
    var keys = Array.isArray(value) ? value.map(function (_, i) { return i; }) : Object.keys(value);
    keys.forEach(function (k) {
      var v = value[k];
      var li = el("li");
      li.appendChild(el("span", "key", Array.isArray(value) ? "[" + k + "]" : k));
      li.appendChild(document.createTextNode(": "));
      if (v !== null && typeof v === "object") {
        var n = Array.isArray(v) ? v.length : Object.keys(v).length;
        li.appendChild(el("span", "kind", Array.isArray(v) ? "list of " + plural(n, "item") : plural(n, "field")));
        if (n > 0 && depth < 32) li.appendChild(tree(v, depth + 1));
      } else {
        li.appendChild(scalar(v));
      }
      ul.appendChild(li);
    });
    return ul;
  }

  function init() {
    $("password-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var value = $("password-input").value;
      if (!value) {
        var err = $("password-error");
        err.textContent = "Please enter the password.";
        err.hidden = false;
        $("password-input").focus();
        return;
      }
      password = value;
      load();
    });
    load();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
