"""Several values in one GNU parallel job: one nbconvert runs their notebooks in turn, each its own job.

    run-one OUTPUT ID1 ID2 ... [options] -- jupyter nbconvert --execute ... inputs/ID1.ipynb inputs/ID2.ipynb

Each value keeps what a one-value job gives it: its own lock (taken before anything runs), its own
kernel (warm or cold, started by nbconvert for its notebook), token, run folder, environment and log
(batchside.py switches them in nbconvert before each notebook), and its own status record, written
as soon as its notebook is saved. The job timeout applies to each value: a watchdog here stops
nbconvert when the running value passes it. nbconvert stops at the first notebook that fails; that
value alone is recorded as failed, and a new nbconvert runs the values not yet started. A stop of
the job itself (a signal, a hangup) ends the running value as interrupted and leaves the values not
yet started as they were, for the next run. Standard library only.
"""

import json
import os
import random
import select
import signal
import subprocess
import threading
import time

from . import reaper
from .batchside import BATCH_ENV, EVENTS_ENV
from .stopping import stop_child, watch_hangup
from .layout import INPUTS, LOGS, Layout
from .outcome import TOKEN_ENV, Status

TICK = 0.25  # seconds between the watchdog's looks at the running value's clock
# The input word of a batch's nbconvert command, in OUTPUT/inputs/: run-one puts there the staged notebook
# of each id it was given (inputs_of), so that no word but the ids themselves goes through parallel's
# replacement. A name no job id can have (ids never start with '.').
BATCH_INPUTS = ".batch-inputs.ipynb"


