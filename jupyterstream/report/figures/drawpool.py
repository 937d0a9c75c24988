"""Charts drawn in worker processes, each drawing within a time limit enforced from outside.

A worker (``python -m jupyterstream.report.figures.drawpool``) reads one job a line on stdin, ``[key, kind, spec]``,
and answers a line each on stdout: ``{"key", "ready"}`` once its renderer is up (draw.prepare), then
``{"key", "png"}`` (base64) or ``{"key", "error", "lasting"}``. It is given one job at a time and
waited for at most ``limit()`` seconds; a worker that is late or dies is SIGKILLed with every process
that carries its token in its environment (the Chromium that kaleido starts in a session of its
own among them), and its private TMPDIR (browser profiles, pages) is removed. Nothing a worker
started is left running once ``draw_each`` returns, however it returns.

The renderer's start and the drawing each have the limit. What fails before the renderer is ready is
this machine's (no browser, one that never answers, a library not installed): every other chart of
that kind gets the same reason at once, without being tried, and drawn.py draws them again at the
next collect. What fails after is the spec's, but a drawing stopped at the limit (TimedOut) may
have met a busy machine: drawn.py gives it one more chance.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

from . import draw
from ...errors import JupyterstreamError
from ...runner import reaper
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

LIMIT = 45
LIMIT_ENV = "JUPYTERSTREAM_DRAW_TIMEOUT"  # seconds one drawing may take
TOKEN_ENV = "JUPYTERSTREAM_DRAW_TOKEN"    # carried by every process of a worker, to end them all
PARENT_ENV = "JUPYTERSTREAM_DRAW_PARENT"  # the collector's PID: a worker dies with it
KILL_ROUNDS = 250  # 5 s at most


class TimedOut(draw.RenderError):
    """A drawing stopped at the time limit, after its renderer was ready."""

    def __init__(self, seconds):
        super().__init__(f"drawing it took longer than {seconds:g} s, so it was stopped", lasting=False)


def limit() -> int:
    """Seconds one drawing may take: $JUPYTERSTREAM_DRAW_TIMEOUT, else LIMIT."""
    text = os.environ.get(LIMIT_ENV, "").strip()
    if not text:
        return LIMIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):  # NaN fails this too
        raise JupyterstreamError(f"{LIMIT_ENV}={text!r} is not a number of seconds above 0: set it to the "
                                 f"seconds one chart may take to draw (default {LIMIT}), or unset it")
    return seconds


def draw_each(jobs: list[tuple], workers: int, seconds: float | None = None) -> Iterator:
    """Yield (key, PNG bytes or draw.RenderError) for each (key, kind, spec) of ``jobs``, drawn by
    up to ``workers`` processes, none given more than ``seconds`` (default ``limit()``) for one."""
    seconds = limit() if seconds is None else seconds
    todo, broken, pool = deque(jobs), {}, []
    try:
        while todo or any(worker.job for worker in pool):
            yield from _hand_out(todo, broken, pool, workers)
            yield from _gather(pool, broken, seconds)
    finally:
        for worker in pool:
            worker.end()


def _hand_out(todo, broken, pool, workers):
    """Give each idle worker its next job, starting workers up to ``workers``; yield the jobs of a
    kind whose renderer cannot start here with that reason, without trying them."""
    while todo:
        key, kind, spec = todo[0]
        if kind in broken:
            todo.popleft()
            yield key, broken[kind]
            continue
        idle = next((worker for worker in pool if worker.job is None), None)
        if idle is None and len(pool) < workers:
            idle = Worker()
            pool.append(idle)
        if idle is None:
            return
        idle.give(todo.popleft())


def _gather(pool, broken, seconds):
    """Wait for an answer or the first deadline; yield each job that ended, ending the workers that
    were late or died."""
    busy = [worker for worker in pool if worker.job]
    if not busy:
        return
    wait = min(worker.started for worker in busy) + seconds - time.monotonic()
    with selectors.DefaultSelector() as selector:
        for worker in busy:
            selector.register(worker.process.stdout, selectors.EVENT_READ, worker)
        answered = {key.data for key, _ in selector.select(max(0.0, wait))}
    for worker in busy:
        key, kind, _ = worker.job
        made = worker.answer() if worker in answered else None
        if made is None and (worker.gone or time.monotonic() - worker.started >= seconds):
            made = _failed(worker, seconds)
            pool.remove(worker)
        if made is None:
            continue
        worker.job = None
        if isinstance(made, draw.RenderError) and not worker.ready:
            broken[kind] = made
        if worker.gone and worker in pool:  # it answered, then ended: a new one takes the next job
            worker.end()
            pool.remove(worker)
        yield key, made


def _failed(worker, seconds):
    """End a worker that was late or died, and say why its drawing failed: this machine's (not
    lasting) when its renderer never got ready, the spec's when it was drawing."""
    key, kind, _ = worker.job
    late = not worker.gone
    worker.end()
    code = worker.process.returncode
    how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit {code}"
    if not worker.ready:
        return draw.RenderError(draw.stalled(kind, f"within {seconds:g} s" if late else f"({how})"),
                                lasting=False)
    if late:
        return TimedOut(seconds)
    return draw.RenderError(f"the process drawing it died ({how}) (to try again: delete figures/{key}.err, collect)")


