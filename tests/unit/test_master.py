"""master.build_master: the master notebook built from hand-made Runs (no kernel).

Figures are read again from the runs' notebooks, so the tests that need them write small executed
notebooks under tmp_path and pass it as the output folder.
"""

import base64
import re

import nbformat
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from jupyterstream import gallery, master
from jupyterstream.collect import Run

from .helpers import places, png, write_run

PLAN = {"notebook": "notebooks/births.ipynb", "values_file": "states.txt",
        "notebook_sha256": "a" * 64, "values_sha256": "b" * 64}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake png").decode()
SVG = "<svg xmlns='http://www.w3.org/2000/svg'><script>alert('svg')</script><rect/></svg>"
NASTY = "<script>alert(1)</script> $x^2$ a|b \\(y\\) & 'q' \"dq\""
AL_FIGURES = {3: [("image/png", PNG[:10] + "\n" + PNG[10:])]}
NY_FIGURES = {3: [("image/svg+xml", SVG)], 7: [("image/png", PNG)]}
NASTY_FIGURES = {2: [("image/svg+xml", SVG)]}


def failure(cell_index=None, ename=None, evalue=None, traceback=None):
    """A failure dict as collect.summarize makes it: every key present, None when unknown."""
    return {"cell_index": cell_index, "ename": ename, "evalue": evalue, "traceback": traceback}


@pytest.fixture
def output(tmp_path):
    """An output folder holding the executed notebooks of sample_runs and nasty_runs."""
    write_run(tmp_path, "AL", AL_FIGURES)
    write_run(tmp_path, "NY", NY_FIGURES)
    write_run(tmp_path, "job-12345678", NASTY_FIGURES)
    return tmp_path


def sample_runs():
    return [
        Run("AL", "AL", {"state": "AL"}, state="ok", duration=2.0, host="h1", attempts=1, kernel_ready=1.5,
            exit="0", signal="0", output_bytes=12_345, metrics={"peak": 1990, "rate": 0.123456789},
            figures=places(AL_FIGURES), notebook="runs/AL.ipynb"),
        Run("CA", "CA", {"state": "CA"}, state="cell-error", duration=1.0, attempts=2,
            failure=failure(4, "KeyError", "'CA'", ["Traceback", "  line 1", "KeyError: 'CA'"]),
            message="", notebook="runs/CA.ipynb"),
        Run("TX", "TX", {"state": "TX"}, state="missing"),
        Run("NY", "NY", {"state": "NY"}, state="ok", duration=4.0, metrics={"peak": 2000, "extra": [1, 2]},
            figures=places(NY_FIGURES), notebook="runs/NY.ipynb"),
        Run("DC", "DC", {"state": "DC"}, state="job-timeout", failure=failure(),
            message="stopped by the job timeout\nafter 60 s"),
    ]


def nasty_runs(label=NASTY, **extra):
    return [Run("job-12345678", label, {"state": label}, state="cell-error",
                failure=failure(1, label, label, [label, label]), message=label, host=label, python=label,
                metrics={label: label}, figures=places(NASTY_FIGURES), notebook="runs/job-12345678.ipynb",
                **extra),
            Run("ok", "ok", {"state": "ok"}, state="ok", metrics={label: 1.0})]


def nasty_checked(label=NASTY):
    """Preflight facts (hosts.json) whose host, python and package names are all the nasty text."""
    return {label: {"python": label, "versions": {label: label, "nbconvert": None}}}


def build(runs, output=None, plan=PLAN, checked=None, thumbs=None):
    return master.build_master(plan, runs, output, checked=checked, thumbs={} if thumbs is None else thumbs)


def markdown_sources(nb):
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def all_html(nb):
    """Every markdown source and every text/html output of the master."""
    texts = markdown_sources(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("data", {}).get("text/html", ""))
    return "\n".join(texts)


def gallery_html(nb):
    return "\n".join(o["data"]["text/html"] for c in nb.cells if c.id.startswith("gallery-cell-")
                     for o in c.get("outputs", []))


def cell(nb, cell_id):
    return next(c for c in nb.cells if c.id == cell_id)


# --- structure --------------------------------------------------------------------------------


