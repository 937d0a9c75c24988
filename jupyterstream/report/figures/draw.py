"""Chart specs -> static PNG images, offline, without running anything a run wrote.

vega and vega-lite (altair) are drawn by vl-convert, which bundles its own engine and is given no
URL it may fetch; plotly by its own export path (kaleido, which drives a local Chromium); bokeh by a
local headless Chromium with the network cut off, from the BokehJS that the bokeh package ships.
What cannot be drawn raises RenderError with the reason, and the gallery shows a named tile.
``prepare`` starts what a kind needs before a spec is given to it, so a drawing process
(drawpool.py) can tell a renderer that cannot start here (this machine's problem) from a spec
that cannot be drawn.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
import warnings

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
INSTALL = "sudo apt-get install chromium"
# Chromium flags that keep a page off the network: every host name fails to resolve and every
# connection goes to a proxy that is not there.
DEAD_PROXY = "socks5://127.0.0.1:9"
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND", f"--proxy-server={DEAD_PROXY}", "--proxy-bypass-list=<-loopback>"]
HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
# plotly traces drawn on map tiles fetch those tiles from the network.
TILE_TRACES = ("scattermapbox", "choroplethmapbox", "densitymapbox", "scattermap", "choroplethmap",
               "densitymap")
NEEDS_BROWSER = frozenset(("plotly", "bokeh"))


class RenderError(Exception):
    """A figure could not be drawn as a static image; the message says why. ``lasting`` is False
    when the cause is this machine's, not the spec's (no browser, one that does not start, a
    library not installed): the chart is drawn again at the next collect."""

    def __init__(self, message, lasting=True):
        super().__init__(message)
        self.lasting = lasting


def static_png(kind: str, spec: dict) -> bytes:
    """PNG bytes of a chart (``kind`` as figspec.kind_of says, ``spec`` as figspec.spec reads it);
    RenderError when it cannot be drawn here."""
    draw = {"vega-lite": _vega, "vega": _vega, "plotly": _plotly, "bokeh": _bokeh}.get(kind)
    if draw is None:
        raise RenderError(f"no static renderer for {kind} figures")
    prepare(kind)
    try:
        return draw(spec)
    except RenderError:
        raise
    except Exception as exc:  # a library's own failure, whatever its type: the tile says it
        raise RenderError(_reason(exc)) from None


def prepare(kind: str) -> None:
    """Start the renderer ``kind`` needs, once per process; RenderError(lasting=False) saying what
    to install or fix when it cannot start here."""
    start = {"vega-lite": _vl_convert, "vega": _vl_convert, "plotly": _start_kaleido, "bokeh": _check_chromium}
    try:
        start.get(kind, lambda: None)()
    except RenderError:
        raise
    except Exception as exc:  # a browser that cannot even be run (not a program, no permission)
        raise RenderError(_reason(exc), lasting=False) from None


def browser() -> str:
    """The Chromium charts are drawn with: BROWSER_PATH when set (kaleido reads it too), else the
    first of BROWSERS on PATH, else one kaleido downloaded; RenderError(lasting=False) naming the fix."""
    named = os.environ.get("BROWSER_PATH")
    if named:
        if os.path.isfile(named) and os.access(named, os.X_OK):
            return named
        raise RenderError(f"no Chromium: BROWSER_PATH={named} is not a program: point BROWSER_PATH at "
                          f"Chromium, or unset it", lasting=False)
    found = next(filter(None, map(shutil.which, BROWSERS)), None) or _downloaded()
    if found is None:
        raise RenderError(f"no Chromium on PATH: install it with `{INSTALL}` (or run `make setup` as root)",
                          lasting=False)
    return found


def stalled(kind: str, why: str) -> str:
    """The reason given when ``kind``'s renderer did not get ready (``why``: "within 45 s", or how
    its process ended), saying what to check."""
    if kind not in NEEDS_BROWSER:
        return f"vl-convert did not start {why} (pip install --force-reinstall vl-convert-python)"
    try:
        path = browser()
    except RenderError as exc:
        return str(exc)
    return f"Chromium ({path}) did not start {why}: {_browser_fix(path)}"


def _browser_fix(path):
    if os.environ.get("BROWSER_PATH"):
        return f"check that `{path} --headless --dump-dom about:blank` works, or unset BROWSER_PATH"
    return f"check that `{path} --headless --dump-dom about:blank` works, or reinstall it (`{INSTALL} --reinstall`)"


def _downloaded():
    """The Chromium kaleido_get_chrome downloaded, or None."""
    try:
        from choreographer.browsers.chromium import Chromium

        return Chromium.find_browser(skip_local=False, skip_typical=True)
    except Exception:  # no choreographer, or it could not look: PATH was all there was
        return None


def _reason(exc):
    """An exception in a line: its type and the lines of its message that say something."""
    # choreographer raises with several strings (the problem, then advice): the first says it
    text = exc.args[0] if len(exc.args) > 1 and isinstance(exc.args[0], str) else str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("at ")]
    return f"{type(exc).__name__}: {' '.join(lines)}"[:300]


def _vl_convert():
    try:
        import vl_convert  # noqa: F401 (only whether it is there)
    except ImportError:
        raise RenderError("vl-convert-python is not installed (pip install vl-convert-python)", lasting=False) from None


def _vega(spec):
    import vl_convert

    schema = str(spec.get("$schema", ""))
    if "/vega/" in schema and "vega-lite" not in schema:
        return vl_convert.vega_to_png(spec, scale=1, allowed_base_urls=[])
    return vl_convert.vegalite_to_png(spec, scale=1, allowed_base_urls=[])


def _plotly(spec):
    import plotly.io

    traces = [t for t in spec.get("data") or [] if isinstance(t, dict)]
    if any(t.get("type") in TILE_TRACES for t in traces):
        raise RenderError("map tiles would be fetched from the network: open it interactive")
    spec = dict(spec, layout=_offline_layout(spec.get("layout")))
    # the size plotly.io.to_image would give it: the layout's, its template's, plotly's default
    layout, defaults = spec["layout"], plotly.io.defaults
    template = layout.get("template") if isinstance(layout.get("template"), dict) else {}
    template = template.get("layout") if isinstance(template.get("layout"), dict) else {}
    opts = {"format": "png", "scale": 1,
            "width": layout.get("width") or template.get("width") or defaults.default_width,
            "height": layout.get("height") or template.get("height") or defaults.default_height}
    return _in_kaleido(_KALEIDO["renderer"].calc_fig(spec, opts=opts))


def _offline_layout(layout):
    """plotly's layout without images it would fetch (only data: URIs stay)."""
    if not isinstance(layout, dict):
        return {}
    images = [i for i in layout.get("images") or [] if isinstance(i, dict)
              and str(i.get("source", "")).startswith("data:")]
    return dict(layout, images=images) if "images" in layout else layout


