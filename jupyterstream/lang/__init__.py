"""The languages whose notebooks jupyterstream can parameterize, each a module with one interface:

    read_defaults(source, path) -> {name: default}   the parameters cell's defaults
    cell_source(values) -> str                       the injected cell: values as that language's literals

A notebook's language is its kernelspec's (or language_info's) language.
"""

import importlib

from ..errors import NotebookError

MODULES = {"python": "python", "r": "r", "bash": "bash"}


def language_of(nb):
    """The language a notebook's kernel speaks, lower case ('python' when it says nothing)."""
    meta = nb.get("metadata", {})
    name = meta.get("kernelspec", {}).get("language") or meta.get("language_info", {}).get("name") or "python"
    return str(name).lower()


def for_notebook(nb, path):
    """The module that reads and writes the parameters of ``nb``'s language."""
    name = language_of(nb)
    if name not in MODULES:
        raise NotebookError(path, f"its kernel speaks {name!r}: jupyterstream can parameterize notebooks in "
                            f"{', '.join(sorted(MODULES))}")
    return importlib.import_module(f".{MODULES[name]}", __name__)
