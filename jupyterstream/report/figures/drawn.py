"""Static images of the charts runs drew, made once per distinct spec and on every core.

Each drawing is kept as OUTPUT/figures/KEY.png, KEY the hash of its kind and spec (and of the
renderer's version), beside the images named by their content hash, so a chart that many runs drew alike is drawn once, and a repeat collect draws
nothing it drew before. A chart that cannot be drawn is cached with its reason, so it is not tried
again on every collect.
"""

import base64
import concurrent.futures
import multiprocessing
import os
from pathlib import Path

from . import draw
from ...collect.figspec import Chart  # noqa: F401 (this module's API too: what draw_all draws)
from ...atomic import make_folder, write_bytes

FOLDER = "figures"


def draw_all(output, charts, workers=None):
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
        if cached is None:
            todo[chart.key] = chart
        else:
            result[chart.key] = cached
    if todo:
        make_folder(folder)
        for key, made in _draw(list(todo.values()), workers):
            _store(folder, key, made)
            result[key] = _as_tile(made)
    return result


def read(output, key):
    """The drawing of a chart: PNG bytes, a draw.RenderError saying why there is none, or None
    when it was not drawn yet."""
    return _cached(Path(output) / FOLDER, key, raw=True)


def _draw(charts, workers):
    """(key, PNG bytes or RenderError) per chart; kinds kept together so each process starts the
    renderer it needs (a browser for plotly) as few times as it can."""
    charts.sort(key=lambda c: c.kind)
    jobs = [(c.key, c.kind, c.spec) for c in charts]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if workers == 1:
        return [_draw_one(job) for job in jobs]
    # Workers start from a fresh server process, not a fork of this one: a lock another thread of
    # the collector held at the fork (a test's server, a watch loop) stayed held in the child forever.
    context = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(_draw_one, jobs, chunksize=max(1, len(jobs) // (workers * 4))))


def _draw_one(job):
    key, kind, spec = job
    try:
        return key, draw.static_png(kind, spec)
    except draw.RenderError as exc:
        return key, exc


def _cached(folder, key, raw=False):
    try:
        data = (folder / f"{key}.png").read_bytes()
        return data if raw else _as_tile(data)
    except OSError:
        pass
    try:
        return draw.RenderError((folder / f"{key}.err").read_text(encoding="utf-8"))
    except OSError:
        return None


def _store(folder, key, made):
    """Keep a drawing (or why there is none): the page shows it from this file, so a failure to
    write it is an OutputError naming it, as for any figure."""
    if isinstance(made, bytes):
        write_bytes(folder / f"{key}.png", made, durable=False)
    else:
        write_bytes(folder / f"{key}.err", str(made).encode("utf-8"), durable=False)


def _as_tile(made):
    if isinstance(made, bytes):
        return "image/png", base64.b64encode(made).decode("ascii")
    return made
