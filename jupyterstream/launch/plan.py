"""Values file + notebook -> jobs with stable ids and identities -> one staged input per job."""

import hashlib
import json
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..values import inline
from ..notebook import lang, params
from ..runner import status
from ..runner.layout import INPUTS, LOGS, RUNS, STATUS, Layout
from ..runner.planned import Job
from ..atomic import write_atomic
from ..errors import ArgumentError, ParameterError, ValuesError, place
from ..values.typed import job_values

SLUG_MAX = 48
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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


def build_plan(notebook: "str | Path", values_files: object, param: "str | tuple[str, ...]" = "state", constants: object = None) -> Plan:
    """Read and check the notebook and values file (or files, ':::' groups: their grid; see
    inline.read); return the Plan. Nothing is written. ``param`` names what one-column files and
    groups feed; ``constants`` (inline.Constants) go to every job."""
    nb = params.read_notebook(notebook)
    defaults = params.read_defaults(nb, notebook)
    given, constants = inline.read(values_files, param), constants or inline.Constants()
    rows, where = given.rows, given.where
    _check_names(rows[0], defaults, notebook, where)
    params.check_names(list(constants.texts), defaults, notebook, constants.source)
    nb_hash = notebook_hash(nb)
    writer = lang.for_notebook(nb, notebook)
    jobs, taken = [], {}
    for row in rows:
        full = inline.with_constants(row, constants, where)
        values = job_values(full, defaults, where, writer.cell_source)
        job_id = make_id(row.texts)
        if job_id.lower() in taken:
            raise ValuesError(*row.place(next(iter(row.texts)), where), f"its output name {job_id!r} clashes with "
                              f"{taken[job_id.lower()]} (names are compared without case): make the values distinct")
        taken[job_id.lower()] = row.origin(where)
        identity = _sha({"notebook": nb_hash, "values": full.texts})
        jobs.append(Job(job_id, row.line, dict(full.texts), values, identity, tuple(constants.texts)))
    return Plan(str(notebook), where, nb_hash, given.sha256, str(Path(notebook).parent), jobs, nb, given.grid)


def _check_names(row, defaults, notebook, where):
    """The names must be the notebook's parameters; a YAML/JSON key or grid value names its line (a
    ':::' group's or Python's value does not: its name came from PARAM, or is a column)."""
    try:
        params.check_names(list(row.texts), defaults, notebook, where)
    except ParameterError as exc:
        unknown = next(n for n in row.texts if n not in defaults)
        if not isinstance(row.places.get(unknown, (None, None))[1], int):
            raise
        raise ParameterError(f"{place(*row.place(unknown, where))}: {exc}") from None


def select(plan: Plan, only: "str | None" = None, group: "tuple[str, list] | None" = None) -> list[Job]:
    """The jobs ``--only`` names (a value, a label or a job id), or those of ``group`` (its key and the
    ids of its runs: ONLY_GROUP), or all of them."""
    if only is not None and group is not None:
        raise ArgumentError(f"--only {only!r} and --only-group {group[0]!r} (ONLY_GROUP) both choose the jobs to "
                            "run: give one of them")
    if group is not None:
        ids = set(group[1])
        chosen = [j for j in plan.jobs if j.id in ids]
        if not chosen:
            raise ValuesError(plan.values_file, None, f"--only-group {group[0]!r}: none of its runs "
                              f"({', '.join(sorted(ids)[:5])}{', ...' if len(ids) > 5 else ''}) is in the file now")
        return chosen
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


def notebook_hash(nb: object) -> str:
    """Hash what decides a run's result: cell types and sources, and the kernel."""
    cells = [(c.cell_type, c.source) for c in nb.cells if not params.from_an_earlier_run(c)]
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    return _sha({"cells": cells, "kernel": kernel})


def stage(plan: Plan, output: "str | Path", jobs: "list[Job] | None" = None, rerun_ok: bool = False) -> list[Job]:
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
        "jobs": [j.record(values=params.jsonable(j.values)) for j in plan.jobs],
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
