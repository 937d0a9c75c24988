"""A grid: every combination of several lists of rows, as GNU parallel's `::: a b ::: 1 2` makes them.

The order is stable and documented: the lists in the order given (files on the command line, keys in a
YAML/JSON mapping), the last one varying fastest: (a, 1), (a, 2), (b, 1), (b, 2).
"""

from __future__ import annotations

import itertools
import math

from . import budget
from ..errors import ValuesError
from .rows import Row

GRID_LIMIT = 1_000_000  # jobs; beyond this a sweep is a mistake in the values, not a plan


def combine(where: str, axes: list[list]) -> list[Row]:
    """Every combination of one row from each of ``axes`` (lists of rows), merged into one row each."""
    count = math.prod(len(axis) for axis in axes)
    sizes = " × ".join(str(len(axis)) for axis in axes)
    if count > GRID_LIMIT:
        raise ValuesError(where, None, f"the grid makes {count:,} jobs ({sizes}), more than {GRID_LIMIT:,}: "
                          "split the sweep or shorten the lists")
    budget.check(where, count, sizes)  # before the rows are made: a grid that cannot be planned is refused now
    return [_merge(parts) for parts in itertools.product(*axes)]


def _merge(parts):
    texts, typed, places = {}, {}, {}
    for part in parts:
        texts.update(part.texts)
        typed.update(part.typed)
        places.update(part.places)
    return Row(parts[0].line, texts, typed, places)


def of_files(paths: list, per_file: list[list]) -> list[Row]:
    """The grid of several values files' rows; each value keeps its own file and line."""
    owner = {}
    for path, rows in zip(paths, per_file):
        for name in rows[0].texts:
            if name in owner:
                raise ValuesError(path, None, f"the parameter {name!r} also comes from {owner[name]}: "
                                  "each parameter may come from one file only")
            owner[name] = path
    axes = [[Row(r.line, r.texts, r.typed, {n: r.place(n, path) for n in r.texts}) for r in rows]
            for path, rows in zip(paths, per_file)]
    return combine(" × ".join(map(str, paths)), axes)


def describe(rows: list[Row]) -> str:
    """A grid's shape for people: 'states.txt (51) × years.txt (3)', each file with its count of rows."""
    names_of = {}
    for name, (file, _) in rows[0].places.items():
        names_of.setdefault(file, []).append(name)
    counts = {file: len({tuple(r.texts[n] for n in names) for r in rows}) for file, names in names_of.items()}
    return " × ".join(f"{file} ({count})" for file, count in counts.items())
