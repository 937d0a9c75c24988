"""Read a values file: one value a line (.txt and others) or a table with a header (.csv, .tsv)."""

import csv
import io
import keyword
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import ValuesError

BOM = "\ufeff"


@dataclass(frozen=True)
class Row:
    """One job's parameter texts, with the line of the values file it came from."""

    line: int
    texts: dict


def read_values(path, param="state"):
    """Return the rows of a values file; a one-column file feeds the parameter ``param``."""
    path = Path(path)
    text = _read_text(path)
    if path.suffix.lower() in (".csv", ".tsv"):
        rows = _read_table(path, text, "\t" if path.suffix.lower() == ".tsv" else ",")
    else:
        check_name(param, f"{path}: PARAM")
        rows = _read_lines(path, text, param)
    if not rows:
        raise ValuesError(path, None, "no values: the file is empty or holds only comments and blank lines")
    _check_duplicates(path, rows)
    return rows


def check_name(name, where):
    """Raise unless ``name`` can be a Python parameter name."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValuesError(where, None, f"{name!r} is not a valid parameter name: use a Python identifier that is not a keyword")


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
    return rows


def _records(text, delimiter):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def _check_duplicates(path, rows):
    seen = {}
    for row in rows:
        key = tuple(sorted(row.texts.items()))
        if key in seen:
            raise ValuesError(path, row.line, f"duplicate of line {seen[key]}: each value (or row) may appear once")
        seen[key] = row.line
