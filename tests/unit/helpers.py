"""Helpers for the unit tests: notebooks built in memory with nbformat, runs for the collector."""

import json

from nbformat.v4 import new_code_cell, new_notebook


def notebook(parameters="state = 'CA'\n", *cells, minor=5, kernel="python3"):
    """An nbformat 4 notebook: a code cell tagged ``parameters`` holding ``parameters``, then ``cells``.

    A str in ``cells`` becomes a code cell; a cell object is used as it is. ``minor`` < 5 gives a
    notebook without cell ids (nbformat 4.4 and older).
    """
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": "Python 3", "language": "python"}
    nb.cells = [new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    nb.cells += [new_code_cell(c) if isinstance(c, str) else c for c in cells]
    if minor < 5:
        nb.nbformat_minor = minor
        for cell in nb.cells:
            cell.pop("id", None)
    return nb


def save(nb, path):
    """Write a notebook (or any JSON-able object) as JSON and return the path."""
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
    return path


def strict_json(text):
    """Parse JSON as the standard has it: NaN and Infinity are not JSON."""

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)
