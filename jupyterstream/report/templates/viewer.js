// The interactive viewer's own script. It runs inside <iframe sandbox="allow-scripts"> (an opaque
// origin: it cannot reach the page that framed it), under a policy that allows no network. It draws
// one chart spec, received once from the page that framed it, with the library inlined above it.
(function () {
  "use strict";
  var drawn = false;
  function plain(value, depth) {
    // Only what JSON can hold: a structured clone may also carry dates, maps, blobs and buffers.
    if (depth > 100) return false;
    if (value === null || typeof value === "string" || typeof value === "boolean") return true;
    if (typeof value === "number") return isFinite(value);
    if (Array.isArray(value)) return value.every(function (item) { return plain(item, depth + 1); });
    if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
    return Object.keys(value).every(function (key) { return plain(value[key], depth + 1); });
  }
  function tell(state, detail) {
    window.parent.postMessage({ state: state, detail: String(detail || "").slice(0, 300) }, "*");
  }
  var problems = [];
  function refuse(uri) {
    // vega draws what it can without the data it was refused: the opener says what was refused.
    problems.push("nothing is fetched here (" + String(uri).slice(0, 100) + "): data must be in the spec");
    return Promise.reject(new Error(problems[problems.length - 1]));
  }
  var draw = {
    plotly: function (root, spec) {
      return Plotly.newPlot(root, Array.isArray(spec.data) ? spec.data : [],
        spec.layout && typeof spec.layout === "object" ? spec.layout : {}, { responsive: true, displaylogo: false });
    },
    bokeh: function (root, spec) {
      var items = Array.isArray(spec.render_items) ? spec.render_items : [];
      items.forEach(function (item) {
        Object.keys(item.roots || {}).forEach(function (id) {
          var div = document.createElement("div");
          div.id = String(item.roots[id]);
          root.appendChild(div);
        });
      });
      return Bokeh.embed.embed_items(spec.docs_json || {}, items);
    },
    vega: function (root, spec) {
      var schema = String(spec.$schema || "");
      // A spec may carry embed options of its own, which would override ours: it gets none.
      if (spec.usermeta && typeof spec.usermeta === "object") delete spec.usermeta.embedOptions;
      // ast: expressions are interpreted, never compiled into functions; the loader fetches nothing.
      return vegaEmbed(root, spec, { mode: /\/vega\//.test(schema) && !/vega-lite/.test(schema) ? "vega" : "vega-lite",
        renderer: "svg", actions: false, ast: true,
        loader: { load: refuse, sanitize: refuse, http: refuse, file: refuse } });
    }
  };
  window.addEventListener("message", function (event) {
    var message = event.data, root = document.getElementById("figure");
    if (drawn || event.source !== window.parent || !plain(message, 0) || Array.isArray(message) ||
        !message || typeof message.spec !== "object" || !message.spec || Array.isArray(message.spec)) return;
    drawn = true;
    var library = root.getAttribute("data-library");
    Promise.resolve().then(function () { return draw[library](root, message.spec); }).then(function () {
      var shown = library === "bokeh" ? root.children.length + " bokeh root(s)" : root.querySelectorAll("svg").length + " svg";
      tell("drawn", shown + (problems.length ? "; " + problems.join("; ") : ""));
    }, function (error) { tell("failed", error && error.message || error); });
  });
  tell("ready");
})();
