"""What a run can end as, and the names both sides of a job agree on.

One module owns a run's outcome: the statuses, the exit codes of ``bin/run-one``, the notebook
metadata key and the environment variables that pass between run-one, nbconvert and the kernel.
The job side (run-one, the preprocessor) and the collector import it; nothing else spells them out.
Standard library only.
"""

from __future__ import annotations

import enum
import typing


class Status(str, enum.Enum):
    """A run's status. The first nine are what a job itself records (each with its exit code);
    the rest are what the collector concludes when a job's own record cannot tell the whole story."""

    OK = "ok"
    CELL_ERROR = "cell-error"
    CELL_TIMEOUT = "cell-timeout"
    JOB_TIMEOUT = "job-timeout"
    DEAD_KERNEL = "dead-kernel"
    STOPPED_EARLY = "stopped-early"
    COULD_NOT_START = "could-not-start"
    INTERRUPTED = "interrupted"
    JOB_ERROR = "job-error"
    # Concluded by the collector:
    RUNNING = "running"
    PENDING = "pending"
    MISSING = "missing"
    KILLED = "killed"
    TRANSPORT_FAILED = "transport-failed"
    RESULTS_MISSING = "results-missing"
    STALE = "stale"
    CORRUPT = "corrupt"

    def __str__(self):
        return self.value

    @property
    def waiting(self) -> bool:
        """True for a run that may still run in this sweep: pending or running (WAITING)."""
        return self.value in WAITING

    @property
    def not_run(self) -> bool:
        """True for a run with no result yet that is no failure: waiting, or missing (NOT_RUN)."""
        return self.value in NOT_RUN


# status -> exit code of bin/run-one (keyed by the status text, as records and the joblog hold it).
# Never 255: over SSH that means the transport failed.
EXIT_CODES = {s.value: code for s, code in (
    (Status.OK, 0), (Status.CELL_ERROR, 1), (Status.CELL_TIMEOUT, 2), (Status.JOB_TIMEOUT, 3),
    (Status.DEAD_KERNEL, 4), (Status.STOPPED_EARLY, 5), (Status.COULD_NOT_START, 6),
    (Status.INTERRUPTED, 7), (Status.JOB_ERROR, 8))}
# What a job's status record may say (its last word, or "running" while it runs).
RECORDED = tuple(EXIT_CODES) + (Status.RUNNING.value,)
FAILED = tuple(s for s in EXIT_CODES if s != Status.OK.value)
# Failures of the notebook itself: the same notebook fails the same way on any host.
NOT_RETRYABLE = tuple(EXIT_CODES[s.value] for s in (Status.CELL_ERROR, Status.CELL_TIMEOUT, Status.STOPPED_EARLY))


def env_can_hold(text: str) -> bool:
    """True when an environment variable can hold ``text`` (see ENV_LIMIT): the planner and the job ask."""
    return "\0" not in text and len(text.encode("utf-8", "surrogatepass")) < ENV_LIMIT


def exit_code(status: Status) -> int:
    """The exit code of run-one for a recorded status."""
    return EXIT_CODES[Status(status).value]


# The executed notebook's metadata key for what jupyterstream records in it.
META_KEY = "jupyterstream"
# Environment variables between run-one, nbconvert (the preprocessor) and the kernel.
# A value reaches a kernel that reads the environment only if a variable can hold it: no NUL, and
# less than ENV_LIMIT bytes (the kernel caps one at 128 KiB). The planner refuses what cannot.
ENV_LIMIT = 100_000
PARTIAL_ENV = "JUPYTERSTREAM_PARTIAL"   # where the preprocessor saves the notebook as far as it got
CWD_ENV = "JUPYTERSTREAM_CWD"           # the folder the kernel runs in
JOB_ENV = "JUPYTERSTREAM_JOB"           # the job id
TOKEN_ENV = "JUPYTERSTREAM_JOB_TOKEN"   # carried by every process of a job, to find its leftovers
TMPDIR_ENV = "JUPYTERSTREAM_TMPDIR"     # the sweep's TMPDIR ("": none), which run-one gives the kernel back
# The exit code of nbconvert when the preprocessor stopped it on a signal.
SIGNAL_EXIT = 7
# Warm kernels (runner/warm/): run-one -> nbconvert's kernel manager -> the template.
WARM_ENV = "JUPYTERSTREAM_WARM"                  # JSON {"imports", "sweep", "job_vars"}: fork warm kernels
KERNEL_NOTE_ENV = "JUPYTERSTREAM_KERNEL_NOTE"    # where the manager writes "warm" or "cold (why)"
WARM_DIR_ENV = "JUPYTERSTREAM_WARM_DIR"          # the private folder of the templates' sockets
WARM_IDLE_ENV = "JUPYTERSTREAM_WARM_IDLE"        # seconds a template with nothing to do stays
TEMPLATE_MODULE = "jupyterstream.runner.warm.template"  # what a template runs (python -m): how its pid is known


# --- One place that decides a run's outcome ------------------------------------------------------
# The job side records what it saw; the collector and resume add what only they can see (the joblog,
# the executed notebook on disk, the plan, the runner's process). reconcile() weighs it all, once.

class Check(str, enum.Enum):
    """What reading a run's executed notebook found."""

    WHOLE = "whole"             # readable, and the very bytes its status record vouches for
    ABSENT = "absent"           # no executed notebook
    UNREADABLE = "unreadable"   # there, but cannot be read (permissions, a folder)
    MISMATCH = "mismatch"       # not the bytes its record vouches for: re-saved, truncated, replaced
    DAMAGED = "damaged"         # not valid JSON, or JSON but not a notebook

    def __str__(self):
        return self.value


