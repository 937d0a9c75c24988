"""Executed runs + status records + joblog -> one summary per planned run.

Runs are read one at a time, and a repeat collect reads only what changed: OUTPUT/.collect-index.json
keeps each run's summary keyed by the identity of its files (size and modification time of its status
record and notebook, and its joblog row), so refreshing a 5,000-run report mid-sweep costs little.
"""

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import extract
from .runner import status
from .runner.lock import stepped_aside
from .atomic import write_atomic
from .errors import OutputError
from .joblog import read_joblog

INDEX = ".collect-index.json"
INDEX_VERSION = 3


@dataclass
class Run:
    """What the report knows of one planned run."""

    id: str
    label: str
    texts: dict
    state: str = "missing"
    duration: float = None
    host: str = ""
    attempts: int = 0
    kernel_ready: float = None
    failure: dict = field(default_factory=dict)
    message: str = ""
    metrics: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)   # [{"cell", "index", "mime"}]: where each image is
    notebook: str = ""
    exit: str = ""
    signal: str = ""
    output_bytes: int = 0
    started: float = None
    python: str = ""
    notebook_sha256: str = ""

    @property
    def ok(self):
        """True for a run that finished cleanly."""
        return self.state == "ok"


def load_plan(output):
    """The plan the sweep was staged from, or a clear error when there is none."""
    path = Path(output) / "plan.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputError(f"{path}: no plan here: run 'make run' (or 'jupyterstream run') first") from None
    except ValueError as exc:
        raise OutputError(f"{path}: corrupt ({exc}): run 'make run' again to rewrite it") from None


def runs(output, plan, use_index=True, metric_tag=None):
    """Return a Run for every planned job, re-reading only runs whose files changed. With
    ``metric_tag``, the last expression of code cells carrying that tag is a metric too."""
    log = read_joblog(Path(output) / "joblog.tsv")
    queued = _queued(output)
    old = _load_index(output) if use_index else {}
    new, result = {}, []
    for job in plan["jobs"]:
        logrow = log.get(job["id"])
        key = _signature(output, job, logrow) + [job["id"] in queued, metric_tag]
        entry = old.get(job["id"])
        run = _cached(entry, key)
        if run is None:
            run = summarize(output, job, logrow, job["id"] in queued, metric_tag)
        new[job["id"]] = {"key": key, "run": asdict(run)}
        result.append(run)
    if use_index:
        _save_index(output, new)
    return result


def _cached(entry, key):
    """The Run an index entry holds, when its files are unchanged (and the entry is sound)."""
    if not entry or entry["key"] != key:
        return None
    try:
        return Run(**entry["run"])
    except TypeError:
        return None


def _queued(output):
    """Ids the last sweep handed to parallel (todo.txt): a run of these with no record is pending."""
    try:
        return set(Path(output, "todo.txt").read_text(encoding="utf-8").split())
    except OSError:
        return set()


def _signature(output, job, logrow):
    stamps = []
    for path in (status.path_for(output, job["id"]), os.path.join(output, "runs", f"{job['id']}.ipynb")):
        try:
            info = os.stat(path)
            stamps.append([info.st_size, info.st_mtime_ns, info.st_ino])
        except OSError:
            stamps.append(None)
    return [job.get("identity"), job.get("label"), stamps, logrow]


