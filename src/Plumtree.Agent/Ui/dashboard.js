// The Plumtree agent's live dashboard. Plain browser JavaScript, no dependencies, served by the agent at /ui.
// Reads GET /v1/events (Server-Sent Events through fetch, so that a bearer token can be sent as a header),
// GET /v1/messages once at start, and GET /debug/cluster every few seconds for the cluster's view of the overlay.
// Everything from the agent is written with textContent / setAttribute: payloads and names are never parsed as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "plumtree-admin-token";
  const MAX_MESSAGES = 100;
  const CLUSTER_EVERY_MS = 5000;
  const SVG = "http://www.w3.org/2000/svg";

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    snapshot: null,
    cluster: null,
    view: "node",
    viewChosen: false,
    messages: [],
    seen: new Set(),
    flashes: new Map(),
    retryMs: 1000,
    abort: null,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function badge(text, cls) {
    return el("span", text, "badge " + (cls || text));
  }

  function headers() {
    return state.token ? { Authorization: "Bearer " + state.token } : {};
  }

  class NeedsToken extends Error {}

  async function api(path, init) {
    const response = await fetch(path, Object.assign({ headers: headers(), cache: "no-store" }, init || {}));
    if (response.status === 401) {
      askForToken(state.token ? "The token was refused." : null);
      throw new NeedsToken(path);
    }
    return response;
  }

  function showError(text) {
    const box = $("error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  // ---- token ----------------------------------------------------------------------------------
  function askForToken(problem) {
    $("token-form").hidden = false;
    $("token-button").hidden = false;
    showError(problem);
    $("token-input").focus();
  }

  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = $("token-input").value.trim();
    if (!value) return;
    state.token = value;
    sessionStorage.setItem(TOKEN_KEY, value);
    $("token-input").value = "";
    $("token-form").hidden = true;
    showError(null);
    restart();
  });
  $("token-clear").addEventListener("click", () => {
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    restart();
  });
  $("token-button").addEventListener("click", () => {
    $("token-form").hidden = !$("token-form").hidden;
  });

  // ---- the event stream -----------------------------------------------------------------------
  function setLive(on, text) {
    const live = $("live");
    live.textContent = text;
    live.className = "badge " + (on ? "on" : "off");
  }

  function restart() {
    if (state.abort) state.abort.abort();
    connect();
  }

  async function connect() {
    const abort = new AbortController();
    state.abort = abort;
    try {
      const response = await api("/v1/events?interval=2", { signal: abort.signal, headers: Object.assign({ Accept: "text/event-stream" }, headers()) });
      if (!response.ok || !response.body) throw new Error("GET /v1/events answered " + response.status);
      setLive(true, "live");
      state.retryMs = 1000;
      loadRecent();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
      throw new Error("the event stream ended");
    } catch (err) {
      if (abort.signal.aborted) return;
      if (err instanceof NeedsToken) {
        setLive(false, "needs token");
        return;
      }
      setLive(false, "reconnecting");
      setTimeout(() => { if (state.abort === abort) connect(); }, state.retryMs);
      state.retryMs = Math.min(state.retryMs * 2, 10000);
    }
  }

  function dispatch(block) {
    let type = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) type = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (!data.length) return;
    const value = JSON.parse(data.join("\n"));
    if (type === "snapshot") onSnapshot(value);
    else if (type === "message") onMessage(value, true);
  }

  async function loadRecent() {
    try {
      const response = await api("/v1/messages?limit=" + MAX_MESSAGES);
      if (!response.ok) return;
      const body = await response.json();
      for (const m of body.messages) onMessage(m, false);
    } catch (err) {
      if (!(err instanceof NeedsToken)) showError("GET /v1/messages: " + err.message);
    }
  }

  // ---- snapshots: members, health, sync, this node's view -------------------------------------
  function onSnapshot(s) {
    state.snapshot = s;
    $("node-name").textContent = s.node;
    document.title = "Plumtree · " + s.node;
    for (const here of document.querySelectorAll(".here")) here.textContent = location.host;
    const health = $("health-badge");
    health.textContent = s.health.status;
    health.className = "badge " + s.health.status;
    showError(s.error ? "The node is not running: " + s.error : null);
    renderMembers();
    renderHealth(s.health);
    renderSync(s.sync);
    renderGraph();
  }

  function zoneOf(member) {
    return (member.tags && member.tags.zone) || "";
  }

  function renderMembers() {
    const s = state.snapshot;
    const body = $("members").tBodies[0];
    body.replaceChildren();
    if (!s.peers) return;
    const eager = new Set(s.peers.eager);
    const lazy = new Set(s.peers.lazy);
    const counts = {};
    for (const m of s.peers.members) {
      counts[m.state] = (counts[m.state] || 0) + 1;
      const row = el("tr");
      row.dataset.name = m.name;
      row.dataset.state = m.state;
      if (m.name === s.node) row.className = "self";
      row.append(el("td", m.name));
      const st = el("td");
      st.append(badge(m.state));
      row.append(st, zoneOf(m) ? el("td", zoneOf(m)) : el("td", "–", "muted"), el("td", m.address, "mono"));
      const link = el("td");
      if (m.name === s.node) link.append(el("span", "self", "muted"));
      else if (eager.has(m.name)) link.append(badge("eager"));
      else if (lazy.has(m.name)) link.append(badge("lazy"));
      row.append(link);
      body.append(row);
    }
    $("members-count").textContent = Object.keys(counts).sort().map((k) => counts[k] + " " + k).join(", ");
  }

  function renderHealth(h) {
    $("health-message").textContent = h.message;
    const list = $("health");
    list.replaceChildren();
    for (const [name, check] of Object.entries(h.checks)) {
      const item = el("li");
      item.dataset.check = name;
      const status = el("span");
      status.append(badge(check.status));
      item.append(el("span", name, "mono"), status, el("span", check.description));
      list.append(item);
    }
  }

  function ago(iso) {
    if (!iso) return "never";
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return seconds < 90 ? seconds + " s ago" : Math.round(seconds / 60) + " min ago";
  }

  function renderSync(sync) {
    const body = $("sync").tBodies[0];
    body.replaceChildren();
    if (!sync) return;
    $("sync-summary").textContent = sync.enabled
      ? sync.messages + " stored, " + formatBytes(sync.bytes) + (sync.active_round_peer ? ", round with " + sync.active_round_peer : "")
      : "disabled";
    for (const p of sync.peers) {
      const row = el("tr");
      row.dataset.peer = p.name;
      const result = el("td");
      if (p.last_result) result.append(badge(p.last_result, p.last_result === "ok" ? "ok" : "failed"));
      row.append(el("td", p.name), el("td", ago(p.last_round)), result,
        el("td", p.last_need + "/" + p.last_have, "num"), el("td", p.rounds_ok + "/" + p.rounds_failed, "num"));
      body.append(row);
    }
  }

  function formatBytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KiB";
    return (n / 1024 / 1024).toFixed(1) + " MiB";
  }

  // ---- messages -------------------------------------------------------------------------------
  function decodePayload(base64) {
    try {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        return bytes.length + " bytes (binary)";
      }
    } catch {
      return "";
    }
  }

  // A message id starts with its creation time: 6 bytes of Unix milliseconds (12 hex digits).
  function sentAt(id) {
    const ms = parseInt(id.slice(0, 12), 16);
    return Number.isFinite(ms) ? ms : null;
  }

  function onMessage(m, live) {
    if (state.seen.has(m.id)) return;
    state.seen.add(m.id);
    m.text = decodePayload(m.payload);
    m.fresh = live;
    state.messages.push(m);
    state.messages.sort((a, b) => Date.parse(b.received_at) - Date.parse(a.received_at));
    for (const old of state.messages.splice(MAX_MESSAGES)) state.seen.delete(old.id);
    if (live && m.from) flash(m.from);
    renderMessages();
  }

  function renderMessages() {
    const body = $("messages").tBodies[0];
    body.replaceChildren();
    for (const m of state.messages) {
      const row = el("tr");
      row.dataset.id = m.id;
      if (m.fresh) {
        row.className = "fresh";
        m.fresh = false;
      }
      const received = Date.parse(m.received_at);
      const sent = sentAt(m.id);
      const delivery = sent === null ? "" : Math.max(0, received - sent) + " ms";
      const payload = el("td", m.text);
      payload.title = m.text;
      const from = el("td", m.recovered ? (m.from || "") + " (sync)" : (m.from || "origin"));
      row.append(el("td", new Date(received).toLocaleTimeString(undefined, { hour12: false })), el("td", m.id.slice(0, 12) + "…", "mono"), payload,
        el("td", m.hops, "num"), from, el("td", delivery, "num"));
      body.append(row);
    }
    $("messages-count").textContent = state.messages.length ? state.messages.length + " shown" : "";
    $("messages-empty").hidden = state.messages.length > 0;
  }

  // ---- the overlay graph ----------------------------------------------------------------------
  function flash(from) {
    const key = [from, state.snapshot ? state.snapshot.node : ""].sort().join("\u0000");
    state.flashes.set(key, Date.now() + 1500);
    renderGraph();
    setTimeout(renderGraph, 1600);
  }

  // Links as {a, b, kind}: this node's own view, or every gathered node's (eager wins when the two ends disagree).
  function links() {
    const s = state.snapshot;
    const views = state.view === "cluster" && state.cluster
      ? state.cluster.views.filter((v) => !v.error)
      : [{ node: s.node, eager: s.peers.eager, lazy: s.peers.lazy }];
    const map = new Map();
    for (const v of views) {
      for (const [list, kind] of [[v.lazy, "lazy"], [v.eager, "eager"]]) {
        for (const peer of list) {
          const key = [v.node, peer].sort().join("\u0000");
          if (kind === "eager" || !map.has(key)) map.set(key, { a: v.node, b: peer, kind, key });
        }
      }
    }
    return [...map.values()];
  }

  function renderGraph() {
    const s = state.snapshot;
    const svg = $("graph");
    if (!s || !s.peers) return;
    svg.replaceChildren();
    const members = s.peers.members.filter((m) => m.state !== "left" || m.name === s.node);
    const names = members.map((m) => m.name);
    const w = 420, h = 320, cx = w / 2, cy = h / 2, r = Math.min(w, h) / 2 - 36;
    const pos = new Map();
    names.forEach((name, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, names.length);
      pos.set(name, { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) });
    });
    const now = Date.now();
    for (const link of links()) {
      const a = pos.get(link.a), b = pos.get(link.b);
      if (!a || !b) continue;
      const line = document.createElementNS(SVG, "line");
      const flashing = (state.flashes.get(link.key) || 0) > now;
      line.setAttribute("class", "edge " + link.kind + (flashing ? " flash" : ""));
      line.setAttribute("x1", a.x); line.setAttribute("y1", a.y);
      line.setAttribute("x2", b.x); line.setAttribute("y2", b.y);
      line.dataset.link = link.a + "-" + link.b;
      svg.append(line);
    }
    for (const m of members) {
      const p = pos.get(m.name);
      const g = document.createElementNS(SVG, "g");
      g.dataset.node = m.name;
      const circle = document.createElementNS(SVG, "circle");
      circle.setAttribute("cx", p.x); circle.setAttribute("cy", p.y); circle.setAttribute("r", m.name === s.node ? 11 : 9);
      circle.setAttribute("class", m.state + (m.name === s.node ? " self" : ""));
      const title = document.createElementNS(SVG, "title");
      title.textContent = m.name + " (" + m.state + (zoneOf(m) ? ", zone " + zoneOf(m) : "") + ")";
      circle.append(title);
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", p.x);
      label.setAttribute("y", p.y + (p.y < cy ? -16 : 24));
      label.textContent = m.name + (zoneOf(m) ? " · " + zoneOf(m) : "");
      g.append(circle, label);
      svg.append(g);
    }
    let note = "";
    if (state.view === "cluster") {
      if (!state.cluster) note = "gathering…";
      else {
        const ok = state.cluster.views.filter((v) => !v.error).length;
        const failed = state.cluster.views.filter((v) => v.error);
        note = ok + " of " + (state.cluster.views.length + state.cluster.not_asked.length) + " nodes' views"
          + (failed.length ? "; unreachable: " + failed.map((v) => v.node).join(", ") : "");
      }
    } else {
      note = s.peers.eager.length + " eager, " + s.peers.lazy.length + " lazy";
    }
    $("graph-note").textContent = note;
  }

  function setView(view) {
    state.view = view;
    $("view-node").setAttribute("aria-pressed", String(view === "node"));
    $("view-cluster").setAttribute("aria-pressed", String(view === "cluster"));
    if (view === "cluster") gatherCluster();
    renderGraph();
  }
  for (const [id, view] of [["view-node", "node"], ["view-cluster", "cluster"]]) {
    $(id).addEventListener("click", () => {
      state.viewChosen = true;
      setView(view);
    });
  }

  let gathering = false;
  async function gatherCluster() {
    if (gathering || document.visibilityState === "hidden") return;
    gathering = true;
    try {
      const response = await api("/debug/cluster");
      if (response.ok) {
        state.cluster = await response.json();
        // Show the cluster's view by default once another node's view is at hand.
        if (!state.viewChosen && state.cluster.views.filter((v) => !v.error).length > 1) {
          state.viewChosen = true;
          setView("cluster");
        }
        renderGraph();
      }
    } catch (err) {
      if (!(err instanceof NeedsToken)) state.cluster = null;
    } finally {
      gathering = false;
    }
  }

  setInterval(gatherCluster, CLUSTER_EVERY_MS);
  if (state.token) $("token-button").hidden = false;
  connect();
  gatherCluster();
})();
