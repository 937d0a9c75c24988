"""Find a template, start one on demand (one at a time: a lock file), ask it to stop.

Standard library only: the CLI calls ``stop_templates`` at the end of a sweep, and nbconvert's
kernel manager calls ``connect`` when it starts a kernel.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import socket
import time

from ..outcome import WARM_DIR_ENV
from . import (KEEP_SECONDS, START_SECONDS, TEMPLATE_MODULE, NotWarm, base_folder, is_template, sweep_of, template_pids,
               wire)
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def connect(folder: str, python: list[str], sweep: str, modules: list[str], env: dict) -> socket.socket:
    """A connection to the template in ``folder`` (started with the interpreter argv ``python``
    first when there is none)."""
    path = os.path.join(folder, "sock")
    conn = _try(path)
    if conn is not None:
        return conn
    with open(os.path.join(folder, "lock"), "a") as lock:
        _lock(lock, time.time() + START_SECONDS)
        conn = _try(path)  # another job may have started it while this one waited
        if conn is None:
            conn = _start(folder, python, sweep, modules, env)
    return conn


def stop_templates(sweep: str, wait: float = 10.0, logs: str | None = None) -> int:
    """Ask this user's templates of a sweep to end (each once its running kernels end); wait up to
    ``wait`` seconds for them to be gone, then remove the sweep's template folders (remove_folders).
    Returns how many were asked."""
    pids = template_pids(sweep)
    stopped = _ask_to_stop(pids)
    deadline = time.time() + wait
    while time.time() < deadline and any(os.path.exists(f"/proc/{pid}") and not zombie(pid) for pid in pids):
        time.sleep(0.02)
    remove_folders(sweep, logs)
    return stopped


def remove_folders(sweep: str, logs: str | Path | None = None) -> int:
    """Remove the folders this sweep's jobs made for templates, each once no template runs there and
    no job holds its lock, its log first copied into the folder ``logs`` (as SWEEP-NAME.log); then the
    folder that holds them, unless another sweep's are in it (or JUPYTERSTREAM_WARM_DIR named it).
    Returns how many were removed."""
    try:
        base = base_folder()
        names = os.listdir(base)
    except (NotWarm, OSError):
        return 0
    folders = [os.path.join(base, name) for name in names]
    removed = sum(_remove(folder, logs and os.path.join(logs, f"{sweep}-{os.path.basename(folder)}.log"))
                  for folder in folders if sweep_of(folder) == sweep)
    if not os.environ.get(WARM_DIR_ENV):
        try:
            os.rmdir(base)  # only if empty: a concurrent sweep's folders keep it
        except OSError:
            pass
    return removed


def zombie(pid: int) -> bool:
    """True when ``pid`` is a zombie (ended, not yet reaped) or gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _ask_to_stop(pids):
    stopped = 0
    for pid in pids:
        folder = _folder_of(pid)
        conn = _try(os.path.join(folder, "sock")) if folder else None
        if conn is None:
            continue
        with conn:
            try:
                wire.send(conn, {"op": "stop"})
                stopped += 1
            except OSError:
                pass
    return stopped


def _folder_of(pid):
    try:
        base = base_folder()
        names = os.listdir(base)
    except (NotWarm, OSError):
        return None
    for name in names:
        try:
            with open(os.path.join(base, name, "info.json"), encoding="utf-8") as handle:
                if json.load(handle).get("pid") == pid:
                    return os.path.join(base, name)
        except (OSError, ValueError):
            continue
    return None


def _try(path):
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        return conn
    except OSError:
        conn.close()
        return None


def _lock(handle, deadline):
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.time() > deadline:
                raise NotWarm(f"could not take the template's lock {handle.name}: {exc}") from None
            time.sleep(0.05)


def _start(folder, python, sweep, modules, env):
    """Start a template detached from this job (its own session, no job token) and wait for it."""
    prune(os.path.dirname(folder), keep=folder)
    path = os.path.join(folder, "sock")
    try:
        os.unlink(path)  # left by a template that was killed
    except FileNotFoundError:
        pass
    log_path = os.path.join(folder, "log")
    # posix_spawn, not Popen: nobody keeps a handle on the template, and it outlives this process
    pid = os.posix_spawnp(python[0], [*python, "-m", TEMPLATE_MODULE, folder, sweep, *modules], env, setsid=True,
                          file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                                        (os.POSIX_SPAWN_OPEN, 1, log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600),
                                        (os.POSIX_SPAWN_DUP2, 1, 2)])
    deadline = time.time() + START_SECONDS
    while time.time() < deadline:
        conn = _try(path)
        if conn is not None:
            return conn
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            raise NotWarm(f"the template exited {os.waitstatus_to_exitcode(status)} while starting: {_tail(log_path)}")
        time.sleep(0.02)
    os.kill(pid, 9)
    raise NotWarm(f"the template did not answer within {START_SECONDS:g} s (its log: {log_path})")


def prune(base: str | Path, keep: str | None = None, age: float = KEEP_SECONDS) -> int:
    """Remove the folders of templates that ended more than ``age`` seconds ago (their log is kept
    that long, to be read): those a sweep did not remove, such as a server's or a killed sweep's;
    never one whose lock is held or whose template still runs."""
    try:
        names = os.listdir(base)
    except OSError:
        return 0
    before = time.time() - age
    folders = [os.path.join(base, name) for name in names]
    return sum(_remove(folder) for folder in folders if folder != keep and _old(folder, before))


def _old(folder, before):
    try:
        return max(os.stat(os.path.join(folder, f)).st_mtime for f in ["."] + os.listdir(folder)) <= before
    except (OSError, ValueError):
        return False


def _remove(folder, log_copy=None):
    """Remove a template folder unless a job holds its lock (it is starting a template there) or a
    template still runs there; with ``log_copy``, only once its log is copied there. True if removed."""
    try:
        with open(os.path.join(folder, "lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while removing: no job starts one meanwhile
            if _in_use(folder):
                return False
            if log_copy and os.path.exists(os.path.join(folder, "log")):
                os.makedirs(os.path.dirname(log_copy), exist_ok=True)
                shutil.copyfile(os.path.join(folder, "log"), log_copy)
            shutil.rmtree(folder)
            return True
    except OSError:
        return False


def _in_use(folder):
    """True when a template answers on the folder's socket or its info file names a live template."""
    conn = _try(os.path.join(folder, "sock"))
    if conn is not None:
        conn.close()
        return True
    try:
        with open(os.path.join(folder, "info.json"), encoding="utf-8") as handle:
            return is_template(json.load(handle).get("pid"))
    except (OSError, ValueError, AttributeError):
        return False


def _tail(path):
    try:
        with open(path, "rb") as handle:
            lines = handle.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no output"
    except OSError:
        return "no log"
