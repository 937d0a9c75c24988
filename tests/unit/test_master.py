"""master.build_master: the master notebook built from hand-made Runs (no kernel, no files)."""

import base64
import re

import nbformat
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from jupyterstream import master
from jupyterstream.collect import Run

PLAN = {"notebook": "notebooks/births.ipynb", "values_file": "states.txt",
        "notebook_sha256": "a" * 64, "values_sha256": "b" * 64}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake png").decode()
SVG = "<svg xmlns='http://www.w3.org/2000/svg'><script>alert('svg')</script><rect/></svg>"
NASTY = "<script>alert(1)</script> $x^2$ a|b \\(y\\) & 'q' \"dq\""


def failure(cell_index=None, ename=None, evalue=None, traceback=None):
    """A failure dict as collect.summarize makes it: every key present, None when unknown."""
    return {"cell_index": cell_index, "ename": ename, "evalue": evalue, "traceback": traceback}


def sample_runs():
    return [
        Run("AL", "AL", {"state": "AL"}, state="ok", duration=2.0, host="h1", attempts=1,
            metrics={"peak": 1990, "rate": 0.123456789}, figures=[(3, "image/png", PNG[:10] + "\n" + PNG[10:])],
            notebook="runs/AL.ipynb"),
        Run("CA", "CA", {"state": "CA"}, state="cell-error", duration=1.0, attempts=2,
            failure=failure(4, "KeyError", "'CA'", ["Traceback", "  line 1", "KeyError: 'CA'"]),
            message="", notebook="runs/CA.ipynb"),
        Run("TX", "TX", {"state": "TX"}, state="missing"),
        Run("NY", "NY", {"state": "NY"}, state="ok", duration=4.0, metrics={"peak": 2000, "extra": [1, 2]},
            figures=[(3, "image/svg+xml", SVG), (7, "image/png", PNG)]),
        Run("DC", "DC", {"state": "DC"}, state="job-timeout", failure=failure(),
            message="stopped by the job timeout\nafter 60 s"),
    ]


def nasty_runs(label=NASTY, **extra):
    return [Run("job-12345678", label, {"state": label}, state="cell-error",
                failure=failure(1, label, label, [label, label]), message=label, host=label,
                metrics={label: label}, figures=[(2, "image/svg+xml", SVG)], notebook="runs/job-12345678.ipynb",
                **extra),
            Run("ok", "ok", {"state": "ok"}, state="ok", metrics={label: 1.0})]


def markdown_sources(nb):
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def all_html(nb):
    """Every markdown source and every text/html output of the master."""
    texts = markdown_sources(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("data", {}).get("text/html", ""))
    return "\n".join(texts)


def cell(nb, cell_id):
    return next(c for c in nb.cells if c.id == cell_id)


# --- structure --------------------------------------------------------------------------------


def test_master_is_a_valid_nbformat_4_5_notebook():
    nb = master.build_master(PLAN, sample_runs())
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.nbformat_minor >= 5
    nbformat.validate(nbformat.reads(nbformat.writes(nb), as_version=4))


def test_master_cell_ids_are_unique_and_deterministic():
    first = [c.id for c in master.build_master(PLAN, sample_runs()).cells]
    second = [c.id for c in master.build_master(PLAN, sample_runs()).cells]
    assert first == second and len(set(first)) == len(first)
    assert first == ["summary", "runs", "failures", "metrics", "gallery",
                     "gallery-cell-3-title", "gallery-cell-3", "gallery-cell-7-title", "gallery-cell-7"]
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", i) for i in first)


def test_master_of_no_runs_is_valid_and_says_so():
    nb = master.build_master(PLAN, [])
    nbformat.validate(nb)
    assert "0 runs" in cell(nb, "summary").source
    assert "No run drew a figure" in cell(nb, "gallery").source
    assert "every run is ok" in cell(nb, "failures").source


def test_master_records_where_it_came_from():
    meta = master.build_master(PLAN, sample_runs()).metadata
    assert meta["jupyterstream"] == PLAN
    assert meta["kernelspec"]["name"] == "python3"


# --- content ----------------------------------------------------------------------------------


def test_summary_counts_ok_failed_and_missing_runs_with_ok_first():
    runs = sample_runs()
    source = cell(master.build_master(PLAN, runs), "summary").source
    assert "**5 runs: 2 ok, 2 failed, 1 missing or still running.**" in source
    assert list(master.counts(runs)) == ["ok", "cell-error", "job-timeout", "missing"]
    assert "median 2.00 s" in source and "longest 4.00 s" in source and "7.0 s in all" in source


def test_run_table_has_a_row_per_run_with_link_duration_attempts_and_failure_note():
    source = cell(master.build_master(PLAN, sample_runs()), "runs").source
    assert source.count("<tr><td>") == 5
    assert "<a href='runs/AL.ipynb'>AL.ipynb</a>" in source and "<td>2.00</td>" in source
    assert "cell 4: KeyError: &#x27;CA&#x27;" in source
    assert "after 60 s" in source


