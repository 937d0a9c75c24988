"""Write what the collector found: master.ipynb, report.html, metrics.csv, runs.csv, a summary."""

import csv
import io
import itertools
import json
import time
from pathlib import Path

from . import master as parts_of
from .atomic import write_atomic
from .collect import load_plan, runs as collect_runs
from .master import build_master, counts, metric_names
from .render import page_chunks, write_streamed

WAITING = ("pending", "running")


def collect(output, html=True, metric_tag=None, refresh=None):
    """Collect every planned run of ``output``; return the list of Runs. ``refresh`` (seconds) makes
    the page reload itself while runs are still pending or running."""
    output = Path(output)
    plan = load_plan(output)
    keys = {}
    runs = collect_runs(output, plan, metric_tag=metric_tag, keys=keys)
    parts = parts_of.build(plan, runs, output, _load_json(output / "hosts.json"), keys)
    master = build_master(plan, parts)
    # Streamed plain JSON of a notebook the tests validate: nbformat.writes would copy and re-validate
    # 5,000 rows of HTML on every collect, and hold the whole text twice.
    encoder = json.JSONEncoder(indent=1, sort_keys=True, ensure_ascii=False)
    write_streamed(output / "master.ipynb", itertools.chain(encoder.iterencode(master), ["\n"]))
    write_atomic(output / "metrics.csv", metrics_csv(runs))
    write_atomic(output / "runs.csv", runs_csv(runs))
    if html:
        live = refresh if refresh and any(r.state in WAITING for r in runs) else None
        write_streamed(output / "report.html", render_html(parts_of.page(parts, live)))
    return runs


def render_html(page):
    """report.html as a stream of text (see render.page_chunks)."""
    return page_chunks(page)


def watch(output, every, metric_tag=None, log=None, sleep=time.sleep):
    """Collect every ``every`` seconds while runs are pending or running, then once more; the runs."""
    while True:
        runs = collect(output, metric_tag=metric_tag, refresh=max(1, round(every)))
        waiting = sum(r.state in WAITING for r in runs)
        if log is not None:
            print(f"{time.strftime('%H:%M:%S')} {len(runs)} runs, {waiting} pending or running", file=log, flush=True)
        if not waiting:
            return runs
        sleep(every)


def metrics_csv(runs):
    """One row per run, one column per metric; non-scalar values as JSON."""
    names = metric_names(runs)
    params = list(dict.fromkeys(k for r in runs for k in r.texts))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["job", *params, "status", *names])
    for run in runs:
        values = [_cell(run.metrics.get(n, "")) for n in names]
        writer.writerow([run.id, *(run.texts.get(p, "") for p in params), run.state, *values])
    return buffer.getvalue()


def runs_csv(runs):
    """The run table as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["job", "value", "status", "duration", "kernel_ready", "host", "exit", "signal", "attempts",
                     "cell", "error", "message", "output_bytes", "notebook"])
    for run in runs:
        fail = run.failure
        writer.writerow([run.id, run.label, run.state, _cell(run.duration), _cell(run.kernel_ready), run.host,
                         run.exit, run.signal, run.attempts, _cell(fail.get("cell_index")),
                         _first_line(f"{fail.get('ename')}: {fail.get('evalue')}") if fail.get("ename") else "",
                         _first_line(run.message), run.output_bytes or "", run.notebook])
    return buffer.getvalue()


def summary(output, runs):
    """A few lines for the terminal: counts, the runs that failed, and where the report is."""
    tally = counts(runs)
    parts = ", ".join(f"{n} {s}" for s, n in tally.items())
    lines = [f"{len(runs)} runs: {parts}"]
    bad = [r for r in runs if not r.ok]
    for run in bad[:10]:
        fail = run.failure
        why = f"cell {fail.get('cell_index')}: {fail.get('ename')}: {fail.get('evalue')}" if fail.get("ename") \
            else (run.message.splitlines()[-1] if run.message else "")
        lines.append(f"  {run.state:<16} {run.label[:30]:<30} {why.splitlines()[0][:100] if why else ''}")
    if len(bad) > 10:
        lines.append(f"  ... and {len(bad) - 10} more: see the report")
    lines.append(f"report: {Path(output) / 'report.html'}  (also master.ipynb, metrics.csv, runs.csv)")
    return "\n".join(lines)


def _load_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _first_line(text):
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value
