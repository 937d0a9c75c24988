"""A row of a values file -> the values its job's kernel gets, each converted to its parameter's type.

Text converts as a CSV field does (to the type of the parameter's default: `06` stays "06" for a str);
a YAML or JSON value keeps the file's own type only where the default gives none (None, or not a
literal), and a list or mapping is accepted only where the default is one.
"""

from __future__ import annotations

from ..notebook import params
from ..errors import ParameterError, ValuesError
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from ..notebook.params import EnvironmentReads
    from .rows import Row

CONTAINERS = (list, tuple, set, dict)
TYPES = (str, int, float, bool) + CONTAINERS  # defaults that give a type; others take the text as it is


def job_values(row: Row, defaults: dict | EnvironmentReads, where: str, check: Callable | None = None) -> dict:
    """A row's values, each converted to its parameter's type, then given to ``check`` (the kernel
    language's writer, which refuses what that language cannot hold); an error names file and line."""
    values = {}
    for name in row.texts:
        try:
            values[name] = _value(name, row, defaults[name])
        except ParameterError as exc:
            raise ValuesError(*row.place(name, where), str(exc)) from None
    try:
        if check:
            check(values)
    except ParameterError as exc:
        raise ValuesError(*row.place(next(iter(row.texts)), where), str(exc)) from None
    return values


def _value(name, row, default):
    """The value of ``name``: the text converted to the default's type, as for a CSV field; a YAML
    or JSON value keeps the file's own type when the default gives none (None or not a literal)."""
    if name not in row.typed:
        return params.convert(name, row.texts[name], default)
    value, kind = row.typed[name], type(default)
    if default is None or default is params.NO_LITERAL:
        return value
    if kind not in TYPES:
        return params.convert(name, row.texts[name], default)
    if isinstance(value, (list, dict)):
        return _container(name, value, default)
    if value is None:
        hint = " (in quotes, to keep 'null' as text)" if kind is str else ""
        raise ParameterError(f"null is not a valid {kind.__name__} for parameter {name!r} (its default in the "
                             f"notebook is {default!r}): give a value{hint}")
    try:
        return params.convert(name, row.texts[name], default)
    except ParameterError as exc:
        if kind not in CONTAINERS:
            raise
        raise ParameterError(f"{exc}; in a YAML or JSON grid a list gives the values to sweep: to give one "
                             "list, nest it in another ([[1, 2]])") from None


def _container(name, value, default):
    """A YAML/JSON list or mapping as a list, tuple, set or dict parameter's value."""
    kind = type(default)
    try:
        if isinstance(value, list) and kind in (list, tuple, set):
            return kind(value)
        if isinstance(value, dict) and kind is dict:
            return value
    except TypeError:
        pass  # a set of lists or mappings
    what = "a list" if isinstance(value, list) else "a mapping"
    hint = " (in quotes, to keep brackets as text)" if kind is str else ""
    raise ParameterError(f"{what} is not a valid {kind.__name__} for parameter {name!r} (its default in the "
                         f"notebook is {default!r}): give one value{hint}")
