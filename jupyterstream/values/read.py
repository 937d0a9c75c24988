"""Read values files: one value a line (.txt and others), a table with a header (.csv, .tsv), or
YAML/JSON (.yaml, .yml, .json); several files make a grid of every combination of their rows."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import itertools
import sys
import unicodedata
from pathlib import Path

from . import entries, grid, jsonfile, yamlfile
from ..errors import ValuesError
from .rows import Row, check_duplicates, check_name  # noqa: F401 (Row and check_name: this module's API)

BOM = "\ufeff"
FORMATS = {".csv": "csv", ".tsv": "tsv", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def read_values(paths: list[Path] | Path, param: list[str] | str = "state") -> list[Row]:
    """Return the rows of a values file, or the grid (every combination) of several files' rows.

    One-column files feed the parameters ``param`` names (one name, several separated by spaces, or a
    list of them), one name per one-column file, in order; tables and YAML/JSON files name their own.
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if not paths:
        raise ValuesError("VALUES", None, "no values file given: name one (several make a grid)")
    names = param.split() if isinstance(param, str) else [n for p in param for n in p.split()]
    one_column = [p for p in paths if _format(p) == "lines"]
    if one_column and len(names) != len(one_column):
        raise ValuesError("PARAM", None, f"{len(names)} parameter name(s) ({' '.join(names) or 'none'}) for "
                          f"{len(one_column)} one-column values file(s) ({', '.join(map(str, one_column))}): "
                          "give one name per one-column file, in the same order (PARAM=\"state year\", "
                          "or --param state --param year)")
    feed = iter(names)
    with no_cycle_collection():
        per_file = [_read_file(p, next(feed) if _format(p) == "lines" else None) for p in paths]
        return per_file[0] if len(paths) == 1 else grid.of_files(paths, per_file)


@contextlib.contextmanager
def no_cycle_collection():
    """Reading makes up to millions of small objects and no reference cycles: the cyclic garbage
    collector would only rescan them again and again (a 100,000-entry JSON file: 3.6 s instead of 17)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _format(path):
    return FORMATS.get(path.suffix.lower(), "lines")


def _read_file(path, param):
    text, kind = _read_text(path), _format(path)
    if kind in ("csv", "tsv"):
        rows = _read_table(path, text, "\t" if kind == "tsv" else ",")
    elif kind in ("yaml", "json"):
        tree = (yamlfile if kind == "yaml" else jsonfile).load(path, text) if text.strip() else None
        if tree is None:
            raise ValuesError(path, None, f"no values: the file is empty; {entries.SHAPES}")
        rows = entries.rows_of(path, tree)
    else:
        check_name(param, f"{path}: PARAM")
        rows = _read_lines(path, text, param)
    if not rows:
        raise ValuesError(path, None, "no values: the file is empty or holds only comments and blank lines")
    check_duplicates(path, rows)
    return rows


def _read_text(path):
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValuesError(path, None, "no such file") from None
    except OSError as exc:
        raise ValuesError(path, None, f"cannot be read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValuesError(path, line, f"byte {data[exc.start]:#04x} is not UTF-8: save the file as UTF-8") from None
    if text.startswith(BOM):
        raise ValuesError(path, 1, "the file starts with a byte-order mark (U+FEFF): save it as UTF-8 without BOM")
    return text


def _read_lines(path, text, param):
    rows = []
    # Split on line feeds only: str.splitlines() would also cut at \x0b, \x1c or U+2028 and shift
    # every line number after them.
    for number, raw in enumerate(text.split("\n"), start=1):
        value = raw.removesuffix("\r").strip(" \t")
        if not value or value.startswith("#"):
            continue
        _check_text(path, number, value)
        rows.append(Row(number, {param: value}))
    return rows


def _check_text(path, number, value):
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029":
            raise ValuesError(path, number, f"{value!r} contains the control character U+{ord(char):04X}: "
                              "a one-value-a-line file cannot carry it; use a quoted CSV field")


FIELD_LIMIT = 64 * 2 ** 20  # the csv module's default (128 KiB) is too small for some values
SPACES = " \t"


def _read_table(path, text, delimiter):
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    records = []
    try:
        for record in _records(text, delimiter):
            records.append(record)
    except csv.Error as exc:
        line = records[-1][0] + 1 if records else 1
        raise ValuesError(path, line, f"not a valid {'TSV' if delimiter == chr(9) else 'CSV'} table at or after "
                                      f"this line: {exc}") from None
    records = [(n, r) for n, r in records if r]
    if not records:
        return []
    header_line, header = records[0]
    names = [h.strip() for h in header]
    for name in names:
        check_name(name, f"{path}:{header_line}: header")
    if len(set(names)) != len(names):
        raise ValuesError(path, header_line, f"the header names a parameter twice: {', '.join(names)}")
    rows = []
    for number, record in records[1:]:
        if len(record) != len(names):
            raise ValuesError(path, number, f"{len(record)} fields where the header has {len(names)} ({', '.join(names)})")
        rows.append(Row(number, dict(zip(names, record))))
    _warn_spaced(path, names, _spaced_unquoted(text, records[1:]))
    return rows


def _spaced_unquoted(text, records):
    """(line, column, value) of each unquoted field with spaces or tabs around it. The csv module does
    not tell which fields were quoted: walk the text of each record that has such a value, from its
    first line, field by field, with the values it read (a quoted field is its value with each quote
    doubled, between quotes; an unquoted one is its value)."""
    starts = None
    found = []
    for number, record in records:
        if not any(value[:1] in SPACES or value[-1:] in SPACES for value in record if value):
            continue
        if starts is None:
            starts = list(itertools.accumulate((len(line) for line in io.StringIO(text, newline="")), initial=0))
        at = starts[number - 1]
        for column, value in enumerate(record):
            if text.startswith('"', at):
                at += len(value) + value.count('"') + 2
            else:
                if value != value.strip(SPACES):
                    found.append((number, column, value))
                at += len(value)
            at += 1  # the delimiter
    return found


def _warn_spaced(path, names, found):
    """One warning for a table's unquoted fields with spaces around them: kept, as pandas and GNU
    parallel keep them, and as Python's and pandas' CSV writers leave them (unquoted)."""
    if not found:
        return
    line, column, value = found[0]
    more = f" (and {len(found) - 1} more field(s) like it)" if len(found) > 1 else ""
    print(f"jupyterstream: warning: {path}:{line}: the {names[column]} value {value!r} has spaces around it{more}; "
          "they are kept, as pandas and GNU parallel keep them: remove them if they are a typo, or quote each "
          "such field to say you mean them", file=sys.stderr, flush=True)


def _records(text, delimiter):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1
