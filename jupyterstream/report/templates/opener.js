// A figure opened interactive: this page holds the spec as JSON data and hands it, once, to the
// viewer in the sandboxed frame; it shows what the viewer says and closes a frame that navigates away.
(function () {
  "use strict";
  var frame = document.getElementById("viewer"), state = document.getElementById("state");
  var spec = JSON.parse(document.getElementById("spec").textContent), sent = false, loads = 0;
  frame.addEventListener("load", function () {
    loads += 1;
    if (loads > 1) {
      frame.remove();
      state.textContent = "closed: the figure tried to leave its frame";
      document.body.setAttribute("data-state", "closed");
    }
  });
  window.addEventListener("message", function (event) {
    var message = event.data;
    if (!frame.isConnected || event.source !== frame.contentWindow || !message ||
        ["ready", "drawn", "failed"].indexOf(message.state) < 0) return;
    if (message.state === "ready" && !sent) {
      sent = true;
      frame.contentWindow.postMessage({ spec: spec }, "*");  // the frame's origin is opaque: "*" is the only target
    }
    state.textContent = message.state + (message.detail ? ": " + String(message.detail) : "");
    document.body.setAttribute("data-state", message.state);
  });
})();
