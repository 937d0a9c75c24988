"""The kernel manager nbconvert uses for warm kernels (named in nbconvert_config.py).

A stock AsyncKernelManager whose provisioner is jupyter_client's LocalProvisioner with one change:
the kernel process is forked by the template instead of started with Popen. Ports, the connection
file, interrupts, kills and dead-kernel checks go through LocalProvisioner's own code, which sees a
Popen-like ``WarmProcess``. When a warm kernel cannot be had, it starts a cold one and says why.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import time

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner
from jupyter_client.asynchronous import AsyncKernelClient
from traitlets import DottedObjectName, Type

from .. import resources
from ..outcome import KERNEL_NOTE_ENV, WARM_ENV
from . import START_SECONDS, NotWarm, control, key_folder, wire
from .ready import PromptKernelClient

LAUNCHERS = ("ipykernel_launcher", "ipykernel")
LOCAL_PROVISIONER = "local-provisioner"  # jupyter_client's own, which WarmProvisioner extends
WAKE_SECONDS = 0.05  # how long an ended kernel could go unnoticed should its template's word be lost


class WarmProcess:
    """A kernel forked by the template, with the part of Popen's face LocalProvisioner uses."""

    stdin = stdout = stderr = None

    def __init__(self, conn, pid):
        self.conn, self.pid, self.returncode, self.buffer = conn, pid, None, b""
        try:
            self.pidfd = os.pidfd_open(pid)
        except OSError:
            self.pidfd = None

    def poll(self):
        """The kernel's exit code (from the template), or None while it runs."""
        if self.returncode is None and self.conn is not None:
            if select.select([self.conn], [], [], 0)[0]:
                self._read()
        if self.returncode is None and self.conn is None and self._gone():
            self.returncode = -signal.SIGKILL  # its template died first, so nobody can tell its code
        return self.returncode

    def _read(self):
        try:
            message, _, self.buffer = wire.receive(self.conn, self.buffer)
        except (OSError, ValueError):
            message = None
        if message and "exit" in message:
            self.returncode = message["exit"]
            # what the kernel used, for the preprocessor's record (keep_partial.py): its stand-in reaped it
            resources.reported = message.get("usage") if isinstance(message.get("usage"), dict) else None
        if message is None or self.returncode is not None:
            self.conn.close()
            self.conn = None

    def _gone(self):
        if self.pidfd is None:
            try:
                os.kill(self.pid, 0)
                return False
            except ProcessLookupError:
                return True
        return bool(select.select([self.pidfd], [], [], 0)[0])

    async def ended(self) -> None:
        """Return once the kernel has ended: woken by the template's word (or the kernel's pidfd), not
        by a poll, so that a job's shutdown does not wait out a poll interval for every value."""
        loop = asyncio.get_running_loop()
        while self.poll() is None:
            source = self.conn.fileno() if self.conn is not None else self.pidfd
            woken = loop.create_future()
            if source is not None:
                loop.add_reader(source, lambda: woken.done() or woken.set_result(None))
            try:  # the timeout is a backstop: poll() decides, as before
                await asyncio.wait_for(woken, WAKE_SECONDS if source is not None else 0.01)
            except asyncio.TimeoutError:
                pass
            finally:
                if source is not None:
                    loop.remove_reader(source)

    def wait(self, timeout: float | None = None):
        """Wait for the kernel to end; its exit code."""
        deadline = None if timeout is None else time.time() + timeout
        while self.poll() is None:
            if deadline is not None and time.time() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum) -> None:
        """Signal the kernel (LocalProvisioner signals its process group first)."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL the kernel."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self.send_signal(signal.SIGTERM)

    def close(self) -> None:
        """Let go of the template's connection (the template then ends the kernel, if it still runs)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


class WarmProvisioner(LocalProvisioner):
    """LocalProvisioner, but the kernel is forked from a warm template when that is possible."""

    async def launch_kernel(self, cmd, **kwargs):
        """Fork a warm kernel; fall back to a cold one (saying why) when that is not possible."""
        try:
            process = fork_kernel(cmd, kwargs, self.kernel_spec, getattr(self.parent, "kernel_name", ""))
        except NotWarm as exc:
            note(f"cold ({exc})")
            return await super().launch_kernel(cmd, **kwargs)
        self.process, self.pid, self.pgid = process, process.pid, process.pid
        self.cwd = kwargs.get("cwd") or os.getcwd()
        return self.connection_info

    async def wait(self):
        """As LocalProvisioner's, with a shorter poll: a warm kernel is gone within milliseconds."""
        if isinstance(self.process, WarmProcess):
            await self.process.ended()
            code = self.process.returncode
            self.process.close()
            self.process = None
            return code
        return await super().wait()

    async def cleanup(self, restart: bool = False) -> None:
        """Release ports (LocalProvisioner) and the template's connection."""
        if isinstance(self.process, WarmProcess):
            self.process.close()
        await super().cleanup(restart=restart)


