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
from .plaintext import for_csv, for_terminal
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
    """One row per run: its job id, the values its kernel received (``params.NAME``), its status and
    each recorded metric (``metrics.NAME``), so every header is unique and says what it is. Containers
    are JSON; text a spreadsheet would evaluate is neutralised (plaintext.for_csv)."""
    names = metric_names(runs)
    params = list(dict.fromkeys(k for r in runs for k in (r.values or r.texts)))
    rows = [["job", *(f"params.{p}" for p in params), "status", *(f"metrics.{n}" for n in names)]]
    for run in runs:
        received = [_received(run, p) for p in params]
        rows.append([run.id, *received, run.state, *(_cell(run.metrics.get(n)) for n in names)])
    return _csv(rows)


def runs_csv(runs):
    """The run table as CSV (text a spreadsheet would evaluate is neutralised)."""
    rows = [["job", "value", "status", "duration", "kernel_ready", "host", "exit", "signal", "attempts",
             "cell", "error", "message", "output_bytes", "notebook", "kernel"]]
    for run in runs:
        fail = run.failure
        rows.append([run.id, run.label, run.state, _cell(run.duration), _cell(run.kernel_ready), run.host,
                     _integer(run.exit), _integer(run.signal), run.attempts, _cell(fail.get("cell_index")),
                     _first_line(f"{fail.get('ename')}: {fail.get('evalue')}") if fail.get("ename") else "",
                     _first_line(run.message), run.output_bytes or "", run.notebook, run.kernel])
    return _csv(rows)


def summary(output, runs):
    """A few lines for the terminal: counts, the runs that failed, and where the report is. Text from
    the runs is shown without escape sequences or control characters."""
    tally = counts(runs)
    parts = ", ".join(f"{n} {for_terminal(s)}" for s, n in tally.items())
    lines = [f"{len(runs)} runs: {parts}"]
    bad = [r for r in runs if not r.ok]
    for run in bad[:10]:
        fail = run.failure
        why = f"cell {fail.get('cell_index')}: {fail.get('ename')}: {fail.get('evalue')}" if fail.get("ename") \
            else (run.message.splitlines()[-1] if run.message.strip() else "")
        why = for_terminal(why.splitlines()[0] if why.strip() else "")
        lines.append(f"  {for_terminal(run.state):<16} {for_terminal(run.label)[:30]:<30} {why[:100]}")
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
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def _received(run, name):
    """A parameter as its kernel received it: text as it is, any other value as its Python literal."""
    if name not in run.values:
        return run.texts.get(name, "")
    value = run.values[name]
    if isinstance(value, str) or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return repr(value)


def _integer(text):
    """An exit value or signal of the joblog as the number it is ('-1' is no formula)."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return text


def _csv(rows):
    """Rows as CSV, each cell through plaintext.for_csv."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([[for_csv(c) for c in row] for row in rows])
    return buffer.getvalue()
