"""The notebook's parameter contract: read its defaults, convert values to their types, inject them.

A notebook with no ``parameters`` cell (the seed's kind, which reads ``os.environ``) is parameterized
through the environment: its defaults are the variables it reads, its values stay text, and the
injected cell goes at the top, as papermill puts it.
"""

from __future__ import annotations

import copy
import json
import math
import sys

import nbformat

from . import lang
from .convert import FROM_ENVIRONMENT, convert, infer  # noqa: F401 (re-exported)
from ..errors import NotebookError, ParameterError
from .lang import PARAMETERS_TAG
from .lang.python import NO_LITERAL, literal  # noqa: F401 (the Python notebook's literals, re-exported)
from ..runner.outcome import META_KEY
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode
    from pathlib import Path
    from typing import TextIO

INJECTED_TAG = "injected-parameters"
ERROR_BANNER_TAG = "papermill-error-cell-tag"  # the cells papermill adds to a notebook whose run failed
PAPERMILL_KEY = "papermill"


def read_notebook(path: str | Path) -> NotebookNode:
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


def parameters_cell(nb: NotebookNode, path: str | Path) -> int:
    """Return the index of the one code cell tagged ``parameters``."""
    index = find_parameters_cell(nb, path)
    if index is None:
        raise NotebookError(path, f"no cell is tagged '{PARAMETERS_TAG}': tag the code cell that holds "
                            "the defaults (in Jupyter: View > Cell Toolbar > Tags)")
    return index


def find_parameters_cell(nb: NotebookNode, path: str | Path) -> int | None:
    """The index of the one code cell tagged ``parameters``, or None when no cell is tagged."""
    tagged = [i for i, c in enumerate(nb.cells) if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])]
    for index in tagged:
        if nb.cells[index].cell_type != "code":
            raise NotebookError(path, f"cell {index} is a {nb.cells[index].cell_type} cell tagged "
                                f"'{PARAMETERS_TAG}': only a code cell can hold the parameters")
    if len(tagged) > 1:
        raise NotebookError(path, f"cells {', '.join(map(str, tagged))} are all tagged '{PARAMETERS_TAG}': "
                            "keep the tag on one cell")
    return tagged[0] if tagged else None


class EnvironmentReads(dict):
    """The defaults of a notebook with no parameters cell: {name: FROM_ENVIRONMENT} for each
    environment variable it reads."""


def read_defaults(nb: NotebookNode, path: str | Path, log: TextIO | None = None) -> EnvironmentReads | dict:
    """Return {name: default} from the parameters cell, read in the kernel's own language; a default
    that is not a literal maps to NO_LITERAL. With no parameters cell, EnvironmentReads (and a
    one-line warning on ``log``) when the language can tell what the notebook reads and it reads some."""
    index = find_parameters_cell(nb, path)
    language = lang.for_notebook(nb, path)
    if index is not None:
        return language.read_defaults(nb.cells[index].source, path)
    if not hasattr(language, "environment_reads"):
        parameters_cell(nb, path)  # raises: what such a notebook reads cannot be told in its language
    names = environment_reads(nb, path)
    if not names:  # no value could reach such a notebook
        raise NotebookError(path, f"no cell is tagged '{PARAMETERS_TAG}', and the notebook reads no environment "
                            "variable by a constant name (in Python: os.environ['x'], os.getenv('x')): tag the "
                            "code cell that holds the defaults (in Jupyter: View > Cell Toolbar > Tags)")
    print(f"jupyterstream: warning: {path}: no cell is tagged '{PARAMETERS_TAG}': each run's values go in a "
          f"cell injected at the top and in environment variables, as text (it reads: {', '.join(names)})",
          file=log or sys.stderr, flush=True)
    return EnvironmentReads((name, FROM_ENVIRONMENT) for name in names)


def environment_reads(nb: NotebookNode, path: str | Path) -> list:
    """The environment variables the notebook's code reads by a constant name ([] when its language
    cannot tell)."""
    language = lang.for_notebook(nb, path)
    if not hasattr(language, "environment_reads"):
        return []
    return list(language.environment_reads([c.source for c in nb.cells if c.cell_type == "code"]))


