"""Parameters in Python: read the defaults of a parameters cell (IPython syntax and every simple
assignment form), describe them, find what the notebook reads from the environment, and write an
injected cell of literals."""

from __future__ import annotations

import ast
import math

from ...errors import NotebookError, ParameterError
from . import python_environment, python_source
from . import PARAMETERS_TAG
from .python_source import NO_LITERAL  # noqa: F401 (re-exported: the default that is no literal)
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def read_defaults(source: str, path: str | Path) -> dict:
    """Return {name: default} from a parameters cell's source; a default that is not a literal maps
    to NO_LITERAL. A name assigned twice keeps its last value, as Python would."""
    return {b.name: b.value for b in _bindings(source, path)}


def describe(source: str, path: str | Path) -> list[dict]:
    """Each parameter as {name, default, text, comment}: its default, that default's source text and
    the comment on its line, in the order the cell first assigns them."""
    tree, python, written = _parse(source, path)
    notes = python_source.comments(python)
    found = {}
    for b in python_source.bindings(tree, python):
        text, comment = python_source.as_written(b, python, written)
        if comment is None:  # a comment closes the assignment's last line, or sits on its first
            comment = notes.get(b.end) or notes.get(b.line, "")
        found[b.name] = {"name": b.name, "default": b.value, "text": text, "comment": comment}
    return list(found.values())


def environment_reads(sources: list[str]) -> list:
    """The environment variables the code cells ``sources`` read by a constant name, first seen first;
    cells that are not valid Python are skipped (running them shows the error)."""
    trees = []
    for source in sources:
        try:
            trees.append(python_source.parse(source)[0])
        except (SyntaxError, ValueError):
            continue
    return python_environment.reads(trees)


def _bindings(source, path):
    tree, python, _ = _parse(source, path)
    return python_source.bindings(tree, python)


def _parse(source, path):
    try:
        return python_source.parse(source)
    except (SyntaxError, ValueError) as exc:
        where = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise NotebookError(path, f"the '{PARAMETERS_TAG}' cell is not valid Python, even read as IPython "
                            f"would run it: {getattr(exc, 'msg', exc)}{where}; fix the cell") from None


# Types whose repr() is always a literal that evaluates back to the value (a float's repr round-trips):
# no need to parse it again, which was most of the cost of a 100,000-value plan.
PLAIN = (str, int, bool, type(None))


def literal(value: object) -> str:
    """Return Python source that evaluates to ``value``; never anything but a literal."""
    if type(value) in PLAIN or type(value) is float and math.isfinite(value):
        return repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, (list, tuple, set)) and _has_non_finite(value):
        items = ", ".join(literal(v) for v in value)
        return {list: f"[{items}]", tuple: f"({items}{',' if len(value) == 1 else ''})",
                set: f"{{{items}}}"}[type(value)]
    if isinstance(value, dict) and _has_non_finite(value):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    source = repr(value)
    if ast.literal_eval(source) != value and value == value:
        raise ParameterError(f"{value!r} cannot be written as a Python literal")
    return source


def _has_non_finite(value):
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in (*value.keys(), *value.values()))
    if isinstance(value, (list, tuple, set)):
        return any(_has_non_finite(v) for v in value)
    return False


def cell_source(values: dict) -> str:
    """The injected cell: one assignment of a literal per parameter, never anything else."""
    lines = ["# Parameters injected by jupyterstream"] + [f"{k} = {literal(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"