class Batch:
    """The values of one run-one call, run by as few nbconvert processes as their outcomes allow."""

    def __init__(self, jobs, command, job_timeout, attempts):
        self.jobs, self.command, self.job_timeout = jobs, command, job_timeout
        self.attempts = max(attempts, 1)
        self.stopped_by, self.child, self.current = None, None, None
        self.codes = {}
        self.token = f"batch-{os.getpid()}-{random.getrandbits(48):x}"

    def run(self):
        """Run every value; return their exit codes, in the order of the ids."""
        pending = [job for job in self.jobs if self._prepared(job)]
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        threading.Thread(target=watch_hangup, args=(self._stop,), daemon=True).start()
        while pending and not self.stopped_by:
            pending = self._round(pending)
        for job in pending:  # never started (the job was stopped): left for the next run, as they were
            if job.rundir is not None:
                job.rundir.discard()
        return [self.codes.get(job.id, 0) for job in self.jobs]

    def _prepared(self, job):
        """True when the value is to run; else its exit code is known already."""
        job.attempt = 0
        try:
            verdict = job.prepare()
        except Exception as exc:  # one value's bad folder or input must not stop the others
            verdict = job.failed(exc)
        if verdict is not None:
            self.codes[job.id] = verdict
        return verdict is None

    def _round(self, pending):
        """One nbconvert over ``pending``; the values it did not start (to run in the next round)."""
        first, spec_path = pending[0], os.path.join(Layout(pending[0].output).folder(LOGS), f".batch-{os.getpid()}.json")
        env = dict(first.env, **{TOKEN_ENV: self.token, BATCH_ENV: spec_path})
        _write_spec(spec_path, env, pending)
        for job in pending:
            job.clear_partial()
            job.write_header()
        read_end, write_end = os.pipe()
        env[EVENTS_ENV] = str(write_end)
        with open(first.log, "ab") as log:
            self.child = subprocess.Popen(
                inputs_of(self.command, first.output, [j.id for j in pending]), stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, env=env, start_new_session=True,
                pass_fds=(write_end, *(j.lock.fileno() for j in pending)), preexec_fn=reaper.die_with_parent_hook())
        os.close(write_end)
        started, ended = self._follow(read_end, {j.id: j for j in pending})
        code = self.child.wait()
        _unlink(spec_path)
        return self._after(pending, started, ended, code)

    def _follow(self, read_end, by_id):
        """Read nbconvert's events until it exits, finishing each value once the next one starts, and
        stopping nbconvert when the running value passes the job timeout; (started, ended) values."""
        started, ended, buffer = [], [], b""
        with os.fdopen(read_end, "rb", buffering=0) as events:
            while True:
                ready = select.select([events], [], [], TICK)[0]
                data = events.read(65536) if ready else b""
                if ready and not data:
                    break  # nbconvert has exited
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    self._event(line.decode(errors="replace").split(), by_id, started, ended)
                self._watchdog()
                if not ready and self.child.poll() is not None:
                    break
        return started, ended

    def _event(self, words, by_id, started, ended):
        if len(words) >= 2 and words[1] in by_id:
            job = by_id[words[1]]
            if words[0] == "start":
                self._finish_ended(ended)
                job.attempt += 1
                job.child = self.child
                job.begin(float(words[2]) if len(words) > 2 else time.time())
                started.append(job)
                self.current = job
            elif words[0] == "end" and job is self.current:
                ended.append(job)
                self.current = None

    def _finish_ended(self, ended):
        """Record the values whose notebooks ran whole: nbconvert has written them by now."""
        for job in ended:
            if job.id not in self.codes:
                job.end_leftovers()
                record, nb = job.outcome(0)
                self.codes[job.id] = job._finish(dict(record, **job.base, attempts=job.attempt), nb)

    def _watchdog(self):
        job = self.current
        if job is not None and self.job_timeout and time.time() - job.started >= self.job_timeout:
            job.stopped_by = job.stopped_by or "run-one's watchdog"
            stop_child(self.child)

    def _after(self, pending, started, ended, code):
        """Record what this nbconvert ran; return the values still to run (a kernel that could not start
        first again, while it has attempts left)."""
        leftovers = reaper.end_descendants()
        self._finish_ended(ended)
        again = []
        if self.current is not None:
            job, self.current = self.current, None
            job.end_leftovers(leftovers)
            record, nb = job.outcome(code)
            if record["status"] == Status.COULD_NOT_START.value and not self.stopped_by and job.attempt < self.attempts:
                time.sleep(0.5 * job.attempt + random.random())
                again = [job]
            else:
                self.codes[job.id] = job._finish(dict(record, **job.base, attempts=job.attempt), nb)
        elif not started and not self.stopped_by:
            self._none_started(pending, code)
            return []
        return again + [job for job in pending if job not in started]

    def _none_started(self, pending, code):
        """nbconvert failed before its first notebook (a bad option, a broken install): every value
        failed the same way, each with its own record."""
        for job in pending:
            job.begin()
            job.attempt = 1
            record, nb = job.outcome(code)
            self.codes[job.id] = job._finish(dict(record, **job.base, attempts=1), nb)

    def _on_signal(self, signum, frame):
        self._stop(signal.Signals(signum).name)

    def _stop(self, reason):
        self.stopped_by = self.stopped_by or reason
        if self.current is not None:
            self.current.stopped_by = self.current.stopped_by or reason
        stop_child(self.child)


def with_inputs(command, output, ids):
    """The command run-one was given, with the ids' staged notebooks where a batch's BATCH_INPUTS stands
    (a one-value job's command names its notebook itself, and is left as it is)."""
    if not any(os.path.basename(word) == BATCH_INPUTS for word in command):
        return command
    return inputs_of(command, output, ids)


def inputs_of(command, output, ids):
    """The nbconvert command with the staged notebooks of ``ids`` as its inputs, in their order."""
    layout = Layout(output)
    folder = os.path.normpath(layout.folder(INPUTS))
    words = [w for w in command if not (w.endswith(".ipynb") and os.path.dirname(os.path.normpath(w)) == folder)]
    return words + [layout.input(i) for i in ids]


def _write_spec(path, env, jobs):
    """The batch file batchside.py reads: each value's environment (as it differs from nbconvert's) and log."""
    values = {}
    for job in jobs:
        values[job.id] = {"env": {k: v for k, v in job.env.items() if env.get(k) != v},
                          "unset": [k for k in env if k not in job.env and k not in (TOKEN_ENV, BATCH_ENV)],
                          "log": os.path.abspath(job.log)}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"values": values}, handle)
    return path



def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass
