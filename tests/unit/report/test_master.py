"""master: the report's sections (the same HTML for report.html and master.ipynb) built from
hand-made Runs, and the master notebook that shows them as text/html outputs. No kernel.

Figures are read again from the runs' notebooks, so the tests that need them write small executed
notebooks under tmp_path and pass it as the output folder.
"""

import base64
import re
from html.parser import HTMLParser

import nbformat
import pytest

from jupyterstream.launch.plan import build_plan, stage
from jupyterstream.report import master
from jupyterstream.report import write as report
from jupyterstream.report.master import NOTEBOOK_ROWS
from jupyterstream.collect.runs import Run

from ..helpers import notebook as make_notebook, places, png, save, write_run

PLAN = {"notebook": "notebooks/births.ipynb", "values_file": "states.txt",
        "notebook_sha256": "a" * 64, "values_sha256": "b" * 64}
PNG = png(6, 4)
SVG = "<svg xmlns='http://www.w3.org/2000/svg'><script>alert('svg')</script><rect/></svg>"
NASTY = "<script>alert(1)</script> [pwn](javascript:document.title='x') \" ' & {{7*7}} </script>"
AL_FIGURES = {3: [("image/png", PNG[:10] + "\n" + PNG[10:])]}
NY_FIGURES = {3: [("image/svg+xml", SVG)], 7: [("image/png", PNG)]}


def failure(cell_index=None, ename=None, evalue=None, traceback=None, source=""):
    """A failure dict as collect.summarize makes it."""
    return {"cell_index": cell_index, "ename": ename, "evalue": evalue, "traceback": traceback, "source": source}


@pytest.fixture
def output(tmp_path):
    """An output folder holding the executed notebooks of sample_runs."""
    write_run(tmp_path, "AL", AL_FIGURES)
    write_run(tmp_path, "NY", NY_FIGURES)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "AL.log").write_text("log")
    return tmp_path


def sample_runs():
    return [
        Run("AL", "AL", {"state": "AL"}, state="ok", duration=2.0, host="h1", attempts=1, kernel_ready=1.5,
            exit="0", signal="0", output_bytes=12_345, metrics={"peak": 1990, "rate": 0.123456789},
            figures=places(AL_FIGURES), notebook="runs/AL.ipynb", max_rss_mb=412.34, cpu_s=0.9,
            cells=[{"cell": 2, "seconds": 0.01, "cpu_s": 0.0, "grew_mb": 0.1, "rss_mb": 60.0},
                   {"cell": 3, "seconds": 0.8, "cpu_s": 0.7, "grew_mb": 350.0, "rss_mb": 410.0}]),
        Run("CA", "CA", {"state": "CA"}, state="cell-error", duration=1.0, attempts=2,
            failure=failure(4, "KeyError", "'CA'", ["Traceback", "  line 1", "KeyError: 'CA'"], "rows = t['CA']"),
            notebook="runs/CA.ipynb"),
        Run("TX", "TX", {"state": "TX"}, state="missing"),
        Run("NY", "NY", {"state": "NY"}, state="ok", duration=4.0, metrics={"peak": 2000, "extra": [1, 2]},
            figures=places(NY_FIGURES), notebook="runs/NY.ipynb"),
        Run("DC", "DC", {"state": "DC"}, state="job-timeout", failure=failure(),
            message="stopped by the job timeout\nafter 60 s"),
    ]


def build(runs, output=None, plan=PLAN, checked=None):
    """(parts, master notebook) for these runs."""
    parts = master.build(plan, runs, output, checked)
    return parts, master.build_master(plan, parts)


def html_of(nb, cell_id):
    cell = next(c for c in nb.cells if c.id == cell_id)
    return cell.outputs[0]["data"]["text/html"]


def all_html(nb):
    return "\n".join(html_of(nb, c.id) for c in nb.cells)


# --- the notebook -----------------------------------------------------------------------------


def test_master_is_a_valid_nbformat_4_5_notebook_with_one_html_output_per_section(output):
    _, nb = build(sample_runs(), output)
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.nbformat_minor >= 5
    nbformat.validate(nbformat.reads(nbformat.writes(nb), as_version=4))
    assert [c.cell_type for c in nb.cells] == ["code"] * 6
    assert all(c.outputs[0]["output_type"] == "display_data" and "text/html" in c.outputs[0]["data"] for c in nb.cells)


def test_master_cell_ids_are_the_section_names_in_order_every_time(output):
    first = [c.id for c in build(sample_runs(), output)[1].cells]
    assert first == [c.id for c in build(sample_runs(), output)[1].cells]
    assert first == ["summary", "failures", "metrics", "runs", "gallery", "manifest"]


