"""The languages whose notebooks jupyterstream can parameterize, each a module with one interface:

    read_defaults(source, path) -> {name: default}   the parameters cell's defaults (a default the
                                                     language cannot read as a value: NO_LITERAL,
                                                     from jupyterstream.notebook.lang.python_source)
    cell_source(values) -> str                       the injected cell: values as that language's literals

and, optionally (a language without them still runs; jupyterstream then does without what they give):

    describe(source, path) -> [{"name", "default", "text", "comment"}]
        each parameter in the cell's order: its default, the default's source text and the comment on
        its line (for `jupyterstream inspect`; without it, inspect shows read_defaults' values)
    environment_reads(sources) -> [name]
        the environment variables the notebook's code cells (their sources, in order) read by a
        constant name, first seen first. A notebook with no parameters cell runs only in a language
        that has it: its values then reach it as environment variables, checked against these names
        (without it, such a notebook is refused as before: "no cell is tagged 'parameters'").

A default of None or NO_LITERAL gives no type: values for it are inferred from their text
(jupyterstream.notebook.convert.infer), and cell_source must write the int, float, bool, None or str it gets.
A notebook's language is its kernelspec's (or language_info's) language.
"""

from __future__ import annotations

import importlib

from ...errors import NotebookError
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

    from nbformat import NotebookNode

MODULES = {"python": "python", "r": "r", "bash": "bash"}
PARAMETERS_TAG = "parameters"  # the tag of the cell that holds the defaults, in every language


def language_of(nb: NotebookNode) -> str:
    """The language a notebook's kernel speaks, lower case ('python' when it says nothing)."""
    meta = nb.get("metadata", {})
    name = meta.get("kernelspec", {}).get("language") or meta.get("language_info", {}).get("name") or "python"
    return str(name).lower()


def kernel_name(nb: NotebookNode) -> str:
    """The kernel a notebook asks for, resolved as jupyter_client's kernel manager does: no name
    is the native kernel, and so is 'python' (which Jupyter and papermill run as 'python3')."""
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME

    name = nb.metadata.get("kernelspec", {}).get("name") or NATIVE_KERNEL_NAME
    return NATIVE_KERNEL_NAME if name == "python" else name


def for_notebook(nb: NotebookNode, path: str | Path) -> ModuleType:
    """The module that reads and writes the parameters of ``nb``'s language."""
    name = language_of(nb)
    if name not in MODULES:
        raise NotebookError(path, f"its kernel speaks {name!r}: jupyterstream can parameterize notebooks in "
                            f"{', '.join(sorted(MODULES))}")
    return importlib.import_module(f".{MODULES[name]}", __name__)
