"""Which outputs of a run are figures, and of which kind: images, and the specs of chart libraries.

Detection runs for every output of every run at collect time, so it only looks at MIME keys and,
for HTML, at one marker; a spec is parsed only when a figure is drawn. Nothing here runs a run's
code: a chart is read as data (plotly's JSON, a vega or vega-lite spec, bokeh's document JSON).
"""

from __future__ import annotations

import hashlib
import json
import re

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
PLOTLY = "application/vnd.plotly.v1+json"
VEGALITE = re.compile(r"application/vnd\.vegalite\.v\d+(\.\d+)*\+json")
VEGA = re.compile(r"application/vnd\.vega\.v\d+(\.\d+)*\+json")
BOKEH_EXEC = "application/vnd.bokehjs_exec.v0+json"
# What an output is called once read: one MIME type a kind, whatever version the library wrote.
KIND_MIME = {"plotly": PLOTLY, "vega-lite": "application/vnd.vegalite+json",
             "vega": "application/vnd.vega+json", "bokeh": BOKEH_EXEC}
MIME_KIND = {mime: kind for kind, mime in KIND_MIME.items()}
ALTAIR_MARK = "vegaEmbed("
CHARTS = frozenset(KIND_MIME.values())
# In every chart's key (Chart.key), so that a change to how charts are drawn draws them all again.
# 2: a missing browser is no longer remembered as the spec's fault (KEY.err): every chart is drawn again once
RENDER_VERSION = "2"


class SpecError(ValueError):
    """A figure's spec cannot be read from its output."""


class Chart:
    """One chart to draw: its kind, its spec, and the cache key they make."""

    def __init__(self, mime, payload):
        self.kind = kind_of(mime)
        try:
            self.spec, self.problem = spec(mime, payload), None
        except SpecError as exc:
            self.spec, self.problem = None, f"its spec cannot be read: {exc}"
        text = json.dumps([RENDER_VERSION, self.kind, self.spec], sort_keys=True, default=str)
        self.key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def fingerprint(mime: str, data: dict | str) -> str:
    """The content hash a figure's files are named by (16 hex digits): of its text as the notebook
    holds it (base64 without line breaks, or the SVG source), so no image is decoded to name it; for a
    chart, the hash of its spec."""
    if mime in CHARTS:
        return Chart(mime, data).key
    text = str(data) if mime == "image/svg+xml" else "".join(str(data).split())
    return hashlib.sha256(f"{mime}\n{text}".encode("utf-8", "replace")).hexdigest()[:16]


def kind_of(mime: str) -> str:
    """'png', 'jpeg', 'svg', 'plotly', 'vega-lite', 'vega' or 'bokeh' for a figure's MIME type."""
    if mime in IMAGE_TYPES:
        return mime.split("/")[1].replace("svg+xml", "svg")
    return MIME_KIND.get(mime, mime)


def figure_in(data: dict, metadata: dict | None = None) -> tuple | None:
    """(mime, payload) of the figure an output's data bundle holds, or None. A static image the
    library drew itself wins over its spec; a spec's MIME type is the kind's (KIND_MIME)."""
    for mime in IMAGE_TYPES:
        if mime in data:
            return mime, data[mime]
    if PLOTLY in data:
        return PLOTLY, data[PLOTLY]
    for mime, payload in data.items():
        if VEGALITE.fullmatch(mime):
            return KIND_MIME["vega-lite"], payload
        if VEGA.fullmatch(mime):
            return KIND_MIME["vega"], payload
    if BOKEH_EXEC in data or BOKEH_EXEC in (metadata or {}):
        return BOKEH_EXEC, data.get("application/javascript", "")
    html = data.get("text/html")
    if html is not None and ALTAIR_MARK in _text(html):
        return KIND_MIME["vega-lite"], _text(html)
    return None


def spec(mime: str, payload: dict | str) -> dict:
    """The chart's spec as JSON data: {kind-specific}; raise SpecError when it cannot be read."""
    kind = kind_of(mime)
    if kind in ("vega-lite", "vega") and isinstance(payload, (str, list)):
        return _altair_spec(_text(payload))
    if kind == "bokeh":
        return _bokeh_document(_text(payload))
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise SpecError(f"not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise SpecError(f"a {kind} spec must be a JSON object, not {type(payload).__name__}")
    return payload


def _altair_spec(html):
    """The spec altair's HTML output passes to vegaEmbed: the JSON object after the last '})('."""
    start = html.rfind("})(")
    if start < 0:
        raise SpecError("altair's HTML holds no spec (no '})(' call)")
    try:
        found, _ = json.JSONDecoder().raw_decode(html[start + 3:])
    except ValueError as exc:
        raise SpecError(f"altair's spec is not JSON: {exc}") from None
    if not isinstance(found, dict):
        raise SpecError("altair's spec is not a JSON object")
    return found


def _bokeh_document(script):
    """bokeh's document JSON and render items, read from the script its show() writes."""
    found = {}
    for name in ("docs_json", "render_items"):
        marker = f"const {name} = "
        at = script.find(marker)
        if at < 0:
            raise SpecError(f"bokeh's output has no {name}")
        try:
            found[name], _ = json.JSONDecoder().raw_decode(script[at + len(marker):])
        except ValueError as exc:
            raise SpecError(f"bokeh's {name} is not JSON: {exc}") from None
    return found


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)