def test_master_of_no_runs_is_valid_and_says_so():
    _, nb = build([])
    nbformat.validate(nb)
    assert "0 runs" in html_of(nb, "summary") and "No run drew a figure" in html_of(nb, "gallery")
    assert "every run is ok" in html_of(nb, "failures") and "No run recorded a metric" in html_of(nb, "metrics")


def test_master_records_where_it_came_from(output):
    meta = build(sample_runs(), output)[1].metadata
    assert meta["jupyterstream"] == PLAN and meta["kernelspec"]["name"] == "python3"


def test_the_page_and_the_notebook_share_each_section_but_the_notebook_has_the_whole_ledger(output):
    runs = [Run(f"r{i}", f"v{i}", {}, state="ok") for i in range(master.PAGE_ROWS + 5)]
    parts, nb = build(runs, output)
    for name in ("summary", "failures", "metrics", "gallery", "manifest"):
        assert html_of(nb, name) == str(parts["sections"][name])
    assert str(parts["sections"]["runs"]).count("<tr><td>") == master.PAGE_ROWS
    assert html_of(nb, "runs").count("<tr><td>") == master.PAGE_ROWS + 5


# --- summary ----------------------------------------------------------------------------------


def test_summary_counts_ok_failed_and_missing_runs_with_ok_first(output):
    summary = html_of(build(sample_runs(), output)[1], "summary")
    assert "<strong>5 runs: 2 ok, 2 failed, 1 missing or still running.</strong>" in summary
    assert re.findall(r"<b>(\d+)</b> ([\w-]+)</div>", summary) == \
        [("2", "ok"), ("1", "cell-error"), ("1", "job-timeout"), ("1", "missing")]
    assert "median 2.00 s" in summary and "longest 4.00 s" in summary and "7.0 s in all" in summary


def test_summary_names_the_failure_groups_linked_and_a_per_host_table(output):
    summary = html_of(build(sample_runs(), output)[1], "summary")
    assert re.findall(r'<li><a href="(#failure-\d)">(.*?)</a>', summary) == [
        ("#failure-0", "cell error: KeyError at cell 4 (1 run)"), ("#failure-1", "job timeout (1 run)"),
        ("#failure-2", "not run (1 run)")]
    assert "<tr><td>h1</td><td>1</td><td>1</td><td>0</td><td>2.00</td></tr>" in summary


def test_summary_shows_the_metrics_at_a_glance(output):
    summary = html_of(build(sample_runs(), output)[1], "summary")
    assert '<td><a href="#metric-0">peak</a></td><td>2</td><td>1990</td><td>1995</td><td>2000</td>' in summary


def test_summary_says_a_sweep_is_under_way_while_runs_are_pending_or_running():
    runs = [Run("a", "a", {}, state="pending"), Run("b", "b", {}, state="running"), Run("c", "c", {}, state="ok")]
    summary = html_of(build(runs)[1], "summary")
    assert "3 runs: 1 ok, 0 failed, 2 missing or still running." in summary
    assert "A sweep is under way: 1 running, 1 pending" in summary


def test_summary_lists_at_most_six_failure_groups():
    runs = [Run(f"r{i}", f"r{i}", {}, state="cell-error", failure=failure(i, "E")) for i in range(8)]
    summary = html_of(build(runs)[1], "summary")
    assert "at cell 5 (1 run)" in summary and "at cell 6" not in summary and "… and 2 more" in summary


# --- run ledger -------------------------------------------------------------------------------


def test_run_ledger_has_the_columns_in_order_and_a_row_per_run_in_run_order(output):
    ledger = html_of(build(sample_runs(), output)[1], "runs")
    assert re.findall(r"<th>(.*?)</th>", ledger) == ["value", "status", "duration (s)", "kernel ready (s)",
                                                     "peak memory (MB)", "CPU (s)", "host", "exit", "signal", "attempts",
                                                     "failing cell", "output (kB)", "notebook", "note"]
    assert re.findall(r'<tr><td><a href="#run-(\w+)">', ledger) == ["AL", "CA", "TX", "NY", "DC"]


def test_run_ledger_row_shows_timings_host_exit_attempts_size_and_link(output):
    ledger = html_of(build(sample_runs(), output)[1], "runs")
    assert '<tr><td><a href="#run-AL">AL</a></td><td class="js-ok">ok</td><td>2.0</td><td>1.5</td><td>412.34</td><td>0.9</td><td>h1</td>' \
           '<td>0</td><td>0</td><td>1</td><td></td><td>12</td><td><a href="runs/AL.ipynb">notebook</a></td><td></td></tr>' \
           in ledger


