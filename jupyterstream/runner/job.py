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
from .batch import Batch, with_inputs
from .rundir import RunFolder
from .stopping import stop_child, watch_hangup



def main(argv: "list[str] | None" = None, started: "float | None" = None) -> int:
    """Run one job (or, given several ids, a batch of them: runner/batch.py) and return its exit code."""
    args = parse_argv(sys.argv[1:] if argv is None else argv)
    _sweeps_tmpdir()
    reaper.become_subreaper()
    args.command = with_inputs(args.command, args.output, args.job_ids)  # a batch's notebooks, by id
    jobs = [make_job(args, job_id, started) for job_id in args.job_ids]
    if len(jobs) > 1:
        codes = Batch(jobs, args.command, args.job_timeout, args.attempts).run()
    else:
        codes = [_run_alone(jobs[0], args.attempts)]
    for path in args.discard:
        shutil.rmtree(path, ignore_errors=True)
    for job in jobs:
        job.release()
    failed = [(code, job) for code, job in zip(codes, jobs) if code]
    if args.retryable_only:
        failed = [(c, j) for c, j in failed if not (c in NOT_RETRYABLE or (j.rundir is not None and j.rundir.refused))]
    return failed[0][0] if failed else 0


def make_job(args, job_id, started=None):
    """One value's Job, as run-one's options describe it."""
    job = Job(args.output, job_id, args.command, args.job_timeout, started)
    job.sweep, job.cwd, job.warm = args.sweep, args.cwd, args.warm_kernels
    job.memory_limit = args.memory_limit
    if not args.cwd:  # the kernel works in a run folder of its own; its files come home to OUTPUT/files/
        job.rundir = RunFolder(args.output, job_id, args.inputs, args.notebook_dir, args.files_limit, args.mirror)
    return job


def _run_alone(job, attempts):
    try:
        return job.run(attempts)
    except Exception as exc:  # a bug or an unwritable folder here must still leave a status record
        return job.failed(exc)


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
        self.lock, self.base, self.env = None, {}, {}

    def run(self, attempts: int) -> int:
        """Execute, retrying a kernel that cannot start, and record the outcome."""
        verdict = self.prepare()
        if verdict is not None:
            return verdict
        self.begin()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        threading.Thread(target=watch_hangup, args=(self._stop,), daemon=True).start()
        for attempt in range(1, max(attempts, 1) + 1):
            record, nb = self._attempt(self.env)
            record.update(self.base, attempts=attempt)
            if record["status"] != Status.COULD_NOT_START.value or self.stopped_by or attempt == attempts:
                return self._finish(record, nb)
            time.sleep(0.5 * attempt + random.random())
        raise AssertionError("unreachable")

    def prepare(self):
        """Take the value's lock and make its run folder and environment; None when it is to run, else
        the exit code it ends with already (ok elsewhere, unreadable input, a lock never freed)."""
        for sub in (RUNS, STATUS, LOGS):
            os.makedirs(Layout(self.output).folder(sub), exist_ok=True)
        self.base = base = {"job": self.id, "sweep": self.sweep, "host": status.host_name(), "pid": os.getpid(),
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
        if self.rundir is not None:
            self.cwd = self.rundir.make(self._planned_folder(meta))
        self.env = self._environment(meta)
        self._warm_environment(self.env)
        return None

    def begin(self, started=None):
        """The value starts running now: say so in its status record."""
        if started is not None:
            self.started = self.base["started"] = started
        status.write(self.output, self.id, dict(self.base, status=Status.RUNNING.value))

    def failed(self, exc):
        """Record a failure of run-one itself (a bug, an unwritable folder) as the value's job error."""
        record = {"job": self.id, "sweep": self.sweep, "host": status.host_name(), "started": self.started,
                  "status": Status.JOB_ERROR.value, "message": f"run-one failed: {type(exc).__name__}: {exc}"}
        return self._finish(record, None)

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
        self.write_header()
        with open(self.log, "ab") as log:
            self.oom_kills = resources.oom_kills()
            # nbconvert shares the job's lock and dies with run-one, so a killed job frees its value
            self.child = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                          env=env, start_new_session=True, pass_fds=(self.lock.fileno(),),
                                          preexec_fn=reaper.die_with_parent_hook())
            code = self.child.wait()
        self.end_leftovers(reaper.end_descendants())
        return self.outcome(code)

    def end_leftovers(self, already=0):
        """End what the value's notebook left running (found by its token); say so in its log."""
        left = kill_leftovers(self.token) + already
        if left:
            with open(self.log, "ab") as log:
                log.write(f"--- killed {left} process(es) the notebook left running\n".encode())

    def outcome(self, code):
        """(record fields, notebook) of an attempt that nbconvert ended with ``code``."""
        nb = _load(self.partial)
        return self._with_kernel_field(self._classify(code, nb)), nb

    def clear_partial(self):
        """Remove what an earlier attempt left of the partial notebook."""
        _remove_partial(self.partial)

    def write_header(self):
        """The log's line that an attempt starts, with the command it runs."""
        with open(self.log, "ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(self.command)}\n".encode())

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
        if "No space left on device" in last or (code and nb is None and _disk_full(self.partial)):
            # a full disk may not even let the log say so: its free space tells
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

    def _on_signal(self, signum, frame):
        self._stop(signal.Signals(signum).name)

    def _stop(self, reason):
        self.stopped_by = self.stopped_by or reason
        stop_child(self.child)


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


FULL_BELOW = 256 * 1024  # bytes free under which a disk counts as full (a notebook rarely fits in less)


def _disk_full(path):
    """True when the disk that holds ``path``'s folder has less than FULL_BELOW bytes free for us."""
    try:
        stats = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < FULL_BELOW


def _tail(path, lines=15):
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.path.getsize(path) - 8000))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(ANSI.sub("", text).splitlines()[-lines:])


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
