"""Chart specs -> static PNG images, offline, without running anything a run wrote.

vega and vega-lite (altair) are drawn by vl-convert, which bundles its own engine and is given no
URL it may fetch; plotly by its own export path (kaleido, which drives a local Chromium); bokeh by a
local headless Chromium with the network cut off, from the BokehJS that the bokeh package ships.
What cannot be drawn raises RenderError with the reason, and the gallery shows a named tile.
"""

import atexit
import json
import os
import subprocess
import tempfile
import warnings

TIMEOUT = 60
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Chromium flags that keep a page off the network: every host name fails to resolve and every
# connection goes to a proxy that is not there.
DEAD_PROXY = "socks5://127.0.0.1:9"
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND", f"--proxy-server={DEAD_PROXY}", "--proxy-bypass-list=<-loopback>"]
# plotly traces drawn on map tiles fetch those tiles from the network.
TILE_TRACES = ("scattermapbox", "choroplethmapbox", "densitymapbox", "scattermap", "choroplethmap",
               "densitymap")


class RenderError(Exception):
    """A figure could not be drawn as a static image; the message says why."""


def static_png(kind, spec):
    """PNG bytes of a chart (``kind`` as figspec.kind_of says, ``spec`` as figspec.spec reads it);
    RenderError when it cannot be drawn here."""
    draw = {"vega-lite": _vega, "vega": _vega, "plotly": _plotly, "bokeh": _bokeh}.get(kind)
    if draw is None:
        raise RenderError(f"no static renderer for {kind} figures")
    try:
        return draw(spec)
    except RenderError:
        raise
    except Exception as exc:  # a library's own failure, whatever its type: the tile says it
        raise RenderError(_reason(exc)) from None


def _reason(exc):
    """An exception in a line: its type and the lines of its message that say something."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip() and not line.strip().startswith("at ")]
    return f"{type(exc).__name__}: {' '.join(lines)}"[:300]


def _vega(spec):
    try:
        import vl_convert
    except ImportError:
        raise RenderError("vl-convert-python is not installed (pip install vl-convert-python)") from None
    schema = str(spec.get("$schema", ""))
    if "/vega/" in schema and "vega-lite" not in schema:
        return vl_convert.vega_to_png(spec, scale=1, allowed_base_urls=[])
    return vl_convert.vegalite_to_png(spec, scale=1, allowed_base_urls=[])


def _plotly(spec):
    try:
        import kaleido
        import plotly.io
    except ImportError:
        raise RenderError("plotly's static export needs plotly and kaleido (pip install plotly kaleido)") from None
    traces = [t for t in spec.get("data") or [] if isinstance(t, dict)]
    if any(t.get("type") in TILE_TRACES for t in traces):
        raise RenderError("map tiles would be fetched from the network: open it interactive")
    spec = dict(spec, layout=_offline_layout(spec.get("layout")))
    _start_kaleido(kaleido)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return plotly.io.to_image(spec, format="png", validate=False)


def _offline_layout(layout):
    """plotly's layout without images it would fetch (only data: URIs stay)."""
    if not isinstance(layout, dict):
        return {}
    images = [i for i in layout.get("images") or [] if isinstance(i, dict)
              and str(i.get("source", "")).startswith("data:")]
    return dict(layout, images=images) if "images" in layout else layout


_KALEIDO = {}


def _start_kaleido(kaleido):
    """One kaleido browser per process, for every plotly figure it draws; stopped at exit. Its page
    would load MathJax from a CDN (kaleido's default), and its browser would talk to the network
    like any: no MathJax, and every connection sent to a proxy that is not there."""
    if _KALEIDO:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kaleido.start_sync_server(silence_warnings=True, mathjax=False, proxy_server=DEAD_PROXY)
    _KALEIDO["on"] = True
    atexit.register(_stop_kaleido, kaleido)


def _stop_kaleido(kaleido):
    try:
        kaleido.stop_sync_server(silence_warnings=True)
    except Exception:  # already gone at exit: nothing to stop
        pass


def _bokeh(document):
    if "CustomJS" in json.dumps(document["docs_json"]):
        raise RenderError("it holds CustomJS code, which a static drawing would run: open it in Jupyter")
    try:
        from bokeh.resources import INLINE
    except ImportError:
        raise RenderError("bokeh is not installed here (pip install bokeh)") from None
    browser = next((b for b in BROWSERS if _which(b)), None)
    if browser is None:
        raise RenderError("drawing a bokeh figure needs Chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="jupyterstream-bokeh-") as scratch:
        page, shot = os.path.join(scratch, "figure.html"), os.path.join(scratch, "figure.png")
        with open(page, "w", encoding="utf-8") as handle:
            handle.write(_bokeh_page(document, INLINE.render_js()))
        width, height = _bokeh_size(document)
        argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                f"--user-data-dir={scratch}/profile", f"--screenshot={shot}", f"--window-size={width},{height}",
                "--virtual-time-budget=5000", *OFFLINE, f"file://{page}"]
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT, check=False)
        if done.returncode != 0 or not os.path.exists(shot):
            raise RenderError(f"Chromium exited {done.returncode}: {done.stderr.decode(errors='replace')[-200:]}")
        with open(shot, "rb") as handle:
            return handle.read()


def _bokeh_page(document, scripts):
    docs = json.dumps(document["docs_json"]).replace("</", "<\\/")
    items = json.dumps(document["render_items"]).replace("</", "<\\/")
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">"
            f"{scripts}</head><body style='margin:0;background:white'>"
            f"<script type='application/json' id='docs'>{docs}</script>"
            f"<script type='application/json' id='items'>{items}</script>"
            "<script>var docs = JSON.parse(document.getElementById('docs').textContent);"
            "var items = JSON.parse(document.getElementById('items').textContent);"
            "items.forEach(function (item) { Object.keys(item.roots).forEach(function (root) {"
            "var div = document.createElement('div'); div.id = item.roots[root]; document.body.appendChild(div); }); });"
            "Bokeh.embed.embed_items(docs, items);</script></body></html>")


def _bokeh_size(document):
    """The window a bokeh figure fits in: its declared width and height (bokeh's default 600)."""
    width = height = 600
    for doc in document["docs_json"].values():
        for root in (doc or {}).get("roots", []):
            attributes = root.get("attributes", {}) if isinstance(root, dict) else {}
            width = max(width, int(attributes.get("width") or 600))
            height = max(height, int(attributes.get("height") or 600))
    return min(width, 4000) + 20, min(height, 4000) + 20


def _which(name):
    return any(os.access(os.path.join(d, name), os.X_OK) for d in os.environ.get("PATH", "").split(os.pathsep) if d)
