"""The parent of a forked kernel: a small per-job process that stands for the job's nbconvert.

A cold kernel's parent is the nbconvert that started it, so whatever a cell does to
``os.getppid()`` reaches its own job and nothing else. Forked straight from the template, a kernel's
parent would be the template that every job of the sweep shares. So the template forks this process
for each job, and it forks the kernel: it passes every signal a process sends it on to the job's
nbconvert, tells the job the kernel's exit code and what it used (its rusage) when the kernel ends, and then exits. What no
process can catch, the template (server.py) passes on: when this process is SIGKILLed the template
kills that nbconvert the same way, and when it is stopped (SIGSTOP) it stops that nbconvert instead
(and lets this process go on, to pass on a SIGCONT). The kernel dies with it (a parent-death
signal), so its parent is never anyone else.
"""

from __future__ import annotations

import os
import signal
import sys

from .. import reaper, resources
from . import wire
from .child import become_kernel  # loaded with the template's preloading (template.py)

# Left to their default action: no process can block the first two, and the processor raises the
# others in the process itself. Every other signal is waited for here, never handled.
UNBLOCKED = {signal.SIGKILL, signal.SIGSTOP, signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL}
POLL_SECONDS = 1.0  # a backstop only: the kernel's end wakes this process at once (SIGCHLD)


def stand_in(request, fds, nbconvert, reply, sockets, descriptors) -> None:
    """In the template's forked child: fork the kernel of ``request``, stand for the nbconvert whose
    pidfd is ``nbconvert`` until the kernel ends, and report its exit code on ``reply``; never returns."""
    code = 1
    try:
        _leave_the_template(sockets, descriptors)
        waited = set(signal.valid_signals()) - UNBLOCKED
        signal.pthread_sigmask(signal.SIG_BLOCK, waited)
        kernel = _fork_kernel(request, fds, nbconvert, reply)
        for fd in fds:
            os.close(fd)
        ended, usage = _stand_for(kernel, nbconvert, waited)
        try:
            wire.send(reply, {"exit": ended, "usage": resources.from_rusage(usage)})
        except OSError:
            pass  # the job has gone; the template hears of this process's end anyway
        code = 0
    except BaseException as exc:  # never return into the template's loop
        try:
            print(f"warm kernel's parent: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        except BaseException:
            pass
    finally:
        os._exit(code)


def _leave_the_template(sockets, descriptors):
    """A session of its own (so killpg(getpgid(getppid())) in a cell reaches only this job), none of
    the template's sockets and descriptors, no wake-up fd."""
    signal.set_wakeup_fd(-1)
    os.setsid()
    for sock in sockets:
        sock.close()
    for fd in descriptors:
        os.close(fd)


def _fork_kernel(request, fds, nbconvert, reply):
    """Fork the kernel, which dies when this process dies (and unblocks its signals: child.py)."""
    die_with_me = reaper.die_with_parent_hook()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        die_with_me()
        become_kernel(request, fds, nbconvert, reply, [], [])
    return pid


def _stand_for(kernel, nbconvert, waited):
    """Pass each signal a process sends here on to the job's nbconvert until the kernel ends; its exit
    code and its rusage (the kernel is this process's child: only here can it be had)."""
    template = os.getppid()
    while True:
        info = signal.sigtimedwait(waited, POLL_SECONDS)
        # a process sent it (kill, tgkill, sigqueue: si_code <= 0); the kernel's own SIGCHLD, a SIGPIPE
        # of this process's last write, the template's SIGCONT after a SIGSTOP are not the job's business
        if info is not None and info.si_code <= 0 and info.si_pid != template:
            try:
                signal.pidfd_send_signal(nbconvert, info.si_signo)
            except OSError:
                pass  # nbconvert has ended: the kernel's watch ends the kernel
        done, status, usage = os.wait4(kernel, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), usage