def test_run_ledger_row_of_a_failed_run_gives_the_failing_cell_and_a_note(output):
    ledger = html_of(build(sample_runs(), output)[1], "runs")
    assert "<td>4</td><td></td><td><a href=\"runs/CA.ipynb\">notebook</a></td>" \
           "<td>cell 4: KeyError: &#39;CA&#39;</td></tr>" in ledger
    assert "<td>after 60 s</td></tr>" in ledger, "the last line of the message"


def test_each_run_s_data_for_the_page_holds_its_parameters_metrics_error_figures_and_log(output):
    import json

    parts, _ = build(sample_runs(), output)
    rows = {r["i"]: r for r in json.loads('{"runs":[' + ",".join(parts["json"]) + "]}")["runs"]}
    assert rows["AL"]["p"] == {"state": "AL"} and rows["AL"]["m"] == {"peak": 1990, "rate": 0.123456789}
    assert rows["AL"]["L"] == "logs/AL.log" and "L" not in rows["NY"] and rows["AL"]["f"] == 1
    assert [c["cell"] for c in rows["AL"]["w"]] == [3, 2], "the longest cell first"
    assert rows["AL"]["w"][0] == {"cell": 3, "seconds": 0.8, "cpu_s": 0.7, "grew_mb": 350.0, "rss_mb": 410.0}
    assert (rows["AL"]["M"], rows["AL"]["C"]) == (412.34, 0.9) and rows["TX"]["M"] is None and "w" not in rows["TX"]
    assert rows["CA"]["x"] == {"ename": "KeyError", "evalue": "'CA'", "traceback": "Traceback\n  line 1\nKeyError: 'CA'",
                               "source": "rows = t['CA']"}


def test_a_running_run_shows_how_far_it_got():
    run = Run("a", "a", {}, state="running", progress={"cell": 7, "cells": 12})
    assert '<td class="js-running">running: cell 7 of 12</td>' in html_of(build([run])[1], "runs")


# --- failure triage ---------------------------------------------------------------------------


def test_failures_group_runs_by_class_error_and_cell_in_triage_order(output):
    failures = html_of(build(sample_runs(), output)[1], "failures")
    assert "3 runs are not ok, in 3 groups." in failures
    assert re.findall(r"<h3>(.*?)</h3>", failures) == ["cell error: KeyError at cell 4 (1 run)", "job timeout (1 run)",
                                                       "not run (1 run)"]


def test_failures_give_values_a_sample_error_the_failing_cell_traceback_and_notebooks(output):
    failures = html_of(build(sample_runs(), output)[1], "failures")
    assert '<p>Values: <a href="#run-CA">CA</a></p>' in failures
    assert "<p>Sample (CA): <code>KeyError: &#39;CA&#39;</code></p>" in failures
    assert '<pre class="js-source">rows = t[&#39;CA&#39;]</pre>' in failures
    assert '<pre class="js-trace">Traceback\n  line 1\nKeyError: &#39;CA&#39;</pre>' in failures
    assert '<p>Notebooks: <a href="runs/CA.ipynb">CA</a></p>' in failures
    assert "<p>Sample (DC): stopped by the job timeout\nafter 60 s</p>" in failures


def test_a_failure_group_of_many_runs_lists_fifty_values_and_shows_one_traceback():
    runs = [Run(f"r{i}", f"v{i}", {}, state="cell-error", notebook=f"runs/r{i}.ipynb",
                failure=failure(4, "KeyError", f"'v{i}'", ["Traceback", f"KeyError: 'v{i}'"])) for i in range(300)]
    failures = html_of(build(runs)[1], "failures")
    assert failures.count('<a href="#run-r') == 50 and " and 250 more</p>" in failures
    assert failures.count("<pre") == 1 and "KeyError: &#39;v0&#39;</pre>" in failures
    assert 'href="runs/r49.ipynb"' in failures and "runs/r50.ipynb" not in failures


def test_failures_keep_the_last_12_traceback_lines_without_colour_codes():
    trace = [f"\x1b[0;31mline{i}\x1b[0m" for i in range(20)]
    failures = html_of(build([Run("x", "x", {}, state="cell-error", failure=failure(0, "E", "v", trace))])[1], "failures")
    assert "line7\n" not in failures and ">line8\n" in failures and "line19</pre>" in failures
    assert "\x1b" not in failures and "[0;31m" not in failures


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_table_has_names_in_first_seen_order_and_skips_runs_without_metrics(output):
    metrics = html_of(build(sample_runs(), output)[1], "metrics")
    assert "<tr><th>value</th><th>peak</th><th>rate</th><th>extra</th></tr>" in metrics
    assert '<tr><td><a href="#run-AL">AL</a></td><td>1990</td><td>0.123457</td><td></td></tr>' in metrics
    assert '<td><a href="#run-NY">NY</a></td><td>2000</td><td></td><td>[1, 2]</td></tr>' in metrics
    assert "#run-CA" not in metrics


