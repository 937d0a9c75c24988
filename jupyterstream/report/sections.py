"""What each section of the report shows, as plain data for the templates (render.py).

Everything taken from a run stays a plain string here; the templates escape it. Links are built
only by ``escape.inside_href`` (relative, inside OUTPUT) or as ``#run-ID`` anchors.
"""

from __future__ import annotations

import math
import statistics
import time

from markupsafe import Markup

from . import charts, ledger, manifest, tilemap
from .ledger import K
from .escape import inside_href, text
from .tally import LIST_LIMIT, USED
from ..runner.outcome import NOT_RUN
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..collect.runs import Run
    from .tally import Member, Tally

TRACE_LINES = 12
CELL_ROWS = 8  # a run's panel lists its longest cells (and then the three that grew most)


def counts(runs: list[Run]) -> dict[str, int]:
    """{state: number of runs}, ok first."""
    result = {}
    for run in sorted(runs, key=lambda r: (not r.ok, r.state)):
        result[run.state] = result.get(run.state, 0) + 1
    return result


def metric_names(runs: list[Run]) -> list:
    """Metric names in the order they first appear."""
    names = {}
    for run in runs:
        names.update(dict.fromkeys(run.metrics))
    return list(names)


def anchor(run: Run | Member) -> str:
    """The page's link to one run's detail panel."""
    return f"#run-{run.id}"


def summary(plan: dict, tally: Tally, glance: list, notes: dict | None = None) -> dict:
    """Counts, timings, failure groups, hosts and the metrics at a glance; whether FAIL_FAST stopped the sweep."""
    counted = tally.counts()
    waiting = sum(n for s, n in counted.items() if s in NOT_RUN)
    durations = tally.durations
    return {"notebook": plan["notebook"], "values_file": plan["values_file"], "total": tally.total,
            "ok": counted.get("ok", 0), "failed": tally.total - counted.get("ok", 0) - waiting, "waiting": waiting,
            "running": counted.get("running", 0), "pending": counted.get("pending", 0), "counts": list(counted.items()),
            "collected": time.strftime("%Y-%m-%d %H:%M:%S"),
            "durations": len(durations) and {"sum": sum(durations), "median": statistics.median(durations),
                                             "longest": max(durations)},
            "groups": [(g.title, f"#failure-{i}", g.key) for i, g in enumerate(tally.ordered_groups())],
            "hosts": [(host, n, ok, n - ok, statistics.median(times) if times else None)
                      for host, (n, ok, times) in sorted(tally.hosts.items())],
            "glance": glance, "figures": sorted(tally.kinds.items(), key=lambda item: -item[1]),
            "stopped": text((notes or {}).get("stopped") or "")}


def row(run: Run) -> dict:
    """One ledger row, as the page's script and the static table read it (its keys: ledger.py)."""
    fail = run.failure or {}
    data = ledger.row(id=run.id, label=run.label, status=run.state, duration=_round(run.duration),
                      kernel_ready=_round(run.kernel_ready), max_rss_mb=_round(run.max_rss_mb), cpu_s=_round(run.cpu_s),
                      host=run.host, exit=run.exit, signal=run.signal, attempts=run.attempts or "",
                      cell="" if fail.get("cell_index") is None else fail["cell_index"],
                      output_kb=round(run.output_bytes / 1000) if run.output_bytes else "",
                      notebook=inside_href(run.notebook), note="" if run.ok else note(run), parameters=run.texts,
                      progress=progress_text(run))
    if run.metrics:
        data[K["metrics"]] = {k: _plain(v) for k, v in run.metrics.items()}
    if fail.get("ename") or fail.get("traceback"):
        data[K["error"]] = error(run)
    if run.cells:
        data[K["cells"]] = cell_rows(run.cells)
    return data


def cell_rows(cells: list[dict], limit: int = CELL_ROWS) -> list[dict]:
    """The code cells that took the most time, then those whose memory grew most, for a run's panel."""
    plain = [{k: _round(c.get(k)) for k in ("cell", "seconds", "cpu_s", "grew_mb", "rss_mb")} for c in cells]
    slow = sorted(plain, key=lambda c: -(c["seconds"] or 0))[:limit]
    grew = [c for c in sorted(plain, key=lambda c: -(c["grew_mb"] or 0))[:3] if c not in slow]
    return slow + grew


def note(run: Run) -> str:
    """The one line that says why a run is not ok."""
    fail = run.failure or {}
    if fail.get("ename"):
        return text(f"cell {fail.get('cell_index')}: {fail['ename']}: {fail.get('evalue', '')}")[:300]
    lines = text(run.message or "").strip().splitlines()
    return lines[-1][:300] if lines else ""


