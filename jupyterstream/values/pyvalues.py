"""Values given in Python (jupyterstream.run): a list of values, a list of dicts (one job each), a
dict of lists (a grid) or a pandas DataFrame (a row a job) -> the rows a values file would give.

Each value keeps its Python type, as a YAML file's value does, and is converted and checked by the
same rules (jobvalues.py: the parameter's default gives the type, strings are never coerced). A
message names a value by the Python expression that reaches it: values[2], values[1]['k'],
values.iloc[3]['k'], parameters['k'].
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping

from . import grid
from ..errors import ArgumentError, ValuesError
from .inline import Constants, Values
from .rows import Row, check_name

SHAPES = ("give a values file's path, a list of values for `param`, a list of dicts (one job each), a dict "
          "of lists (a grid of every combination) or a pandas DataFrame (a row a job)")


def read(values: object, param: str = "state") -> Values:
    """What inline.read takes: a path or a list of paths as they are, anything else as Values."""
    if isinstance(values, (str, os.PathLike)):
        return values
    if _is_frame(values):
        return _frame(values)
    if isinstance(values, Mapping):
        return _grid(values)
    if hasattr(values, "tolist") and not isinstance(values, (list, tuple)):
        values = values.tolist()  # a numpy array, a pandas Series or Index
    if isinstance(values, (list, tuple, range)):
        values = list(values)
        if values and all(isinstance(v, os.PathLike) for v in values):
            return values  # files: their grid
        return _list(values, param)
    raise ArgumentError(f"values: a {type(values).__name__} cannot be values: {SHAPES}")


def constants(parameters: dict | None) -> Constants:
    """Constants (inline.Constants) from the ``parameters`` dict: given to every job."""
    if parameters is None:
        return Constants(source="parameters")
    if not isinstance(parameters, Mapping):
        raise ArgumentError(f"parameters: a {type(parameters).__name__}, not a dict: give the constants as "
                            "{'alpha': 0.5}")
    texts, typed, places = {}, {}, {}
    for name, value in parameters.items():
        check_name(_key(name, "parameters"), f"parameters[{name!r}]")
        texts[name], typed[name] = _readings(value)
        places[name] = (f"parameters[{name!r}]", None)
    return Constants(texts, typed, places, "parameters")


def _list(items, param):
    if not items:
        raise ValuesError("values", None, f"an empty list: nothing to run; {SHAPES}")
    dicts = [isinstance(item, Mapping) for item in items]
    if any(dicts) and not all(dicts):
        odd = dicts.index(not dicts[0])
        raise ValuesError(f"values[{odd}]", None, f"{_kind(items[odd])} in a list whose first item is "
                          f"{_kind(items[0])}: give a list of values for `param`, or a list of dicts, one job each")
    if all(dicts):
        return _records(items, lambda i: f"values[{i}]", _count(len(items), "a list of", "dict"))
    names = param.split() if isinstance(param, str) else [n for p in param for n in p.split()]
    if len(names) != 1:
        raise ValuesError("param", None, f"{len(names)} parameter names ({' '.join(names) or 'none'}) for one list "
                          "of values: name one (param='state'), or give a list of dicts, one job each")
    check_name(names[0], "param")
    rows = [_row(i + 1, {names[0]: item}, lambda name, i=i: f"values[{i}]") for i, item in enumerate(items)]
    return _values(rows, _count(len(rows), "a list of", "value"), lambda i: f"values[{i}]")


def _records(items, where, shape):
    """Rows of dicts (or a DataFrame's records): one job each, every one with the same names."""
    rows = []
    for index, item in enumerate(items):
        if not item:
            raise ValuesError(where(index), None, "an empty dict: give the job's name: value pairs")
        for name in item:
            check_name(_key(name, where(index)), f"{where(index)}[{name!r}]")
        if rows and set(item) != set(rows[0].texts):
            raise ValuesError(where(index), None, f"sets {', '.join(map(str, item))} but {where(0)} sets "
                              f"{', '.join(rows[0].texts)}: give every job the same names (a CSV table has the "
                              "same rule)")
        ordered = {name: item[name] for name in (rows[0].texts if rows else item)}
        rows.append(_row(index + 1, ordered, lambda name, i=index: f"{where(i)}[{name!r}]"))
    return _values(rows, shape, where)


def _grid(mapping):
    if not mapping:
        raise ValuesError("values", None, f"an empty dict: nothing to run; {SHAPES}")
    axes = []
    for name, items in mapping.items():
        check_name(_key(name, "values"), f"values[{name!r}]")
        if hasattr(items, "tolist") and not isinstance(items, (list, tuple)):
            items = items.tolist()
        if not isinstance(items, (list, tuple, range)):
            axes.append([_row(1, {name: items}, lambda _: f"values[{name!r}]")])  # the same in every job
            continue
        if not len(items):
            raise ValuesError(f"values[{name!r}]", None, f"an empty list: give at least one value, or leave "
                              f"{name!r} out to keep the notebook's default")
        axes.append(_unique([_row(i + 1, {name: v}, lambda _, i=i: f"values[{name!r}][{i}]")
                             for i, v in enumerate(items)], lambda i: f"values[{name!r}][{i}]"))
    rows = grid.combine("values", axes)
    return Values(rows, f"a grid of {' × '.join(str(len(a)) for a in axes)} values", _digest(rows),
                  " × ".join(f"values[{n!r}] ({len(a)})" for n, a in zip(mapping, axes)) if len(axes) > 1 else "")


def _frame(frame):
    columns = list(frame.columns)
    if len(set(columns)) != len(columns):
        raise ValuesError("values", None, f"the DataFrame names a column twice: {', '.join(map(str, columns))}")
    if not len(frame):
        raise ValuesError("values", None, f"an empty DataFrame: nothing to run; {SHAPES}")
    missing_is_none = {c for c in columns if frame[c].dtype.kind != "f"}  # NaN there is pandas' gap
    records = [{c: None if c in missing_is_none and _is_nan(v) else v for c, v in r.items()}
               for r in frame.to_dict("records")]
    return _records(records, lambda i: f"values.iloc[{i}]", _count(len(records), "a DataFrame of", "row"))


def _row(line, items, place):
    texts, typed, places = {}, {}, {}
    for name, value in items.items():
        texts[name], typed[name] = _readings(value)
        places[name] = (place(name), None)
    return Row(line, texts, typed, places)


def _values(rows, shape, where):
    return Values(_unique(rows, where), shape, _digest(rows))


def _unique(rows, where):
    """The rows, unless one repeats another's values (a values file refuses that too); ``where(i)``
    names the i-th."""
    seen = {}
    for index, row in enumerate(rows):
        key = tuple(sorted(row.texts.items()))
        if key in seen:
            raise ValuesError(where(index), None, f"repeats {where(seen[key])}: each value (or row) may appear once")
        seen[key] = index
    return rows


def _readings(value):
    """A Python value's text (what a values file would hold) and the value itself, plain."""
    value = _plain(value)
    if isinstance(value, str):
        return value, value
    return repr(value), value


def _plain(value):
    """numpy's and pandas' scalars as Python's own (np.int64(2) -> 2), inside containers too; a tuple
    or set as a list (what a YAML file would hold)."""
    if type(value).__module__.split(".")[0] in ("numpy", "pandas") and hasattr(value, "item"):
        return value.item()
    if isinstance(value, (list, tuple, set, frozenset)):  # as a YAML list: the default's type decides
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _key(name, where):
    if not isinstance(name, str):
        raise ValuesError(where, None, f"the name {name!r} is a {type(name).__name__}: parameter names are strings")
    return name


def _kind(item):
    return "a dict" if isinstance(item, Mapping) else f"the value {item!r:.40}"


def _is_frame(values):
    return type(values).__name__ == "DataFrame" and hasattr(values, "to_dict") and hasattr(values, "columns")


def _count(number, what, noun):
    return f"{what} {number} {noun}{'' if number == 1 else 's'}"


def _is_nan(value):
    return isinstance(value, float) and math.isnan(value)


def _digest(rows):
    return hashlib.sha256(json.dumps([r.texts for r in rows], ensure_ascii=True).encode()).hexdigest()
