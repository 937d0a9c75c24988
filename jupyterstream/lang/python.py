"""Parameters in Python: read the defaults of a parameters cell, write an injected cell of literals."""

import ast
import math

from ..errors import NotebookError, ParameterError

PARAMETERS_TAG = "parameters"
NO_LITERAL = object()


def read_defaults(source, path):
    """Return {name: default} from a parameters cell's source; a default that is not a literal maps
    to NO_LITERAL."""
    # IPython magics and shell escapes are not Python: leave them out of the defaults.
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise NotebookError(path, f"the '{PARAMETERS_TAG}' cell is not valid Python: {exc.msg} (line {exc.lineno})") from None
    defaults = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    defaults[target.id] = ast.literal_eval(value)
                except (ValueError, SyntaxError, TypeError):
                    defaults[target.id] = NO_LITERAL
    return defaults


def literal(value):
    """Return Python source that evaluates to ``value``; never anything but a literal."""
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


def cell_source(values):
    """The injected cell: one assignment of a literal per parameter, never anything else."""
    lines = ["# Parameters injected by jupyterstream"] + [f"{k} = {literal(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"
