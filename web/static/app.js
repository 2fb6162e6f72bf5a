// sqi web app: the only script. Everything works without it but the live
// updates: it (1) loads the Live panel again after every ETL run, told by
// the server's event stream, and (2) sorts tables in place when a column
// title is pressed (without it, the title is a link that sorts on the
// server).
"use strict";

(function live() {
  const panel = document.getElementById("live-panel");
  if (!panel || !window.EventSource) return;
  const state = document.getElementById("live-state");
  const streamURL = panel.dataset.stream;
  const panelURL = panel.dataset.panel;
  let first = true;
  let loading = null;
  function say(text) { if (state) state.textContent = text; }
  async function reload() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const r = await fetch(panelURL, { credentials: "same-origin", headers: { "Accept": "text/html" } });
        if (r.status === 401 || r.status === 403) { window.location.reload(); return; }
        if (!r.ok) return;
        panel.innerHTML = await r.text();
        const asOf = document.getElementById("as-of");
        say(state.dataset.textUpdated + " " + (asOf ? asOf.textContent : ""));
        panel.dispatchEvent(new CustomEvent("live-updated", { bubbles: true }));
      } catch (e) {
        say(state.dataset.textLost);
      } finally {
        loading = null;
      }
    })();
    return loading;
  }
  const es = new EventSource(streamURL);
  es.addEventListener("live", () => {
    // The stream sends the current view at once: the page just loaded
    // has it. After a reconnection it may be newer than the page's.
    if (first) { first = false; say(state.dataset.textLive); return; }
    reload();
  });
  es.addEventListener("open", () => say(state.dataset.textLive));
  es.addEventListener("error", () => {
    say(state.dataset.textLost);
    // A stream refused (no data yet, the session ended) is not retried by
    // the browser: the page is loaded again a little later.
    if (es.readyState === EventSource.CLOSED) setTimeout(() => window.location.reload(), 10000);
  });
})();

(function sorting() {
  function value(cell, numeric) {
    const v = cell ? cell.dataset.v : undefined;
    if (v === undefined || v === "null" || v === "") return null;
    if (numeric) { const n = Number(v); return isNaN(n) ? null : n; }
    try { const s = JSON.parse(v); return typeof s === "string" ? s : String(s); } catch (e) { return v; }
  }
  document.querySelectorAll("table.sortable").forEach((table) => {
    const heads = Array.from(table.querySelectorAll("thead th"));
    heads.forEach((th, col) => {
      const control = th.querySelector(".sort");
      if (!control) return;
      control.addEventListener("click", (ev) => {
        ev.preventDefault();
        const numeric = control.dataset.sort === "num";
        const asc = th.getAttribute("aria-sort") === "descending";
        heads.forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = value(a.cells[col], numeric), y = value(b.cells[col], numeric);
          if (x === null && y === null) return 0;
          if (x === null) return 1;
          if (y === null) return -1;
          const c = numeric ? x - y : String(x).localeCompare(String(y));
          return asc ? c : -c;
        });
        rows.forEach((r) => body.appendChild(r));
        if (control.tagName === "A" && window.history && window.history.replaceState) {
          window.history.replaceState(null, "", control.getAttribute("href"));
        }
      });
    });
  });
})();
