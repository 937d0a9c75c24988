"""One job, as GNU parallel runs it through bin/run-one: nbconvert plus a status record.

    run-one OUTPUT JOB_ID [--job-timeout S] [--attempts N] ... -- jupyter nbconvert --execute ...

(every option, and how the planner writes them: runner/argv.py).

Standard library only, so that it runs on an SSH host that has only Python and Jupyter.
Whatever happens, the job leaves OUTPUT/runs/JOB_ID.ipynb (complete or partial, when nbconvert
got as far as a kernel) and, written last, OUTPUT/status/JOB_ID.json. Exit codes: outcome.EXIT_CODES.
"""

import hashlib
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from . import exclusive, reaper, resources, status
from .argv import parse as parse_argv
from .reaper import kill_leftovers
from .atomic import replace_file
from .classify import ANSI, classify, memory_verdict
from .layout import LOGS, RUNS, STATUS, Layout
from .outcome import ENV_LIMIT, env_can_hold  # noqa: F401 (ENV_LIMIT: this module's API too)
# Every process of a job (nbconvert, the kernel, whatever a cell starts) inherits TOKEN, so the job
# can find and stop what a notebook left running in the background.
from .outcome import CWD_ENV, JOB_ENV, META_KEY, NOT_RETRYABLE, PARTIAL_ENV, TMPDIR_ENV, TOKEN_ENV as TOKEN, Status, exit_code
from .rundir import RunFolder

GRACE_SECONDS = 3.0


def main(argv: "list[str] | None" = None, started: "float | None" = None) -> int:
    """Run one job and return its exit code."""
    args = parse_argv(sys.argv[1:] if argv is None else argv)
    _sweeps_tmpdir()
    reaper.become_subreaper()
    job = Job(args.output, args.job_id, args.command, args.job_timeout, started)
    job.sweep, job.cwd, job.warm = args.sweep, args.cwd, args.warm_kernels
    job.memory_limit = args.memory_limit
    if not args.cwd:  # the kernel works in a run folder of its own; its files come home to OUTPUT/files/
        job.rundir = RunFolder(args.output, args.job_id, args.inputs, args.notebook_dir, args.files_limit, args.mirror)
    try:
        code = job.run(args.attempts)
    except Exception as exc:  # a bug or an unwritable folder here must still leave a status record
        record = {"job": args.job_id, "sweep": args.sweep, "host": status.host_name(), "started": job.started,
                  "status": Status.JOB_ERROR.value, "message": f"run-one failed: {type(exc).__name__}: {exc}"}
        code = job._finish(record, None)
    for path in args.discard:
        shutil.rmtree(path, ignore_errors=True)
    job.release()
    not_retryable = code in NOT_RETRYABLE or (job.rundir is not None and job.rundir.refused)
    return 0 if args.retryable_only and not_retryable else code


def _sweeps_tmpdir():
    """Give this job (nbconvert, the kernel) the TMPDIR its sweep was started with: GNU parallel's
    --tmpdir (the sweep's own OUTPUT/.scratch/) replaced it in every job parallel starts here."""
    if TMPDIR_ENV not in os.environ:
        return  # over SSH, or run by hand: TMPDIR is this host's own
    value = os.environ.pop(TMPDIR_ENV)
    if value:
        os.environ["TMPDIR"] = value
    else:
        os.environ.pop("TMPDIR", None)
    tempfile.tempdir = None  # read again on the next gettempdir()


