// The report's own script (the page's CSP allows this one by its hash, and nothing else).
// It builds the run ledger from the JSON data element: filter, sort, pages, and a detail panel per
// run. Text from runs only ever goes into the page through textContent, never as markup.
(function () {
  "use strict";
  var source = document.getElementById("ledger-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  // The row's keys by name, and the columns' keys in order: the table in report/ledger.py, emitted into the page.
  var K = data.ledger.keys, keys = data.ledger.columns;
  var runs = data.runs, byId = {}, PAGE = 25;
  var state = { status: "", host: "", text: "", key: null, down: false, page: 0 };
  runs.forEach(function (run) { byId[run[K.id]] = run; });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function inside(href) {  // links the collector made are relative and inside OUTPUT; check anyway
    return typeof href === "string" && href !== "" && !/^[a-z][a-z0-9+.-]*:|^\/|^\\|\.\./i.test(href);
  }
  function link(text, href) {
    var a = el("a", text);
    if (inside(href)) { a.setAttribute("href", href); }
    return a;
  }
  function options(select, label, values) {
    select.appendChild(el("option", label)).value = "";
    values.forEach(function (v) { select.appendChild(el("option", v)).value = v; });
  }
  function distinct(key) {
    var seen = {};
    runs.forEach(function (r) { if (r[key]) { seen[r[key]] = true; } });
    return Object.keys(seen).sort();
  }

  var table = document.getElementById("ledger"), body = table.tBodies[0];
  var controls = document.getElementById("ledger-controls");
  var status = el("select"), host = el("select"), search = el("input"), info = el("span");
  var prev = el("button", "◀ previous"), next = el("button", "next ▶");
  options(status, "every status", distinct(K.status));
  options(host, "every host", distinct(K.host));
  search.type = "search"; search.placeholder = "filter: value, error, parameter…";
  [status, host, search, prev, info, next].forEach(function (n) { controls.appendChild(n); });
  var more = document.getElementById("ledger-more");
  if (more) { more.hidden = true; }

  function matches(run) {
    if (state.status && run[K.status] !== state.status) { return false; }
    if (state.host && run[K.host] !== state.host) { return false; }
    if (!state.text) { return true; }
    var hay = [run[K.label], run[K.status], run[K.host], run[K.note], run[K.progress], JSON.stringify(run[K.parameters] || {})].join(" ").toLowerCase();
    return hay.indexOf(state.text) >= 0;
  }
  function compare(a, b) {
    var x = a[state.key], y = b[state.key];
    var nx = typeof x === "number", ny = typeof y === "number", order;
    if (nx && ny) { order = x - y; } else if (nx !== ny) { order = nx ? -1 : 1; }
    else { order = String(x === null || x === undefined ? "" : x).localeCompare(String(y === null || y === undefined ? "" : y)); }
    return state.down ? -order : order;
  }
  function cell(run, key) {
    var td = el("td");
    if (key === K.notebook) { if (run[K.notebook]) { td.appendChild(link("notebook", run[K.notebook])); } }
    else if (key === K.label) { td.appendChild(link(run[K.label], "#run-" + run[K.id])); }
    else if (key === K.status) { td.textContent = run[K.progress] ? run[K.status] + ": " + run[K.progress] : run[K.status]; td.className = "js-" + run[K.status]; }
    else { td.textContent = run[key] === null || run[key] === undefined ? "" : String(run[key]); }
    return td;
  }
  function draw() {
    var shown = runs.filter(matches);
    if (state.key) { shown.sort(compare); }
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    var rows = shown.slice(state.page * PAGE, (state.page + 1) * PAGE);
    var fresh = document.createElement("tbody");
    rows.forEach(function (run) {
      var tr = el("tr");
      keys.forEach(function (key) { tr.appendChild(cell(run, key)); });
      tr.addEventListener("click", function (event) {
        if (event.target.tagName !== "A") { open(run[K.id]); }
      });
      fresh.appendChild(tr);
    });
    table.replaceChild(fresh, body);
    body = fresh;
    info.textContent = shown.length ? (state.page * PAGE + 1) + "–" + (state.page * PAGE + rows.length) +
      " of " + shown.length + " runs" + (shown.length < runs.length ? " (of " + runs.length + ")" : "") : "no run matches";
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
  }
  status.addEventListener("change", function () { state.status = status.value; state.page = 0; draw(); });
  host.addEventListener("change", function () { state.host = host.value; state.page = 0; draw(); });
  search.addEventListener("input", function () { state.text = search.value.toLowerCase(); state.page = 0; draw(); });
  prev.addEventListener("click", function () { state.page -= 1; draw(); });
  next.addEventListener("click", function () { state.page += 1; draw(); });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    th.title = "click to sort";
    th.addEventListener("click", function () {
      state.down = state.key === keys[column] ? !state.down : false;
      state.key = keys[column];
      draw();
    });
  });

  var panel = document.getElementById("detail");
  function pairs(title, object) {
    var names = Object.keys(object || {});
    if (!names.length) { return; }
    panel.appendChild(el("h3", title));
    var t = el("table");
    names.forEach(function (name) {
      var tr = el("tr");
      tr.appendChild(el("td", name));
      tr.appendChild(el("td", typeof object[name] === "object" ? JSON.stringify(object[name]) : object[name]));
      t.appendChild(tr);
    });
    panel.appendChild(t);
  }
  function cells(list) {  // each code cell's share of the run, longest first (sections.py cell_rows)
    if (!list || !list.length) { return; }
    panel.appendChild(el("h3", "Where the time and the memory went"));
    var t = el("table"), head = el("tr");
    ["cell", "seconds", "CPU (s)", "memory grew (MB)", "resident after (MB)"].forEach(function (name) {
      head.appendChild(el("th", name));
    });
    t.appendChild(head);
    list.forEach(function (c) {
      var tr = el("tr");
      [c.cell, c.seconds, c.cpu_s, c.grew_mb, c.rss_mb].forEach(function (v) { tr.appendChild(el("td", v)); });
      t.appendChild(tr);
    });
    panel.appendChild(t);
  }
  function open(id) {
    var run = byId[id];
    if (!run) { return; }
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    var close = el("button", "close ✕", "js-close");
    close.addEventListener("click", function () { panel.hidden = true; });
    panel.appendChild(close);
    panel.appendChild(el("h2", run[K.label]));
    panel.appendChild(el("p", run[K.status] + (run[K.progress] ? ": " + run[K.progress] : "") + (run[K.duration] !== null ? ", " + run[K.duration] + " s" : "") +
      (typeof run[K.max_rss_mb] === "number" ? ", peak memory " + run[K.max_rss_mb] + " MB" : "") + (typeof run[K.cpu_s] === "number" ? ", CPU " + run[K.cpu_s] + " s" : "") +
      (run[K.host] ? ", on " + run[K.host] : ""), "js-" + run[K.status]));
    if (run[K.note]) { panel.appendChild(el("p", run[K.note])); }
    var links = el("p");
    if (run[K.notebook]) { links.appendChild(link("notebook", run[K.notebook])); links.appendChild(document.createTextNode(" ")); }
    if (run[K.log]) { links.appendChild(link("log", run[K.log])); }
    panel.appendChild(links);
    pairs("Parameters", run[K.parameters]);
    pairs("Metrics", run[K.metrics]);
    cells(run[K.cells]);
    if (run[K.error]) {
      panel.appendChild(el("h3", "Error"));
      panel.appendChild(el("p", run[K.error].ename + ": " + run[K.error].evalue));
      if (run[K.error].source) { panel.appendChild(el("p", "The failing cell:")); panel.appendChild(el("pre", run[K.error].source, "js-source")); }
      if (run[K.error].traceback) { panel.appendChild(el("pre", run[K.error].traceback)); }
    }
    for (var n = 0; n < (run[K.figures] || 0); n += 1) {
      var shown = document.getElementById("fig-" + run[K.id] + "-" + n);  // the gallery's own tile of it
      if (!shown) { continue; }
      if (!panel.querySelector("h3.js-figures")) { panel.appendChild(el("h3", "Figures", "js-figures")); }
      panel.appendChild(shown.cloneNode(true)).removeAttribute("id");
    }
    panel.hidden = false;
  }
  function fromHash() {
    var match = /^#run-(.*)$/.exec(location.hash);
    if (!match) { return; }
    try { open(decodeURIComponent(match[1])); } catch (err) { /* a malformed #run- link opens nothing */ }
  }
  window.addEventListener("hashchange", fromHash);
  draw();
  fromHash();
}());
