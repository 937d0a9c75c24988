"""A sweep's runs read back in Python: a pandas DataFrame of one row per run (``frame``), and each
run's executed notebook, figures and error (``Runs``, ``Run``).

The runs are those the collector reads (collect.py), so a running sweep reads as it stands. The
DataFrame has metrics.csv's and runs.csv's columns; pandas is needed only for the DataFrame.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from .collect import runs as collect
from .collect import extract
from .report import write as report
from .errors import OutputError, SetupError
from .report.sections import counts, metric_names
from .runner.outcome import Status

if TYPE_CHECKING:
    from types import ModuleType

    import pandas as pd
    from nbformat import NotebookNode

WAITING = (Status.PENDING.value, Status.RUNNING.value, Status.MISSING.value)
NUMBERS = ("duration", "kernel_ready", "exit", "signal", "attempts", "cell", "output_bytes", "max_rss_mb", "cpu_s")


def pandas() -> ModuleType:
    """pandas, or a SetupError saying how to install it."""
    try:
        import pandas as pd
    except ImportError:
        raise SetupError("jupyterstream.load needs pandas, which is not installed: pip install pandas "
                         "(or: pip install 'jupyterstream[demo]')") from None
    return pd


@dataclass(frozen=True)
class Figure:
    """One figure a run displayed: its cell, its MIME type and its data (bytes for PNG and JPEG,
    text for SVG, the spec for a chart library's figure). Jupyter displays it as it is."""

    cell: int
    mime: str
    data: object

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = base64.b64encode(self.data).decode("ascii") if isinstance(self.data, bytes) else self.data
        return {self.mime: data}


@dataclass(frozen=True)
class RunError:
    """Why a run is not ok: its status, the failing cell and its exception, or the message."""

    status: str
    message: str = ""
    cell: int = None
    ename: str = None
    evalue: str = None
    traceback: list = None
    source: str = ""

    def __str__(self):
        if self.ename:
            return f"{self.status}: cell {self.cell}: {self.ename}: {self.evalue}"
        return f"{self.status}: {self.message}" if self.message else self.status


class Run:
    """One run of a sweep, as the collector sees it."""

    def __init__(self, output, record):
        self.output, self.record = Path(output), record
        self.id, self.label, self.status = record.id, record.label, record.state
        self.params, self.metrics = dict(record.values or record.texts), dict(record.metrics)

    def __repr__(self):
        return f"<Run {self.id} {self.status}>"

    @property
    def ok(self) -> bool:
        """True when the run finished cleanly."""
        return self.record.ok

    @property
    def notebook(self) -> NotebookNode | None:
        """The executed notebook (nbformat), as far as a running or failed run got; None if none."""
        for name in (self.record.notebook, f"runs/.{self.id}.partial.ipynb", f"runs/{self.id}.ipynb"):
            if name and (self.output / name).is_file():
                return nbformat.read(str(self.output / name), as_version=4)
        return None

    @property
    def figures(self) -> list[Figure]:
        """The figures it displayed, in order."""
        nb = self.notebook
        return [Figure(cell, mime, _decoded(mime, data)) for cell, mime, data in extract.figures(nb)] if nb else []

    @property
    def error(self) -> RunError | None:
        """A RunError for a run that is not ok (None for ok, and for one still waiting or running)."""
        if self.ok or self.status in WAITING:
            return None
        fail = self.record.failure
        return RunError(self.status, self.record.message, fail.get("cell_index"), fail.get("ename"),
                        fail.get("evalue"), fail.get("traceback"), fail.get("source") or "")


class Runs(Mapping):
    """Every planned run of an output folder, by job id (or by its value, when that differs)."""

    def __init__(self, output="output"):
        self.output = Path(output)
        if not self.output.is_dir():
            raise OutputError(f"{self.output}: no such folder: run a sweep into it first (jupyterstream.run)")
        self.records = collect.runs(self.output, collect.load_plan(self.output))
        self._by_id = {r.id: r for r in self.records}

    def __getitem__(self, key):
        record = self._by_id.get(key) or next((r for r in self.records if r.label == key), None)
        if record is None:
            raise KeyError(f"{key!r}: no run of {self.output} has this id or value")
        return Run(self.output, record)

    def __iter__(self):
        return iter(self._by_id)

    def __len__(self):
        return len(self._by_id)

    def counts(self) -> dict[str, int]:
        """{status: number of runs}, ok first."""
        return counts(self.records)

    def frame(self) -> pd.DataFrame:
        """A pandas DataFrame: one row per run indexed by job id, metrics.csv's and runs.csv's columns."""
        pd = pandas()
        params = list(dict.fromkeys(k for r in self.records for k in (r.values or r.texts)))
        names = metric_names(self.records)
        rows = [_row(record, params, names) for record in self.records]
        columns = report.metrics_header(params, names) + [c for c in report.RUNS_HEADER if c not in ("job", "status")]
        frame = pd.DataFrame(rows, columns=columns).set_index("job")
        frame.attrs["output"] = str(self.output)
        return frame


def _row(record, params, names):
    """One run's row: the values its kernel received, its status, metrics and what runs.csv says."""
    received = report.metrics_row(record, params, ())[1:1 + len(params)]
    received = [record.values.get(p, r) if isinstance(record.values.get(p), bool) else r
                for p, r in zip(params, received)]
    runs = dict(zip(report.RUNS_HEADER, report.runs_row(record)))
    for name in NUMBERS:
        runs[name] = None if runs[name] == "" else runs[name]
    del runs["job"], runs["status"]
    return [record.id, *received, record.state, *(record.metrics.get(n) for n in names), *runs.values()]


def _decoded(mime, data):
    if mime in ("image/png", "image/jpeg", "image/gif", "image/webp") and isinstance(data, str):
        return base64.b64decode(data)
    return data
