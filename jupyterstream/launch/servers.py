"""SSH servers: the sshloginfile, the one-word ssh wrapper parallel is given, and the preflight
check that every host can run the notebook. GNU parallel does all the connecting."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SetupError, ValuesError
from ..runner import cells
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode

PROBE_TAG = "JUPYTERSTREAM-PROBE"
SSH_OPTIONS = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15",
               "-o", "ServerAliveCountMax=4"]
# Runs on each host with REMOTE_PYTHON: what a job there needs, as one JSON line. (No curly
# brace pairs in it: parallel would read them as a replacement string.)
PROBE = r"""
import json, os, shutil, socket, sys
kernel, modules = sys.argv[1], sys.argv[2:]
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [os.path.join(sys.prefix, "share", "jupyter"), os.environ.get("JUPYTER_PATH")]))
found = {"hostname": socket.gethostname(), "python": sys.version.split()[0], "executable": sys.executable,
         "cores": os.cpu_count(), "rsync": bool(shutil.which("rsync")), "versions": dict()}
for name in ("nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_core", "jupyter_client"):
    try:
        found["versions"][name] = __import__(name).__version__
    except Exception:
        found["versions"][name] = None
try:
    from jupyter_client.kernelspec import KernelSpecManager
    KernelSpecManager().get_kernel_spec(kernel)
    found["kernel"] = True
except Exception as exc:
    found["kernel"] = f"{type(exc).__name__}: {exc}"
found["missing"] = []
for name in modules:
    try:
        __import__(name)
    except Exception as exc:
        found["missing"].append(f"{name} ({type(exc).__name__}: {exc})"[:160])
