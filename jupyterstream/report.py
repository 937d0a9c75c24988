"""Write what the collector found: master.ipynb, report.html, metrics.csv, runs.csv, a summary."""

import csv
import io
import json
from pathlib import Path

import nbformat

from .atomic import write_atomic
from .collect import load_plan, runs as collect_runs
from .master import build_master, counts, metric_names

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
