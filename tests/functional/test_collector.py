"""The collector over committed, already-executed runs: ok, cell error, stopped early, corrupt,
a corrupt status record, and a run that never happened. It never stops on a bad run."""

import csv
import json
import shutil

import nbformat
import pytest

from jupyterstream.report.write import collect
from support import REPO

DATA = REPO / "tests" / "data" / "collected"
EXPECTED = {"ok": "ok", "raise": "cell-error", "exit": "stopped-early", "corrupt": "corrupt",
            "badstatus": "corrupt", "missing": "missing"}


def section(output, cell_id):
    """The HTML a section of master.ipynb shows."""
    master = nbformat.read(output / "master.ipynb", as_version=4)
    return next(c for c in master.cells if c.id == cell_id).outputs[0]["data"]["text/html"]


@pytest.fixture
def collected(tmp_path):
    """A copy of the committed runs, collected."""
    output = tmp_path / "out"
    shutil.copytree(DATA, output)
    runs = collect(output)
    return output, runs


def test_every_planned_run_gets_its_state_and_none_stops_the_collector(collected):
    _, runs = collected
    assert {r.id: r.state for r in runs} == EXPECTED


def test_the_master_notebook_is_valid_with_unique_deterministic_cell_ids(collected, tmp_path):
    output, _ = collected
    master = nbformat.read(output / "master.ipynb", as_version=4)
    nbformat.validate(master)
    ids = [c["id"] for c in master.cells]
    assert len(ids) == len(set(ids))
    collect(output)
    assert [c["id"] for c in nbformat.read(output / "master.ipynb", as_version=4).cells] == ids
    assert ids == ["summary", "failures", "metrics", "runs", "gallery", "manifest"]


def test_the_summary_counts_ok_failed_and_missing(collected):
    output, _ = collected
    summary = section(output, "summary")
    assert "6 runs: 1 ok, 4 failed, 1 missing or still running" in summary


def test_failures_show_cell_error_and_traceback_without_ansi_codes(collected):
    output, _ = collected
    failures = section(output, "failures")
    assert "ValueError: bad value raise" in failures and "at cell 4" in failures
    assert "\x1b[" not in failures and "<pre class=\"js-trace\">" in failures
    assert "does not match its status record" in failures


def test_metrics_include_our_records_and_scrapbook_scraps(collected):
    output, _ = collected
    with open(output / "metrics.csv", newline="") as handle:
        rows = {r["job"]: r for r in csv.DictReader(handle)}
    assert rows["ok"]["params.fault"] == "ok" and rows["ok"]["metrics.legacy_scrap"] == "42"
    assert rows["ok"]["status"] == "ok" and rows["missing"]["status"] == "missing"


def test_html_from_a_run_never_reaches_the_report_unescaped(collected, tmp_path):
    output, _ = collected
    plan = json.loads((output / "plan.json").read_text())
    plan["jobs"][0]["label"] = "<script>alert(1)</script>"
    (output / "plan.json").write_text(json.dumps(plan))
    collect(output)
    html = (output / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "document.title='pwned'" not in html


def test_the_report_fetches_nothing_from_the_network(collected):
    output, _ = collected
    html = (output / "report.html").read_text()
    assert "<script src=" not in html and "cdnjs" not in html


def test_the_last_expression_of_tagged_cells_is_a_metric(tmp_path, values):
    from support import NOTEBOOKS, run_cli

    output = tmp_path / "out"
    result = run_cli("run", NOTEBOOKS / "tagged.ipynb", values("AL", "TX"), "-o", output, "--metric-tag", "metric")
    assert result.returncode == 0, result.stderr
    with open(output / "metrics.csv", newline="") as handle:
        rows = {r["job"]: r for r in csv.DictReader(handle)}
    assert rows["AL"]["metrics.rows"] == "20" and rows["TX"]["metrics.f'hello {state}'"] == "hello TX"
    assert "12345" not in rows["AL"]
    untagged = run_cli("collect", output)
    with open(output / "metrics.csv", newline="") as handle:
        assert "metrics.rows" not in next(csv.reader(handle))
    assert untagged.returncode == 0