class Job:
    """One job's files, child process and signal handling."""

    def __init__(self, output, job_id, command, job_timeout, started=None):
        self.output, self.id, self.command, self.job_timeout = output, job_id, command, job_timeout
        layout = Layout(output)
        self.input, self.final, self.partial = layout.input(job_id), layout.run(job_id), layout.partial(job_id)
        self.log = layout.log(job_id)
        self.child, self.stopped_by, self.sweep, self.cwd, self.warm = None, None, "", None, False
        self.rundir, self.memory_limit, self.oom_kills = None, 0, None
        self.started = started or time.time()
        self.token = f"{job_id}-{os.getpid()}-{random.getrandbits(48):x}"
        self.lock = None

    def run(self, attempts: int) -> int:
        """Execute, retrying a kernel that cannot start, and record the outcome."""
        for sub in (RUNS, STATUS, LOGS):
            os.makedirs(Layout(self.output).folder(sub), exist_ok=True)
        base = {"job": self.id, "sweep": self.sweep, "host": status.host_name(), "pid": os.getpid(),
                "started": self.started}
        self.lock, verdict = exclusive.enter(self, base["host"])
        if verdict is not None:
            return verdict
        try:
            meta = _read_meta(self.input)
        except (OSError, ValueError) as exc:
            message = f"cannot read {self.input}: {exc}"
            return self._finish(dict(base, status=Status.JOB_ERROR.value, message=message), None)
        base["identity"] = meta.get("identity")
        if meta.get("rerun"):
            base["rerun"] = meta["rerun"]
        if exclusive.already_ok(self, base["identity"], meta.get("rerun")):
            return 0
        status.write(self.output, self.id, dict(base, status=Status.RUNNING.value))
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        threading.Thread(target=self._watch_hangup, daemon=True).start()
        if self.rundir is not None:
            self.cwd = self.rundir.make(self._planned_folder(meta))
        env = self._environment(meta)
        self._warm_environment(env)
        for attempt in range(1, max(attempts, 1) + 1):
            record, nb = self._attempt(env)
            record.update(base, attempts=attempt)
            if record["status"] != Status.COULD_NOT_START.value or self.stopped_by or attempt == attempts:
                return self._finish(record, nb)
            time.sleep(0.5 * attempt + random.random())
        raise AssertionError("unreachable")

    def _environment(self, meta):
        env = dict(os.environ)
        for name, text in meta.get("environment", {}).items():
            # The kernel gets every value in its injected cell; an environment variable cannot hold a
            # NUL, and the kernel caps one at 128 KiB, so such values are left out of the environment.
            if "=" not in name and env_can_hold(text):
                env[name] = text
        cwd = self.cwd or self._planned_folder(meta)
        env[CWD_ENV] = os.path.abspath(cwd if os.path.isdir(cwd) else os.getcwd())
        env[PARTIAL_ENV] = self.partial
        env[JOB_ENV] = self.id
        env[TOKEN] = self.token
        if self.memory_limit:
            env[resources.LIMIT_ENV] = str(self.memory_limit)
        # The kernels of the Python that runs this job come first, before any user-wide ones.
        kernels = os.path.join(sys.prefix, "share", "jupyter")
        env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [kernels, env.get("JUPYTER_PATH")]))
        here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
        # nbconvert otherwise builds every exporter it has, twice, only to list their names in its
        # help text: a quarter of its start-up. A job always asks for `--to notebook`.
        env.setdefault(NBCONVERT_QUICK_START, "1")
        return env

    def _planned_folder(self, meta):
        """The notebook's folder as the plan recorded it (relative to the input notebook's folder)."""
        return os.path.normpath(os.path.join(os.path.dirname(self.input), meta.get("cwd", ".")))

    def _attempt(self, env):
        _remove_partial(self.partial)
        with open(self.log, "ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(self.command)}\n".encode())
            log.flush()
            self.oom_kills = resources.oom_kills()
            # nbconvert shares the job's lock and dies with run-one, so a killed job frees its value
            self.child = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                          env=env, start_new_session=True, pass_fds=(self.lock.fileno(),),
                                          preexec_fn=reaper.die_with_parent_hook())
            code = self.child.wait()
        left = kill_leftovers(env[TOKEN]) + reaper.end_descendants()
        if left:
            with open(self.log, "ab") as log:
                log.write(f"--- killed {left} process(es) the notebook left running\n".encode())
        nb = _load(self.partial)
        return self._with_kernel_field(self._classify(code, nb)), nb

    # Warm kernels (runner/warm/): the flag to nbconvert's kernel manager, and which kernel a run got.
    def _kernel_note(self):
        return Layout(self.output).kernel_note(self.id)

    def _warm_environment(self, env):
        if self.warm:
            from .warm.jobside import prepare
            prepare(env, self.input, self.sweep, self._kernel_note())

    def _with_kernel_field(self, record):
        from .warm.jobside import kernel_field
        kernel = kernel_field(self.warm, self._kernel_note())
        if kernel:
            record["kernel"] = kernel
        return record

    def _classify(self, code, nb):
        timed_out = bool(self.job_timeout) and time.time() - self.started >= self.job_timeout * 0.9
        lines = [line for line in _tail(self.log).splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "no output"
        if "No space left on device" in last:
            last = f"cannot write {self.partial}: No space left on device"
        record = classify(code, nb, self.stopped_by, timed_out, f"{last} (all of it in {self.log})", self.partial)
        if timed_out and self.stopped_by:
            record["message"] += f" after the job timeout of {self.job_timeout:g} s"
        record["nbconvert_exit"] = code
        execution = (nb or {}).get("metadata", {}).get("jupyterstream", {}).get("execution", {})
        if "kernel_ready_at" in execution:
            record["kernel_ready"] = round(execution["kernel_ready_at"] - self.started, 3)
        self._with_usage(record, execution)
        return record

    def _with_usage(self, record, execution):
        """The kernel's peak memory and CPU seconds, each cell's share, and what they say of its end."""
        usage = execution.get("usage") if isinstance(execution.get("usage"), dict) else {}
        record.update({k: usage[k] for k in ("max_rss_mb", "cpu_s") if isinstance(usage.get(k), (int, float))})
        if isinstance(execution.get("per_cell"), list):
            record["cells"] = execution["per_cell"]
        after = resources.oom_kills()
        oom_killed = None not in (after, self.oom_kills) and after > self.oom_kills
        memory_verdict(record, self.memory_limit, oom_killed)

    def release(self) -> None:
        """Let the next job of this value run (nbconvert, if it outlived us, still holds the lock)."""
        if self.lock is not None:
            self.lock.close()

    def _finish(self, record, nb):
        if self.rundir is not None:
            self.rundir.bring_home(record)
        record["ended"] = time.time()
        record["duration"] = round(record["ended"] - self.started, 3)
        if nb is not None:
            identity = nb.get("metadata", {}).get("jupyterstream", {}).get("identity")
            if isinstance(identity, str):  # what nbconvert really ran, should the input have been restaged
                record["identity"] = identity
            nb.setdefault("metadata", {}).setdefault(META_KEY, {})["run"] = {
                k: record.get(k) for k in ("status", "host", "started", "ended", "duration", "attempts")}
            data = (json.dumps(nb, indent=1, ensure_ascii=True) + "\n").encode()
            try:
                replace_file(self.final, data)
                record.update(notebook=Layout().run(self.id), notebook_sha256=hashlib.sha256(data).hexdigest())
            except OSError as exc:
                record.update(status=Status.JOB_ERROR.value, message=f"cannot write {self.final}: {exc.strerror or exc}")
            _remove_partial(self.partial)
        if nb is None:
            _remove_partial(self.partial)  # unreadable (say, cut short by a full disk): make room for the record
        record["exit_code"] = exit_code(record["status"])
        record["log"] = Layout().log(self.id)
        try:
            status.write(self.output, self.id, record)
        except OSError as exc:
            print(f"run-one: {self.id}: cannot write its status record: {exc}", file=sys.stderr)
            return exit_code(Status.JOB_ERROR)
        try:
            print(f"{record['status']:<15} {self.id}  {record['duration']:.1f}s  {record.get('host', '')}", flush=True)
        except OSError:  # nobody reads it any more (a sweep that hung up): the record says it all
            pass
        return record["exit_code"]

    def _watch_hangup(self):
        """Stop the job when whoever reads its output has gone. Over SSH that is how a job learns
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
                    self._stop("hangup (the sweep that started this job has gone)")
                    return

    def _on_signal(self, signum, frame):
        self._stop(signal.Signals(signum).name)

    def _stop(self, reason):
        self.stopped_by = self.stopped_by or reason
        child = self.child
        if child is None or child.poll() is not None:
            return
        _kill(child.pid, signal.SIGTERM)
        deadline = time.time() + GRACE_SECONDS
        while child.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        _killpg(child.pid)


NBCONVERT_QUICK_START = "NBCONVERT_DISABLE_CONFIG_EXPORTERS"


def _read_meta(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle).get("metadata", {}).get("jupyterstream", {})


def _load(path):
    try:
        with open(path, encoding="utf-8") as handle:
            nb = json.load(handle)
        return nb if isinstance(nb, dict) and isinstance(nb.get("cells"), list) else None
    except (OSError, ValueError):
        return None


def _tail(path, lines=15):
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.path.getsize(path) - 8000))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(ANSI.sub("", text).splitlines()[-lines:])


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


def _remove_partial(path):
    """Remove the partial notebook, and the temporary file of a save that was killed midway."""
    folder, name = os.path.split(path)
    for entry in os.listdir(folder or "."):
        if entry == name or (entry.startswith(f"{name}.") and entry.endswith(".tmp")):
            _remove(os.path.join(folder, entry))


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