_KALEIDO = {}


def _start_kaleido():
    """One kaleido browser per process, for every plotly figure it draws, opened here so that a
    browser that is missing or does not start raises (kaleido's own sync server would fail in a
    thread and leave the drawing waiting forever); stopped at exit. Its page would load MathJax
    from a CDN (kaleido's default), and its browser would talk to the network like any: no
    MathJax, and every connection sent to a proxy that is not there."""
    if "renderer" in _KALEIDO:
        return
    try:
        import kaleido
        import plotly.io  # noqa: F401 (only whether it is there)
    except ImportError:
        raise RenderError("plotly's static export needs plotly and kaleido (pip install plotly kaleido)",
                          lasting=False) from None
    path = browser()

    async def opened():
        renderer = kaleido.Kaleido(path=path, mathjax=False, proxy_server=DEAD_PROXY)
        await renderer.open()
        return renderer

    # The loop runs in a daemon thread, as kaleido's own sync server does: the threads choreographer
    # starts from it are daemons too, so they never keep the interpreter from exiting.
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="kaleido", daemon=True).start()
    _KALEIDO["loop"] = loop
    try:
        renderer = _in_kaleido(opened())
    except Exception as exc:  # choreographer's errors for a browser that would not start
        _KALEIDO.clear()
        raise RenderError(f"Chromium ({path}) did not start ({_reason(exc)}): {_browser_fix(path)}",
                          lasting=False) from None
    _KALEIDO["renderer"] = renderer
    atexit.register(_stop_kaleido)


def _in_kaleido(coroutine, timeout=None):
    """Run a coroutine on kaleido's loop and wait for its result (or its exception)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return asyncio.run_coroutine_threadsafe(coroutine, _KALEIDO["loop"]).result(timeout)


def _stop_kaleido():
    try:
        _in_kaleido(_KALEIDO["renderer"].close(), timeout=10)
    except Exception:  # already gone, or not answering at exit: the process ends anyway
        pass


_CHECKED = {}


def _check_chromium():
    """bokeh starts a browser per drawing: check once per process that one is there and answers."""
    try:
        from bokeh.resources import INLINE  # noqa: F401 (only whether it is there)
    except ImportError:
        raise RenderError("bokeh is not installed here (pip install bokeh)", lasting=False) from None
    if _CHECKED:
        return
    path = browser()
    with tempfile.TemporaryDirectory(prefix="jupyterstream-bokeh-") as scratch:
        argv = [path, *HEADLESS, f"--user-data-dir={scratch}/profile", *OFFLINE, "--dump-dom", "about:blank"]
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    if done.returncode != 0:
        raise RenderError(f"Chromium ({path}) did not start (exit {done.returncode}): {_browser_fix(path)}",
                          lasting=False)
    _CHECKED["browser"] = path


def _bokeh(document):
    if "CustomJS" in json.dumps(document["docs_json"]):
        raise RenderError("it holds CustomJS code, which a static drawing would run: open it in Jupyter")
    from bokeh.resources import INLINE

    with tempfile.TemporaryDirectory(prefix="jupyterstream-bokeh-") as scratch:
        page, shot = os.path.join(scratch, "figure.html"), os.path.join(scratch, "figure.png")
        with open(page, "w", encoding="utf-8") as handle:
            handle.write(_bokeh_page(document, INLINE.render_js()))
        width, height = _bokeh_size(document)
        argv = [_CHECKED["browser"], *HEADLESS, f"--user-data-dir={scratch}/profile", f"--screenshot={shot}",
                f"--window-size={width},{height}", "--virtual-time-budget=5000", *OFFLINE, f"file://{page}"]
        # no time limit here: the drawing process is stopped from outside (drawpool.py)
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=False)
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
