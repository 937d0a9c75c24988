"""How run-one stops the nbconvert it started, and how it hears that its sweep has gone. Standard library only."""

import os
import select
import signal
import sys
import time

GRACE_SECONDS = 3.0


def stop_child(child):
    """TERM nbconvert (its preprocessor saves the partial notebook), then KILL its group after a grace."""
    if child is None or child.poll() is not None:
        return
    _kill(child.pid, signal.SIGTERM)
    deadline = time.time() + GRACE_SECONDS
    while child.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    _killpg(child.pid)


def watch_hangup(stop):
    """Call ``stop`` when whoever reads this job's output has gone. Over SSH that is how a job learns
    that the sweep stopped (Ctrl-C, SIGTERM, --timeout): parallel kills its ssh client, the
    connection's channel closes, and sshd sends the job no signal, only closes its output."""
    watch = select.poll()
    try:
        watch.register(sys.stdout.fileno(), 0)  # errors and hangups are always reported
    except (AttributeError, OSError, ValueError):
        return
    while True:
        for _, events in watch.poll(1000):
            if events & (select.POLLERR | select.POLLHUP):
                stop("hangup (the sweep that started this job has gone)")
                return


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