def test_metrics_get_a_chart_only_when_two_runs_have_a_number(output):
    metrics = html_of(build(sample_runs(), output)[1], "metrics")
    assert re.findall(r"<h3>(.*?)</h3>", metrics) == ["What each run used", "duration (s)", "peak"]
    assert "<summary>All recorded values (2 runs)</summary>" in metrics
    assert metrics.count("<svg") == 3, "the durations' chart; the metric's, and a tile map: AL and NY are state codes"


def test_each_runs_duration_peak_memory_and_cpu_are_charted_beside_the_metrics(output):
    runs = [Run(s, s, {}, state="ok", duration=1.0 + i, max_rss_mb=100.0 + 10 * i, cpu_s=0.5, notebook=f"runs/{s}.ipynb")
            for i, s in enumerate(["a", "b", "c", "d", "e", "f", "g", "h"])]
    runs[3].max_rss_mb = 4000.0
    metrics = html_of(build(runs, output)[1], "metrics")
    assert re.findall(r"<h3>(.*?)</h3>", metrics) == ["What each run used", "duration (s)", "peak memory (MB)", "CPU (s)"]
    assert "peak memory (MB): median 145, lowest 100, highest 4000 (8 runs)" in metrics
    assert "<p class='js-constant'>all 8 runs: 0.5</p>" in metrics, "the same CPU everywhere: one line"
    assert 'id="used-1"' in metrics and '<a href="#run-d">d</a> (4000)' in metrics, "the memory outlier, linked"


def test_a_constant_metric_is_one_line(output):
    runs = [Run(s, s, {}, state="ok", metrics={"first_year": 1968}) for s in ("AL", "CA", "NY")]
    metrics = html_of(build(runs)[1], "metrics")
    assert "<p class='js-constant'>all 3 runs: 1968</p>" in metrics and "<svg" not in metrics


def test_a_tile_map_is_drawn_only_when_the_values_are_state_codes():
    states = [Run(s, s, {}, state="ok", metrics={"m": float(i)}) for i, s in enumerate(("AL", "CA", "NY"))]
    others = [Run(s, s, {}, state="ok", metrics={"m": float(i)}) for i, s in enumerate(("AL", "CA", "Ontario"))]
    assert "js-tilemap" in html_of(build(states)[1], "metrics")
    assert "js-tilemap" not in html_of(build(others)[1], "metrics")


def test_metrics_list_the_outliers_of_a_metric_linked_to_their_runs():
    runs = [Run(f"r{i}", f"v{i}", {}, state="ok", metrics={"loss": 1.0 + i / 1000}) for i in range(9)]
    runs.append(Run("big", "big", {}, state="ok", metrics={"loss": 1000.0}))
    metrics = html_of(build(runs)[1], "metrics")
    assert 'Outliers (more than 3.5 robust deviations from the median): <a href="#run-big">big</a> (1000)' in metrics
    assert "<a href='#run-big'><rect" in metrics


# --- gallery ----------------------------------------------------------------------------------


def test_gallery_groups_figures_by_cell_and_never_embeds_raw_svg(output):
    gallery = html_of(build(sample_runs(), output)[1], "gallery")
    assert re.findall(r"<h3>(.*?)</h3>", gallery) == ["Cell 3: 2 figures", "Cell 7: 1 figure"]
    assert f'src="data:image/png;base64,{PNG}"' in gallery, "whitespace in base64 is dropped"
    assert 'src="data:image/svg+xml;base64,' in gallery and "<svg" not in gallery
    svg = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', gallery).group(1)
    assert b"script" not in base64.b64decode(svg) and "alert" not in gallery
    assert '<figcaption><a href="#run-AL">AL</a></figcaption>' in gallery
    assert 'id="fig-AL-0"' in gallery and 'id="fig-NY-1"' in gallery


# --- manifest ---------------------------------------------------------------------------------


def test_manifest_comes_last_with_the_plan_hashes_and_local_versions(output):
    nb = build(sample_runs(), output)[1]
    assert nb.cells[-1].id == "manifest"
    manifest = html_of(nb, "manifest")
    assert f"<code>sha256 {'a' * 64}</code>" in manifest and f"<code>sha256 {'b' * 64}</code>" in manifest
    assert f"<tr><td>nbformat</td><td>{nbformat.__version__}</td>" in manifest