def test_master_is_a_valid_nbformat_4_5_notebook(output):
    nb = build(sample_runs(), output, checked=nasty_checked("h1"))
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.nbformat_minor >= 5
    nbformat.validate(nbformat.reads(nbformat.writes(nb), as_version=4))


def test_master_cell_ids_are_unique_and_deterministic(output):
    first = [c.id for c in build(sample_runs(), output).cells]
    second = [c.id for c in build(sample_runs(), output).cells]
    assert first == second and len(set(first)) == len(first)
    assert first == ["summary", "runs", "failures", "metrics", "gallery",
                     "gallery-cell-3-title", "gallery-cell-3", "gallery-cell-7-title", "gallery-cell-7", "manifest"]
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", i) for i in first)


def test_master_of_no_runs_is_valid_and_says_so():
    nb = build([])
    nbformat.validate(nb)
    assert [c.id for c in nb.cells] == ["summary", "runs", "failures", "metrics", "gallery", "manifest"]
    assert "0 runs" in cell(nb, "summary").source
    assert "No run drew a figure" in cell(nb, "gallery").source
    assert "every run is ok" in cell(nb, "failures").source
    assert "No run recorded a metric" in cell(nb, "metrics").source


def test_master_records_where_it_came_from(output):
    meta = build(sample_runs(), output).metadata
    assert meta["jupyterstream"] == PLAN
    assert meta["kernelspec"]["name"] == "python3"


# --- summary ----------------------------------------------------------------------------------


def test_summary_counts_ok_failed_and_missing_runs_with_ok_first(output):
    runs = sample_runs()
    source = cell(build(runs, output), "summary").source
    assert "**5 runs: 2 ok, 2 failed, 1 missing or still running.**" in source
    assert list(master.counts(runs)) == ["ok", "cell-error", "job-timeout", "missing"]
    assert "median 2.00 s" in source and "longest 4.00 s" in source and "7.0 s in all" in source


def test_summary_names_the_failure_groups_and_a_per_host_table(output):
    source = cell(build(sample_runs(), output), "summary").source
    assert "Failures: cell error: KeyError at cell 4 (1 run); job timeout (1 run); not run (1 run) " \
           "(see Failures below)." in source
    assert "<tr><td>h1</td><td>1</td><td>1</td><td>0</td><td>2.00</td></tr>" in source


def test_summary_says_a_sweep_is_under_way_while_runs_are_pending_or_running():
    runs = [Run("a", "a", {}, state="pending"), Run("b", "b", {}, state="running"), Run("c", "c", {}, state="ok")]
    source = cell(build(runs), "summary").source
    assert "**3 runs: 1 ok, 0 failed, 2 missing or still running.**" in source
    assert "A sweep is under way: 1 running, 1 pending" in source
    assert "under way" not in cell(build([Run("c", "c", {}, state="ok"), Run("x", "x", {})]), "summary").source


def test_summary_lists_at_most_six_failure_groups():
    runs = [Run(f"r{i}", f"r{i}", {}, state="cell-error", failure=failure(i, "E")) for i in range(8)]
    source = cell(build(runs), "summary").source
    assert "at cell 5 (1 run); …" in source and "at cell 6" not in source


# --- run ledger -------------------------------------------------------------------------------


def test_run_ledger_is_a_sortable_table_with_the_columns_in_order(output):
    source = cell(build(sample_runs(), output), "runs").source
    assert source.startswith("## Runs")
    assert "<table class='sortable'><tr><th>value</th><th>status</th><th>duration (s)</th>" \
           "<th>kernel ready (s)</th><th>host</th><th>exit</th><th>signal</th><th>attempts</th>" \
           "<th>failing cell</th><th>output (kB)</th><th>notebook</th><th>note</th></tr>" in source


def test_run_ledger_has_a_row_per_run_in_run_order(output):
    source = cell(build(sample_runs(), output), "runs").source
    assert source.count("<tr><td>") == 5
    assert re.findall(r"<tr><td>(\w+)</td>", source) == ["AL", "CA", "TX", "NY", "DC"]


def test_run_ledger_row_shows_timings_host_exit_attempts_size_and_link(output):
    source = cell(build(sample_runs(), output), "runs").source
    assert "<tr><td>AL</td><td>ok</td><td>2.00</td><td>1.50</td><td>h1</td><td>0</td><td>0</td><td>1</td>" \
           "<td></td><td>12</td><td><a href='runs/AL.ipynb'>AL.ipynb</a></td><td></td></tr>" in source


