"""Read one executed notebook's JSON and keep what the report needs: metrics, figures, errors."""

from __future__ import annotations

import ast
import base64

from . import figspec
from ..runner.outcome import Check
from ..runner.record import MIME_TYPE, plain
from ..runner.status import read_result
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

SCRAP_PREFIX = "application/scrapbook.scrap."
PAPERMILL_RECORD = "application/papermill.record+json"  # papermill 1.x: pm.record(name, value)
FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def read_run(path: str | Path, expected_sha256: str | None = None) -> tuple:
    """Return (notebook dict, problem, size in bytes); problem is None, or (outcome.Check, why in words)
    when the notebook cannot be used as the run's result."""
    nb, check, size = read_result(path, expected_sha256)
    return nb, (None if check[0] is Check.WHOLE else check), size


def metrics(nb: dict, tag: str | None = None) -> dict:
    """Recorded values in cell order: our own MIME type, scrapbook's scraps, papermill 1.x's
    ``pm.record`` outputs and, when ``tag`` is given, the last expression of each code cell carrying
    that tag (named by that expression). Values no reader takes safely are kept as text (record.plain)."""
    found = {}
    for index, output in _outputs(nb):
        data = output.get("data") or {}
        for mime, payload in data.items():
            found.update(_recorded(mime, payload))
        cell = nb["cells"][index]
        if tag and output.get("output_type") == "execute_result" and tag in (cell.get("metadata") or {}).get("tags", []):
            found[_expression(cell)] = _plain_value(_text(data.get("text/plain", "")))
    return {name: plain(value) for name, value in found.items()}


def _recorded(mime, payload):
    """{name: value} of one output's MIME bundle entry, when it is a recorded value."""
    if not isinstance(payload, dict):
        return {}
    if mime == PAPERMILL_RECORD:
        return {k: v for k, v in payload.items() if isinstance(k, str)}
    if mime == MIME_TYPE or mime.startswith(SCRAP_PREFIX) and mime.endswith("+json"):
        if isinstance(payload.get("name"), str):
            return {payload["name"]: payload.get("value", payload.get("data"))}
    return {}


def _expression(cell):
    lines = [line for line in _text(cell.get("source", "")).splitlines() if line.strip()]
    return (lines[-1].strip() if lines else "value")[:60]


def _plain_value(text):
    """The displayed value as a Python literal when it is one (a number, a string...), else its text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def figures(nb: dict) -> list:
    """[(cell_index, mime, payload)] for every figure a run displayed: an image (base64, or SVG
    text) or a chart library's spec (figspec says which outputs are figures, and their MIME type)."""
    found = []
    for index, output in _outputs(nb):
        figure = figspec.figure_in(output.get("data") or {}, output.get("metadata"))
        if figure is not None:
            mime, payload = figure
            found.append((index, mime, _text(payload) if mime in FIGURE_TYPES else payload))
    return found


def figure_places(nb: dict) -> list[dict]:
    """[{"cell", "index", "mime"}]: where each image is, so it can be read again when needed."""
    places, seen = [], {}
    for cell, mime, _ in figures(nb):
        seen[cell] = seen.get(cell, -1) + 1
        places.append({"cell": cell, "index": seen[cell], "mime": mime})
    return places


def figure_data(nb: dict, cell: int, index: int) -> tuple | None:
    """The image data of the index-th figure of a cell, or None."""
    found = [f for f in figures(nb) if f[0] == cell]
    return found[index] if index < len(found) else None


def svg_base64(text: str) -> str:
    """SVG as base64 for an <img> tag, where its scripts never run."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _outputs(nb):
    for index, cell in enumerate(nb.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs") or []:
            if isinstance(output, dict) and output.get("output_type") in ("display_data", "execute_result"):
                yield index, output


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)
