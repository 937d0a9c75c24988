"""The report's changes section and changes.csv: every value from a run escaped, figures linked only
from their own files, text a spreadsheet would run neutralised."""

from jupyterstream.collect.history import Changes
from jupyterstream.report import changes, render
from jupyterstream.report.write import _csv

NASTY = '<img src=x onerror=alert(1)>'


def test_every_value_of_the_section_is_escaped(tmp_path):
    found = Changes("S2", "S1", status=[("a", NASTY, "cell-error", "ok")],
                    metrics=[("a", NASTY, NASTY, "=cmd()", NASTY)],
                    figures=[("a", NASTY, 3, 0, ["image/png", "../../etc"], ["image/svg+xml", "javascript:x"])])
    page = str(render.section("changes", changes.section(tmp_path, found)))
    assert NASTY not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "etc" not in page and "javascript" not in page and "(its file was not kept)" in page


def test_a_kept_figure_file_is_linked_inside_output(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / f"{'a' * 16}.png").write_bytes(b"png")
    found = Changes("S2", "S1", figures=[("j", "j", 3, 0, None, ["image/png", "a" * 16])])
    page = str(render.section("changes", changes.section(tmp_path, found)))
    assert f'src="figures/{"a" * 16}.png"' in page and "(no figure)" in page


def test_changes_csv_neutralises_formulas_and_keeps_numbers_as_numbers():
    found = Changes("S2", "S1", metrics=[("a", "a", "m", -1.5, "=HYPERLINK(1)")])
    text = _csv([changes.HEADER] + changes.csv_rows(found))
    assert text == "job,name,before,after\na,m,-1.5,'=HYPERLINK(1)\n"
