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


def image_output(mime, data):
    """A display_data output (raw JSON) showing one image."""
    return {"output_type": "display_data", "data": {mime: data, "text/plain": "<Figure>"}, "metadata": {}}


def executed(figures, cells=None, python="3.11.4", metrics=()):
    """An executed notebook as JSON: ``figures`` maps a cell index to its [(mime, data)] images.

    Cells without figures are code cells without outputs, so a figure sits at the cell index given.
    ``metrics`` is [(name, value)] recorded in cell 0.
    """
    from jupyterstream.runner.record import MIME_TYPE

    count = max([*figures, -1]) + 1 if cells is None else cells
    nb = {"nbformat": 4, "nbformat_minor": 5, "cells": [],
          "metadata": {"language_info": {"name": "python", "version": python}}}
    for index in range(count):
        outputs = [image_output(mime, data) for mime, data in figures.get(index, [])]
        if index == 0:
            outputs += [{"output_type": "display_data", "metadata": {},
                         "data": {MIME_TYPE: {"name": n, "value": v}}} for n, v in metrics]
        nb["cells"].append({"cell_type": "code", "id": f"c{index}", "source": "", "metadata": {},
                            "execution_count": 1, "outputs": outputs})
    return nb


def write_run(output, job_id, figures, **options):
    """Write runs/<job_id>.ipynb under ``output`` (see executed) and return its path relative to output."""
    folder = output / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    save(executed(figures, **options), folder / f"{job_id}.ipynb")
    return f"runs/{job_id}.ipynb"


def places(figures):
    """The Run.figures places of a {cell: [(mime, data)]} mapping, as the collector gives them: where
    each figure is, and the content hash its files are named by."""
    from jupyterstream.report.figures.gallery import fingerprint

    return [{"cell": cell, "index": index, "mime": mime, "sha": fingerprint(mime, data)}
            for cell in sorted(figures) for index, (mime, data) in enumerate(figures[cell])]


def png(width=4, height=3, colour=(200, 30, 30)):
    """Base64 of a real PNG image (Pillow)."""
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
