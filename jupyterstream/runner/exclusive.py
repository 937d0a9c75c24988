"""A value runs in one process at a time, and never again once it is ok: run-one's side of it.

Whatever launched the job (a sweep, the README's pipeline, a second terminal, a rerun after a
crash), run-one first takes the value's lock (``lock.JobLock``), waiting for a job of the same value
that runs elsewhere, and then looks at the value's result under the lock: a value that is already
ok with the same identity steps aside (``already-ok ID``, exit 0, its record untouched). A value
staged to run again although ok (``--rerun-ok``) carries a rerun token; it steps aside only for an
ok result made under that same token, by another job of the same rerun.
Standard library only.
"""

from __future__ import annotations

import os
import sys
import time

from . import status
from .lock import JobLock
from .outcome import Status, exit_code
from .planned import Job as Planned
from .reaper import kill_leftovers


def enter(job, host: str) -> tuple[JobLock | None, int | None]:
    """Take the job's lock, waiting for its holder (at most the job timeout); return (lock, None)
    when this job may go on, else (None, its exit code)."""
    lock = JobLock(job.output, job.id)
    waited = []
    taken = lock.take(job.job_timeout, on_wait=lambda holder: waited.append(_say_waiting(job, holder)))
    if not taken:
        lock.close()
        _say(job, f"still-running {job.id}: its value ran elsewhere for all of the job timeout "
                  f"({job.job_timeout:g} s); this job did not run it and left its record alone")
        return None, exit_code(Status.JOB_TIMEOUT)
    if waited:
        job.started = time.time()  # its run starts now: the wait is the other job's time
    _end_previous(lock, job)
    lock.claim(f"pid={os.getpid()} host={host} since={time.strftime('%Y-%m-%dT%H:%M:%S')} token={job.token}")
    return lock, None


def already_ok(job, identity: str | None, rerun: str | None = None) -> bool:
    """True (and say so) when the value is ok with this identity (and, for a rerun, was made by this
    rerun): nothing is left for this job."""
    if not status.is_done(job.output, Planned(job.id, identity=identity)):
        return False
    if rerun is not None and (status.read(job.output, job.id) or {}).get("rerun") != rerun:
        return False
    _say(job, f"already-ok {job.id}: its value was run ok by another job; nothing to do, its record is kept")
    job.lock.claim(f"pid={os.getpid()} stepped-aside={job.sweep or '-'}")  # what the collector reads
    print(f"{'already-ok':<15} {job.id}", flush=True)
    return True


def _end_previous(lock, job):
    """End what the lock's last holder left running: its kernel outlives a SIGKILLed run-one by up
    to a second, and it carries that holder's token, not its lock."""
    token = lock.previous_token()
    if token and token != job.token:
        left = kill_leftovers(token)
        if left:
            _say(job, f"ended {left} process(es) that an earlier, killed job of {job.id} left running")


def _say_waiting(job, holder):
    _say(job, f"waiting for {job.id}: its value is running in another process ({holder or 'unknown'}); "
              "this job goes on once that one ends, and only if its value did not end ok")
    return holder


def _say(job, text):
    """A line for the user (stderr, which parallel shows) and for the job's log."""
    print(f"run-one: {text}", file=sys.stderr, flush=True)
    try:
        with open(job.log, "a", encoding="utf-8") as log:
            log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {text}\n")
    except OSError:
        pass
