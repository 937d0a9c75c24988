"""Read a JSON values file into nodes: JSON's own types, numbers with their source text, lines kept.

The standard library's scanner reports no positions, so the outer levels (the list of entries, or
the grid and each of its lists) are walked here, noting the line each value starts on, and each
value inside them is left to the fast C scanner: an entry's line stands for all its keys.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import re

from ..errors import ValuesError
from .nodes import Map, Scalar, Seq
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

CLOSE = {"[": "]", "{": "}"}


class _Int(str):
    """A JSON integer's source text."""


class _Float(str):
    """A JSON number's source text when it has a fraction or exponent."""


class _Pairs(list):
    """A JSON object inside a value, as its (key, value) pairs."""


class _Refused(Exception):
    """Something JSON's scanner accepts and a values file does not (NaN, a repeated key)."""


def load(path: str | Path, text: str) -> Map | Seq:
    """The file's JSON value as nodes."""
    reader = _Reader(path, text)
    node, end = reader.value(_skip(text, 0), walk=2)
    if _skip(text, end) != len(text):
        raise ValuesError(path, reader.line_at(end), "not valid JSON: more text after the value: remove it")
    return node


def _skip(text, index):
    return json.decoder.WHITESPACE.match(text, index).end()


def _refuse_constant(name):
    raise _Refused(f"{name} is not JSON: write it as a string (\"{name.lower()}\")")


def _pairs(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise _Refused(f"the key {key!r} appears twice in an object: keep one")
        seen.add(key)
    return _Pairs(pairs)


class _Reader:
    """Walks the outer levels of one JSON text, scanning the values inside with the C scanner."""

    def __init__(self, path, text):
        self.path, self.text = path, text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.scan = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_Int, parse_float=_Float,
                                     parse_constant=_refuse_constant).scan_once

    def line_at(self, index: int) -> int:
        """The 1-based line of a character index."""
        return bisect.bisect_right(self.starts, index)

    def value(self, index: int, walk: int = 0) -> tuple:
        """The node that starts at ``index``, and the index after it; ``walk`` levels of it are
        walked here (an object's values one level less than an array's items: a grid's lists)."""
        if walk > 0 and self.text[index:index + 1] in CLOSE:
            return self.container(index, walk)
        try:
            value, end = self.scan(self.text, index)
        except StopIteration:
            raise self.error(index, "not valid JSON: expected a value here") from None
        except json.JSONDecodeError as exc:
            raise ValuesError(self.path, exc.lineno, f"not valid JSON: {exc.msg}: fix the file there") from None
        except _Refused as exc:
            raise self.error(index, str(exc)) from None
        except RecursionError:
            raise self.error(index, "nested too deeply to be a values file: flatten it") from None
        return node(value, self.line_at(index)), end

    def container(self, index: int, walk: int) -> tuple:
        """An array or object walked item by item, each item's line noted."""
        opener, line, items, seen = self.text[index], self.line_at(index), [], set()
        index = _skip(self.text, index + 1)
        while self.text[index:index + 1] != CLOSE[opener]:
            if items:
                index = self.expect(index, ",")
            if opener == "{":
                key, index = self.key(index, seen)
                item, index = self.value(index, walk - 1)
                items.append((key, item))
            else:
                item, index = self.value(index, walk - 2)
                items.append(item)
            index = _skip(self.text, index)
        return (Seq(items, line) if opener == "[" else Map(items, line)), index + 1

    def key(self, index: int, seen: set) -> tuple[Scalar, int]:
        """An object's key (a Scalar), once only, and the index of its value after the colon."""
        if self.text[index:index + 1] != '"':
            raise self.error(index, "not valid JSON: expected a quoted key or the end of the object here")
        text, index = json.decoder.scanstring(self.text, index + 1)
        line = self.line_at(index)
        if text in seen:
            raise self.error(index, f"the key {text!r} appears twice in this object: keep one")
        seen.add(text)
        return Scalar(text, text, line), self.expect(_skip(self.text, index), ":")

    def expect(self, index: int, char: str) -> int:
        """The index after ``char`` (and any space after it), which must be at ``index``."""
        if self.text[index:index + 1] != char:
            raise self.error(index, f"not valid JSON: expected {char!r} here")
        return _skip(self.text, index + 1)

    def error(self, index: int, problem: str) -> ValuesError:
        """A ValuesError at the line of ``index``."""
        return ValuesError(self.path, self.line_at(index), problem)


def node(value: object, line: int) -> Seq | Scalar | Map:
    """A scanned JSON value as a node on ``line``."""
    if isinstance(value, _Pairs):
        return Map([(Scalar(k, k, line), node(v, line)) for k, v in value], line)
    if isinstance(value, list):
        return Seq([node(v, line) for v in value], line)
    if value is None or isinstance(value, bool):
        return Scalar({None: "", True: "true", False: "false"}[value], value, line)
    if isinstance(value, _Int):
        return Scalar(str(value), int(value), line)
    if isinstance(value, _Float):
        return Scalar(str(value), float(value), line)
    return Scalar(value, value, line)