def _load_index(output):
    try:
        data = json.loads((Path(output) / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION or not isinstance(data.get("runs"), dict):
        return {}
    return {k: v for k, v in data["runs"].items() if isinstance(v, dict) and "key" in v and isinstance(v.get("run"), dict)}


def _save_index(output, entries):
    try:
        write_atomic(Path(output) / INDEX, json.dumps({"version": INDEX_VERSION, "runs": entries}))
    except OutputError:
        pass  # only a cache: the next collect reads everything again


def summarize(output, job, logrow=None, queued=False, metric_tag=None):
    """Join one job's status record, executed notebook and joblog row."""
    run = Run(job["id"], job.get("label", job["id"]), job.get("texts", {}), state="pending" if queued else "missing")
    if logrow:
        run.host, run.attempts = _host(logrow), logrow["attempts"]
        run.exit, run.signal = logrow.get("Exitval", ""), logrow.get("Signal", "")
    try:
        record = status.read(output, job["id"])
    except ValueError as exc:
        run.state, run.message = "corrupt", str(exc)
        return run
    # Sweep ids start with the time they began, so an older record sorts before the joblog's sweep.
    if logrow and logrow.get("sweep") and (record is None or (record.get("sweep") or "") < logrow["sweep"]) \
            and not stepped_aside(output, job["id"], logrow["sweep"]):
        return _lost(run, logrow, record)
    if record is None:
        return run
    run.host = run.host or record.get("host", "")
    run.duration, run.kernel_ready = record.get("duration"), record.get("kernel_ready")
    run.started = record.get("started")
    run.attempts = max(run.attempts, record.get("attempts") or 0)
    run.state = record["status"]
    run.message = record.get("message", "")
    if record.get("identity") not in (None, job.get("identity")):
        run.state, run.message = "stale", "this result is from another version of the notebook or values"
    if run.state in status.FAILED:
        run.failure = {k: record.get(k) for k in ("cell_index", "ename", "evalue", "traceback")}
    if run.state == "running" and logrow:
        run.state, run.message = "killed", f"the job ended (exit {logrow.get('Exitval')}, signal " \
                                           f"{logrow.get('Signal')}) without recording a result"
    elif run.state == "running" and _dead_here(record):
        run.state, run.message = "killed", f"its runner (pid {record.get('pid')}) is gone without recording a " \
                                           "result: the sweep was killed, or its status record could not be written"
    if record.get("notebook"):
        _read_notebook(output, run, record, metric_tag)
    return run


def _dead_here(record):
    """True when a 'running' record names a process of this machine that no longer exists."""
    if record.get("host") != socket.gethostname() or not isinstance(record.get("pid"), int):
        return False
    try:
        os.kill(record["pid"], 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return not status.still_running_pid(record["pid"], record.get("job", ""))


def _host(logrow):
    """The host as parallel names it; ':' is this machine."""
    host = logrow.get("Host", "")
    return "" if host == ":" else host


def _lost(run, logrow, record):
    """The last attempt (per the joblog) left no status record here: say what parallel saw."""
    code, signal_ = logrow.get("Exitval"), logrow.get("Signal")
    limit, took = _number(logrow.get("job_timeout")), _number(logrow.get("JobRuntime"))
    if code == "255":
        run.state = "transport-failed"
        run.message = f"ssh to {run.host or 'the host'} failed (exit 255) on the last of {run.attempts} attempts"
    elif signal_ not in (None, "", "0") and limit and took and took >= limit * 0.95:
        # Over SSH, a job that parallel stops sends nothing back: its record stays on the host.
        run.state = "job-timeout"
        run.message = f"stopped by the job timeout of {limit:g} s on {run.host or 'its host'} (signal {signal_})"
    elif signal_ not in (None, "", "0") and (record is None or record.get("status") == "running"):
        run.state = "interrupted"
        run.message = f"stopped by signal {signal_} on {run.host or 'its host'} when the sweep was stopped; " \
                      "run the sweep again to finish it"
    elif record is None or record.get("status") != "running":
        run.state = "results-missing"
        run.message = f"the job ended on {run.host or 'its host'} (exit {code}, signal {logrow.get('Signal')}) " \
                      "but its results did not come back"
    else:
        run.state = "killed"
        run.message = f"the job ended (exit {code}, signal {logrow.get('Signal')}) without recording a result"
    return run


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _read_notebook(output, run, record, metric_tag=None):
    nb, problem, size = extract.read_run(os.path.join(output, record["notebook"]), record.get("notebook_sha256"))
    run.output_bytes = size
    if problem:
        if "corrupt" in problem:
            run.state = "corrupt"
        elif run.ok:
            run.state = "results-missing"
        run.message = problem
        return
    run.notebook = record["notebook"]
    run.notebook_sha256 = record.get("notebook_sha256") or ""
    run.metrics = extract.metrics(nb, metric_tag)
    run.python = str(nb.get("metadata", {}).get("language_info", {}).get("version", ""))
    run.figures = extract.figure_places(nb)
