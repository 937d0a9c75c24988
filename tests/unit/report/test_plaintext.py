"""plaintext: text from a run made safe for a terminal and for a spreadsheet."""

import pytest

from jupyterstream.report.plaintext import CELL_LIMIT, for_csv, for_csv_row, for_terminal


@pytest.mark.parametrize("text, shown", [
    ("\x1b]0;pwned\x07\x1b[2Jcleared", "cleared"),           # set the title, clear the screen
    ("\x1b[31mred\x1b[0m", "red"),                           # colours
    ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # a hyperlink, ended by ST
    ("bell\x07 back\x08 nul\x00 del\x7f c1\x9b2J", "bell back nul del c1"),
    ("tab\there\nline", "tab here line"),
    ("plain é ✓", "plain é ✓"),
])
def test_terminal_text_has_no_escape_sequence_or_control_character(text, shown):
    assert for_terminal(text) == shown


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\r=x", "'\r=x"), ("-1.5", "'-1.5"), ("plain", "plain"), ("", ""), (None, ""), (True, "True")])
def test_a_csv_text_a_spreadsheet_would_evaluate_starts_with_a_single_quote(value, cell):
    assert for_csv(value) == cell


@pytest.mark.parametrize("number", [-1.5, -1, 0, 2.5, 10 ** 20])
def test_numbers_written_as_numbers_stay_numbers(number):
    assert for_csv(number) == number


def test_a_csv_text_over_the_limit_is_cut_short_saying_how_long_it_was():
    cell = for_csv("x" * (CELL_LIMIT + 1))
    assert cell.startswith("x" * CELL_LIMIT) and cell.endswith(f"({CELL_LIMIT + 1:,} characters in all: see the run's notebook)")
    assert for_csv("y" * CELL_LIMIT) == "y" * CELL_LIMIT


def test_a_csv_row_is_made_safe_cell_by_cell_exactly_as_for_csv_makes_each_cell():
    cells = ["AL", "", "=1+1", "-1", "+x", "@SUM(A1)", "\tx", "\rx", "x" * (CELL_LIMIT + 1), 3, -1.5, True, None,
             float("nan"), {"a": 1}, "'quoted"]
    assert for_csv_row(cells) == [for_csv(c) for c in cells]  # the same objects, nan included
