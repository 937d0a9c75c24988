"""Stop a sweep early (FAIL_FAST=N): count the jobs' failures by failure group as they end, say when N
runs failed in one group, and keep a note of it for the summary and the report.

GNU parallel's own ``--halt soon,fail=N`` counts every failure alike, and the group is ours to
decide. So the sweep counts here, on this machine, from each ended job's status record (over SSH,
once its results came home), and then sends parallel SIGHUP: parallel starts no new job and waits
for the running ones (sweep.py). The jobs it never started have no record: they stay missing, and
the next sweep runs them. OUTPUT/fail-fast.json says which group stopped the sweep; the next sweep
removes it.
"""

from __future__ import annotations

import json
import os

from ..atomic import write_atomic
from ..errors import ArgumentError
from ..runner.outcome import NOT_RUN, Status
from .triage import record_key
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

NOTE = "fail-fast.json"


def limit_of(value: bool | float | str | None, name: str = "FAIL_FAST") -> int:
    """How many failures of one group stop a sweep: ``value`` as a whole number of 1 or more; 0 (no
    limit) for None or "". Anything else is an ArgumentError that names ``name``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number < 1:
        raise ArgumentError(f"{name}: {value!r} cannot be used: give how many runs may fail in the same failure "
                            "group before the sweep starts no new job, a whole number of 1 or more (say 3)")
    return number


class Counter:
    """The failures of the jobs that ended, by group; once ``limit`` runs failed in one group, that
    group is ``reached`` and ``stop()`` is called (once)."""

    def __init__(self, limit, stop):
        self.limit, self.stop, self.keys, self.counts, self.reached = limit, stop, {}, {}, None

    def add(self, job_id: str, state: str, record: dict | None = None) -> None:
        """A job ended as ``state``; ``record`` is its status record of this sweep, when it has one. A job
        tried again (over SSH) counts once, as its last attempt ended."""
        before = self.keys.pop(job_id, None)
        if before is not None:
            self.counts[before] -= 1
        if state == Status.OK.value or state in NOT_RUN:
            return
        key = self.keys[job_id] = record_key(state, record)
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.reached is None and self.counts[key] >= self.limit:
            self.reached = key
            self.stop()


def write_note(output: str | Path, sweep: str, counter: Counter, not_started: int) -> None:
    """Say in OUTPUT/fail-fast.json which group stopped ``sweep`` and how many jobs it did not start."""
    note = {"sweep": sweep, "group": counter.reached, "limit": counter.limit,
            "failed": counter.counts.get(counter.reached, 0), "not_started": not_started}
    write_atomic(os.path.join(output, NOTE), json.dumps(note, indent=1) + "\n")


def clear_note(output: str | Path) -> None:
    """A new sweep begins: an earlier sweep's note no longer applies."""
    try:
        os.unlink(os.path.join(output, NOTE))
    except FileNotFoundError:
        pass


def read_note(output: str | Path) -> dict | None:
    """The note of the sweep that FAIL_FAST stopped, or None (none, or not one of ours)."""
    try:
        with open(os.path.join(output, NOTE), encoding="utf-8") as handle:
            note = json.load(handle)
    except (OSError, ValueError):
        return None
    fields = {"group": str, "limit": int, "failed": int, "not_started": int}
    if not isinstance(note, dict) or not all(isinstance(note.get(k), kind) for k, kind in fields.items()):
        return None
    return note


def describe(note: dict) -> str:
    """The note in one sentence, for the summary and the report."""
    left = note["not_started"]
    return (f"The sweep stopped early (FAIL_FAST={note['limit']}): {note['limit']} runs failed as {note['group']}, "
            f"so no new job started ({note['failed']} failed so in all, with the jobs already running); "
            f"{left} job{'s' if left != 1 else ''} not started stay missing, and the next sweep runs them.")
