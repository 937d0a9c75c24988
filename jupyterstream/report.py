"""Write what the collector found: master.ipynb, report.html, metrics.csv, runs.csv, a summary."""

import csv
import io
import json
from pathlib import Path

import nbformat

from .atomic import write_atomic
from .collect import load_plan, runs as collect_runs
from .master import build_master, counts, metric_names
from .plaintext import for_csv, for_terminal

TEMPLATES = Path(__file__).resolve().parent / "templates"


THUMBS = ".thumbnails.json"


def collect(output, html=True, metric_tag=None):
    """Collect every planned run of ``output``; return the list of Runs."""
    output = Path(output)
    plan = load_plan(output)
    runs = collect_runs(output, plan, metric_tag=metric_tag)
    thumbs = _load_json(output / THUMBS)
    master = build_master(plan, runs, output, _load_json(output / "hosts.json"), thumbs)
    nbformat.validate(master)
    if thumbs:
        write_atomic(output / THUMBS, json.dumps(thumbs))
    write_atomic(output / "master.ipynb", nbformat.writes(master) + "\n")
    write_atomic(output / "metrics.csv", metrics_csv(runs))
    write_atomic(output / "runs.csv", runs_csv(runs))
    if html:
        write_atomic(output / "report.html", render_html(master))
    return runs


def render_html(master):
    """The master notebook as one self-contained HTML page (images embedded, no network)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", template_file="jupyterstream.html.j2",
                            extra_template_paths=[str(TEMPLATES)], exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True, embed_images=False)
    body, _ = exporter.from_notebook_node(master)
    return body


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
             "cell", "error", "message", "output_bytes", "notebook"]]
    for run in runs:
        fail = run.failure
        rows.append([run.id, run.label, run.state, _cell(run.duration), _cell(run.kernel_ready), run.host,
                     _integer(run.exit), _integer(run.signal), run.attempts, _cell(fail.get("cell_index")),
                     _first_line(f"{fail.get('ename')}: {fail.get('evalue')}") if fail.get("ename") else "",
                     _first_line(run.message), run.output_bytes or "", run.notebook])
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
