"""Static images of the charts runs drew, made once per distinct spec and on every core.

Each drawing is kept as OUTPUT/figures/KEY.png, KEY the hash of its kind and spec (and of the
renderer's version), beside the images named by their content hash, so a chart that many runs drew
alike is drawn once, and a repeat collect draws nothing it drew before. A chart that cannot be drawn
is kept with its reason: as KEY.err when the spec is the cause (not tried again on every collect),
as KEY.retry when this machine is (no browser, one that does not start: drawn again at the next
collect, once it is fixed). Each drawing has a time limit (drawpool.py).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from . import draw, drawpool
from ...collect.figspec import Chart  # noqa: F401 (this module's API too: what draw_all draws)
from ...atomic import make_folder, write_bytes

FOLDER = "figures"
ONCE_MORE = "it is tried once more at the next collect"


def draw_all(output: str | Path, charts: list[Chart], workers: int | None = None) -> dict[str, tuple]:
    """{key: ("image/png", base64) or draw.RenderError} for every Chart, drawing only what the
    cache does not hold, in parallel (one process a core by default)."""
    folder = Path(output) / FOLDER
    result, todo = {}, {}
    for chart in charts:
        if chart.key in result or chart.key in todo:
            continue
        if chart.problem:
            result[chart.key] = draw.RenderError(chart.problem)
            continue
        cached = _cached(folder, chart.key)
        if cached is None or isinstance(cached, draw.RenderError) and not cached.lasting:
            todo[chart.key] = chart
        else:
            result[chart.key] = cached
    if todo:
        make_folder(folder)
        for key, made in _draw(list(todo.values()), workers):
            result[key] = _as_tile(_store(folder, key, made))
    return result


def read(output: str | Path, key: str) -> bytes:
    """The drawing of a chart: PNG bytes, a draw.RenderError saying why there is none, or None
    when it was not drawn yet."""
    return _cached(Path(output) / FOLDER, key, raw=True)


def awaiting(output: str | Path) -> set:
    """Keys of the charts that could not be drawn for a reason of this machine's (KEY.retry): they
    are drawn again at the next collect."""
    try:
        return {name[:-len(".retry")] for name in os.listdir(Path(output) / FOLDER) if name.endswith(".retry")}
    except OSError:
        return set()


def _draw(charts, workers):
    """(key, PNG bytes or RenderError) per chart, each in a worker process with a time limit; kinds
    kept together so each process starts the renderer it needs (a browser for plotly) as few times
    as it can."""
    charts.sort(key=lambda c: c.kind)
    jobs = [(c.key, c.kind, c.spec) for c in charts]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    return drawpool.draw_each(jobs, workers)


def _cached(folder, key, raw=False):
    try:
        data = (folder / f"{key}.png").read_bytes()
        return data if raw else _as_tile(data)
    except OSError:
        pass
    for suffix, lasting in ((".err", True), (".retry", False)):
        try:
            return draw.RenderError((folder / f"{key}{suffix}").read_text(encoding="utf-8"), lasting=lasting)
        except OSError:
            continue
    return None


def _store(folder, key, made):
    """Keep a drawing, or why there is none (KEY.err: not tried again; KEY.retry: tried at the next
    collect); return what was kept. The page shows it from this file, so a failure to write it is
    an OutputError naming it, as for any figure."""
    if isinstance(made, drawpool.TimedOut):
        made = _timed_out(folder, key, made)
    if isinstance(made, bytes):
        write_bytes(folder / f"{key}.png", made, durable=False)
    else:
        suffix = ".err" if made.lasting else ".retry"
        write_bytes(folder / f"{key}{suffix}", str(made).encode("utf-8"), durable=False)
    if isinstance(made, bytes) or made.lasting:
        (folder / f"{key}.retry").unlink(missing_ok=True)
    return made


def _timed_out(folder, key, made):
    """A drawing stopped at the time limit is tried once more at the next collect (the machine may
    have been busy), then not again."""
    try:
        before = (folder / f"{key}.retry").read_text(encoding="utf-8")
    except OSError:
        before = ""
    if ONCE_MORE not in before:
        return draw.RenderError(f"{made}: {ONCE_MORE}", lasting=False)
    return draw.RenderError(f"{made}, twice: it is not tried again (to give it more time: set "
                            f"{drawpool.LIMIT_ENV} higher, delete figures/{key}.err, collect)")


def _as_tile(made):
    if isinstance(made, bytes):
        return "image/png", base64.b64encode(made).decode("ascii")
    return made