# Checks that mean the notebook cannot be trusted as the run's result.
UNTRUSTED = (Check.MISMATCH, Check.DAMAGED)
# The groups of statuses the collector and the report speak of, as the texts runs and records hold.
WAITING = frozenset(s.value for s in (Status.PENDING, Status.RUNNING))
NOT_RUN = WAITING | {Status.MISSING.value}
# Outcomes that depend on more than the files (a live process, a sweep still under way): never cached.
TRANSIENT = tuple(s.value for s in (Status.RUNNING, Status.PENDING, Status.MISSING, Status.KILLED))


class Outcome(typing.NamedTuple):
    """A run's outcome: its Status, and why in words."""

    status: Status
    message: str = ""


def reconcile(record: dict | None, *, logrow=None, notebook=None, identity=None, queued: bool = False, alive=None, edited: bool = False,
              record_problem=None) -> Outcome:
    """The outcome of one run from everything known about it.

    ``record``: its status record (a dict) or None; ``record_problem``: why the record is unusable.
    ``logrow``: its last GNU parallel joblog row (with our ``sweep``, ``attempts`` and ``job_timeout``).
    ``notebook``: (Check, detail) of its executed notebook, or None when not looked at.
    ``identity``: the plan's identity of the job; ``edited``: the notebook changed since the plan.
    ``queued``: handed to a sweep that may still start it; ``alive``: its runner's process is alive
    (True/False), or None when that cannot be told (another host)."""
    if record_problem:
        return Outcome(Status.CORRUPT, record_problem)
    if alive is True and record is not None and record.get("status") == Status.RUNNING.value:
        logrow = None  # its runner runs on: a job logged since then was another one (say, one that waited for it)
    if superseded(record, logrow):
        return _lost(logrow, record)
    if record is None:
        return Outcome(Status.PENDING if queued else Status.MISSING)
    outcome = _recorded(record, logrow, identity, alive, edited)
    return _with_notebook(outcome, notebook) if notebook else outcome


def superseded(record: dict | None, logrow: dict | None) -> bool:
    """True when the joblog's last attempt of a job is newer than its status record (or it has none):
    that attempt left nothing here, and the record says nothing about it."""
    # Sweep ids start with the time they began, so an older record sorts before the joblog's sweep.
    return bool(logrow and logrow.get("sweep") and (record is None or (record.get("sweep") or "") < logrow["sweep"]))


def _recorded(record, logrow, identity, alive, edited):
    """What a run's own record says, corrected by what only the collector sees."""
    state = Status(record["status"])
    if edited and state is not Status.RUNNING:
        return Outcome(Status.STALE, "the notebook changed since this result: run again to bring it up to date")
    if record.get("identity") not in (None, identity):
        return Outcome(Status.STALE, "this result is from another version of the notebook or values")
    if state is Status.RUNNING and logrow:
        # Under Slurm the record names the node: srun says exit 0 for a step whose node failed.
        where = f" on {record['host']}" if record.get("host") else ""
        return Outcome(Status.KILLED, f"the job{where} ended (exit {logrow.get('Exitval')}, signal {logrow.get('Signal')}) "
                                      "without recording a result")
    if state is Status.RUNNING and alive is False:
        return Outcome(Status.KILLED, f"its runner (pid {record.get('pid')}) is gone without recording a result: "
                                      "the sweep was killed, or its status record could not be written")
    return Outcome(state, record.get("message") or "")


def _with_notebook(outcome, notebook):
    """A result whose notebook cannot be trusted is corrupt; an ok one without it, results-missing."""
    check, detail = notebook
    if Check(check) is Check.WHOLE:
        return outcome
    if Check(check) in UNTRUSTED:
        return Outcome(Status.CORRUPT, detail)
    return Outcome(Status.RESULTS_MISSING if outcome.status is Status.OK else outcome.status, detail)


def _lost(logrow, record):
    """The last attempt (per the joblog) left no status record here: say what parallel saw."""
    code, signal_, host = logrow.get("Exitval"), logrow.get("Signal"), host_of(logrow)
    limit, took = _number(logrow.get("job_timeout")), _number(logrow.get("JobRuntime"))
    signalled = signal_ not in (None, "", "0")
    if code == "255":
        return Outcome(Status.TRANSPORT_FAILED, f"ssh to {host or 'the host'} failed (exit 255) on the last of "
                                                f"{logrow.get('attempts')} attempts")
    if signalled and limit and took and took >= limit * 0.95:
        # Over SSH, a job that parallel stops sends nothing back: its record stays on the host.
        return Outcome(Status.JOB_TIMEOUT, f"stopped by the job timeout of {limit:g} s on {host or 'its host'} "
                                           f"(signal {signal_})")
    if signalled and (record is None or record.get("status") == Status.RUNNING.value):
        return Outcome(Status.INTERRUPTED, f"stopped by signal {signal_} on {host or 'its host'} when the sweep "
                                           "was stopped; run the sweep again to finish it")
    if record is None or record.get("status") != Status.RUNNING.value:
        return Outcome(Status.RESULTS_MISSING, f"the job ended on {host or 'its host'} (exit {code}, signal "
                                               f"{signal_}) but its results did not come back")
    return Outcome(Status.KILLED, f"the job ended (exit {code}, signal {signal_}) without recording a result")


def host_of(logrow: dict) -> str:
    """The host as parallel names it; ':' is this machine."""
    host = logrow.get("Host", "")
    return "" if host == ":" else host


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None
