"""Runs -> the report's parts: each section's HTML (summary, runs, failures, metrics, gallery,
manifest), the run ledger's data, and master.ipynb, whose cells show the same sections as
text/html outputs (nbformat 4.5, deterministic cell ids)."""

import nbformat
from markupsafe import Markup

from . import chartcells, gallery, pieces, render, sections
from .sections import counts, metric_names  # noqa: F401 (report.py's CSV writers use them)

PAGE_ROWS = 25        # ledger rows written into the page itself; the script shows the rest
METRIC_ROWS = 200     # rows of the all-values metrics table
SECTIONS = ("summary", "failures", "metrics", "runs", "gallery", "manifest")
NOTE = "# The report's {} section, collected by jupyterstream (the output below; nothing to run)"


def build(plan, runs, output=None, checked=None, keys=None):
    """{"sections": {name: html}, "rows", "json", "nav", "title"} for these runs; ``keys`` (each run's
    file identity, from the collector) lets unchanged runs reuse their rendered pieces."""
    groups = sections.groups_of(runs)
    found = sections.metrics(runs)
    made = pieces.pieces(output, runs, keys)
    # Pieces are rendered (escaped) markup already: joined here, not passed through a template again.
    rows = [made[run.id]["row"] for run in runs]
    cells = {}
    for run in runs:
        for cell, html in made[run.id]["tiles"]:
            cells.setdefault(cell, []).append(html)
    bad = sum(len(g.runs) for g in groups)
    html = {"summary": render.section("summary", sections.summary(plan, runs, groups, [m["glance"] for m in found])),
            "runs": render.section("ledger", _joined(rows[:PAGE_ROWS]), len(rows), render.LEDGER_COLUMNS, True),
            "failures": render.section("failures", sections.failures(groups), bad),
            "metrics": render.section("metrics", found, sections.metric_table(runs, METRIC_ROWS)),
            "gallery": render.section("gallery", [(c, len(t), _joined(t)) for c, t in sorted(cells.items())]),
            "manifest": render.section("manifest", sections.manifest_table(plan, runs, checked))}
    nav = [("summary", "Summary", None), ("failures", "Failures", bad), ("metrics", "Metrics", len(found)),
           ("runs", "Runs", len(runs)), ("gallery", "Gallery", sum(len(c) for c in cells.values())),
           ("manifest", "Manifest", None)]
    charts = chartcells.outputs(output, runs, not gallery.thumbnails(runs)) if output is not None else []
    return {"sections": html, "rows": rows, "json": [made[run.id]["json"] for run in runs], "nav": nav,
            "title": f"{plan['notebook']} over {plan['values_file']}", "charts": charts}


def page(parts, refresh=None):
    """What render.page_chunks needs for report.html."""
    return {"title": parts["title"], "nav": parts["nav"], "sections": [parts["sections"][n] for n in SECTIONS],
            "data": '{"runs":[' + ",".join(parts["json"]) + "]}", "refresh": refresh}


def build_master(plan, parts):
    """The master notebook: one cell per section, its HTML as a text/html output."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"jupyterstream": {"notebook": plan["notebook"], "values_file": plan["values_file"],
                                          "notebook_sha256": plan["notebook_sha256"],
                                          "values_sha256": plan["values_sha256"]},
                        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    for name in SECTIONS:
        html = parts["sections"][name]
        if name == "runs":  # a notebook runs no script: the whole table, not one page of it
            html = render.section("ledger", _joined(parts["rows"]), len(parts["rows"]), render.LEDGER_COLUMNS, False)
        cell = nbformat.v4.new_code_cell(NOTE.format(name))
        cell["id"] = name
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": str(html),
                                                                     "text/plain": f"{name} (see the HTML)"})]
        nb.cells.append(cell)
        if name == "gallery" and parts.get("charts"):
            nb.cells.append(_charts_cell(parts["charts"]))
    return nb


def _charts_cell(outputs):
    """The charts runs drew, as their specs (Jupyter shows them interactive) and their drawings."""
    cell = nbformat.v4.new_code_cell(NOTE.format("charts"))
    cell["id"], cell.outputs = "charts", outputs
    return cell


def _joined(pieces_html):
    return Markup("\n".join(pieces_html))
