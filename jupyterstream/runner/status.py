"""The per-job status record: what a job wrote last, and what resume and the collector trust.

Standard library only: this module also runs on SSH hosts that have only Python and Jupyter.
"""

import json
import os
import socket

from .atomic import replace_file
from .outcome import EXIT_CODES, FAILED, RECORDED  # noqa: F401 (re-exported for the collector)

SCHEMA = 1


def path_for(output, job_id):
    """Where the status record of a job lives."""
    return os.path.join(output, "status", f"{job_id}.json")


def write(output, job_id, record):
    """Write a status record atomically (temporary file in the same folder, then rename)."""
    text = json.dumps(dict(record, schema=SCHEMA), indent=1, ensure_ascii=True, default=repr) + "\n"
    replace_file(path_for(output, job_id), text.encode("utf-8"))


def read(output, job_id):
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
                       ("traceback", list)):
        if record.get(key) is not None and (not isinstance(record[key], kinds) or isinstance(record[key], bool)):
            return f"{key} is {type(record[key]).__name__}"
    return None


def still_running(output, job_id):
    """The pid of this job's runner when it is still alive on this machine (say, an orphan of a sweep
    that was killed), else None: such a job must not be started a second time."""
    try:
        record = read(output, job_id)
    except ValueError:
        return None
    if not record or record.get("status") != "running" or record.get("host") != socket.gethostname():
        return None
    pid = record.get("pid")
    return pid if still_running_pid(pid, job_id) else None


def still_running_pid(pid, job_id):
    """True when ``pid`` is a live run-one process of this job on this machine."""
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as handle:
            command = handle.read()
    except (OSError, TypeError, ValueError):
        return False
    return b"run-one" in command and job_id.encode() in command


def is_done(output, job):
    """True when the job already ran ok with this notebook and these values."""
    try:
        record = read(output, job.id)
    except ValueError:
        return False
    return bool(record) and record["status"] == "ok" and record.get("identity") == job.identity \
        and os.path.exists(os.path.join(output, "runs", f"{job.id}.ipynb"))
