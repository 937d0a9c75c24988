"""Run summaries -> the master notebook: summary, run ledger, failure triage, metrics, gallery, manifest."""

import statistics
import time

import nbformat

from . import charts, gallery, manifest, triage
from .escape import esc

LIST_LIMIT = 50
GALLERY_NOTE = "# Figures of every run, aligned by the cell that drew them (collected by jupyterstream)"
NOT_RUN = ("missing", "pending", "running")


def counts(runs):
    """{state: number of runs}, ok first."""
    result = {}
    for run in sorted(runs, key=lambda r: (not r.ok, r.state)):
        result[run.state] = result.get(run.state, 0) + 1
    return result


def build_master(plan, runs, output=None, checked=None, thumbs=None):
    """Return the master notebook (nbformat 4.5, deterministic cell ids) for a list of Runs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"jupyterstream": {"notebook": plan["notebook"], "values_file": plan["values_file"],
                                          "notebook_sha256": plan["notebook_sha256"],
                                          "values_sha256": plan["values_sha256"]},
                        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    cells = [("summary", _summary(plan, runs)), ("runs", _ledger(runs)),
             ("failures", _failures(runs)), ("metrics", _metrics(runs))]
    nb.cells = [_markdown(cell_id, text) for cell_id, text in cells]
    nb.cells += _gallery(output, runs, {} if thumbs is None else thumbs)
    nb.cells.append(_markdown("manifest", _manifest(plan, runs, checked)))
    return nb


def _markdown(cell_id, text):
    cell = nbformat.v4.new_markdown_cell(text)
    cell["id"] = cell_id
    return cell


def _summary(plan, runs):
    tally = counts(runs)
    durations = [r.duration for r in runs if r.duration is not None]
    waiting = sum(n for s, n in tally.items() if s in NOT_RUN)
    failed = len(runs) - tally.get("ok", 0) - waiting
    lines = [f"# {esc(plan['notebook'])} over {esc(plan['values_file'])}",
             "", f"**{len(runs)} runs: {tally.get('ok', 0)} ok, {failed} failed, "
                 f"{waiting} missing or still running.** Collected {time.strftime('%Y-%m-%d %H:%M:%S')}."]
    if tally.get("pending") or tally.get("running"):
        lines.append(f" A sweep is under way: {tally.get('running', 0)} running, {tally.get('pending', 0)} "
                     "pending; collect again to fill in the rest.")
    lines += ["", "<table><tr><th>status</th><th>runs</th></tr>"]
    lines += [f"<tr><td class='js-{esc(s)}'>{esc(s)}</td><td>{n}</td></tr>" for s, n in tally.items()]
    lines.append("</table>")
    if durations:
        lines += ["", f"Run time: {sum(durations):.1f} s in all, median {statistics.median(durations):.2f} s, "
                      f"longest {max(durations):.2f} s."]
    kinds = gallery.kinds(runs)
    if kinds:
        lines += ["", f"Figures: {sum(kinds.values())} (" + ", ".join(f"{n} {esc(k)}" for k, n in kinds.items()) + ")."]
    groups = triage.groups(runs)
    if groups:
        lines += ["", "Failures: " + "; ".join(esc(g.title) for g in groups[:6]) +
                  ("; …" if len(groups) > 6 else "") + " (see Failures below)."]
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


LEDGER_COLUMNS = ("value", "status", "duration (s)", "kernel ready (s)", "host", "exit", "signal", "attempts",
                  "failing cell", "output (kB)", "notebook", "note")


def _ledger(runs):
    rows = ["## Runs", "", "<table class='sortable'><tr>" + "".join(f"<th>{c}</th>" for c in LEDGER_COLUMNS) + "</tr>"]
    for run in runs:
        link = f"<a href='{esc(run.notebook)}'>{esc(run.id)}.ipynb</a>" if run.notebook else ""
        fail = run.failure or {}
        cells = [esc(run.label), esc(run.state), _num(run.duration), _num(run.kernel_ready), esc(run.host),
                 esc(run.exit), esc(run.signal), str(run.attempts or ""), esc(_or(fail.get("cell_index"))),
                 f"{run.output_bytes / 1000:.0f}" if run.output_bytes else "", link,
                 esc(_failure_line(run)) if not run.ok else ""]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _num(value):
    return "" if value is None else f"{value:.2f}"


def _or(value):
    return "" if value is None else value


def _failure_line(run):
    fail = run.failure or {}
    if fail.get("ename"):
        return f"cell {fail.get('cell_index')}: {fail['ename']}: {fail.get('evalue', '')}"[:300]
    return run.message.strip().splitlines()[-1][:300] if run.message.strip() else ""


def _failures(runs):
    groups = triage.groups(runs)
    if not groups:
        return "## Failures\n\nNone: every run is ok."
    bad = sum(len(g.runs) for g in groups)
    parts = ["## Failures", "", f"{bad} runs are not ok, in {len(groups)} group{'s' * (len(groups) != 1)}."]
    for group in groups:
        sample = group.sample
        parts += ["", f"<h3>{esc(group.title)}</h3>"]
        values = ", ".join(esc(r.label) for r in group.runs[:LIST_LIMIT])
        more = f" and {len(group.runs) - LIST_LIMIT} more" if len(group.runs) > LIST_LIMIT else ""
        parts.append(f"<p>Values: {values}{more}</p>")
        fail = sample.failure or {}
        if fail.get("ename"):
            parts.append(f"<p>Sample ({esc(sample.label)}): <code>{esc(fail['ename'])}: "
                         f"{esc(fail.get('evalue', ''))}</code></p>")
        elif sample.message:
            parts.append(f"<p>Sample ({esc(sample.label)}): {esc(sample.message)}</p>")
        trace = fail.get("traceback") or []
        if trace:
            parts.append(f"<pre>{esc(chr(10).join(trace[-12:]))}</pre>")
        links = [f"<a href='{esc(r.notebook)}'>{esc(r.label)}</a>" for r in group.runs[:LIST_LIMIT] if r.notebook]
        if links:
            parts.append(f"<p>Notebooks: {', '.join(links)}</p>")
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
    rows = ["## Metrics", "", "<table class='sortable'><tr><th>value</th>" +
            "".join(f"<th>{esc(n)}</th>" for n in names) + "</tr>"]
    for run in runs:
        if run.metrics:
            cells = "".join(f"<td>{esc(_fmt(run.metrics.get(n, '')))}</td>" for n in names)
            rows.append(f"<tr><td>{esc(run.label)}</td>{cells}</tr>")
    rows.append("</table>")
    for name in names:
        pairs = charts.numeric(runs, name)
        if len(pairs) < 2:
            continue
        flagged = charts.outliers(pairs)
        rows += ["", f"<h3>{esc(name)}</h3>", charts.chart(name, pairs, flagged)]
        if flagged:
            listed = ", ".join(f"{esc(label)} ({value:g})" for label, value in flagged[:LIST_LIMIT])
            rows.append(f"<p>Outliers (more than {charts.MAD_CUTOFF} robust deviations from the median): {listed}</p>")
    return "\n".join(rows)


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def _gallery(output, runs, thumbs):
    cells = gallery.by_cell(runs)
    out = [_markdown("gallery", "## Gallery" if cells else "## Gallery\n\nNo run drew a figure.")]
    if not cells:
        return out
    placed = gallery.tiles(output, cells, thumbs)
    for index, entries in placed.items():
        tiles = []
        for run, src, href, note in entries:
            image = f"<img style='width:100%' alt='figure of {esc(run.label)}' src='{src}'/>" if src else "(full image)"
            if note:
                image = f"<div class='js-figure-note'>{esc(note)}</div>"
            elif href:
                image = f"<a href='{esc(href)}'>{image}</a>"
            width = 300 if not href else gallery.THUMB_WIDTH
            tiles.append(f"<figure style='display:inline-block;margin:4px;width:{width}px'>{image}"
                         f"<figcaption>{esc(run.label)}</figcaption></figure>")
        cell = nbformat.v4.new_code_cell(f"{GALLERY_NOTE}: cell {index}")
        cell["id"] = f"gallery-cell-{index}"
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            "text/html": "<div>" + "".join(tiles) + "</div>",
            "text/plain": f"{len(tiles)} figures from cell {index}"})]
        out += [_markdown(f"gallery-cell-{index}-title", f"### Cell {index}: {len(tiles)} figures"), cell]
    return out


def _manifest(plan, runs, checked):
    lines = ["## Manifest", "", "<table>",
             f"<tr><td>notebook</td><td>{esc(plan['notebook'])}</td><td><code>sha256 {esc(plan['notebook_sha256'])}</code></td></tr>",
             f"<tr><td>values</td><td>{esc(plan['values_file'])}</td><td><code>sha256 {esc(plan['values_sha256'])}</code></td></tr>"]
    for name, version in manifest.local_versions().items():
        lines.append(f"<tr><td>{esc(name)}</td><td>{esc(version or 'not installed')}</td><td>where the report was collected</td></tr>")
    lines.append("</table>")
    table = manifest.hosts(runs, checked)
    if table:
        columns = sorted({c for entry in table.values() for c in entry})
        drifting = manifest.drift(table)
        lines += ["", "<table><tr><th>host</th>" + "".join(
            f"<th>{esc(c)}{' (differs)' if c in drifting else ''}</th>" for c in columns) + "</tr>"]
        for host, entry in sorted(table.items()):
            lines.append(f"<tr><td>{esc(host)}</td>" + "".join(
                f"<td{' class=js-drift' if c in drifting else ''}>{esc(entry.get(c, ''))}</td>" for c in columns) + "</tr>")
        lines.append("</table>")
        if drifting:
            lines.append(f"<p>Hosts differ in: {esc(', '.join(drifting))}. Results may not be comparable.</p>")
    return "\n".join(lines)
