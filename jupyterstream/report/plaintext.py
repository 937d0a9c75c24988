"""Text taken from a run (values, messages, metric names) made safe for a terminal and a spreadsheet."""

from __future__ import annotations

import re

# Escape sequences whole (CSI `ESC [ ... final`, OSC `ESC ] ... BEL or ESC \`, two-byte `ESC x`), then
# any other C0 or C1 control character: a terminal would act on them (set its title, clear the screen).
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A spreadsheet evaluates a cell that starts with one of these (CSV injection, as OWASP describes it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Longer text is cut short: spreadsheets hold at most 32,767 characters a cell, and Python's csv module
# refuses a field over 131,072 unless told otherwise.
CELL_LIMIT = 32_000


def for_terminal(text: str) -> str:
    """``text`` without escape sequences or control characters (newlines and tabs become spaces)."""
    text = ESCAPES.sub("", str(text))
    return CONTROLS.sub("", text.replace("\t", " ").replace("\n", " "))


def for_csv(value: bool | float | str | None) -> str | float:
    """A CSV cell a spreadsheet shows as text: a text starting like a formula gets a leading single
    quote, as OWASP recommends; numbers we write as numbers (-1.5) are left as they are. Text over
    CELL_LIMIT characters is cut short, saying how long it was."""
    kind = type(value)
    if kind is int or kind is float or isinstance(value, (int, float)) and kind is not bool:
        return value
    if kind is str and len(value) <= CELL_LIMIT and not value.startswith(FORMULA_STARTS):
        return value  # most cells: a plain text (two million of them in a 100,000-run collect)
    text = "" if value is None else str(value)
    if len(text) > CELL_LIMIT:
        text = f"{text[:CELL_LIMIT]}… ({len(text):,} characters in all: see the run's notebook)"
    return "'" + text if text.startswith(FORMULA_STARTS) else text


PLAIN_FIRST = frozenset(FORMULA_STARTS)  # each is one character


def for_csv_row(row):
    """``for_csv`` of each cell of a row; a number, or a short text that starts like no formula, is
    taken as it is without a call (20 cells a run, 100,000 runs)."""
    return [c if type(c) is int or type(c) is float or type(c) is str and len(c) <= CELL_LIMIT
            and c[:1] not in PLAIN_FIRST else for_csv(c) for c in row]