def test_manifest_flags_hosts_whose_versions_differ():
    runs = [Run("a", "a", {}, state="ok", host="h1", python="3.11.4"),
            Run("b", "b", {}, state="ok", host="h2", python="3.12.1")]
    checked = {"h1": {"python": "3.11.4", "versions": {"nbconvert": "7.16.0"}},
               "h2": {"python": "3.12.1", "versions": {"nbconvert": "7.16.0"}}}
    manifest = html_of(build(runs, checked=checked)[1], "manifest")
    assert "<th>kernel python (differs)</th>" in manifest and "<th>nbconvert</th>" in manifest
    assert '<tr><td>h1</td><td class="js-drift">3.11.4</td><td>7.16.0</td></tr>' in manifest
    assert "<p>Hosts differ in: kernel python. Results may not be comparable.</p>" in manifest


# --- nothing from a run is markup -------------------------------------------------------------


def nasty_runs(output, label=NASTY):
    write_run(output, "job-1", {2: [("image/svg+xml", SVG)]})
    return [Run("job-1", label, {label: label}, state="cell-error", host=label, python=label,
                failure=failure(1, label, label, [label, label], label), message=label,
                metrics={label: label, "n": 1.0}, figures=places({2: [("image/svg+xml", SVG)]}),
                notebook="runs/job-1.ipynb"),
            Run("ok", "ok", {"state": "ok"}, state="ok", metrics={label: 1.0, "n": 2.0}),
            Run("j", "j", {}, state="cell-error", notebook="javascript:document.title='x'"),
            Run("up", "up", {}, state="cell-error", notebook="../../../etc/passwd")]


def test_nothing_taken_from_a_run_becomes_markup_anywhere(tmp_path):
    plan = dict(PLAN, notebook=NASTY, values_file="[pwn](javascript:document.title='x').txt")
    nb = build(nasty_runs(tmp_path), tmp_path, plan=plan, checked={NASTY: {"python": NASTY, "versions": {NASTY: NASTY}}})[1]
    html = all_html(nb)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tags = Tags()
    tags.feed(html)
    assert {"script", "img", "a"} & tags.names == {"img", "a"}, "no <script>; links and images are ours"
    for name, attribute, value in tags.attributes:
        assert not attribute.startswith("on"), (name, attribute)
        if attribute in ("href", "src"):
            assert value.startswith(("#", "runs/", "logs/", "figures/", "data:image/")), (name, attribute, value)
    assert "{{7*7}}" in html and ">49<" not in html, "a value is never a template"


class Tags(HTMLParser):
    """Every element and attribute of a piece of HTML, as a browser's parser sees them."""

    def __init__(self):
        super().__init__()
        self.names, self.attributes = set(), []

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]


def test_links_to_run_files_only_point_inside_the_output_folder(tmp_path):
    html = all_html(build(nasty_runs(tmp_path), tmp_path)[1])
    hrefs = set(re.findall(r'href="([^"]*)"', html))
    assert hrefs and all(h.startswith(("#", "runs/", "logs/", "figures/")) for h in hrefs), hrefs


def test_quotes_from_values_cannot_end_an_attribute():
    run = Run("x", "x' onmouseover='alert(1)", {}, state="ok", metrics={"m": 1.0})
    html = all_html(build([run, Run("y", "y", {}, state="ok", metrics={"m": 2.0})])[1])
    assert "onmouseover='" not in html and "onmouseover=\"" not in html


def test_master_ipynb_of_a_sweep_bigger_than_its_ledger_holds_the_first_rows_and_says_where_the_rest_are(tmp_path):
    count = NOTEBOOK_ROWS + 200
    values = tmp_path / "values.txt"
    values.write_text("".join(f"v{i:05d}\n" for i in range(count)))
    output = tmp_path / "out"
    stage(build_plan(save(make_notebook(), tmp_path / "nb.ipynb"), values), output)
    report.collect(output)
    master = nbformat.read(output / "master.ipynb", as_version=4)
    ledger = next(c for c in master.cells if c["id"] == "runs").outputs[0]["data"]["text/html"]
    assert ledger.count("<tr") == NOTEBOOK_ROWS + 1  # the header's row, then the first runs
    assert "v00000" in ledger and f"v{NOTEBOOK_ROWS - 1:05d}" in ledger and f"v{NOTEBOOK_ROWS:05d}" not in ledger
    assert f"The first {NOTEBOOK_ROWS} of {count} runs; all of them are in runs.csv." in ledger
    assert len((output / "runs.csv").read_text().splitlines()) == count + 1
    page = (output / "report.html").read_text()
    assert page.count('"i":"v0') == count  # the page's script still has every run