# Every ssh call runs the login shell, which bash makes read ~/.bashrc: time one such start.
import subprocess, time
began = time.perf_counter()
try:
    subprocess.run([os.environ.get("SHELL") or "/bin/sh", "-c", "true"], env=dict(os.environ, SHLVL="0"),
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    found["login_shell_seconds"] = round(time.perf_counter() - began, 3)
except Exception:
    found["login_shell_seconds"] = None
print("JUPYTERSTREAM-PROBE " + json.dumps(found))
"""
# A login shell slower than this is named in the check: each job over SSH starts it 7 times.
SLOW_SHELL_SECONDS = 0.05


@dataclass
class Host:
    """One sshlogin and what the preflight found there."""

    login: str
    facts: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    @property
    def name(self) -> str:
        """The login without its N/ job-slot prefix: what parallel's joblog calls the host."""
        return re.sub(r"^\d+/", "", self.login)

    @property
    def ok(self) -> bool:
        """True when the preflight found nothing missing."""
        return not self.problems


def read_servers(path: str | Path, count: int | None = None) -> list[str]:
    """The first ``count`` sshlogins of a GNU parallel sshloginfile (comments and blanks skipped)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ValuesError(path, None, "no such file: list your servers one a line, as in servers.txt.example") from None
    logins = []
    for number, line in enumerate(lines, start=1):
        login = line.split("#", 1)[0].strip()
        if not login:
            continue
        if any(c.isspace() for c in login):
            raise ValuesError(path, number, f"{login!r}: write one login a line, without spaces (put ssh "
                                            "options in your ssh config and pass SSH='ssh -F that_config')")
        logins.append(login)
    if not logins:
        raise ValuesError(path, None, "no servers listed")
    return logins[:count] if count else logins


# One connection per host, shared by every ssh call of a sweep (ssh's own ControlMaster): the
# preflight opens it, the jobs reuse it, and it closes SHARE_SECONDS after its last call (or when
# the sweep ends: close_connections). The sockets live in a folder of the user's own, short enough
# for a socket path; where that folder is not safely ours, ssh runs without sharing. The wrapper
# runs for every ssh call parallel makes (7 a job), so it starts no other program.
SHARE_SECONDS = 60
WRAPPER = """#!/bin/sh
# The ssh command this sweep hands to GNU parallel (--ssh): SSH, fail-fast options, and one shared
# connection per host (ssh's ControlMaster: the first call opens it, the others reuse it).
share={folder}
if [ -d "$share" ] && [ -O "$share" ] && [ ! -L "$share" ]; then
  exec {ssh} -o ControlMaster=auto -o "ControlPath=$share/%C" -o ControlPersist={seconds} "$@"
fi
exec {ssh} "$@"
"""


def share_folder(folder: str | Path | None = None) -> str:
    """The folder for this user's shared-connection sockets (made, mode 700, if missing)."""
    folder = folder or f"/tmp/jupyterstream-ssh-{os.getuid()}"
    try:
        os.mkdir(folder, 0o700)
    except OSError:
        pass
    return folder


def write_ssh_wrapper(path: str | Path, ssh: str, folder: str | Path | None = None) -> Path:
    """A one-word ssh command for parallel's --ssh: the user's SSH words, fail-fast options and a
    shared connection per host. (parallel's own --controlmaster is not used: with it, each host's
    first job pays for the connection; this way the preflight has already opened it.)"""
    words = shlex.join(shlex.split(ssh or "ssh") + SSH_OPTIONS)
    path = Path(path)
    path.write_text(WRAPPER.format(folder=shlex.quote(share_folder(folder)), ssh=words, seconds=SHARE_SECONDS),
                    encoding="utf-8")
    path.chmod(0o755)
    return path


def close_connections(wrapper: str | Path, logins: list[str]) -> None:
    """Ask each host's shared connection to close once its running calls end (ssh -O stop)."""
    for name in dict.fromkeys(Host(login).name for login in logins):
        if name == ":":
            continue
        try:
            subprocess.run([str(wrapper), "-O", "stop", name], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=15, check=False)
        except (OSError, subprocess.TimeoutExpired):
            pass


def notebook_imports(nb: NotebookNode) -> list:
    """Top-level modules the notebook imports (cells with magics are read without those lines)."""
    return cells.imports(nb.cells)


def probe_argv(logins_file: str | Path, ssh_wrapper: str | Path, remote_python: str, kernel: str, modules: list[str],
               timeout: float = 60) -> list[str]:
    """parallel --nonall: run the probe once on every host, each output line tagged with its host."""
    command = [remote_python, "-c", PROBE, kernel, *modules]
    return ["parallel", "--will-cite", "--nonall", "--tag", "--sshloginfile", str(logins_file),
            "--ssh", str(ssh_wrapper), "--timeout", str(timeout), *map(shlex.quote, command)]


def check_hosts(logins: list[str], workdir: str | Path, ssh: str, remote_python: str, kernel: str, modules: list[str]) -> list[Host]:
    """Probe every host; return [Host] with the problems found on each."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    logins_file = workdir / "check-sshlogins.txt"
    logins_file.write_text("".join(f"1/{Host(login).name}\n" for login in logins))
    wrapper = write_ssh_wrapper(workdir / "ssh-wrapper", ssh)
    try:
        result = subprocess.run(probe_argv(logins_file, wrapper.resolve(), remote_python, kernel, modules),
                                capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise SetupError("GNU parallel is not installed: install it with 'apt-get install parallel'") from None
    return [_judge(Host(login), result.stdout, result.stderr, remote_python, kernel) for login in logins]


def _judge(host, stdout, stderr, remote_python, kernel):
    prefix = f"{host.name}\t"
    for line in stdout.splitlines():
        if line.startswith(prefix) and PROBE_TAG in line:
            host.facts = json.loads(line.split(PROBE_TAG, 1)[1])
    said = " ".join(l[len(prefix):].strip() for l in (stdout + stderr).splitlines() if l.startswith(prefix))
    facts = host.facts
    if not facts:
        host.problems.append(f"no answer: {said or 'ssh failed'}"[:300])
        return host
    for name in ("nbconvert", "ipykernel"):
        if not facts["versions"].get(name):
            host.problems.append(f"{remote_python} has no {name}")
    if facts.get("kernel") is not True:
        host.problems.append(f"kernel {kernel!r} not found ({facts.get('kernel')})"[:200])
    if facts.get("missing"):
        host.problems.append(f"cannot import: {', '.join(facts['missing'])}")
    if host.name != ":" and not facts.get("rsync"):
        host.problems.append("rsync is missing (needed to send inputs and return results)")
    return host


def describe(host: Host) -> str:
    """One line for a host: ok with its facts, or what is missing."""
    facts = host.facts
    if host.ok:
        versions = facts["versions"]
        shell = facts.get("login_shell_seconds")
        return (f"{host.name:<20} ok      python {facts['python']}, nbconvert {versions['nbconvert']}, "
                f"ipykernel {versions['ipykernel']}, {facts['cores']} cores"
                + (f", login shell {shell:.2f} s" if shell is not None else ""))
    return f"{host.name:<20} FAILED  {'; '.join(host.problems)}"


def slow_shells(hosts: list[Host], calls_per_job: int) -> str | None:
    """A warning naming the hosts whose login shell makes every job slower, or None."""
    slow = [h for h in hosts if (h.facts.get("login_shell_seconds") or 0) > SLOW_SHELL_SECONDS]
    if not slow:
        return None
    worst = max(h.facts["login_shell_seconds"] for h in slow)
    return (f"the login shell on {', '.join(h.name for h in slow)} takes up to {worst:.2f} s to start, and "
            f"every ssh call starts it: a job makes {calls_per_job} (send, run, return, clean up), so each "
            f"job pays about {worst * calls_per_job:.1f} s for it. Make ~/.bashrc there return at once for "
            "non-interactive shells: put  [ -z \"$PS1\" ] && return  at its top")


def sshlogins(hosts: list[Host], slots: str = "") -> str:
    """sshloginfile lines for the hosts that passed, with a job-slot count (skips parallel's CPU probe)."""
    lines = []
    for host in hosts:
        if re.match(r"^\d+/", host.login):
            lines.append(host.login)
        else:
            lines.append(f"{slots or host.facts.get('cores') or 1}/{host.login}")
    return "".join(f"{line}\n" for line in lines)
