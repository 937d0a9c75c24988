"""The Python API: ``run`` makes the sweep ``jupyterstream run`` makes (the same plan, GNU parallel
and collect, called through the same functions), ``load`` and ``runs`` read a sweep's runs back.

Bad input raises the named errors the command line reports (errors.py), with the same messages.
"""

from __future__ import annotations

import html
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from . import sweep
from .values import pyvalues
from .collect import failfast
from .errors import ArgumentError, JupyterstreamError
from .launch.inputs import parse_size
from .launch.parallel import Settings
from .report.progress import view_for
from .results import Runs
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

    import pandas as pd

FILES_LIMIT = "300MB"  # as the command line's --files-limit
SHOWN_RUNS = 50        # rows of the table a result shows in Jupyter


def run(notebook: str | Path, values: object, *, param: str = "state", output: str | Path = "output", parameters: dict | None = None,
        jobs: int | str | None = None, cell_timeout: float | None = None, job_timeout: float | None = None, warm: bool = True,
        only: str | None = None, only_group: str | None = None, rerun_ok: bool = False, inputs: tuple | list = (),
        metric_tag: str | None = None, files_limit: int | str = FILES_LIMIT, memory_limit: int | str = 0, servers: int = 0,
        servers_file: str = "servers.txt", ssh: str = "", remote_python: str = "python3", retries: int = 2, shared_fs: bool = False,
        strict_servers: bool = False, fail_fast: int | str | None = None, batch: int = 0,
        progress: str | bool | None = None, log: TextIO | None = None) -> Result:
    """Run ``notebook`` once for each of ``values`` with GNU parallel, then collect; as ``jupyterstream run``.

    Parameters
    ----------
    notebook : path of the notebook (its cell tagged ``parameters`` holds the defaults).
    values : a values file's path (a list of ``pathlib.Path``: their grid); a list of values for
        ``param``; a list of dicts (one job each); a dict of lists (a grid); a pandas DataFrame (a row a job).
    param : the parameter a list of values (or a one-column file) feeds.
    output : the output folder; runs already ok there are kept (``rerun_ok=True`` runs them again).
    parameters : a dict of constants given to every job, typed and checked as any value.
    jobs, cell_timeout, job_timeout, warm, only, inputs, metric_tag, files_limit, memory_limit, servers, ... :
        as the command line's options of the same names.
    fail_fast : start no new job once this many runs failed in the same failure group (None: never).
    only_group : a failure group's key (as the summary and the report show it): run only its values.
    batch : values each job runs, one nbconvert over them, each in its own kernel; 0: chosen from how long
        values take (docs/batches.md); 1: one value a job.
    progress : None (a line that updates in place in a terminal, a display in Jupyter, plain lines
        otherwise), or "terminal", "plain", "notebook", False (none).
    log : where the sweep's messages go (default: sys.stderr).

    Returns
    -------
    Result : the exit status, the counts by status, the runs (``.runs``, a DataFrame) and the report's path.
    """
    try:
        settings, where = _settings(output, jobs, cell_timeout, job_timeout, warm, metric_tag,
                                    (files_limit, memory_limit), servers, servers_file, ssh, remote_python, retries,
                                    shared_fs, strict_servers)
        settings = replace(settings, fail_fast=failfast.limit_of(fail_fast, "fail_fast"), batch=_batch(batch))
        sources, given = pyvalues.read(values, param), pyvalues.constants(parameters)
        view = _view(progress, log or sys.stderr)
        status = _sweep(notebook, sources, settings, param, (only, only_group), rerun_ok, where, inputs, given,
                        view, log)
    except JupyterstreamError as exc:
        raise exc.with_traceback(None) from None  # the message says it all: no traceback from inside
    return Result(status, Path(output))


