"""A sweep's progress while GNU parallel runs it: done of total, ok, failed by status, the ETA and
the longest-running value.

It is read from our own records, not from parallel's --bar: the joblog, to which parallel appends
a row as each job ends, and the status record each running job keeps (its start time). It is shown
as one line rewritten in place on a terminal, as a plain line now and then in a log (CI), or as a
display updated in place in Jupyter. The per-job lines run-one prints pass through the same view,
so that they never tear the line that updates in place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from ..collect.joblog import COLUMNS, jobs_of
from .plaintext import for_terminal
from ..runner import status
from ..runner.outcome import EXIT_CODES, Status
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

BY_EXIT = {code: name for name, code in EXIT_CODES.items()}
WINDOW = 64  # jobs, after the last one that ended, whose records are read for "running"


@dataclass
class Snapshot:
    """The sweep as it stands: counts by status of the jobs that ended, and the running ones."""

    total: int
    counts: dict = field(default_factory=dict)
    running: list = field(default_factory=list)   # [(label, seconds)], longest first
    elapsed: float = 0.0

    @property
    def done(self) -> int:
        """How many jobs ended (whatever their status)."""
        return sum(self.counts.values())

    @property
    def eta(self) -> float | None:
        """Seconds left at the pace so far, or None before the first job ends."""
        if not self.done or self.done >= self.total or not self.elapsed:
            return None
        return (self.total - self.done) * self.elapsed / self.done

    def text(self) -> str:
        """'3/10 done: 2 ok, 1 failed (cell-error 1) · 2 running, longest CA 12 s · ETA 0:45'."""
        ok = self.counts.get(Status.OK.value, 0)
        failed = {s: n for s, n in sorted(self.counts.items()) if s != Status.OK.value}
        parts = [f"{self.done}/{self.total} done: {ok} ok"]
        if failed:
            parts[0] += f", {sum(failed.values())} failed ({', '.join(f'{s} {n}' for s, n in failed.items())})"
        if self.running:
            label, seconds = self.running[0]
            parts.append(f"{len(self.running)} running, longest {for_terminal(label)[:30]} {seconds:.0f} s")
        if self.eta is not None:
            parts.append(f"ETA {clock(self.eta)}")
        return " · ".join(parts)


def clock(seconds: float) -> str:
    """Seconds as 0:45, 12:03 or 2:00:05."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Tracker:
    """Reads how far a sweep got: new joblog rows since the last look, and the running jobs' records."""

    def __init__(self, output, jobs, sweep, on_end=None):
        self.output, self.sweep, self.started = os.fspath(output), sweep, time.time()
        self.order = [job.id for job in jobs]
        self.labels = {job.id: job.label() for job in jobs}
        self.ended, self.offset, self.seen = {}, 0, {}
        self.on_end = on_end  # on_end(job_id, state, record) as each job ends (record: its own, of this sweep, or None)

    def poll(self) -> Snapshot:
        """A Snapshot of now."""
        self.check()
        counts = {}
        for state in self.ended.values():
            counts[state] = counts.get(state, 0) + 1
        return Snapshot(len(self.order), counts, self._running(), time.time() - self.started)

    def check(self) -> None:
        """Take in the jobs that ended since the last look (cheap: only new joblog rows are read)."""
        self._read_joblog()

    def _read_joblog(self):
        try:
            with open(os.path.join(self.output, "joblog.tsv"), "rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except OSError:
            return
        complete = data[:data.rfind(b"\n") + 1]  # a row parallel is still writing waits for the next look
        self.offset += len(complete)
        for line in complete.decode("utf-8", "replace").splitlines():
            fields = line.split("\t", len(COLUMNS) - 1)
            job_ids, sweep = jobs_of(fields[-1]) if len(fields) == len(COLUMNS) else ([], None)
            for job_id in job_ids if sweep == self.sweep else ():  # a batch's row ends each of its values
                if job_id in self.labels:
                    record = self._own_record(job_id)
                    self.ended[job_id] = self._status(record, fields[COLUMNS.index("Exitval")])
                    if self.on_end is not None:
                        self.on_end(job_id, self.ended[job_id], record)

    def _own_record(self, job_id):
        """The job's status record when it is this sweep's last word on it, else None."""
        try:
            record = status.read(self.output, job_id)
        except ValueError:
            return None
        if record and record.get("sweep") == self.sweep and record["status"] != Status.RUNNING.value:
            return record
        return None

    def _status(self, record, exitval):
        """The job's own last word when its record is of this sweep, else what its exit code says."""
        if record:
            return record["status"]
        code = int(exitval) if exitval.strip().lstrip("-").isdigit() else None
        if code == 255:
            return Status.TRANSPORT_FAILED.value
        return BY_EXIT.get(code, Status.KILLED.value)

    def _running(self):
        """[(label, seconds)] of the jobs whose record says they run in this sweep, longest first."""
        now, found = time.time(), []
        waiting = [job_id for job_id in self.order if job_id not in self.ended][:WINDOW]
        for job_id in waiting:
            record = self._record(job_id)
            if record and record.get("status") == Status.RUNNING.value and record.get("sweep") == self.sweep:
                found.append((self.labels[job_id], max(0.0, now - (record.get("started") or now))))
        return sorted(found, key=lambda pair: -pair[1])

    def _record(self, job_id):
        """A job's status record, read again only when the file changed."""
        path = status.path_for(self.output, job_id)
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            return None
        if self.seen.get(job_id, (None,))[0] != stamp:
            try:
                self.seen[job_id] = (stamp, status.read(self.output, job_id))
            except ValueError:
                self.seen[job_id] = (stamp, None)
        return self.seen[job_id][1]


class View:
    """Where progress goes; a lock keeps the per-job lines (another thread) and the progress apart.
    A view that ``relays`` has parallel's output piped through ``line``; any other leaves it parallel's
    own stdout, so that parallel and its jobs go on to the end if the sweep's process is killed."""

    interval = 1.0
    relays = False

    def __init__(self, stream=None, out=None):
        self.stream, self.out, self.lock = stream or sys.stderr, out or sys.stdout, threading.Lock()

    def show(self, snapshot: Snapshot) -> None:
        """Show how the sweep stands."""

    def line(self, text: str) -> None:
        """A per-job line of run-one's."""
        with self.lock:
            self.out.write(text)
            self.out.flush()

    def close(self, snapshot: Snapshot) -> None:
        """The sweep's parallel has ended (or was stopped): show the last state."""


class Terminal(View):
    """One line at the bottom of a terminal, rewritten in place; the per-job lines scroll above it."""

    interval = 0.5
    relays = True
    ERASE = "\r\x1b[K"

    def __init__(self, stream=None, out=None):
        super().__init__(stream, out)
        self.shown, self.closed = "", False

    def show(self, snapshot: Snapshot) -> None:
        with self.lock:
            if not self.closed:
                self._draw(snapshot.text())

    def _draw(self, text):
        width = shutil.get_terminal_size((100, 24)).columns - 1  # a wrapped line could not be rewritten
        self.shown = text[:width]
        self.stream.write(self.ERASE + self.shown)
        self.stream.flush()

    def line(self, text: str) -> None:
        with self.lock:
            if self.shown and not self.closed:
                self.stream.write(self.ERASE)
                self.stream.flush()
            self.out.write(text)
            self.out.flush()
            if self.shown and not self.closed:
                self._draw(self.shown)

    def close(self, snapshot: Snapshot) -> None:
        with self.lock:
            if not self.closed:
                self._draw(snapshot.text())
                self.stream.write("\n")
                self.stream.flush()
            self.closed = True


class Plain(View):
    """For a log: a plain line when something changed, at most every ``every`` seconds, and a last one."""

    def __init__(self, stream=None, out=None, every=10.0):
        super().__init__(stream, out)
        self.every, self.last, self.said = every, time.time(), None

    def show(self, snapshot: Snapshot) -> None:
        if time.time() - self.last >= self.every and snapshot.text() != self.said:
            self._say(snapshot)

    def close(self, snapshot: Snapshot) -> None:
        self._say(snapshot)

    def _say(self, snapshot):
        with self.lock:
            self.said, self.last = snapshot.text(), time.time()
            print(f"jupyterstream: progress: {self.said}", file=self.stream, flush=True)


class Notebook(View):
    """In Jupyter: one display, updated in place; the per-job lines stay out of the notebook."""

    relays = True

    def __init__(self, stream=None, out=None):
        from IPython.display import display

        super().__init__(stream, out)
        start = "starting the sweep"
        self.handle = display({"text/plain": start, "text/html": f"<div>{start}</div>"}, raw=True, display_id=True)

    def show(self, snapshot) -> None:
        self.handle.update({"text/plain": snapshot.text(), "text/html": _html(snapshot)}, raw=True)

    def line(self, text) -> None:
        pass

    def close(self, snapshot) -> None:
        self.show(snapshot)


def _html(snapshot):
    import html

    return (f"<div class='jupyterstream-progress'><progress value='{snapshot.done}' max='{snapshot.total}'>"
            f"</progress> {html.escape(snapshot.text())}</div>")


def in_kernel() -> bool:
    """True when called inside a Jupyter kernel (an IPython shell with a kernel)."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return getattr(shell, "kernel", None) is not None


def view_for(kind: str | bool | None = None, stream: TextIO | None = None) -> View:
    """The view for ``kind`` ("terminal", "plain", "notebook", False: none); None picks by where it runs."""
    stream = stream or sys.stderr
    if kind is None:
        kind = "notebook" if in_kernel() else "terminal" if _isatty(stream) else "plain"
    views = {"terminal": Terminal, "plain": Plain, "notebook": Notebook, False: View}
    return views[kind](stream)


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def follow(process: subprocess.Popen, feed: str, tracker: Tracker, view: View, tick: float | None = None) -> None:
    """Give parallel its job ids, pass its output through ``view`` and show progress until it ends.
    With ``tick`` (seconds, shorter than the view's interval), the jobs that ended are taken in that
    often (FAIL_FAST wants to know soon), and progress is still shown at the view's pace."""
    threading.Thread(target=_feed, args=(process.stdin, feed), daemon=True).start()
    reader = threading.Thread(target=_relay, args=(process.stdout, view), daemon=True)
    if process.stdout is not None:
        reader.start()
    tick, shown = min(tick or view.interval, view.interval), time.time()
    try:
        while True:
            try:
                process.wait(timeout=tick)
                break
            except subprocess.TimeoutExpired:
                tracker.check()
            if time.time() - shown >= view.interval - tick / 2:
                view.show(tracker.poll())
                shown = time.time()
        if reader.is_alive():
            reader.join(timeout=10)  # the last jobs' lines
    finally:
        view.close(tracker.poll())


def _feed(pipe, text):
    try:
        pipe.write(text)
        pipe.close()
    except (BrokenPipeError, OSError, ValueError):
        pass  # parallel ended (or was stopped) before reading every id


def _relay(pipe, view):
    for line in iter(pipe.readline, ""):
        view.line(line)
