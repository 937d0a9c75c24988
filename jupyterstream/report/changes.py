"""The report's section "Changes since the last sweep" and changes.csv, from history.Changes.

Everything taken from a run stays a plain string here (the template escapes it); a figure is shown
only from its own file in figures/ (named by its content hash), through ``escape.inside_href``.
"""

from __future__ import annotations

import json
import math
import os

from .escape import inside_href, text
from .figures.gallery import figure_file
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from ..collect.history import Changes

ROWS = 200                                   # rows of each table the page shows; changes.csv has them all
HEADER = ["job", "name", "before", "after"]
STATUS_NAME = "(status)"                     # in changes.csv's name column: no metric name is in brackets


def csv_rows(changes: Changes) -> list:
    """changes.csv's rows after its header: status changes, metrics (largest change first), figures."""
    rows = [[job, STATUS_NAME, before, after] for job, _, before, after in changes.status]
    rows += [[job, name, _csv_value(before), _csv_value(after)] for job, _, name, before, after in changes.metrics]
    rows += [[job, figure_name(cell, index), figure_file(*(a or (None, None))) or "",
              figure_file(*(b or (None, None))) or ""] for job, _, cell, index, a, b in changes.figures]
    return rows


def figure_name(cell: int, index: int) -> str:
    """How changes.csv names a figure: by the cell that drew it and its place among that cell's figures."""
    return f"(figure {index + 1 if isinstance(index, int) else index} of cell {cell})"


def section(output: str | Path, changes: Changes) -> dict:
    """The section's data: the sweeps compared, then the first ROWS of each kind, and how many more."""
    return {"sweep": text(changes.sweep), "since": text(changes.since), "total": len(changes),
            "status": [(text(label), _anchor(job), text(before), text(after))
                       for job, label, before, after in changes.status[:ROWS]],
            "metrics": [(text(label), _anchor(job), text(name), _shown(before), _shown(after), _delta(before, after))
                        for job, label, name, before, after in changes.metrics[:ROWS]],
            "figures": [(text(label), _anchor(job), figure_name(cell, index)[1:-1], _src(output, a), _src(output, b))
                        for job, label, cell, index, a, b in changes.figures[:ROWS]],
            "more": [max(0, len(rows) - ROWS) for rows in (changes.status, changes.metrics, changes.figures)]}


def _anchor(job):
    return f"#run-{job}"


def _src(output, side):
    """The link to one side's figure file; "" when that side has no figure, None when its file is not kept."""
    if not side:
        return ""
    path = figure_file(*side)
    if path is None or not os.path.exists(os.path.join(output, path)):
        return None
    return inside_href(path)


def _shown(value):
    if value is None:
        return "(none)"
    return f"{value:.6g}" if isinstance(value, float) else text(value if isinstance(value, str) else repr(value))[:300]


def _delta(before, after):
    """'+1 (+66.7%)' between two numbers, else ''."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (before, after)):
        return ""
    delta = after - before
    relative = f" ({delta / abs(before):+.1%})" if before else ""
    return f"{delta:+.6g}{relative}"


def _csv_value(value):
    """A value as changes.csv holds it: numbers as numbers, None as empty, anything else as its JSON text."""
    if value is None:
        return ""
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    return json.dumps(value, default=str)
