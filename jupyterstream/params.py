"""The notebook's parameter contract: read its defaults, convert values to their types, inject them."""

import ast
import copy
import json
import math

import nbformat

from . import lang
from .errors import NotebookError, ParameterError
from .lang.python import NO_LITERAL, literal  # noqa: F401 (the Python notebook's literals, re-exported)

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
META_KEY = "jupyterstream"


def read_notebook(path):
    """Read a notebook as nbformat 4, or raise NotebookError saying what is wrong with it."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        raw = json.loads(text)
    except FileNotFoundError:
        raise NotebookError(path, "no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(path, f"not valid JSON ({exc}): is the file truncated?") from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise NotebookError(path, "not a Jupyter notebook: it has no cells")
    if raw.get("nbformat", 0) < 4:
        raise NotebookError(path, f"nbformat {raw.get('nbformat')} is too old: upgrade it with "
                            "'jupyter nbconvert --to notebook --inplace' and try again")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise NotebookError(path, f"not a valid notebook: {str(exc).splitlines()[0]}") from None
    return nb


def parameters_cell(nb, path):
    """Return the index of the one code cell tagged ``parameters``."""
    tagged = [i for i, c in enumerate(nb.cells) if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])]
    for index in tagged:
        if nb.cells[index].cell_type != "code":
            raise NotebookError(path, f"cell {index} is a {nb.cells[index].cell_type} cell tagged "
                                f"'{PARAMETERS_TAG}': only a code cell can hold the parameters")
    if not tagged:
        raise NotebookError(path, f"no cell is tagged '{PARAMETERS_TAG}': tag the code cell that holds "
                            "the defaults (in Jupyter: View > Cell Toolbar > Tags)")
    if len(tagged) > 1:
        raise NotebookError(path, f"cells {', '.join(map(str, tagged))} are all tagged '{PARAMETERS_TAG}': "
                            "keep the tag on one cell")
    return tagged[0]


def read_defaults(nb, path):
    """Return {name: default} from the parameters cell, read in the kernel's own language; a default
    that is not a literal maps to NO_LITERAL."""
    cell = nb.cells[parameters_cell(nb, path)]
    return lang.for_notebook(nb, path).read_defaults(cell.source, path)


def convert(name, text, default):
    """Convert a value's text to the type of the parameter's default."""
    kind = type(default)
    try:
        if default is NO_LITERAL or kind is str:
            return text
        if kind is bool:
            return _to_bool(text)
        if kind is int:
            return int(text.strip())
        if kind is float:
            return float(text.strip())
        if default is None:
            return None if text.strip() in ("", "None") else text
        if kind in (list, tuple, dict, set):
            value = ast.literal_eval(text)
            if isinstance(value, kind):
                return value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    raise ParameterError(f"{text!r} is not a valid {kind.__name__} for parameter {name!r} "
                         f"(its default in the notebook is {default!r})")


def _to_bool(text):
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValueError(text)


def check_names(names, defaults, path):
    """Raise unless every name is a parameter of the notebook."""
    unknown = [n for n in names if n not in defaults]
    if unknown:
        known = ", ".join(defaults) or "(none)"
        raise ParameterError(f"{path}: the notebook has no parameter {unknown[0]!r}; "
                             f"its parameters cell defines: {known}")


def jsonable(value):
    """A value as standard JSON allows it: non-finite floats become their text ('inf', 'nan')."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def inject(nb, values, texts, extra_metadata=None):
    """Return a copy of ``nb`` with an ``injected-parameters`` cell after the parameters cell."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    index = parameters_cell(nb, "notebook")
    source = lang.for_notebook(nb, "notebook").cell_source(values)
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [INJECTED_TAG]})
    if nb.get("nbformat_minor", 0) >= 5:
        cell["id"] = INJECTED_TAG
    else:
        cell.pop("id", None)
    nb.cells.insert(index + 1, cell)
    meta = {"parameters": jsonable(values), "environment": texts}
    meta.update(extra_metadata or {})
    nb.metadata[META_KEY] = meta
    return nb
