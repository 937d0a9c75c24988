"""Every process a job started ends with the job, however it detached.

On Linux, run-one makes itself a child subreaper: a process its notebook started that loses its
parent (``setsid``, a double fork, ``env -i``) becomes run-one's child instead of init's, so it can
still be found, ended and reaped when nbconvert ends. nbconvert itself is tied to run-one with a
parent-death signal: if run-one is SIGKILLed, nbconvert dies with it, and so does the per-job lock
they share. Elsewhere these are no-ops and the environment token (kill_leftovers) does the rest.
A warm-kernel template (runner/warm/) that a job started serves every job of its sweep, so it and the
kernels it forked for other jobs are spared: it is not the job's to end (it ends when idle).
Standard library only; ctypes is imported only where prctl exists.
"""

from __future__ import annotations

import os
import signal
import time
from typing import TYPE_CHECKING

from .outcome import TEMPLATE_MODULE, TOKEN_ENV

if TYPE_CHECKING:
    from collections.abc import Callable

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
ROUNDS = 50


def _prctl():
    if not os.path.exists("/proc/self/stat"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        return None


PRCTL = _prctl()


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants; True when that worked."""
    return bool(PRCTL) and PRCTL(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def die_with_parent_hook() -> Callable[[], None]:
    """A ``preexec_fn`` that makes the child die (SIGKILL) when this process dies."""
    parent = os.getpid()
    return lambda: die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Make this process die (SIGKILL) when ``parent`` does; exit now if it is already gone."""
    if PRCTL:
        PRCTL(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(137)


def descendants(pid: int, spare: Callable[[int], bool] | None = None) -> list[int]:
    """PIDs of every live process below ``pid``, from /proc; with ``spare(pid)``, a process it
    spares is left out, and so is everything below it."""
    children = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            parent = _parent(entry)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if spare is not None and spare(child):
                continue
            found.append(child)
            todo.append(child)
    return found


def end_descendants() -> int:
    """SIGKILL and reap every process below this one; return how many were ended."""
    ended = set()
    for _ in range(ROUNDS):
        left = descendants(os.getpid(), spare=is_template)
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                ended.add(pid)
            except ProcessLookupError:
                pass
        _reap(wait=0.05)
    _reap(wait=0)
    return len(ended)


def is_template(pid: int) -> bool:
    """True when ``pid`` is a warm-kernel template (its command line runs TEMPLATE_MODULE)."""
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as handle:
            return TEMPLATE_MODULE.encode() in handle.read()
    except (OSError, TypeError, ValueError):  # TypeError: an info file without a pid
        return False


def kill_leftovers(token: str, variable: str = TOKEN_ENV) -> int:
    """SIGKILL every process whose environment carries this job's token (in ``variable``); return how many."""
    needle = f"\0{variable}={token}\0".encode()
    killed = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle not in b"\0" + handle.read() + b"\0":
                    continue
            os.kill(int(entry), signal.SIGKILL)
            killed += 1
        except (OSError, ValueError):
            continue
    return killed


def _reap(wait):
    """Collect every child of ours that has exited (so none is left a zombie)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= deadline:
                return
            time.sleep(0.01)


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    # the command name may hold spaces or parentheses: the fields start after its last ')'
    fields = stat[stat.rfind(b")") + 2:].split()
    if len(fields) < 2 or fields[0] == b"Z":
        return None
    return int(fields[1])
