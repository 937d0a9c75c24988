"""Values file + notebook -> jobs with stable ids and identities -> one staged input per job."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from nbformat import NotebookNode

from ..values import grid
from ..notebook import lang, params
from ..runner import status
from ..runner.layout import INPUTS, LOGS, RUNS, STATUS, Layout
from ..atomic import write_atomic
from ..errors import ParameterError, ValuesError
from ..values.typed import job_values
from ..values.read import read_values

SLUG_MAX = 48
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Job:
    """One run: an id safe in file names and argv, its values, and its identity."""

    id: str
    line: int
    texts: dict
    values: dict
    identity: str

    def label(self) -> str:
        """A short human label: the value, or name=value pairs for several parameters."""
        if len(self.texts) == 1:
            return next(iter(self.texts.values()))
        return ", ".join(f"{k}={v}" for k, v in self.texts.items())


@dataclass
class Plan:
    """Every job of a sweep, with what it was made from."""

    notebook: str
    values_file: str
    notebook_sha256: str
    values_sha256: str
    cwd: str
    jobs: list = field(default_factory=list)
    source: object = None
    grid: str = ""


def build_plan(notebook: str | os.PathLike, values_files: str | os.PathLike | Iterable[str | os.PathLike],
               param: str = "state") -> Plan:
    """Read and check the notebook and values file (or files: their grid); return the Plan.
    Nothing is written. ``param`` names what one-column files feed (see values.read_values)."""
    nb = params.read_notebook(notebook)
    defaults = params.read_defaults(nb, notebook)
    files = [values_files] if isinstance(values_files, (str, os.PathLike)) else list(values_files)
    where = " × ".join(map(str, files))
    rows = read_values(files, param)
    _check_names(rows[0], defaults, notebook, where)
    nb_hash = notebook_hash(nb)
    writer = lang.for_notebook(nb, notebook)
    jobs, taken = [], {}
    for row in rows:
        values = job_values(row, defaults, where, writer.cell_source)
        job_id = make_id(row.texts)
        if job_id.lower() in taken:
            raise ValuesError(*row.place(next(iter(row.texts)), where), f"its output name {job_id!r} clashes with "
                              f"{taken[job_id.lower()]} (names are compared without case): make the values distinct")
        taken[job_id.lower()] = row.origin(where)
        identity = _sha({"notebook": nb_hash, "values": row.texts})
        jobs.append(Job(job_id, row.line, dict(row.texts), values, identity))
    return Plan(str(notebook), where, nb_hash, _files_sha(files), str(Path(notebook).parent), jobs, nb,
                grid.describe(rows) if len(files) > 1 else "")


def _check_names(row, defaults, notebook, where):
    """The names must be the notebook's parameters; a YAML/JSON key or grid value names its line."""
    try:
        params.check_names(list(row.texts), defaults, notebook, where)
    except ParameterError as exc:
        unknown = next(n for n in row.texts if n not in defaults)
        if unknown not in row.places:
            raise
        file, line = row.place(unknown, where)
        raise ParameterError(f"{file}:{line}: {exc}") from None


def select(plan: Plan, only: str | None = None) -> list[Job]:
    """The jobs ``--only`` names (a value, a label or a job id), or all of them."""
    if only is None:
        return list(plan.jobs)
    chosen = [j for j in plan.jobs if only in (j.id, j.label())]
    if not chosen:
        raise ValuesError(plan.values_file, None, f"--only {only!r} matches no value or job id in the file")
    return chosen


def make_id(texts: dict[str, str]) -> str:
    """A file-safe id: the value itself when it is safe, else a slug plus a short hash."""
    joined = "_".join(texts.values())
    slug = UNSAFE.sub("-", joined).strip("-.")[:SLUG_MAX]
    # With several columns, '_' joins them: a value holding '_' itself would make the id ambiguous.
    unambiguous = len(texts) == 1 or not any("_" in t or not t for t in texts.values())
    if slug == joined and slug and unambiguous:
        return slug
    digest = _sha(texts)[:8]
    return f"{slug}-{digest}" if slug else f"job-{digest}"


def notebook_hash(nb: NotebookNode) -> str:
    """Hash what decides a run's result: cell types and sources, and the kernel."""
    cells = [(c.cell_type, c.source) for c in nb.cells
             if params.INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    return _sha({"cells": cells, "kernel": kernel})


def stage(plan: Plan, output: str | os.PathLike, jobs: Iterable[Job] | None = None, rerun_ok: bool = False) -> list[Job]:
    """Write plan.json (every job), an input notebook for each of ``jobs`` that still needs a run,
    and todo.txt (their ids, one a line: what parallel reads). Return those jobs."""
    output = Path(output)
    for sub in (INPUTS, RUNS, STATUS, LOGS):
        (output / sub).mkdir(parents=True, exist_ok=True)
    todo, base = [], _cleared(plan.source)
    # a job staged to run again although ok steps aside only for a result of this same rerun
    rerun = {"rerun": secrets.token_hex(8)} if rerun_ok else {}
    for job in plan.jobs if jobs is None else jobs:
        if not rerun_ok and status.is_done(output, job):
            continue
        pid = status.still_running(output, job.id)
        if pid:  # its job waits for that one (the job lock) and runs it only if it does not end ok
            print(f"jupyterstream: {job.id} is still running from an earlier sweep (pid {pid}): this sweep "
                  "waits for it", file=sys.stderr)
        staged = params.inject(base, job.values, job.texts, {
            "job": job.id, "identity": job.identity, "cwd": os.path.relpath(plan.cwd, output / INPUTS), **rerun})
        write_atomic(Layout(output).input(job.id), _dumps(staged), durable=False)
        todo.append(job)
    write_atomic(output / "plan.json", json.dumps(plan_record(plan), indent=1, default=repr) + "\n")
    write_atomic(output / "todo.txt", "".join(f"{job.id}\n" for job in todo))
    return todo


def plan_record(plan: Plan) -> dict:
    """The plan as JSON-able data (what the collector reads back)."""
    return {
        "notebook": plan.notebook, "values_file": plan.values_file,
        "notebook_sha256": plan.notebook_sha256, "values_sha256": plan.values_sha256,
        "jobs": [{"id": j.id, "line": j.line, "texts": j.texts, "values": params.jsonable(j.values),
                  "identity": j.identity, "label": j.label()} for j in plan.jobs],
    }


def _cleared(nb):
    """A copy without outputs, so a partial run never shows a stale output of the source."""
    clean = params.copy.deepcopy(nb)
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return clean


def _dumps(nb):
    return json.dumps(nb, indent=1, ensure_ascii=True, default=repr) + "\n"


def _sha(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def _files_sha(paths):
    """One file's sha256; for several, the sha256 of their sha256s in order."""
    digests = [hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths]
    return digests[0] if len(digests) == 1 else hashlib.sha256(" ".join(digests).encode()).hexdigest()
