"""What ``jupyterstream inspect`` prints: a notebook's parameters (name, type, default, the comment on
its line) and the environment variables it reads; papermill's ``--help-notebook``, typed our way."""

from __future__ import annotations

from . import lang, params
from .convert import INFERENCE_RULE, INFERRED, type_name
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode
    from pathlib import Path

DEFAULT_WIDTH = 40  # a longer default is cut, so that the comments stay on screen
HEADER = {"name": "name", "type": "type", "text": "default", "comment": "comment"}


def parameters(nb: NotebookNode, path: str | Path) -> list[dict] | None:
    """Each parameter as {name, type, default, text, comment}; None when no cell is tagged 'parameters'."""
    index = params.find_parameters_cell(nb, path)
    if index is None:
        return None
    language = lang.for_notebook(nb, path)
    source = nb.cells[index].source
    if hasattr(language, "describe"):
        found = language.describe(source, path)
    else:  # a language that only reads defaults: show them as values, with no comments
        found = [{"name": n, "default": d, "text": _shown(d), "comment": ""}
                 for n, d in language.read_defaults(source, path).items()]
    return [dict(p, type=type_name(p["default"])) for p in found]


def report(path: str | Path) -> str:
    """The text ``jupyterstream inspect`` prints for the notebook at ``path``."""
    nb = params.read_notebook(path)
    lines = [f"{path}: kernel {lang.kernel_name(nb)} ({lang.language_of(nb)})"]
    found = parameters(nb, path)
    if found is None:
        lines.append(f"no cell is tagged '{params.PARAMETERS_TAG}': each run's values reach the notebook as "
                     "environment variables (text) and in a cell injected at the top; a values file's columns "
                     "must be variables it reads")
    elif not found:
        lines.append(f"the '{params.PARAMETERS_TAG}' cell (cell {params.parameters_cell(nb, path)}) assigns no name")
    else:
        lines.append(f"parameters (cell {params.parameters_cell(nb, path)}):")
        lines += ["  " + row for row in table([HEADER] + found)]
        if any(p["type"] == INFERRED for p in found):
            lines.append(f"  {INFERRED}: the default gives no type, so {INFERENCE_RULE}")
    reads = params.environment_reads(nb, path)
    lines.append("reads from the environment: " + (", ".join(reads) or "nothing (by a constant name)"))
    return "\n".join(lines)


def table(rows: list[dict]) -> list[str]:
    """Rows of {name, type, text, comment} as aligned text lines (the comment last, uncut)."""
    cells = [[row["name"], row["type"], _cut(row["text"]), row["comment"]] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(3)]
    return [("  ".join(c.ljust(w) for c, w in zip(line, widths)) + "  " + line[3]).rstrip() for line in cells]


def _cut(text):
    text = " ".join(str(text).split())
    return text if len(text) <= DEFAULT_WIDTH else text[:DEFAULT_WIDTH - 1] + "\u2026"


def _shown(default):
    return "(not a literal)" if default is params.NO_LITERAL else repr(default)
