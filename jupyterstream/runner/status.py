"""The per-job status record: what a job wrote last, and what resume and the collector trust.

Standard library only: this module also runs on SSH hosts that have only Python and Jupyter.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket

from .atomic import replace_file
from .layout import Layout
from .outcome import EXIT_CODES, FAILED, RECORDED  # noqa: F401 (re-exported for the collector)
from .outcome import Check, Status, reconcile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from .planned import Job

SCHEMA = 1


def host_name() -> str:
    """The host a job runs on, as its status record names it: the Slurm node inside a job step
    (SLURMD_NODENAME: several nodes may share one machine's name), else this machine's name."""
    return os.environ.get("SLURMD_NODENAME") or socket.gethostname()


def path_for(output: str | Path, job_id: str) -> str:
    """Where the status record of a job lives."""
    return Layout(output).status(job_id)


def write(output: str | Path, job_id: str, record: dict) -> None:
    """Write a status record atomically (temporary file in the same folder, then rename)."""
    text = json.dumps(dict(record, schema=SCHEMA), indent=1, ensure_ascii=True, default=repr) + "\n"
    replace_file(path_for(output, job_id), text.encode("utf-8"))


def read(output: str | Path, job_id: str) -> dict | None:
    """Return a job's status record, None if there is none; raise ValueError if it is corrupt."""
    try:
        with open(path_for(output, job_id), encoding="utf-8") as handle:
            record = json.load(handle)
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"corrupt status record: {exc}") from None
    if not isinstance(record, dict) or "status" not in record:
        raise ValueError("corrupt status record: no status field")
    problem = _shape_problem(record)
    if problem:
        raise ValueError(f"corrupt status record: {problem}")
    return record


def _shape_problem(record):
    """What is wrong with a record that is JSON but not of our shape, else None."""
    if not isinstance(record["status"], str) or record["status"] not in RECORDED:
        return f"unknown status {record['status']!r}"
    for key, kinds in (("notebook", str), ("notebook_sha256", str), ("identity", str), ("sweep", str),
                       ("message", str), ("host", str), ("attempts", int), ("duration", (int, float)),
                       ("kernel_ready", (int, float)), ("started", (int, float)), ("cell_index", int),
                       ("traceback", list), ("max_rss_mb", (int, float)), ("cpu_s", (int, float)), ("cells", list)):
        if record.get(key) is not None and (not isinstance(record[key], kinds) or isinstance(record[key], bool)):
            return f"{key} is {type(record[key]).__name__}"
    return None


def still_running(output: str | Path, job_id: str) -> int | None:
    """The pid of this job's runner when it is still alive on this machine (say, an orphan of a sweep
    that was killed), else None: such a job must not be started a second time."""
    try:
        record = read(output, job_id)
    except ValueError:
        return None
    if not record or record.get("status") != Status.RUNNING.value or record.get("host") != host_name():
        return None
    pid = record.get("pid")
    return pid if still_running_pid(pid, job_id) else None


def still_running_pid(pid: int, job_id: str) -> bool:
    """True when ``pid`` is a live run-one process of this job on this machine."""
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as handle:
            command = handle.read()
    except (OSError, TypeError, ValueError):
        return False
    return b"run-one" in command and job_id.encode() in command


def is_done(output: str | Path, job: Job) -> bool:
    """True when the job already ran ok with this notebook and these values, and its executed notebook
    is still the one its record vouches for (not re-saved, truncated or removed)."""
    return why_not_done(output, job) is None


def why_not_done(output: str | Path, job: Job) -> str | None:
    """None when the job is done (see is_done); else why it must run, in words."""
    try:
        record = read(output, job.id)
    except ValueError as exc:
        return str(exc)
    if record is None:
        return "not run yet"
    outcome = _judged(output, job, record)
    if outcome.status is Status.OK:
        return None
    return f"{outcome.status}: {outcome.message}" if outcome.message else str(outcome.status)


def untrusted(output: str | Path, job: Job) -> str | None:
    """Why the ok result of a job (with this identity) can no longer be trusted, or None: say, its
    notebook was re-saved, truncated or removed after the run. Such a job must run again."""
    try:
        record = read(output, job.id)
    except ValueError:
        return None
    if not record or record["status"] != Status.OK.value or record.get("identity") not in (None, job.identity):
        return None
    outcome = _judged(output, job, record)
    return None if outcome.status is Status.OK else outcome.message or str(outcome.status)


def _judged(output, job, record):
    """reconcile's outcome of a job from what resume sees: its record and its executed notebook."""
    path = os.path.join(output, record.get("notebook") or Layout().run(job.id))
    sha = record.get("notebook_sha256")
    _, check, _ = read_result(path, sha, parse=not sha)  # the hash alone says the bytes are the job's
    return reconcile(record, notebook=check, identity=job.identity)


def read_result(path: str | Path, expected_sha256: str | None = None, parse: bool = True) -> tuple:
    """Read a run's executed notebook: (notebook dict or None, (Check, detail), size in bytes). With
    ``expected_sha256`` it must be exactly those bytes; ``parse=False`` skips reading its JSON."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None, (Check.ABSENT, "results missing: no executed notebook"), 0
    except OSError as exc:
        return None, (Check.UNREADABLE, f"results unreadable: {exc.strerror}"), 0
    if expected_sha256 and hashlib.sha256(data).hexdigest() != expected_sha256:
        return None, (Check.MISMATCH, "results corrupt: the notebook does not match its status record (it was "
                                      "re-saved, truncated or replaced after the run)"), len(data)
    if not parse:
        return None, (Check.WHOLE, ""), len(data)
    try:
        nb = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, (Check.DAMAGED, f"results corrupt: not valid JSON ({str(exc)[:200]})"), len(data)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, (Check.DAMAGED, "results corrupt: not a notebook"), len(data)
    return nb, (Check.WHOLE, ""), len(data)


def runner_alive(record: dict) -> bool | None:
    """Whether the runner a record names is alive: True or False, or None when that cannot be told
    from here (another host, no pid)."""
    pid = record.get("pid")
    if record.get("host") != host_name() or not isinstance(pid, int) or isinstance(pid, bool):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return None
    return still_running_pid(pid, record.get("job", ""))