class WarmKernelManager(AsyncKernelManager):
    """nbconvert's kernel manager with the warm provisioner (and a client that does not wait out a
    fixed 0.2 s of IOPub silence once the kernel has answered: see ready.py)."""

    client_class = DottedObjectName("jupyterstream.runner.warm.ready.PromptKernelClient")
    client_factory = Type(PromptKernelClient, klass=AsyncKernelClient, config=True)

    async def _async_wait(self, pollinterval=0.1):
        """As jupyter_client's, but a warm kernel's end is awaited on its template's connection, and any
        other is polled every 10 ms: a killed kernel is gone within milliseconds, and jupyter_client's
        0.1 s poll was most of a job's shutdown."""
        process = getattr(self.provisioner, "process", None)
        if isinstance(process, WarmProcess):
            await process.ended()
        await super()._async_wait(pollinterval=min(pollinterval, 0.01))

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            named = provisioner_name(self.kernel_spec, self.parent)
            if named == LOCAL_PROVISIONER:
                self.provisioner = WarmProvisioner(kernel_id=self.kernel_id or kw.get("kernel_id"),
                                                   kernel_spec=self.kernel_spec, parent=self)
            else:  # jupyter_client makes the one the kernelspec names, as for a cold kernel
                note(f"cold (the kernelspec names its own kernel provisioner, {named})")
        return await super()._async_pre_start_kernel(**kw)


def provisioner_name(spec, parent):
    """The kernel provisioner jupyter_client would start ``spec``'s kernels with."""
    named = (getattr(spec, "metadata", None) or {}).get("kernel_provisioner", {}).get("provisioner_name")
    return named or KernelProvisionerFactory.instance(parent=parent).default_provisioner_name


def fork_kernel(cmd, kwargs, spec, kernel_name):
    """Ask this job's template (started when there is none) for a kernel; a WarmProcess."""
    settings = json.loads(os.environ.get(WARM_ENV) or "{}")
    interpreter, kernel_args = _split_kernel_command(cmd, spec)
    env = dict(kwargs.get("env") or os.environ)
    env["JPY_PARENT_PID"] = str(os.getpid())  # what jupyter_client's launcher gives a cold kernel
    modules, sweep = settings.get("imports", []), settings.get("sweep", "")
    folder = key_folder(sweep, interpreter, kernel_name, modules)
    # the template outlives this job: none of the job's own variables (its token, its parameters)
    template_env = {k: v for k, v in os.environ.items()
                    if k not in settings.get("job_vars", []) and not k.startswith("JPY_")}
    try:
        conn = control.connect(folder, interpreter, sweep, modules, template_env)
    except OSError as exc:
        raise NotWarm(f"cannot reach the template in {folder}: {exc}") from None
    request = {"op": "fork", "argv": kernel_args, "env": env, "cwd": str(kwargs.get("cwd") or os.getcwd())}
    pid, rest = _ask(conn, request)
    process = WarmProcess(conn, pid)
    process.buffer = rest
    return process


def _split_kernel_command(cmd, spec):
    """(interpreter argv, ipykernel's arguments) of a kernelspec's command, or NotWarm."""
    language = getattr(spec, "language", "") or ""
    if language.lower() != "python":
        raise NotWarm(f"the kernel's language is {language or 'not given'}, not Python")
    at = cmd.index("-m") if "-m" in cmd else len(cmd)
    if at + 1 >= len(cmd) or cmd[at + 1] not in LAUNCHERS or "-f" not in cmd[at + 2:]:
        raise NotWarm(f"the kernelspec does not start ipykernel as `python -m ipykernel_launcher -f ...`: {cmd}")
    return list(cmd[:at]), list(cmd[at + 2:])


def _ask(conn, request):
    """Send the fork request with this process's stdout and stderr; (the kernel's pid, what was
    read past its answers), once the kernel has said its ports are bound."""
    pid, buffer = None, b""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        wire.send(conn, request, fds=(1, 2))
        conn.settimeout(START_SECONDS)
        while True:  # the template's {"pid"}, and the kernel's own {"bound"}, in either order
            answer, _, buffer = wire.receive(conn, buffer)
            if not answer or ("pid" not in answer and "bound" not in answer):
                break
            if pid is None:
                note("warm")  # forked: a job killed from now on has had a warm kernel
            pid = answer.get("pid") or answer.get("bound")
            if "bound" in answer:
                conn.settimeout(None)
                return answer["bound"], buffer
    except (OSError, ValueError) as exc:
        conn.close()
        raise NotWarm(f"the template did not answer: {exc}") from None
    conn.close()  # the template ends a kernel whose job lets go of it
    if answer and "exit" in answer:
        raise NotWarm(f"the warm kernel {pid} exited {answer['exit']} before its ports were bound")
    raise NotWarm((answer or {}).get("refused") or "the template closed the connection")


def note(text) -> None:
    """Tell run-one which kernel this job got (it copies it into the status record)."""
    print(f"jupyterstream: kernel: {text}", file=sys.stderr, flush=True)
    path = os.environ.get(KERNEL_NOTE_ENV)
    if path:
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        except OSError:
            pass
