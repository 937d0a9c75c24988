"""Run summaries -> the master notebook: summary, run table, failures, metrics, gallery."""

import html
import re
import statistics
import time

import nbformat

from . import extract

BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
GALLERY_NOTE = "# Figures of every run, aligned by the cell that drew them (collected by jupyterstream)"


def esc(value):
    """Escape text from a run for HTML inside a markdown cell (and keep MathJax off it)."""
    text = html.escape(str(value), quote=True).replace("$", "&#36;").replace("\\", "&#92;")
    # No raw line breaks: a blank line would end the HTML block that a markdown cell is in.
    return text.replace("\r", "&#13;").replace("\n", "&#10;")


def counts(runs):
    """{state: number of runs}, ok first."""
    result = {}
    for run in sorted(runs, key=lambda r: (not r.ok, r.state)):
        result[run.state] = result.get(run.state, 0) + 1
    return result


def build_master(plan, runs):
    """Return the master notebook (nbformat 4.5, deterministic cell ids) for a list of Runs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"jupyterstream": {"notebook": plan["notebook"], "values_file": plan["values_file"],
                                          "notebook_sha256": plan["notebook_sha256"],
                                          "values_sha256": plan["values_sha256"]},
                        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    cells = [("summary", _summary(plan, runs)), ("runs", _run_table(runs)),
             ("failures", _failures(runs)), ("metrics", _metrics(runs))]
    nb.cells = [_markdown(cell_id, text) for cell_id, text in cells]
    nb.cells += _gallery(runs)
    return nb


def _markdown(cell_id, text):
    cell = nbformat.v4.new_markdown_cell(text)
    cell["id"] = cell_id
    return cell


def _summary(plan, runs):
    tally = counts(runs)
    durations = [r.duration for r in runs if r.duration is not None]
    failed = sum(n for s, n in tally.items() if s not in ("ok", "missing", "running"))
    lines = [f"# {esc(plan['notebook'])} over {esc(plan['values_file'])}",
             "", f"**{len(runs)} runs: {tally.get('ok', 0)} ok, {failed} failed, "
                 f"{tally.get('missing', 0) + tally.get('running', 0)} missing or still running.** "
                 f"Collected {time.strftime('%Y-%m-%d %H:%M:%S')}.", "",
             "<table><tr><th>status</th><th>runs</th></tr>"]
    lines += [f"<tr><td class='js-{esc(s)}'>{esc(s)}</td><td>{n}</td></tr>" for s, n in tally.items()]
    lines.append("</table>")
    if durations:
        lines += ["", f"Run time: {sum(durations):.1f} s in all, median {statistics.median(durations):.2f} s, "
                      f"longest {max(durations):.2f} s."]
    return "\n".join(lines + _hosts(runs))


def _hosts(runs):
    """Per host: runs, ok, not ok, median duration (when the runs name their hosts)."""
    by_host = {}
    for run in runs:
        if run.host:
            by_host.setdefault(run.host, []).append(run)
    if not by_host:
        return []
    lines = ["", "<table><tr><th>host</th><th>runs</th><th>ok</th><th>not ok</th><th>median (s)</th></tr>"]
    for host, group in sorted(by_host.items()):
        durations = [r.duration for r in group if r.duration is not None]
        median = f"{statistics.median(durations):.2f}" if durations else ""
        ok = sum(r.ok for r in group)
        lines.append(f"<tr><td>{esc(host)}</td><td>{len(group)}</td><td>{ok}</td><td>{len(group) - ok}</td>"
                     f"<td>{median}</td></tr>")
    return lines + ["</table>"]


def _run_table(runs):
    rows = ["## Runs", "", "<table><tr><th>value</th><th>status</th><th>duration (s)</th><th>host</th>"
            "<th>attempts</th><th>notebook</th><th>note</th></tr>"]
    for run in runs:
        link = f"<a href='{esc(run.notebook)}'>{esc(run.id)}.ipynb</a>" if run.notebook else ""
        duration = "" if run.duration is None else f"{run.duration:.2f}"
        note = _failure_line(run) if not run.ok else ""
        rows.append(f"<tr><td>{esc(run.label)}</td><td>{esc(run.state)}</td><td>{duration}</td>"
                    f"<td>{esc(run.host)}</td><td>{run.attempts or ''}</td><td>{link}</td><td>{esc(note)}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _failure_line(run):
    fail = run.failure
    if fail.get("ename"):
        return f"cell {fail.get('cell_index')}: {fail['ename']}: {fail.get('evalue', '')}"[:300]
    return run.message.splitlines()[-1][:300] if run.message else ""


def _failures(runs):
    bad = [r for r in runs if not r.ok]
    if not bad:
        return "## Failures\n\nNone: every run is ok."
    parts = ["## Failures", "", f"{len(bad)} runs are not ok."]
    for run in bad:
        fail = run.failure
        where = f" at cell {fail.get('cell_index')}" if fail.get("cell_index") is not None else ""
        parts += ["", f"<h3>{esc(run.label)}: {esc(run.state)}{where}</h3>"]
        if fail.get("ename"):
            parts.append(f"<p><code>{esc(fail['ename'])}: {esc(fail.get('evalue', ''))}</code></p>")
        if run.message:
            parts.append(f"<p>{esc(run.message)}</p>")
        trace = fail.get("traceback") or []
        if trace:
            parts.append(f"<pre>{esc(chr(10).join(trace[-12:]))}</pre>")
        if run.notebook:
            parts.append(f"<p><a href='{esc(run.notebook)}'>the partial notebook</a></p>")
    return "\n".join(parts)


def metric_names(runs):
    """Metric names in the order they first appear."""
    names = {}
    for run in runs:
        names.update(dict.fromkeys(run.metrics))
    return list(names)


def _metrics(runs):
    names = metric_names(runs)
    if not names:
        return "## Metrics\n\nNo run recorded a metric (use `from jupyterstream import record`)."
    rows = ["## Metrics", "", "<table><tr><th>value</th>" + "".join(f"<th>{esc(n)}</th>" for n in names) + "</tr>"]
    for run in runs:
        if run.metrics:
            cells = "".join(f"<td>{esc(_fmt(run.metrics.get(n, '')))}</td>" for n in names)
            rows.append(f"<tr><td>{esc(run.label)}</td>{cells}</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def _gallery(runs):
    by_cell = {}
    for run in runs:
        for index, mime, data in run.figures:
            by_cell.setdefault(index, []).append((run, mime, data))
    cells = [_markdown("gallery", "## Gallery" if by_cell else "## Gallery\n\nNo run drew a figure.")]
    for index in sorted(by_cell):
        tiles = []
        for run, mime, data in by_cell[index]:
            if mime == "image/svg+xml":
                mime, data = mime, extract.svg_base64(data)
            data = "".join(data.split())
            if not BASE64.fullmatch(data):
                continue
            tiles.append(f"<figure style='display:inline-block;margin:4px;width:300px'>"
                         f"<img style='width:100%' alt='figure of {esc(run.label)}' src='data:{mime};base64,{data}'/>"
                         f"<figcaption>{esc(run.label)}</figcaption></figure>")
        cell = nbformat.v4.new_code_cell(f"{GALLERY_NOTE}: cell {index}")
        cell["id"] = f"gallery-cell-{index}"
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            "text/html": "<div>" + "".join(tiles) + "</div>",
            "text/plain": f"{len(tiles)} figures from cell {index}"})]
        cells += [_markdown(f"gallery-cell-{index}-title", f"### Cell {index}: {len(tiles)} figures"), cell]
    return cells
