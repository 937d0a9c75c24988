"""Runs -> the report's parts: each section's HTML (summary, runs, failures, metrics, gallery,
manifest), the run ledger's data, and master.ipynb, whose cells show the same sections as
text/html outputs (nbformat 4.5, deterministic cell ids).

The runs are read once, in order: each run's pieces (cached or rendered, pieces.py) go to spool
files as they come, and the page and the notebook are then written from those files (holes.py), so
that a collect holds neither every run nor every run's HTML.
"""

import json

import nbformat
from markupsafe import Markup

from .figures import gallery
from . import ledger, pieces, render, sections
from .holes import Holes, Spool
from ..collect.planfile import StreamedJobs
from ..collect.spool import ListedRuns
from .sections import counts, metric_names  # noqa: F401 (write.py's CSV writers use them)
from .tally import of as tally_of
from ..runner.planned import Job

PAGE_ROWS = 25        # ledger rows written into the page itself; the script shows the rest
# Ledger rows master.ipynb holds: a notebook runs no script, and 100,000 rows of HTML would make it a file
# no Jupyter opens; the rest are in runs.csv and in the report's ledger.
NOTEBOOK_ROWS = 1000
SECTIONS = ("summary", "changes", "failures", "metrics", "runs", "gallery", "manifest")  # "changes": when there are
NOTE = "# The report's {} section, collected by jupyterstream (the output below; nothing to run)"


def assemble(plan: dict, source: object, tally: object, tags: list, output: object = None, checked: "dict | None" = None, logs: set = frozenset(),
             also: object = None, notes: "dict | None" = None, bulk: bool = False,
             stretches: object = None) -> dict[str, object]:
    """The report's parts, with the ledger, the gallery and the ledger's data spooled: {"sections",
    "whole_ledger", "data", "nav", "title", "holes"}. ``source`` (a RunSpool or ListedRuns) gives the
    runs, ``tally`` their totals, ``tags`` their pieces' cache tags; ``also.add(run)`` is called for each
    (``also.add_bare(parts)`` for a run with no files whose ledger data is made from a template, with
    ``bulk``: collect/bare.py). ``stretches`` (stretch.Stretches) hold the parts of stretches of such runs
    made as they were found: each is written whole (``also.add_stretch``). ``notes``: what the summary
    says of the sweep besides its runs ({"stopped": a sentence})."""
    made = pieces.Pieces(output, _ids(plan, source, tags), tags, tally.figures > gallery.FULL_LIMIT, logs,
                         rows=NOTEBOOK_ROWS)
    made.prepare(source, tally.figured)
    holes, rows, data, charts, cells, first = Holes(), Spool(output), Spool(output), Spool(output), {}, []
    try:
        done = 0  # runs before this one were written with their stretch
        for index in range(len(source)):
            if index < done:
                continue
            found = stretches.at(index) if stretches is not None else None
            if found is not None:  # pending runs with no files, one after another: their parts made already
                texts = stretches.texts(found)
                data.write(texts[0])
                if also is not None:
                    also.add_stretch(found, texts, source)
                done = found.end
                continue
            given = source.bare(index) if bulk else None  # a run with no files: the plan's parts of it
            if given is not None and made.templated(index, given.id):
                data.write(("," if index else "") + made.bare.json(given))
                if also is not None:
                    also.add_bare(given)
                continue
            run = source.entry(index)[0]
            piece = made.get(index, run)
            if index < NOTEBOOK_ROWS:
                rows.write(("\n" if index else "") + piece["row"])
            data.write(("," if index else "") + piece["json"])
            for cell, html in piece["tiles"]:
                if cell not in cells:
                    cells[cell] = [0, Spool(output)]
                cells[cell][0] += 1
                cells[cell][1].write(("\n" if cells[cell][0] > 1 else "") + html)
            if index < PAGE_ROWS:
                first.append(piece["row"])
            if piece["charts"]:
                charts.write(("" if charts.empty else ",") + piece["charts"])
            if also is not None:
                also.add(run)
    except BaseException:
        for spool in [rows, data, charts, *(spool for _, spool in cells.values())]:
            spool.close()
        raise
    finally:
        made.close()
    return _parts(plan, tally, checked, holes, rows, data, cells, first, charts, notes or {})


def _ids(plan, source, tags):
    """The run ids in order: the plan's own strings when the runs are the plan's (of a plan read a job
    a line, only those of runs with a tag: Pieces looks for no other in its cache)."""
    jobs = plan.get("jobs")
    if jobs is not None and len(jobs) == len(source) and not isinstance(source, ListedRuns):
        if isinstance(jobs, StreamedJobs) and len(tags) == len(jobs):
            return jobs.ids(tags)
        return (Job.from_record(job).id for job in jobs)
    return (run.id for run in source)


