"""What a run can end as, and the names both sides of a job agree on.

One module owns a run's outcome: the statuses, the exit codes of ``bin/run-one``, the notebook
metadata key and the environment variables that pass between run-one, nbconvert and the kernel.
The job side (run-one, the preprocessor) and the collector import it; nothing else spells them out.
Standard library only.
"""

import enum


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


def exit_code(status):
    """The exit code of run-one for a recorded status."""
    return EXIT_CODES[Status(status).value]


# The executed notebook's metadata key for what jupyterstream records in it.
META_KEY = "jupyterstream"
# Environment variables between run-one, nbconvert (the preprocessor) and the kernel.
PARTIAL_ENV = "JUPYTERSTREAM_PARTIAL"   # where the preprocessor saves the notebook as far as it got
CWD_ENV = "JUPYTERSTREAM_CWD"           # the folder the kernel runs in
JOB_ENV = "JUPYTERSTREAM_JOB"           # the job id
TOKEN_ENV = "JUPYTERSTREAM_JOB_TOKEN"   # carried by every process of a job, to find its leftovers
# The exit code of nbconvert when the preprocessor stopped it on a signal.
SIGNAL_EXIT = 7
# Warm kernels (runner/warm/): run-one -> nbconvert's kernel manager -> the template.
WARM_ENV = "JUPYTERSTREAM_WARM"                  # JSON {"imports", "sweep", "job_vars"}: fork warm kernels
KERNEL_NOTE_ENV = "JUPYTERSTREAM_KERNEL_NOTE"    # where the manager writes "warm" or "cold (why)"
WARM_DIR_ENV = "JUPYTERSTREAM_WARM_DIR"          # the private folder of the templates' sockets
WARM_IDLE_ENV = "JUPYTERSTREAM_WARM_IDLE"        # seconds a template with nothing to do stays
