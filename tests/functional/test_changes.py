"""What changed since the last sweep: a sweep that runs values again compares each with its result
before (kept in OUTPUT/history/), in the report's section "Changes since the last sweep" and in changes.csv."""

import csv
import html

import pytest

from support import NOTEBOOKS, run_cli

NOTEBOOK = NOTEBOOKS / "groups.ipynb"


def sweep(tmp_path, *options):
    """The groups notebook over okA, okB, okC, reading its numbers from tmp_path/state."""
    return run_cli("run", NOTEBOOK, tmp_path / "values.txt", "--param", "kind", "-p", "state_dir", tmp_path / "state",
                   "--output", tmp_path / "out", "--jobs", 2, *options)


def changes(out):
    """changes.csv's rows as (job, name, before, after)."""
    with open(out / "changes.csv", newline="") as handle:
        return [(r["job"], r["name"], r["before"], r["after"]) for r in csv.DictReader(handle)]


def section(out):
    """The report's changes section as HTML, or '' when it has none."""
    page = (out / "report.html").read_text()
    start = page.find('<section id="changes"')
    return page[start:page.index("</section>", start)] if start >= 0 else ""


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """Two sweeps: okA fails the first time; 'moving' goes from 1.5 to 2.5 and its figure with it."""
    tmp = tmp_path_factory.mktemp("changes")
    (tmp / "values.txt").write_text("okA\nokB\nokC\n")
    (tmp / "state").mkdir()
    (tmp / "state" / "moving").write_text("1.5")
    (tmp / "state" / "broken-okA").write_text("yes")
    first = sweep(tmp)
    before = {"changes": changes(tmp / "out"), "section": section(tmp / "out")}
    (tmp / "state" / "moving").write_text("2.5")
    (tmp / "state" / "broken-okA").unlink()
    second = sweep(tmp, "--rerun-ok")
    assert second.returncode == 0, first.stderr + second.stderr
    return tmp, before


def test_a_first_sweep_has_nothing_to_compare_with(swept):
    _, before = swept
    assert before == {"changes": [], "section": ""}


def test_a_metric_that_changed_is_in_changes_csv_and_an_unchanged_one_is_not(swept):
    tmp, _ = swept
    rows = changes(tmp / "out")
    assert ("okB", "moving", "1.5", "2.5") in rows and ("okC", "moving", "1.5", "2.5") in rows
    assert not [r for r in rows if r[0] in ("okB", "okC") and r[1] == "steady"]


def test_the_report_shows_the_changed_metric_before_and_after_and_not_the_unchanged_one(swept):
    tmp, _ = swept
    found = section(tmp / "out")
    assert "Changes since the last sweep" in found
    assert '<td><a href="#run-okB">okB</a></td><td>moving</td><td>1.5</td><td>2.5</td><td>+1 (+66.7%)</td>' in found
    assert '<a href="#run-okB">okB</a></td><td>steady' not in found


def test_a_status_that_changed_appears_in_both(swept):
    tmp, _ = swept
    assert ("okA", "(status)", "cell-error", "ok") in changes(tmp / "out")
    assert '<td class="js-cell-error">cell-error</td><td class="js-ok">ok</td>' in section(tmp / "out")


def test_a_figure_that_changed_is_shown_before_and_after_from_its_kept_files(swept):
    tmp, _ = swept
    out = tmp / "out"
    [(_, name, before, after)] = [r for r in changes(out) if r[0] == "okB" and r[1].startswith("(figure")]
    assert before != after and (out / before).is_file() and (out / after).is_file()
    assert f'src="{html.escape(before)}"' in section(out) and f'src="{html.escape(after)}"' in section(out)


def test_a_sweep_that_changes_nothing_shows_no_changes(swept):
    tmp, _ = swept
    third = sweep(tmp, "--rerun-ok")
    assert third.returncode == 0, third.stderr
    assert changes(tmp / "out") == [] and section(tmp / "out") == ""
    assert len(list((tmp / "out" / "history").glob("*.jsonl"))) == 3