def test_failures_list_every_run_that_is_not_ok_with_error_and_traceback():
    source = cell(master.build_master(PLAN, sample_runs()), "failures").source
    assert "3 runs are not ok." in source
    assert "<h3>CA: cell-error at cell 4</h3>" in source and "<h3>TX: missing</h3>" in source
    assert "<pre>Traceback&#10;  line 1&#10;KeyError: &#x27;CA&#x27;</pre>" in source
    assert "<h3>DC: job-timeout</h3>" in source and "stopped by the job timeout" in source


def test_failures_keep_the_last_12_traceback_lines():
    run = Run("x", "x", {}, state="cell-error", failure=failure(0, "E", "v", [f"line{i}" for i in range(20)]))
    source = cell(master.build_master(PLAN, [run]), "failures").source
    assert "line7&#10;" not in source and "<pre>line8&#10;" in source and "line19</pre>" in source


def test_metrics_table_has_names_in_first_seen_order_and_skips_runs_without_metrics():
    source = cell(master.build_master(PLAN, sample_runs()), "metrics").source
    assert "<th>value</th><th>peak</th><th>rate</th><th>extra</th>" in source
    assert "<tr><td>AL</td><td>1990</td><td>0.123457</td><td></td></tr>" in source
    assert "<tr><td>NY</td><td>2000</td><td></td><td>[1, 2]</td></tr>" in source
    assert "<td>CA</td>" not in source


def test_gallery_groups_figures_by_cell_and_never_embeds_raw_svg():
    nb = master.build_master(PLAN, sample_runs())
    html3 = cell(nb, "gallery-cell-3").outputs[0]["data"]["text/html"]
    assert html3.count("<figure") == 2 and "<figcaption>AL</figcaption>" in html3
    assert f"data:image/png;base64,{PNG}'" in html3, "whitespace in base64 is dropped"
    assert f"data:image/svg+xml;base64,{base64.b64encode(SVG.encode()).decode()}'" in html3
    assert "<svg" not in all_html(nb) and "alert('svg')" not in all_html(nb)
    assert cell(nb, "gallery-cell-7-title").source == "### Cell 7: 1 figures"


# --- escaping ---------------------------------------------------------------------------------


def test_values_with_script_tags_are_escaped_everywhere():
    text = all_html(master.build_master(PLAN, nasty_runs()))
    assert "<script" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_dollar_signs_from_values_are_escaped_so_mathjax_leaves_them():
    nb = master.build_master(dict(PLAN, notebook="$HOME/nb.ipynb"), nasty_runs())
    assert "$" not in "".join(markdown_sources(nb))
    assert "&#36;x^2&#36;" in cell(nb, "runs").source


def test_backslashes_from_values_are_escaped_so_mathjax_leaves_them():
    nb = master.build_master(PLAN, nasty_runs())
    assert "\\" not in "".join(markdown_sources(nb))


def test_quotes_from_values_cannot_end_an_attribute():
    run = Run("x", "x", {}, state="cell-error", notebook="runs/x'><b onmouseover='y.ipynb")
    source = cell(master.build_master(PLAN, [run]), "runs").source
    assert "<a href='runs/x&#x27;&gt;&lt;b onmouseover=&#x27;y.ipynb'>" in source


@pytest.mark.parametrize("label", ["a|b", "| a | b |", "|---|", "*x* _y_ `z` [l](http://e)"])
def test_pipes_and_markdown_in_a_value_stay_text_in_one_table_cell(label):
    runs = nasty_runs(label)
    rendered = markdown2html_mistune(cell(master.build_master(PLAN, runs), "runs").source)
    assert "<thead>" not in rendered and "<em>" not in rendered and "<code>" not in rendered
    assert rendered.count("<tr>") == 3


def test_a_value_with_blank_lines_cannot_break_out_of_the_run_table():
    label = "a\n\n# Heading\n\n| x | y |\n|---|---|\n| 1 | 2 |"
    rendered = markdown2html_mistune(cell(master.build_master(PLAN, nasty_runs(label)), "runs").source)
    assert "<h1" not in rendered and "<thead>" not in rendered


def test_figure_data_cannot_break_out_of_the_img_attribute():
    run = Run("x", "x", {}, state="ok", figures=[(1, "image/png", "AAAA'/><script>alert(1)</script><img src='")])
    assert "<script" not in all_html(master.build_master(PLAN, [run]))


def test_esc_escapes_html_quotes_dollar_and_backslash():
    assert master.esc("<a href=\"x\">'$\\&</a>") == \
        "&lt;a href=&quot;x&quot;&gt;&#x27;&#36;&#92;&amp;&lt;/a&gt;"
    assert master.esc(None) == "None" and master.esc(3) == "3"
