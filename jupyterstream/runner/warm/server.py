"""The template's loop: accept fork requests on a Unix socket, fork each job's kernel (under a
stand-in for its nbconvert: standin.py), pass on what the stand-in cannot, reap.

What a kernel's cells start ends with that kernel, however it detached: each kernel is the child
subreaper of what its cells start (child.py), and the template is the subreaper below which every
kernel runs, so when a kernel dies whatever it still had comes here, and the template ends every
process of its own that is not a live job's. (A cold kernel's leftovers go to run-one, which does the same.)"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import time

from .. import reaper
from . import idle_seconds, wire
# Imported now, not at the first fork: over SSH the runner this template was started from is removed
# when the job that started it ends.
from .standin import stand_in


class Server:
    """One listening socket; per kernel, the connection of the nbconvert that asked for it."""

    def __init__(self, folder):
        self.folder, self.path = folder, os.path.join(folder, "sock")
        old = os.umask(0o077)
        try:
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(self.path)
        finally:
            os.umask(old)
        self.listener.listen(64)
        self.inode = os.stat(self.path).st_ino
        self.kernels = {}         # connection -> pid of the job's stand-in (the kernel's parent)
        self.parents = {}         # stand-in pid -> pidfd of the job's nbconvert
        self.stopping, self.info = False, {}
        self.last_busy = time.time()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        reaper.become_subreaper()

    def serve(self) -> None:
        """Serve until stopped (with no kernel left) or idle for too long."""
        idle = idle_seconds()
        while not (self.stopping and not self.kernels):
            if not self.kernels and time.time() - self.last_busy > idle:
                return
            watched = [self.wake_r, *self.kernels] + ([self.listener] if not self.stopping else [])
            ready = select.select(watched, [], [], 1.0)[0]
            if self.wake_r in ready:
                self._drain()
            self._reap()
            for conn in [c for c in ready if c in self.kernels]:
                self._client_gone(conn)
            if self.listener in ready and not self.stopping:
                self._accept()
            if self.kernels:
                self.last_busy = time.time()

    def _accept(self):
        conn, _ = self.listener.accept()
        conn.settimeout(10)
        fds = []
        try:
            message, fds, _ = wire.receive(conn)
            op = (message or {}).get("op")
            if op == "fork":
                self._fork(conn, message, fds)
                return
            if op == "stop":
                self.stopping = True
                self._unlink()
            elif op == "info":
                wire.send(conn, self.info)
        except (OSError, ValueError) as exc:
            print(f"template: a request failed: {exc}", file=sys.stderr, flush=True)
        finally:
            for fd in fds:
                os.close(fd)
        if conn not in self.kernels:
            conn.close()

    def _fork(self, conn, message, fds):
        why = self.unsafe()
        if why:
            wire.send(conn, {"refused": why})
            return
        try:
            nbconvert = os.pidfd_open(wire.peer_pid(conn))
        except OSError as exc:
            wire.send(conn, {"refused": f"cannot watch the job's nbconvert: {exc.strerror}"})
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            try:  # the kernel keeps this connection until its ports are bound, to say so (child.py);
                # the stand-in keeps it to tell the job the kernel's exit code
                stand_in(message, fds, nbconvert, conn, [self.listener, *self.kernels],
                         [self.wake_r, self.wake_w, *self.parents.values()])
            finally:  # never back into this loop, whatever happened
                os._exit(1)
        self.kernels[conn], self.parents[pid] = pid, nbconvert
        conn.settimeout(None)
        wire.send(conn, {"pid": pid})

    def unsafe(self):
        """Why forking now would be unsafe, or None."""
        names = threads()
        if len(names) > 1:
            return (f"the template has {len(names)} threads ({', '.join(names[1:])}), started by one of the "
                    "notebook's imports; a fork copies only one thread, so it does not fork")
        zmq = sys.modules.get("zmq")
        if zmq is not None and getattr(zmq.Context, "_instance", None) is not None:
            return "the template holds a zmq context, which must not cross a fork"
        return None

    def _reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG | os.WUNTRACED)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if os.WIFSTOPPED(status):  # SIGSTOP, which a stand-in cannot wait for: stop its nbconvert instead
                if pid in self.parents:
                    self._pass_on(pid, os.WSTOPSIG(status))
                    os.kill(pid, signal.SIGCONT)  # so that it still passes on what comes next (SIGCONT, say)
                continue
            if pid in self.parents:
                self._stand_in_ended(pid, os.waitstatus_to_exitcode(status))
            self._end_leftovers()  # a job's kernel has ended (or its leftovers are ending)

    def _stand_in_ended(self, pid, code):
        """A stand-in exits 0 once it has told its job the kernel's exit code; killed (SIGKILL), its
        nbconvert is killed the same way, as a cold kernel's parent would have been."""
        if code < 0:
            self._pass_on(pid, -code)
        for conn in [c for c, standin in self.kernels.items() if standin == pid]:
            if code != 0:
                try:
                    wire.send(conn, {"exit": code})
                except OSError:
                    pass
            self._forget(conn)

    def _pass_on(self, pid, signum):
        """Send ``signum`` to the nbconvert that stand-in ``pid`` stands for."""
        if pid in self.parents:
            try:
                signal.pidfd_send_signal(self.parents[pid], signum)
            except OSError:
                pass

    def _end_leftovers(self):
        """End what a kernel that died left behind (now this template's children), sparing live jobs."""
        live = set(self.kernels.values())
        for _ in range(reaper.ROUNDS):
            left = reaper.descendants(os.getpid(), spare=live.__contains__)
            if not left:
                return
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
            for pid in left:  # collect our own (not waitpid(-1): a kernel's exit code is _reap's)
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass

    def _client_gone(self, conn):
        """The nbconvert that asked for this kernel closed its connection: end the kernel (it dies
        with its stand-in; what it leaves comes here, see _end_leftovers)."""
        pid = self.kernels.get(conn)
        if pid is None:
            return
        self._forget(conn)  # first: this stand-in's end is not to be passed on to an nbconvert that let go
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

    def _forget(self, conn):
        pid = self.kernels.pop(conn, None)
        if pid in self.parents:
            os.close(self.parents.pop(pid))
        conn.close()
        self.last_busy = time.time()

    def _drain(self):
        try:
            while os.read(self.wake_r, 512):
                pass
        except OSError:
            pass

    def _on_term(self, signum, frame):
        self.stopping = True

    def _unlink(self):
        try:
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except OSError:
            pass

    def close(self) -> None:
        """Stop listening; remove the socket and info file if they are still this template's."""
        self._unlink()
        self.listener.close()
        for conn in list(self.kernels):
            self._client_gone(conn)
        info = os.path.join(self.folder, "info.json")
        try:
            with open(info, encoding="utf-8") as handle:
                mine = json.load(handle).get("pid") == os.getpid()
            if mine:  # a template started after this one was killed owns it otherwise
                os.unlink(info)
        except (OSError, ValueError):
            pass


def threads():
    """Names of this process's threads, C libraries' included (/proc sees them all)."""
    names = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm", encoding="utf-8") as handle:
                names.append(handle.read().strip())
        except OSError:
            names.append(tid)
    return names