def progress_text(run: Run) -> str:
    """'cell 7 of 12' for a running run that saves its notebook as it goes (shown 'running: cell 7 of 12')."""
    step = run.progress or {}
    return f"cell {step['cell']} of {step['cells']}" if step.get("cells") else ""


def error(run: Run) -> dict[str, str]:
    """The error of a failed run: name, value, the last traceback lines, the failing cell's source."""
    fail = run.failure or {}
    trace = [text(line) for line in (fail.get("traceback") or [])[-TRACE_LINES:]]
    return {"ename": text(fail.get("ename") or ""), "evalue": text(fail.get("evalue") or ""),
            "traceback": "\n".join(trace), "source": text(fail.get("source") or "")}


def failures(groups: list) -> list:
    """Each group: its title, values (linked to their runs), a sample error and the failing cell."""
    found = []
    for i, group in enumerate(groups):
        sample = group.sample
        found.append({"id": f"failure-{i}", "title": group.title, "key": group.key, "count": group.size,
                      "members": [(r.label, anchor(r)) for r in group.runs[:LIST_LIMIT]],
                      "more": max(0, group.size - LIST_LIMIT), "sample": sample.label,
                      "error": error(sample), "message": text(sample.message or ""),
                      "notebooks": [(r.label, inside_href(r.notebook)) for r in group.runs[:LIST_LIMIT]
                                    if inside_href(r.notebook)]})
    return found


def metrics(tally: Tally) -> list:
    """Per metric: a chart (or one line when constant), a tile map for states, its outliers."""
    found, wanted = [], []
    for name in tally.names:
        pairs = tally.numeric(name)
        if len(pairs) >= 2:
            flagged = charts.outliers(pairs)
            wanted.append((name, pairs, flagged))
    states = tally.states_map()
    links = tally.links([label for _, pairs, flagged in wanted
                         for label, _ in (pairs if states else flagged)])
    for name, pairs, flagged in wanted:
        # The chart and map are built with escape.esc by charts.py and tilemap.py: markup already.
        found.append({"name": text(name), "chart": Markup(charts.chart(name, pairs, flagged, links)),
                      "map": Markup(tilemap.tilemap(name, pairs, links))
                      if states and charts.kind(pairs) != "constant" else "",
                      "outliers": [(label, charts.number(value), links.get(label)) for label, value in flagged[:LIST_LIMIT]],
                      "glance": _glance(name, pairs)})
    return found


def resources(tally: Tally) -> list:
    """Each run's duration, peak memory and CPU seconds, charted as a metric is (when two runs or more have it)."""
    found, wanted = [], [(name, tally.resource(name)) for name in USED]
    wanted = [(name, pairs, charts.outliers(pairs)) for name, pairs in wanted if len(pairs) >= 2]
    links = tally.links([label for _, _, flagged in wanted for label, _ in flagged])
    for name, pairs, flagged in wanted:
        found.append({"name": text(name), "chart": Markup(charts.chart(name, pairs, flagged, links)),
                      "outliers": [(label, charts.number(value), links.get(label)) for label, value in flagged[:LIST_LIMIT]],
                      "glance": _glance(name, pairs)})
    return found


def _glance(name, pairs):
    values = sorted(v for _, v in pairs)
    return {"name": text(name), "runs": len(values), "low": charts.number(values[0]),
            "median": charts.number(statistics.median(values)), "high": charts.number(values[-1])}


def metric_table(tally: Tally) -> tuple[list, list, int]:
    """(names, rows, more) of the metrics table: the first runs that recorded something."""
    names = list(tally.names)
    rows = [(label, f"#run-{ident}", [_cell(found.get(n, "")) for n in names]) for label, ident, found in tally.table]
    return [text(n) for n in names], rows, tally.tabled - len(rows)


def manifest_table(plan: dict, tally: Tally, checked: dict | None) -> dict:
    """The plan's hashes, local versions, and per host what it ran, with differences flagged."""
    table = manifest.hosts(sorted(tally.pythons), checked)
    columns = sorted({c for entry in table.values() for c in entry})
    drifting = manifest.drift(table)
    return {"plan": plan, "local": list(manifest.local_versions().items()), "columns": columns,
            "drifting": drifting, "hosts": sorted(table.items())}


def _round(value):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return round(value, 2) if ok else None


def _plain(value):
    """A metric value the page's JSON can hold: numbers and short text as they are, the rest as text."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return value if value == value and abs(value) != float("inf") else str(value)
    return text(value if isinstance(value, str) else repr(value))[:500]


def _cell(value):
    return f"{value:.6g}" if isinstance(value, float) else text(value)