def test_run_ledger_row_of_a_failed_run_gives_the_failing_cell_and_a_note(output):
    source = cell(build(sample_runs(), output), "runs").source
    assert "<tr><td>CA</td><td>cell-error</td><td>1.00</td><td></td><td></td><td></td><td></td><td>2</td>" \
           "<td>4</td><td></td><td><a href='runs/CA.ipynb'>CA.ipynb</a></td>" \
           "<td>cell 4: KeyError: &#x27;CA&#x27;</td></tr>" in source
    assert "<td>after 60 s</td></tr>" in source, "the last line of the message"
    assert "<tr><td>TX</td><td>missing</td><td></td>" in source


def test_run_ledger_shows_a_failure_in_cell_0_as_cell_0():
    run = Run("x", "x", {}, state="cell-error", failure=failure(0, "E", "v"))
    assert "<td>0</td><td></td><td></td><td>cell 0: E: v</td>" in cell(build([run]), "runs").source


# --- failure triage ---------------------------------------------------------------------------


def test_failures_group_runs_by_class_error_and_cell_in_triage_order(output):
    source = cell(build(sample_runs(), output), "failures").source
    assert "3 runs are not ok, in 3 groups." in source
    titles = re.findall(r"<h3>(.*?)</h3>", source)
    assert titles == ["cell error: KeyError at cell 4 (1 run)", "job timeout (1 run)", "not run (1 run)"]


def test_failures_give_values_a_sample_error_traceback_and_notebook_links(output):
    source = cell(build(sample_runs(), output), "failures").source
    assert "<p>Values: CA</p>" in source
    assert "<p>Sample (CA): <code>KeyError: &#x27;CA&#x27;</code></p>" in source
    assert "<pre>Traceback&#10;  line 1&#10;KeyError: &#x27;CA&#x27;</pre>" in source
    assert "<p>Notebooks: <a href='runs/CA.ipynb'>CA</a></p>" in source
    assert "<p>Sample (DC): stopped by the job timeout&#10;after 60 s</p>" in source


def test_a_failure_group_of_many_runs_lists_fifty_values_and_shows_one_traceback():
    runs = [Run(f"r{i}", f"v{i}", {}, state="cell-error", notebook=f"runs/r{i}.ipynb",
                failure=failure(4, "KeyError", f"'v{i}'", ["Traceback", f"KeyError: 'v{i}'"])) for i in range(300)]
    runs += [Run("z", "z", {}, state="cell-error", failure=failure(2, "ValueError", "bad", ["ValueError: bad"]))]
    source = cell(build(runs), "failures").source
    assert "301 runs are not ok, in 2 groups." in source
    assert re.findall(r"<h3>(.*?)</h3>", source) == ["cell error: KeyError at cell 4 (300 runs)",
                                                     "cell error: ValueError at cell 2 (1 run)"]
    assert f"<p>Values: {', '.join(f'v{i}' for i in range(50))} and 250 more</p>" in source
    assert source.count("<pre>") == 2 and "KeyError: &#x27;v0&#x27;</pre>" in source
    assert "v1&#x27;</pre>" not in source
    assert "<a href='runs/r49.ipynb'>v49</a></p>" in source and "runs/r50.ipynb" not in source


def test_failures_keep_the_last_12_traceback_lines():
    run = Run("x", "x", {}, state="cell-error", failure=failure(0, "E", "v", [f"line{i}" for i in range(20)]))
    source = cell(build([run]), "failures").source
    assert "line7&#10;" not in source and "<pre>line8&#10;" in source and "line19</pre>" in source


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_table_has_names_in_first_seen_order_and_skips_runs_without_metrics(output):
    source = cell(build(sample_runs(), output), "metrics").source
    assert "<table class='sortable'><tr><th>value</th><th>peak</th><th>rate</th><th>extra</th>" in source
    assert "<tr><td>AL</td><td>1990</td><td>0.123457</td><td></td></tr>" in source
    assert "<tr><td>NY</td><td>2000</td><td></td><td>[1, 2]</td></tr>" in source
    assert "<td>CA</td>" not in source