def check_names(names: list, defaults: dict | EnvironmentReads, path: str | Path, values_file: str | Path | None = None) -> None:
    """Raise unless every name is a parameter of the notebook (or, with no parameters cell, an
    environment variable it reads)."""
    unknown = [n for n in names if n not in defaults]
    if not unknown:
        return
    known = ", ".join(defaults) or "(none)"
    column = f"{values_file}: the column {unknown[0]!r}" if values_file else f"the name {unknown[0]!r}"
    if isinstance(defaults, EnvironmentReads):
        raise ParameterError(f"{column} reaches nothing in {path}: no cell is tagged '{PARAMETERS_TAG}', and "
                             f"the notebook never reads {unknown[0]!r} from the environment (it reads: {known}); "
                             f"rename the column, or tag the cell that holds the defaults '{PARAMETERS_TAG}'")
    raise ParameterError(f"{path}: the notebook has no parameter {unknown[0]!r}"
                         f"{f' (from {values_file})' if values_file else ''}; its parameters cell defines: {known}")


def jsonable(value: object) -> object:
    """A value as standard JSON allows it: non-finite floats become their text ('inf', 'nan')."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def inject(nb: NotebookNode, values: dict, texts: dict[str, str], extra_metadata: dict[str, str] | None = None) -> NotebookNode:
    """Return a copy of ``nb`` with an ``injected-parameters`` cell after the parameters cell (at the
    top when it has none) and the values in its metadata, ours and papermill's; without the cells an
    earlier run added (from_an_earlier_run)."""
    return Injector(nb).inject(values, texts, extra_metadata)


class Injector:
    """A notebook prepared once (copied, cleaned of an earlier run's cells) for injecting the values of
    many jobs: a sweep of 100,000 values copies and validates the notebook once, not once a job."""

    def __init__(self, nb):
        self.base = copy.deepcopy(nb)
        self.base.cells = [c for c in self.base.cells if not from_an_earlier_run(c)]
        for cell in self.base.cells:  # what an earlier papermill run left in them (its timings)
            cell.get("metadata", {}).pop(PAPERMILL_KEY, None)
        parameters = find_parameters_cell(self.base, "notebook")
        self.at = 0 if parameters is None else parameters + 1
        self.writer = lang.for_notebook(self.base, "notebook")
        self.with_id = self.base.get("nbformat_minor", 0) >= 5

    def inject(self, values, texts, extra_metadata=None):
        """A notebook with these values injected (as ``inject``); its other cells are the prepared
        notebook's own, shared, not copied: do not change them."""
        nb = nbformat.NotebookNode(self.base)
        nb.cells = self.base.cells[:self.at] + [self.cell(self.source(values))] + self.base.cells[self.at:]
        nb.metadata = nbformat.NotebookNode(self.base.metadata)
        nb.metadata[META_KEY], nb.metadata[PAPERMILL_KEY] = self.metadata(values, texts, extra_metadata)
        return nb

    def source(self, values):
        """The injected cell's source: an assignment per value, in the notebook's language."""
        return self.writer.cell_source(values)

    def cell(self, source):
        """The injected-parameters cell: the fields and order of nbformat's new_code_cell, without its
        schema check (a code cell of our own making)."""
        cell = nbformat.NotebookNode(id=INJECTED_TAG, cell_type="code",
                                     metadata=nbformat.NotebookNode(tags=[INJECTED_TAG]),
                                     execution_count=None, source=source, outputs=[])
        if not self.with_id:
            del cell["id"]
        return cell

    @staticmethod
    def metadata(values, texts, extra_metadata=None):
        """(ours, papermill's): the notebook metadata a run of these values carries (plain dicts)."""
        ours = {"parameters": jsonable(values), "environment": texts}
        ours.update(extra_metadata or {})
        return ours, {"parameters": ours["parameters"]}


def from_an_earlier_run(cell: NotebookNode) -> bool:
    """True for a cell that an earlier run added to the notebook: its injected parameters, or
    papermill's error banners (papermill removes both before it runs a notebook again)."""
    tags = cell.get("metadata", {}).get("tags", [])
    return INJECTED_TAG in tags or ERROR_BANNER_TAG in tags
