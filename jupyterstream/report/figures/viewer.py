"""Charts opened interactive, safely: a viewer page per library, an opener page per chart.

A viewer (OUTPUT/figures/viewer-LIBRARY-VERSION-HASH.html, HASH that of viewer.js) inlines the chart library a Python package
ships (plotly's plotly.min.js; vega, vega-lite and vega-embed as vl-convert bundles them; BokehJS
as bokeh ships it) and our
viewer.js; it is written once. It is opened only inside ``<iframe sandbox="allow-scripts">`` without
``allow-same-origin`` (an opaque origin: nothing in it reaches the page that framed it), and its
Content-Security-Policy allows its two scripts by hash and no network at all. A sandboxed frame
loaded from a file cannot load a script file, hence the library inlined.

An opener (OUTPUT/figures/KEY.html, KEY the chart's cache key, drawn.Chart) holds the spec as JSON
data, never a run's HTML or JavaScript, and posts it into the viewer's frame (opener.js). Nothing
of a run is ever in report.html: its gallery only links the opener.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.metadata
import re
from pathlib import Path

from .. import render
from ..escape import esc, script_json
from ...atomic import make_folder, write_bytes
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...collect.figspec import Chart

FOLDER = "figures"
LIBRARIES = {"plotly": "plotly", "vega-lite": "vega", "vega": "vega", "bokeh": "bokeh"}  # chart kind -> viewer
PACKAGES = {"plotly": "plotly", "vega": "vl-convert-python", "bokeh": "bokeh"}
VIEWER_CSP = ("default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; img-src data: blob:; "
              "font-src data:; connect-src 'none'; media-src 'none'; worker-src 'none'; frame-src 'none'; "
              "base-uri 'none'; form-action 'none'")
OPENER_CSP = ("default-src 'none'; script-src {script}; style-src 'unsafe-inline'; frame-src 'self'; "
              "img-src 'self' data:; base-uri 'none'; form-action 'none'")


def opens(kind: str) -> bool:
    """True when charts of this kind can be opened interactive (a package here ships its library)."""
    return kind in LIBRARIES and _version(PACKAGES[LIBRARIES[kind]]) is not None


def opener_name(key: str) -> str:
    """The opener page of the chart with this cache key, relative to OUTPUT."""
    return f"{FOLDER}/{key}.html"


def write_openers(output: str | Path, charts: list[Chart]) -> None:
    """Write the opener of each chart that has none yet (and the viewers they need, once)."""
    folder = Path(output) / FOLDER
    done = set()
    for chart in charts:
        path = folder / f"{chart.key}.html"
        if chart.key in done or chart.problem or not opens(chart.kind) or path.exists():
            continue
        viewer = _viewer(folder, LIBRARIES[chart.kind])
        if viewer is not None:
            make_folder(folder)
            write_bytes(path, opener_page(chart.kind, chart.spec, viewer).encode("utf-8"), durable=False)
            done.add(chart.key)


def opener_page(kind: str, spec: dict, viewer: str) -> str:
    """The opener's HTML: the spec as JSON data, the sandboxed viewer frame, our opener.js by hash."""
    script = render.static("opener.js")
    csp = OPENER_CSP.format(script=_hash(script))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\"><title>{esc(kind)} figure</title></head>"
            "<body style='margin:0;font-family:sans-serif'><p id='state' style='margin:4px 8px;color:#666'>loading</p>"
            f"<iframe id='viewer' sandbox='allow-scripts' src='{esc(viewer)}' title='{esc(kind)} figure' "
            "style='width:100%;height:calc(100vh - 40px);border:0'></iframe>"
            f"<script type='application/json' id='spec'>{script_json(spec)}</script>"
            f"<script>{script}</script></body></html>")


def _viewer(folder, library):
    """The viewer page's file name for ``library``, written when missing; None when not installed."""
    version = _version(PACKAGES[library])
    if version is None:
        return None
    # Named by the library's version and our script's hash: a viewer file is never rewritten.
    ours = hashlib.sha256(render.static("viewer.js").encode("utf-8")).hexdigest()[:8]
    name = f"viewer-{library}-{re.sub(r'[^A-Za-z0-9.]', '_', version)}-{ours}.html"
    if not (folder / name).exists():
        make_folder(folder)
        write_bytes(folder / name, viewer_page(library, _library_script(library)).encode("utf-8"), durable=False)
    return name


def viewer_page(library: str, code: str) -> str:
    """A viewer's HTML: the library's code and viewer.js, each allowed by its hash, no network."""
    boot = render.static("viewer.js")
    csp = VIEWER_CSP.format(scripts=f"{_hash(code)} {_hash(boot)}")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\"><script>{code}</script></head>"
            f"<body style='margin:0'><div id='figure' data-library='{library}'></div><script>{boot}</script></body></html>")


def _library_script(library):
    """The library's JavaScript as its Python package ships it (never fetched)."""
    if library == "plotly":
        import plotly

        code = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    elif library == "bokeh":
        from bokeh.resources import INLINE

        code = "\n;".join(INLINE.js_raw)
    else:
        import vl_convert

        code = vl_convert.javascript_bundle()
    # Inline, "</script" would end the element early: in JavaScript "<\/" means the same thing.
    return re.sub(r"</(?=script)", r"<\\/", code, flags=re.IGNORECASE)


@functools.lru_cache(maxsize=None)
def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _hash(text):
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode('utf-8')).digest()).decode('ascii')}'"