def test_metrics_get_a_chart_only_when_two_runs_have_a_number(output):
    source = cell(build(sample_runs(), output), "metrics").source
    assert re.findall(r"<h3>(.*?)</h3>", source) == ["peak"]
    assert source.count("<svg") == 1 and "2 runs, sorted; lowest 1990, highest 2000" in source
    assert "Outliers" not in source


def test_metrics_list_the_outliers_of_a_metric_under_its_chart():
    runs = [Run(f"r{i}", f"v{i}", {}, state="ok", metrics={"loss": 1.0 + i / 1000}) for i in range(9)]
    runs.append(Run("big", "big", {}, state="ok", metrics={"loss": 1000.0}))
    source = cell(build(runs), "metrics").source
    assert "<p>Outliers (more than 3.5 robust deviations from the median): big (1000)</p>" in source
    assert "fill='#cc0000'><title>big: 1000</title>" in source


@pytest.mark.parametrize("label", ["cost $5 \\ tax", "first\n\n# Heading\nlast"])
def test_metric_chart_labels_are_escaped_like_the_rest_of_the_report(label):
    runs = [Run("a", label, {}, state="ok", metrics={label: 1.0}), Run("b", "b", {}, state="ok", metrics={label: 2.0})]
    source = cell(build(runs), "metrics").source
    assert "<svg" in source
    assert "$" not in source and "\\" not in source
    assert not re.search(r"<h1[^>]*>Heading", markdown2html_mistune(source))


# --- gallery ----------------------------------------------------------------------------------


def test_gallery_groups_figures_by_cell_and_never_embeds_raw_svg(output):
    nb = build(sample_runs(), output)
    html3 = cell(nb, "gallery-cell-3").outputs[0]["data"]["text/html"]
    assert html3.count("<figure") == 2 and "<figcaption>AL</figcaption>" in html3
    assert f"data:image/png;base64,{PNG}'" in html3, "whitespace in base64 is dropped"
    assert f"data:image/svg+xml;base64,{base64.b64encode(SVG.encode()).decode()}'" in html3
    assert "<svg" not in gallery_html(nb) and "alert('svg')" not in all_html(nb)
    assert cell(nb, "gallery-cell-3-title").source == "### Cell 3: 2 figures"
    assert cell(nb, "gallery-cell-7-title").source == "### Cell 7: 1 figures"
    assert cell(nb, "gallery-cell-7").outputs[0]["data"]["text/plain"] == "1 figures from cell 7"


def test_gallery_reads_figures_from_the_runs_notebooks_under_the_output_folder(output):
    (output / "runs" / "NY.ipynb").unlink()
    nb = build(sample_runs(), output)
    assert [c.id for c in nb.cells if c.id.startswith("gallery-cell-")] == ["gallery-cell-3-title", "gallery-cell-3"]
    assert cell(nb, "gallery-cell-3").outputs[0]["data"]["text/html"].count("<figure") == 1


def test_gallery_beyond_the_full_size_limit_shows_linked_thumbnails(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "FULL_LIMIT", 1)
    figures = {1: [("image/png", png(400, 300))]}
    runs = [Run(i, i, {}, state="ok", figures=places(figures), notebook=write_run(tmp_path, i, figures))
            for i in ("AL", "CA")]
    thumbs = {}
    html = cell(build(runs, tmp_path, thumbs=thumbs), "gallery-cell-1").outputs[0]["data"]["text/html"]
    assert html.count(f"<figure style='display:inline-block;margin:4px;width:{gallery.THUMB_WIDTH}px'>") == 2
    assert "<a href='figures/AL-cell1-0.png'><img style='width:100%' alt='figure of AL' " \
           "src='data:image/jpeg;base64," in html
    assert (tmp_path / "figures" / "CA-cell1-0.png").is_file()
    assert sorted(k.rsplit(":", 1)[0] for k in thumbs) == ["AL:1:0", "CA:1:0"], "the thumbnails are kept for the next build"


# --- manifest ---------------------------------------------------------------------------------


def test_manifest_comes_last_with_the_plan_hashes_and_local_versions(output):
    nb = build(sample_runs(), output)
    assert nb.cells[-1].id == "manifest"
    source = nb.cells[-1].source
    assert source.startswith("## Manifest")
    assert f"<code>sha256 {'a' * 64}</code>" in source and f"<code>sha256 {'b' * 64}</code>" in source
    assert f"<tr><td>nbformat</td><td>{nbformat.__version__}</td>" in source