class Worker:
    """One drawing process, the token its processes carry, its private TMPDIR, the job it has."""

    def __init__(self):
        self.token = secrets.token_hex(8)
        self.scratch = tempfile.mkdtemp(prefix="jupyterstream-draw-")
        package_root = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        env = dict(os.environ, TMPDIR=self.scratch, PYTHONPATH=path,
                   **{TOKEN_ENV: self.token, PARENT_ENV: str(os.getpid())})
        # started in its empty TMPDIR: a module beside the collector's working folder is not imported
        self.process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                        cwd=self.scratch)
        self.job, self.ready, self.started, self.gone, self.buffer = None, False, 0.0, False, bytearray()

    def give(self, job: tuple[str, str, dict]) -> None:
        """Send the worker a (key, kind, spec) and start its clock."""
        self.job, self.ready, self.started = job, False, time.monotonic()
        try:
            self.process.stdin.write(json.dumps(list(job), default=str).encode("utf-8", "surrogatepass") + b"\n")
            self.process.stdin.flush()
        except OSError:  # it died: the end of its answers says so
            pass

    def answer(self) -> bytes | None:
        """Read what the worker wrote: PNG bytes or a RenderError once it answered, else None."""
        data = os.read(self.process.stdout.fileno(), 1 << 20)
        self.gone = self.gone or not data
        self.buffer += data
        *lines, rest = bytes(self.buffer).split(b"\n")
        self.buffer = bytearray(rest)
        made = None
        for message in (json.loads(line) for line in lines if line.strip()):
            if "ready" in message:  # the drawing's own clock starts now
                self.ready, self.started = True, time.monotonic()
            if "png" in message:
                made = base64.b64decode(message["png"])
            elif "error" in message:
                made = draw.RenderError(message["error"], lasting=message["lasting"])
        return made

    def end(self) -> None:
        """SIGKILL the worker and every process that carries its token; remove its TMPDIR."""
        # again until none is found: a browser may fork while we look, and one that is still dying
        # may write into the TMPDIR we are about to remove
        for _ in range(KILL_ROUNDS):
            if not reaper.kill_leftovers(self.token, TOKEN_ENV):
                break
            time.sleep(0.02)
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:  # its reader is gone: nothing to flush to
                pass
        _remove(self.scratch)


def _remove(folder):
    """Remove a worker's TMPDIR. A killed browser's last threads may still be ending (their process
    no longer shows its environment) and finish a write: try again until it is gone."""
    for _ in range(KILL_ROUNDS):
        shutil.rmtree(folder, ignore_errors=True)
        if not os.path.lexists(folder):
            return
        time.sleep(0.02)


def serve() -> None:
    """A worker's life: draw each job read from stdin, answering on stdout (see the module's docstring)."""
    reaper.die_with_parent(int(os.environ.get(PARENT_ENV) or os.getppid()))
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # what a library prints goes to stderr, never among the answers
    for line in sys.stdin.buffer:
        key, kind, spec = json.loads(line)
        try:
            draw.prepare(kind)
            _send(answers, {"key": key, "ready": True})
            made = {"key": key, "png": base64.b64encode(draw.static_png(kind, spec)).decode("ascii")}
        except draw.RenderError as exc:
            made = {"key": key, "error": str(exc), "lasting": exc.lasting}
        _send(answers, made)


def _send(answers, message):
    answers.write(json.dumps(message) + "\n")
    answers.flush()


if __name__ == "__main__":
    serve()