def _batch(value):
    """BATCH as a whole number of 0 or more, or an ArgumentError that says so."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ArgumentError(f"batch: {value!r} is not a number of values a job: give 0 (chosen from how long "
                            "values take), 1 (one value a job) or more")
    return value


def _view(kind, stream):
    if kind not in (None, False, "terminal", "plain", "notebook"):
        raise ArgumentError(f"progress: {kind!r} is not a kind of progress: give None (chosen by where it runs), "
                            "'terminal', 'plain', 'notebook' or False (none)")
    return view_for(kind, stream)


def _sweep(notebook, sources, settings, param, chosen, rerun_ok, where, inputs, given, view, log):
    """sweep.run (which stops the sweep's warm templates after it). ``chosen``: (only, only_group)."""
    return sweep.run(notebook, sources, settings, param, chosen[0], rerun_ok, where, log=log or sys.stderr,
                     inputs=tuple(inputs), constants=given, view=view, only_group=chosen[1])


def _settings(output, jobs, cell_timeout, job_timeout, warm, metric_tag, limits, servers, servers_file,
              ssh, remote_python, retries, shared_fs, strict_servers):
    """Settings and Servers, as the command line's settings_of makes them from its options."""
    limit, memory = _size("files_limit", limits[0]), _size("memory_limit", limits[1])
    settings = Settings(output=os.fspath(output), jobs=str(jobs or ""), cell_timeout=float(cell_timeout or 0),
                        job_timeout=float(job_timeout or 0), remote=servers > 0, remote_python=remote_python,
                        retries=retries, shared_fs=shared_fs, metric_tag=metric_tag or "", files_limit=limit,
                        memory_limit=memory, warm=bool(warm))
    return settings, sweep.Servers(count=servers, file=servers_file, ssh=ssh, strict=strict_servers)


def _size(name, value):
    """Bytes of a size argument (300MB, 4G, a number), or an ArgumentError naming it."""
    try:
        return parse_size(value) if isinstance(value, str) else int(value or 0)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"{name}: {exc}") from None


def load(output: str | Path = "output") -> pd.DataFrame:
    """The runs of ``output`` as a pandas DataFrame, one row per run indexed by job id, with
    metrics.csv's and runs.csv's columns (``params.NAME``, ``status``, ``metrics.NAME``,
    ``duration``, ``host``, ``kernel``, ...); a running sweep reads as it stands."""
    try:
        return Runs(output).frame()
    except JupyterstreamError as exc:
        raise exc.with_traceback(None) from None


def runs(output: str | Path = "output") -> Runs:
    """The runs of ``output`` by job id: each one's ``.notebook`` (nbformat), ``.figures`` and ``.error``."""
    try:
        return Runs(output)
    except JupyterstreamError as exc:
        raise exc.with_traceback(None) from None


@dataclass
class Result:
    """What jupyterstream.run returns: ``status`` is the command line's exit status (0: every run
    ok, 1: some not ok, 130: interrupted)."""

    status: int
    output: Path

    def __post_init__(self):
        self._runs = Runs(self.output)

    @property
    def ok(self) -> bool:
        """True when every run the sweep chose is ok."""
        return self.status == 0

    @property
    def counts(self) -> dict[str, int]:
        """{status: number of runs}, ok first."""
        return self._runs.counts()

    @property
    def report(self) -> Path:
        """The path of report.html."""
        return self.output / "report.html"

    @property
    def runs(self) -> pd.DataFrame:
        """The runs as a DataFrame (see load)."""
        return self._runs.frame()

    def __getitem__(self, job_id):
        """One run (results.Run): its notebook, figures and error."""
        return self._runs[job_id]

    def __repr__(self):
        counts = ", ".join(f"{n} {s}" for s, n in self.counts.items())
        return f"<jupyterstream.Result status={self.status}: {len(self._runs)} runs: {counts}; {self.report}>"

    def _repr_html_(self):
        return result_html(self)


def result_html(result: Result) -> str:
    """A result as Jupyter shows it: counts, then a table of the runs (the failed ones first)."""
    records = sorted(result._runs.records, key=lambda r: r.ok)
    counts = ", ".join(f"{n} {html.escape(s)}" for s, n in result.counts.items())
    rows = "".join(f"<tr><td>{html.escape(r.id)}</td><td>{html.escape(str(r.label))}</td><td>{html.escape(r.state)}"
                   f"</td><td>{'' if r.duration is None else f'{r.duration:.1f} s'}</td>"
                   f"<td>{html.escape(_why(r))}</td></tr>" for r in records[:SHOWN_RUNS])
    more = f"<p>... and {len(records) - SHOWN_RUNS} more: see the report</p>" if len(records) > SHOWN_RUNS else ""
    return (f"<div class='jupyterstream-result'><p><b>{len(records)} runs</b>: {counts} (exit status "
            f"{result.status}); report: <code>{html.escape(str(result.report))}</code></p><table><thead><tr>"
            "<th>job</th><th>value</th><th>status</th><th>duration</th><th>error</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{more}</div>")


def _why(record):
    fail = record.failure
    if fail.get("ename"):
        return f"cell {fail.get('cell_index')}: {fail.get('ename')}: {fail.get('evalue')}"
    return (record.message or "").strip().splitlines()[-1] if (record.message or "").strip() and not record.ok else ""