def _parts(plan, tally, checked, holes, rows, data, cells, first, charts, notes):
    found = sections.metrics(tally)
    groups = tally.ordered_groups()
    bad = sum(g.size for g in groups)
    total = tally.total
    gallery_cells = [(c, n, holes.mark(spool)) for c, (n, spool) in sorted(cells.items())]
    html = {"summary": render.section("summary", sections.summary(plan, tally, [m["glance"] for m in found], notes)),
            "runs": render.section("ledger", _joined(first), total, len(first), render.LEDGER_COLUMNS, True),
            "failures": render.section("failures", sections.failures(groups), bad),
            "metrics": render.section("metrics", found, sections.metric_table(tally), sections.resources(tally)),
            "gallery": render.section("gallery", gallery_cells),
            "manifest": render.section("manifest", sections.manifest_table(plan, tally, checked))}
    nav = [("summary", "Summary", None), ("failures", "Failures", bad), ("metrics", "Metrics", len(found)),
           ("runs", "Runs", total), ("gallery", "Gallery", sum(n for n, _ in cells.values())),
           ("manifest", "Manifest", None)]
    if charts.empty:
        charts.close()
    # A notebook runs no script: the ledger's first NOTEBOOK_ROWS rows, not one page of them.
    whole = render.section("ledger", holes.mark(rows), total, min(total, NOTEBOOK_ROWS), render.LEDGER_COLUMNS, False)
    return {"sections": html, "whole_ledger": whole, "data": ledger.data_head() + str(holes.mark(data)) + "]}",
            "nav": nav, "title": f"{plan['notebook']} over {plan['values_file']}", "holes": holes,
            "charts": holes.mark_raw(charts, "[]") if not charts.empty else None}


def page(parts: dict[str, object], refresh: "int | None" = None) -> dict:
    """What render.page_chunks needs for report.html."""
    return {"title": parts["title"], "nav": parts["nav"],
            "sections": [parts["sections"][n] for n in SECTIONS if n in parts["sections"]],
            "data": parts["data"], "refresh": refresh, "holes": parts.get("holes")}


def notebook(plan: dict, parts: dict[str, object]) -> object:
    """The master notebook: one cell per section, its HTML as a text/html output (markers unfilled)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"jupyterstream": {"notebook": plan["notebook"], "values_file": plan["values_file"],
                                          "notebook_sha256": plan["notebook_sha256"],
                                          "values_sha256": plan["values_sha256"]},
                        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    for name in (n for n in SECTIONS if n in parts["sections"]):
        html = parts["whole_ledger"] if name == "runs" else parts["sections"][name]
        cell = nbformat.v4.new_code_cell(NOTE.format(name))
        cell["id"] = name
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": str(html),
                                                                     "text/plain": f"{name} (see the HTML)"})]
        nb.cells.append(cell)
        if name == "gallery" and parts.get("charts"):
            nb.cells.append(_charts_cell(parts["charts"]))
    return nb


def notebook_chunks(plan: dict, parts: dict[str, object]) -> object:
    """master.ipynb as a stream of JSON text, each marker filled from its spool. Plain JSON of a notebook
    the tests validate: nbformat.writes would copy and re-validate 5,000 rows of HTML on every collect."""
    encoder = json.JSONEncoder(indent=1, sort_keys=True, ensure_ascii=False)
    yield from parts["holes"].expand(encoder.iterencode(notebook(plan, parts)), as_json=True)
    yield "\n"


def build(plan: dict[str, str], runs: object, output: object = None, checked: "dict[str, dict] | None" = None,
          keys: "dict | None" = None) -> dict[str, object]:
    """The parts of runs held in memory, every marker filled: {"sections", "whole_ledger", "json" (each
    run's ledger data), "data", "nav", "title"}. ``keys`` (each run's file identity, from the collector)
    lets unchanged runs reuse their rendered pieces."""
    source, logs, found = ListedRuns(runs, keys), pieces.logs(output), []
    tags = [pieces.tag((keys or {}).get(run.id), run, logs) if keys else None for run in source]
    parts = assemble(plan, source, tally_of(source), tags, output, checked, logs)
    holes = parts.pop("holes")
    parts["sections"] = {name: holes.text(html) for name, html in parts["sections"].items()}
    parts["whole_ledger"], parts["data"] = holes.text(parts["whole_ledger"]), str(holes.text(parts["data"]))
    parts["charts"] = holes.value(parts["charts"]) if parts.get("charts") else []
    holes.close()
    for row in json.loads(parts["data"])["runs"]:
        found.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
    parts["json"] = found
    return parts


def build_master(plan: dict[str, str], parts: dict[str, object]) -> object:
    """The master notebook of ``build``'s parts."""
    return notebook(plan, parts)


def add_changes(parts: dict, changes_html: Markup, count: int) -> None:
    """Put the section "Changes since the last sweep" in the parts, after the summary."""
    parts["sections"]["changes"] = changes_html
    parts["nav"].insert(1, ("changes", "Changes", count))


def _charts_cell(outputs):
    """The charts runs drew, as their specs (Jupyter shows them interactive) and their drawings."""
    cell = nbformat.v4.new_code_cell(NOTE.format("charts"))
    cell["id"], cell.outputs = "charts", outputs
    return cell


def _joined(pieces_html):
    return Markup("\n".join(pieces_html))
