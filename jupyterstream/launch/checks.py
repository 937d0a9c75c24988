"""Checks made before a sweep starts, each failing with an error that says what to do: the tools,
the output folder, the notebook's kernel, and the lock that keeps two sweeps out of one folder."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

from ..atomic import SCRATCH
from ..errors import OutputError, SetupError
from ..notebook.lang import kernel_name  # noqa: F401 (this module's API too)
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode


def check_tools(*tools: str) -> None:
    """Raise SetupError unless each tool is on PATH and GNU parallel has a writable home."""
    for tool in ("parallel", *tools):
        if not shutil.which(tool):
            raise SetupError(f"{tool} is not installed: install it with 'apt-get install {tool}' "
                             "(or your system's package manager); 'make run' does it when run as root")
    tmp = os.environ.get("TMPDIR") or "/tmp"
    if not (os.path.isdir(tmp) and os.access(tmp, os.W_OK)):
        raise SetupError(f"TMPDIR {tmp} is not a writable folder: each job's kernel is given it for the "
                         "notebook's temporary files; set TMPDIR to one that is, or unset it")
    home = os.environ.get("PARALLEL_HOME") or os.path.join(os.path.expanduser("~"), ".parallel")
    probe = home if os.path.isdir(home) else os.path.dirname(home)
    if not os.access(probe, os.W_OK):
        raise SetupError(f"GNU parallel needs a writable {home} (it keeps its state there): make it writable, "
                         "or point PARALLEL_HOME at a folder that is")


def check_output(output: str | Path) -> None:
    """Raise OutputError unless OUTPUT can be created and written (and is no parallel template)."""
    if "{" in str(output) or "}" in str(output):
        raise OutputError(f"{output}: OUTPUT may not contain {{ or }}: GNU parallel would read them as "
                          "replacement strings in every job's command; choose another name")
    try:
        Path(output).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".write-check-"):
            pass
        Path(output, SCRATCH).mkdir(exist_ok=True)  # the sweep's own temporary files (atomic.py)
    except OSError as exc:
        raise OutputError(f"{output}: cannot write the output folder ({exc.strerror or exc}): choose another "
                          "OUTPUT or make it writable") from None


def check_kernel(nb: NotebookNode, notebook: str | Path) -> None:
    """Raise SetupError unless the notebook's kernel is installed here."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    name = kernel_name(nb)
    manager = KernelSpecManager()
    try:
        manager.get_kernel_spec(name)
    except NoSuchKernel:
        known = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise SetupError(f"{notebook}: its kernel {name!r} is not installed here (installed: {known}): "
                         "install it, or set the notebook's kernel to one of these") from None


class SweepLock:
    """The two locks of a CLI sweep: OUTPUT/.cli.lock, held by this process alone, so that a second
    CLI sweep of the folder is refused while this one lives (they would restage each other's inputs
    and remove each other's transfers), and OUTPUT/.sweep.lock, shared, which parallel and every job
    inherit, so the collector can tell that a sweep (or its orphans) may still start queued jobs."""

    def __init__(self, cli, shared):
        self.cli, self.shared = cli, shared

    def fileno(self) -> int:
        """The shared lock's descriptor: what parallel and its jobs inherit."""
        return self.shared.fileno()

    def close(self) -> None:
        """Let go of both (parallel and jobs still running keep the shared one)."""
        self.cli.close()
        self.shared.close()


def take_lock(output: str | Path) -> SweepLock:
    """Take the sweep's locks, or raise SetupError when another CLI sweep of OUTPUT is alive. A sweep
    whose CLI was killed no longer counts: each value is kept from running twice by its own job lock
    (runner/lock.py), which the jobs still running from that sweep hold."""
    cli = open(Path(output) / ".cli.lock", "a+", encoding="utf-8")
    try:
        fcntl.flock(cli, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        cli.seek(0)
        holder = cli.read().strip() or "another process"
        cli.close()
        raise SetupError(f"{output}: another sweep is running here ({holder}): wait for it to end (or stop it "
                         "with Ctrl-C), then run again; 'make collect' shows its progress") from None
    cli.seek(0)
    cli.truncate()
    cli.write(f"jupyterstream pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    cli.flush()
    shared = open(Path(output) / ".sweep.lock", "a+", encoding="utf-8")
    fcntl.flock(shared, fcntl.LOCK_SH)
    return SweepLock(cli, shared)
