"""The per-job lock: at most one process runs a value at a time, however its jobs were launched.

run-one takes OUTPUT/locks/JOB.lock (an ``flock``) before it looks at the job's status, and holds it
for the job's whole life; nbconvert inherits it, so a job whose run-one is gone still holds it for as
long as its nbconvert lives. A second job of the same value (another sweep, the README's pipeline, a
rerun after a crash) waits for it, then finds the value's result under the lock. The kernel of the
holder does not inherit it (jupyter_client closes inherited files), so the holder writes a token
into the file, and the next holder ends whatever still carries the previous one.
Standard library only.
"""

from __future__ import annotations

import fcntl
import os
import time

from .layout import LOCKS, Layout
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

POLL_SECONDS = 0.2


def path_for(output: str | Path, job_id: str) -> str:
    """Where the lock of a job lives."""
    return Layout(output).lock(job_id)


class JobLock:
    """An flock on a job's lock file; ``fileno()`` is what a child must inherit to share it."""

    def __init__(self, output, job_id):
        os.makedirs(Layout(output).folder(LOCKS), exist_ok=True)
        self.path = path_for(output, job_id)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)

    def fileno(self) -> int:
        """The lock's file descriptor."""
        return self.fd

    def try_take(self) -> bool:
        """Take the lock if nobody holds it; True when taken."""
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def take(self, timeout: float = 0, on_wait: Callable | None = None) -> bool:
        """Take the lock, waiting for its holder (at most ``timeout`` s when given); True when taken.
        ``on_wait(holder)`` is called once, with what the holder wrote, before waiting."""
        if self.try_take():
            return True
        if on_wait:
            on_wait(self.holder())
        deadline = time.monotonic() + timeout if timeout else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            if self.try_take():
                return True
        return False

    def holder(self) -> str:
        """What the current (or last) holder wrote: its pid, host and token, as text."""
        try:
            return os.pread(self.fd, 4096, 0).decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def previous_token(self) -> str:
        """The token the last holder wrote (read once the lock is ours), or ''."""
        for word in self.holder().split():
            if word.startswith("token="):
                return word[len("token="):]
        return ""

    def claim(self, text: str) -> None:
        """Write who holds the lock now (call only while holding it)."""
        data = (text.strip() + "\n").encode("utf-8")
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)

    def close(self) -> None:
        """Release the lock (for this process; a child that inherited it keeps it)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def stepped_aside(output: str | Path, job_id: str, sweep: str) -> bool:
    """True when the last job of this value to take its lock was of ``sweep`` and stepped aside, its
    value already ok (so the joblog's newer row for it is no lost result)."""
    try:
        with open(path_for(output, job_id), encoding="utf-8", errors="replace") as handle:
            words = handle.read(4096).split()
    except OSError:
        return False
    return bool(sweep) and f"stepped-aside={sweep}" in words


def is_held(output: str | Path, job_id: str) -> bool:
    """True when some process holds this job's lock (its value is running here now)."""
    if not os.path.exists(path_for(output, job_id)):
        return False
    probe = JobLock(output, job_id)
    try:
        if probe.try_take():
            fcntl.flock(probe.fd, fcntl.LOCK_UN)
            return False
        return True
    finally:
        probe.close()
