"""master.ipynb's figures cell: each chart a run drew, as the run produced its spec, with its drawing.

Jupyter shows a plotly or vega-lite spec output interactive with the renderer it has, and falls back
on the PNG the collector drew (drawn.py) where it has none. Only the spec's own MIME entry is copied,
never a run's HTML or JavaScript: altair's HTML output becomes the vega-lite spec it holds, and a
bokeh figure (its output is a script) is carried by its drawing alone.
"""

from __future__ import annotations

import base64
import os
import re

import nbformat

from . import drawn
from ...collect import extract, figspec
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from ...collect.runs import Run

SPEC_TYPES = re.compile(rf"{re.escape(figspec.PLOTLY)}|{figspec.VEGALITE.pattern}|{figspec.VEGA.pattern}")
VERSION = re.compile(r"/v(\d+)(?:[.\d]*)\.json$")
CHARTS = frozenset(figspec.KIND_MIME.values())


def run_outputs(output: str | Path, run: Run, images: bool) -> list:
    """display_data outputs of one run's charts (its notebook read once, only when it drew one);
    ``images`` adds each drawing. The collector caches them with the run's other pieces (pieces.py)."""
    places = [p for p in run.figures if p.get("mime") in CHARTS]
    nb = extract.read_run(os.path.join(output, run.notebook))[0] if places and run.notebook else None
    found = []
    for place in places if nb else []:
        data = _bundle(nb, place)
        if data is None:
            continue
        drawing = drawn.read(output, place.get("sha")) if images else None
        if isinstance(drawing, bytes):
            data["image/png"] = base64.b64encode(drawing).decode("ascii")
        where = f"{figspec.kind_of(place['mime'])} figure of {run.label}, cell {place['cell']}"
        data["text/plain"] = where if images else f"{where} (drawn as figures/{place.get('sha')}.png)"
        found.append(nbformat.v4.new_output("display_data", data=data, metadata={
            "jupyterstream": {"run": run.id, "label": run.label, "cell": place["cell"], "key": place.get("sha")}}))
    return found


def _bundle(nb, place):
    """{mime: spec} of the chart at ``place`` as its output holds it; {} for bokeh; None if gone."""
    seen = -1
    cells = nb.get("cells") or []
    cell = cells[place["cell"]] if 0 <= place["cell"] < len(cells) and isinstance(cells[place["cell"]], dict) else {}
    for output in cell.get("outputs") or []:
        if not isinstance(output, dict) or output.get("output_type") not in ("display_data", "execute_result"):
            continue
        data = output.get("data") or {}
        if figspec.figure_in(data, output.get("metadata")) is None:
            continue
        seen += 1
        if seen == place["index"]:
            return _specs(data)
    return None


def _specs(data):
    """The spec entries of an output's data; altair's HTML read as the vega-lite spec it holds."""
    kept = {mime: payload for mime, payload in data.items() if SPEC_TYPES.fullmatch(mime)}
    if kept or "text/html" not in data or figspec.figure_in(data) is None:
        return kept
    mime, payload = figspec.figure_in(data)
    if mime != figspec.KIND_MIME["vega-lite"]:
        return kept
    try:
        spec = figspec.spec(mime, payload)
    except figspec.SpecError:
        return kept
    version = VERSION.search(str(spec.get("$schema", "")))
    return {f"application/vnd.vegalite.v{version.group(1) if version else 5}+json": spec}
