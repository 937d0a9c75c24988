"""Executed runs + status records + joblog -> one summary per planned run (streamed, one at a time)."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import extract, status
from .errors import OutputError
from .joblog import read_joblog

NOT_RUN = ("missing", "running")


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
    figures: list = field(default_factory=list)
    notebook: str = ""

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


def runs(output, plan):
    """Yield a Run for every planned job, reading one notebook at a time."""
    log = read_joblog(Path(output) / "joblog.tsv")
    for job in plan["jobs"]:
        yield summarize(output, job, log.get(job["id"]))


def summarize(output, job, logrow=None):
    """Join one job's status record, executed notebook and joblog row."""
    run = Run(job["id"], job.get("label", job["id"]), job.get("texts", {}))
    if logrow:
        run.host, run.attempts = _host(logrow), logrow["attempts"]
    try:
        record = status.read(output, job["id"])
    except ValueError as exc:
        run.state, run.message = "corrupt", str(exc)
        return run
    # Sweep ids start with the time they began, so an older record sorts before the joblog's sweep.
    if logrow and logrow.get("sweep") and (record is None or (record.get("sweep") or "") < logrow["sweep"]):
        return _lost(run, logrow, record)
    if record is None:
        return run
    run.host = run.host or record.get("host", "")
    run.duration, run.kernel_ready = record.get("duration"), record.get("kernel_ready")
    run.attempts = max(run.attempts, record.get("attempts") or 0)
    run.state = record["status"]
    run.message = record.get("message", "")
    if record.get("identity") != job.get("identity"):
        run.state, run.message = "stale", "this result is from another version of the notebook or values"
    if run.state in status.FAILED:
        run.failure = {k: record.get(k) for k in ("cell_index", "ename", "evalue", "traceback")}
    if run.state == "running" and logrow:
        run.state, run.message = "killed", f"the job ended (exit {logrow.get('Exitval')}, signal " \
                                           f"{logrow.get('Signal')}) without recording a result"
    if record.get("notebook"):
        _read_notebook(output, run, record)
    return run


def _host(logrow):
    """The host as parallel names it; ':' is this machine."""
    host = logrow.get("Host", "")
    return "" if host == ":" else host


def _lost(run, logrow, record):
    """The last attempt (per the joblog) left no status record here: say what parallel saw."""
    code = logrow.get("Exitval")
    if code == "255":
        run.state = "transport-failed"
        run.message = f"ssh to {run.host or 'the host'} failed (exit 255) on the last of {run.attempts} attempts"
    elif record is None or record.get("status") != "running":
        run.state = "results-missing"
        run.message = f"the job ended on {run.host or 'its host'} (exit {code}, signal {logrow.get('Signal')}) " \
                      "but its results did not come back"
    else:
        run.state = "killed"
        run.message = f"the job ended (exit {code}, signal {logrow.get('Signal')}) without recording a result"
    return run


def _read_notebook(output, run, record):
    nb, problem = extract.read_run(os.path.join(output, record["notebook"]), record.get("notebook_sha256"))
    if problem:
        if run.ok:
            run.state = "corrupt" if "corrupt" in problem else "results-missing"
        run.message = problem
        return
    run.notebook = record["notebook"]
    run.metrics = extract.metrics(nb)
    run.figures = extract.figures(nb)