def test_manifest_flags_hosts_whose_versions_differ():
    runs = [Run("a", "a", {}, state="ok", host="h1", python="3.11.4"),
            Run("b", "b", {}, state="ok", host="h2", python="3.12.1")]
    checked = {"h1": {"python": "3.11.4", "versions": {"nbconvert": "7.16.0"}},
               "h2": {"python": "3.12.1", "versions": {"nbconvert": "7.16.0"}}}
    source = cell(build(runs, checked=checked), "manifest").source
    assert "<th>kernel python (differs)</th>" in source and "<th>nbconvert</th>" in source
    assert "<tr><td>h1</td><td class=js-drift>3.11.4</td><td>7.16.0</td></tr>" in source
    assert "<p>Hosts differ in: kernel python. Results may not be comparable.</p>" in source


def test_manifest_of_hosts_that_agree_flags_nothing():
    runs = [Run(h, h, {}, state="ok", host=h, python="3.11.4") for h in ("h1", "h2")]
    source = cell(build(runs), "manifest").source
    assert "<tr><td>h2</td><td>3.11.4</td></tr>" in source
    assert "differ" not in source and "js-drift" not in source


# --- escaping ---------------------------------------------------------------------------------


def test_values_with_script_tags_are_escaped_everywhere(output):
    text = all_html(build(nasty_runs(), output, checked=nasty_checked()))
    assert "<script" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_dollar_signs_from_values_are_escaped_so_mathjax_leaves_them(output):
    nb = build(nasty_runs(), output, plan=dict(PLAN, notebook="$HOME/nb.ipynb"), checked=nasty_checked())
    assert "$" not in "".join(markdown_sources(nb))
    assert "&#36;x^2&#36;" in cell(nb, "runs").source


def test_backslashes_from_values_are_escaped_so_mathjax_leaves_them(output):
    nb = build(nasty_runs(), output, checked=nasty_checked())
    assert "\\" not in "".join(markdown_sources(nb))


def test_quotes_from_values_cannot_end_an_attribute():
    run = Run("x", "x", {}, state="cell-error", notebook="runs/x'><b onmouseover='y.ipynb")
    nb = build([run])
    assert "<a href='runs/x&#x27;&gt;&lt;b onmouseover=&#x27;y.ipynb'>" in cell(nb, "runs").source
    assert "onmouseover='" not in all_html(nb)


@pytest.mark.parametrize("label", ["a|b", "| a | b |", "|---|", "*x* _y_ `z` [l](http://e)"])
def test_pipes_and_markdown_in_a_value_stay_text_in_one_table_cell(output, label):
    runs = nasty_runs(label)
    rendered = markdown2html_mistune(cell(build(runs, output), "runs").source)
    assert "<thead>" not in rendered and "<em>" not in rendered and "<code>" not in rendered
    assert rendered.count("<tr>") == 3


def test_a_value_with_blank_lines_cannot_break_out_of_the_report_tables(output):
    label = "a\n\n# Heading\n\n| x | y |\n|---|---|\n| 1 | 2 |"
    nb = build(nasty_runs(label), output, checked=nasty_checked(label))
    for cell_id in ("summary", "runs", "failures", "manifest"):
        rendered = markdown2html_mistune(cell(nb, cell_id).source)
        assert not re.search(r"<h1[^>]*>Heading", rendered) and "<thead>" not in rendered, cell_id


def test_figure_data_cannot_break_out_of_the_img_attribute(tmp_path):
    figures = {1: [("image/png", "AAAA'/><script>alert(1)</script><img src='")]}
    run = Run("x", "x", {}, state="ok", figures=places(figures), notebook=write_run(tmp_path, "x", figures))
    assert "<script" not in all_html(build([run], tmp_path))


def test_esc_escapes_html_quotes_dollar_and_backslash():
    assert master.esc("<a href=\"x\">'$\\&</a>") == \
        "&lt;a href=&quot;x&quot;&gt;&#x27;&#36;&#92;&amp;&lt;/a&gt;"
    assert master.esc(None) == "None" and master.esc(3) == "3"
    assert master.esc("a\r\n\nb") == "a&#13;&#10;&#10;b"
