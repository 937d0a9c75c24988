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
from ..values.read import no_cycle_collection
from ..notebook import lang, params
from ..runner import status
from ..runner.layout import INPUTS, LOGS, RUNS, STATUS, Layout
from ..runner.planned import Job
from ..atomic import write_atomic, write_small, write_streamed
from ..errors import ArgumentError, ParameterError, ValuesError, place
from ..values.typed import job_values
from .staged import Inputs

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
    with no_cycle_collection():
        jobs = _jobs(rows, where, defaults, constants, nb_hash, lang.for_notebook(nb, notebook))
    return Plan(str(notebook), where, nb_hash, given.sha256, str(Path(notebook).parent), jobs, nb, given.grid)


def _jobs(rows, where, defaults, constants, nb_hash, writer):
    """A Job for each row, its values typed and checked; two rows whose ids clash are an error."""
    jobs, taken, names = [], {}, tuple(constants.texts)
    for index, row in enumerate(rows):
        full = inline.with_constants(row, constants, where)
        values = job_values(full, defaults, where, writer.cell_source)
        job_id = make_id(row.texts)
        first = taken.setdefault(job_id.lower(), index)
        if first != index:
            raise ValuesError(*row.place(next(iter(row.texts)), where), f"its output name {job_id!r} clashes with "
                              f"{rows[first].origin(where)} (names are compared without case): make the values "
                              "distinct")
        identity = _sha({"notebook": nb_hash, "values": full.texts})
        jobs.append(Job(job_id, row.line, dict(full.texts), values, identity, names))
    return jobs


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
    # a job staged to run again although ok steps aside only for a result of this same rerun
    rerun = {"rerun": secrets.token_hex(8)} if rerun_ok else {}
    with no_cycle_collection():
        todo = [job for job in (plan.jobs if jobs is None else jobs) if _to_run(output, job, rerun_ok)]
        _write_inputs(plan, output, todo, rerun)
    write_streamed(output / "plan.json", plan_chunks(plan))
    write_atomic(output / "todo.txt", "".join(f"{job.id}\n" for job in todo))
    return todo


def _to_run(output, job, rerun_ok):
    """Whether the job is staged: not when it already ran ok (unless ``rerun_ok``). One still running
    from an earlier sweep is said on stderr. Most jobs of a big sweep have no status record: one look
    says so, and that they are neither done nor running."""
    if not os.path.lexists(status.path_for(output, job.id)):
        return True
    if not rerun_ok and status.is_done(output, job):
        return False
    pid = status.still_running(output, job.id)
    if pid:  # its job waits for that one (the job lock) and runs it only if it does not end ok
        print(f"jupyterstream: {job.id} is still running from an earlier sweep (pid {pid}): this sweep "
              "waits for it", file=sys.stderr)
    return True


def _write_inputs(plan, output, todo, rerun):
    """The staged input notebook of each job in ``todo``: the plan's notebook with its values injected."""
    inputs, layout = Inputs(_cleared(plan.source)), Layout(output)
    cwd = os.path.relpath(plan.cwd, output / INPUTS)
    for job in todo:
        text = inputs.text(job.values, job.texts, {"job": job.id, "identity": job.identity, "cwd": cwd, **rerun})
        write_small(layout.input(job.id), text)


def plan_record(plan: Plan) -> dict:
    """The plan as JSON-able data (what the collector reads back)."""
    return dict(_plan_head(plan), jobs=[_job_record(j) for j in plan.jobs])


def plan_chunks(plan):
    """plan.json as text, a job a line (what collect.planfile streams back): the JSON of plan_record."""
    head = json.dumps(_plan_head(plan), indent=1)
    yield head[:-2] + ',\n "jobs": [\n'
    last = len(plan.jobs) - 1
    for index, job in enumerate(plan.jobs):
        yield json.dumps(_job_record(job), default=repr) + (",\n" if index < last else "\n")
    yield "]}\n"


def _plan_head(plan):
    return {"notebook": plan.notebook, "values_file": plan.values_file,
            "notebook_sha256": plan.notebook_sha256, "values_sha256": plan.values_sha256}


def _job_record(job: Job) -> dict:
    return job.record(values=params.jsonable(job.values))


def _cleared(nb):
    """A copy without outputs, so a partial run never shows a stale output of the source."""
    clean = params.copy.deepcopy(nb)
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return clean


SORTED = json.JSONEncoder(sort_keys=True, ensure_ascii=True)  # one encoder: json.dumps makes one a call


def _sha(data):
    return hashlib.sha256(SORTED.encode(data).encode()).hexdigest()
