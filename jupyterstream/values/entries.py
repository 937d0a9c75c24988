"""A YAML or JSON values file's content as rows: a list of mappings (one job each), or a mapping
of lists, a grid of every combination (a single value there is the same in every job)."""

from __future__ import annotations

from . import grid
from ..errors import ValuesError
from .nodes import Map, Scalar, Seq, kind_of, plain
from .rows import Row, check_duplicates, check_name
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

SHAPES = ("write a list of mappings, one job each (- {state: AL, year: 1990}), or a mapping of lists, "
          "a grid of every combination (state: [AL, CA])")


def rows_of(path: str | Path, tree: Map | Scalar | Seq) -> list[Row]:
    """The rows a YAML/JSON file's content stands for."""
    if isinstance(tree, Seq):
        return _entries(path, tree)
    if isinstance(tree, Map):
        return _grid(path, tree)
    raise ValuesError(path, tree.line, f"the file holds a single value: {SHAPES}")


def _entries(path, seq):
    if not seq.items:
        raise ValuesError(path, seq.line, f"an empty list: nothing to run; {SHAPES}")
    rows = []
    for item in seq.items:
        if not isinstance(item, Map):
            raise ValuesError(path, item.line, f"this entry is {kind_of(item)}, not a mapping: each entry of "
                              "the list holds one job's name: value pairs")
        rows.append(_row(path, item.line, item.pairs))
        _check_same_names(path, rows[0], rows[-1])
    names = list(rows[0].texts)
    return [Row(r.line, {n: r.texts[n] for n in names}, r.typed, r.places) for r in rows]


def _check_same_names(path, first, row):
    if not row.texts:
        raise ValuesError(path, row.line, "this entry is an empty mapping: give it the job's name: value pairs")
    if set(row.texts) != set(first.texts):
        raise ValuesError(path, row.line, f"this entry sets {', '.join(row.texts)} but the first one "
                          f"(line {first.line}) sets {', '.join(first.texts)}: give every entry the same names "
                          "(a CSV table has the same rule)")


def _row(path, line, pairs):
    texts, typed, places = {}, {}, {}
    for key, node in pairs:
        check_name(key.text, f"{path}:{key.line}")
        texts[key.text], typed[key.text] = readings(node)
        places[key.text] = (str(path), node.line)
    return Row(line, texts, typed, places)


def readings(node: Map | Scalar | Seq) -> tuple:
    """A node's text (a list or mapping as its Python literal) and its value as the file types it."""
    if isinstance(node, Scalar):
        return node.text, node.value
    value = plain(node)
    return repr(value), value


def _grid(path, mapping):
    if not mapping.pairs:
        raise ValuesError(path, mapping.line, f"an empty mapping: nothing to run; {SHAPES}")
    axes = []
    for key, node in mapping.pairs:
        items = node.items if isinstance(node, Seq) else [node]
        if not items:
            raise ValuesError(path, key.line, f"the list for {key.text!r} is empty: give it at least one value, "
                              f"or leave {key.text!r} out to keep the notebook's default")
        axis = [_row(path, item.line, [(key, item)]) for item in items]
        check_duplicates(path, axis, f"{key.text!r} lists this value twice: keep one")
        axes.append(axis)
    return grid.combine(str(path), axes)
