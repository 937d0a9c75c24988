"""Helpers for the fault-injection tests: run the real CLI with every process it starts marked,
so that a test can find (and kill, by PID) all of them afterwards, orphans and escapees included.

Each sweep gets an environment variable JS_FAULT_TAG=<random>. GNU parallel, bin/run-one,
nbconvert, the kernel and anything a notebook cell starts inherit it, whatever process group or
session they end up in, so /proc/*/environ finds them all; other people's processes on the same
machine are never touched.
"""

import json
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import pytest

from support import CLI, REPO

TAG = "JS_FAULT_TAG"


def new_tag():
    """A fresh tag for one test's processes."""
    return secrets.token_hex(8)


def tagged_env(tag, **extra):
    """os.environ plus the tag (and ``extra``)."""
    env = dict(os.environ)
    env[TAG] = tag
    env.update({k: str(v) for k, v in extra.items()})
    return env


def tagged_pids(tag):
    """PIDs of live processes carrying the tag (zombies have no environment and are not listed)."""
    needle = f"{TAG}={tag}".encode()
    found = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.add(int(entry.name))
        except OSError:
            continue
    return found


def describe(pids):
    """'pid: command line' for each PID, for assertion messages."""
    lines = []
    for pid in sorted(pids):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmd = "(gone)"
        lines.append(f"{pid}: {cmd[:160]}")
    return "\n".join(lines)


def wait_until_gone(tag, timeout, keep=()):
    """Wait up to ``timeout`` s for every tagged process (except ``keep``) to exit; return the rest."""
    deadline = time.monotonic() + timeout
    while True:
        left = tagged_pids(tag) - set(keep)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def kill_tagged(tag, timeout=10):
    """SIGKILL every tagged process, one PID at a time, until none is left (a machine crash)."""
    deadline = time.monotonic() + timeout
    while True:
        pids = tagged_pids(tag)
        if not pids or time.monotonic() > deadline:
            return pids
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


class Cli:
    """One `jupyterstream` process in its own session, output to files (never to pipes that an
    orphaned GNU parallel would keep open), with every descendant tagged."""

    def __init__(self, args, tag, logdir, env=None, name="cli"):
        self.tag = tag
        logdir = Path(logdir)
        logdir.mkdir(parents=True, exist_ok=True)
        self.out_path, self.err_path = logdir / f"{name}.out", logdir / f"{name}.err"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen([str(CLI), *map(str, args)], cwd=REPO, stdin=subprocess.DEVNULL,
                                            stdout=out, stderr=err, env=env or tagged_env(tag),
                                            start_new_session=True)
        self.pid = self.process.pid

    def wait(self, timeout):
        """Wait for the CLI; on timeout kill everything tagged and fail loudly."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tagged(self.tag)
            self.process.wait()
            raise AssertionError(f"jupyterstream did not finish within {timeout} s; stderr:\n{self.stderr}") from None

    def signal(self, signum):
        self.process.send_signal(signum)

    @property
    def stdout(self):
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self):
        return self.err_path.read_text(errors="replace")


def run_tagged(args, tag, logdir, timeout=180, env=None, name="cli"):
    """Run the CLI to the end (bounded); return (exit code, stdout, stderr)."""
    cli = Cli(args, tag, logdir, env=env, name=name)
    code = cli.wait(timeout)
    return code, cli.stdout, cli.stderr


def mount_tmpfs(mount, options):
    """Mount a tmpfs with these options at ``mount``; skip only when not root (mounting needs it),
    and fail when a mount as root fails."""
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0 and os.geteuid() != 0:
        pytest.skip(f"mounting a tmpfs needs root (CI and make test run as root): {result.stderr.strip()}")
    assert result.returncode == 0, f"mount failed as root: {result.stderr.strip()}"


def fill(folder, leave=0):
    """Fill the disk, leaving about ``leave`` bytes free."""
    with open(folder / f"filler-{leave}", "wb") as handle:
        try:
            while True:
                stat = os.statvfs(folder)
                free = stat.f_bavail * stat.f_frsize - leave
                if free <= 0:
                    return
                handle.write(b"\0" * min(free, 65536))
                handle.flush()
        except OSError:
            pass


def plan_jobs(output):
    """The jobs of OUTPUT/plan.json."""
    return json.loads((Path(output) / "plan.json").read_text())["jobs"]


def status_of(output, job_id):
    """A job's status record, or None."""
    path = Path(output) / "status" / f"{job_id}.json"
    return json.loads(path.read_text()) if path.exists() else None


def counts(counter_dir):
    """How many times each value's notebook reached its counting cell (faults.ipynb)."""
    return {p.stem: len(p.read_text()) for p in Path(counter_dir).glob("*.count")}


def leftovers(output):
    """Temporary and partial files in runs/ and status/."""
    return sorted(str(p.relative_to(output)) for sub in ("runs", "status") for p in (Path(output) / sub).glob(".*"))
