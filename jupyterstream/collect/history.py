"""What each run's result was, kept a sweep at a time, and what changed since the last sweep.

Every collect writes OUTPUT/history/SWEEP.jsonl, SWEEP being the newest sweep that left a result: a
line for each run that has one, with the sweep its result is of, its status, its metrics and its
figures' content hashes (a few hundred bytes a run; no notebook, no image: the images are kept in
figures/ under those hashes). A run whose result is of that newest sweep and that has a line in the
history file before it ran again: its status, metrics and figures are compared with that line.
The newest KEEP files are kept.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field

from ..atomic import drop, make_folder, scratch_file, write_streamed
from ..runner.outcome import NOT_RUN, Status
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from .runs import Run

HISTORY = "history"
KEEP = 20
# A sweep id names a file here: ours are 20261206T231026-cfa339; a record could hold anything.
SAFE_SWEEP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass
class Changes:
    """What the newest sweep changed: ``status`` [(job, label, before, after)], ``metrics`` [(job, label,
    name, before, after)] (largest change first), ``figures`` [(job, label, cell, index, before, after)]
    (each side (mime, sha) or None); ``since``: the sweep compared with, ``sweep``: the newest one."""

    sweep: str = ""
    since: str = ""
    status: list = field(default_factory=list)
    metrics: list = field(default_factory=list)
    figures: list = field(default_factory=list)

    def __len__(self):
        return len(self.status) + len(self.metrics) + len(self.figures)


def entry(run: Run) -> dict | None:
    """A run's history line as a dict, or None when it has no result (or no sweep we can name a file by)."""
    if run.state in NOT_RUN or not SAFE_SWEEP.fullmatch(run.sweep or ""):
        return None
    # a stale result is the one its own run left: the notebook changed since, not the result
    status = run.recorded if run.state == Status.STALE.value and run.recorded else run.state
    return {"job": run.id, "label": run.label, "sweep": run.sweep, "status": status, "metrics": run.metrics,
            "figures": [[p.get("cell"), p.get("index"), p.get("mime"), p.get("sha")] for p in run.figures]}


class Recorder:
    """Takes each run of a collect (``add``), then writes the newest sweep's file and says what changed."""

    def __init__(self, output):
        self.output, self.newest, self.spool = os.fspath(output), "", None

    def add(self, run: Run) -> None:
        """One run of the collect."""
        line = entry(run)
        if line is None:
            return
        if self.spool is None:
            self.spool = scratch_file(self.output, text=True)
        self.spool.write(json.dumps(line, ensure_ascii=False, allow_nan=True) + "\n")
        self.newest = max(self.newest, line["sweep"])

    def close(self) -> None:
        """Drop what was taken in, writing nothing (the collect failed)."""
        if self.spool is not None:
            drop(self.spool)
            self.spool = None

    def finish(self) -> Changes:
        """Write OUTPUT/history/NEWEST.jsonl and return the Changes since the file before it."""
        if self.spool is None:
            return Changes()
        try:
            folder = make_folder(os.path.join(self.output, HISTORY))
            since, before = previous(folder, self.newest)
            changes = Changes(self.newest, since)
            self.spool.seek(0)
            write_streamed(os.path.join(folder, f"{self.newest}.jsonl"), _compared(self.spool, before, changes))
        finally:
            drop(self.spool)
        changes.metrics.sort(key=_size_of_change)
        _prune(folder)
        return changes


def _compared(lines, before, changes):
    """The lines as they are, comparing on the way each one of the newest sweep with its line before."""
    for text in lines:
        now = json.loads(text)
        then = before.get(now["job"])
        if then is not None and now["sweep"] == changes.sweep and then.get("sweep") != now["sweep"]:
            compare(then, now, changes)
        yield text


def previous(folder: str | Path, newest: str) -> tuple[str, dict]:
    """(sweep, {job: line}) of the newest history file before ``newest``'s, or ("", {})."""
    names = sorted(n[:-len(".jsonl")] for n in _listing(folder) if n < f"{newest}.jsonl")
    if not names:
        return "", {}
    found = {}
    try:
        with open(os.path.join(folder, f"{names[-1]}.jsonl"), encoding="utf-8") as handle:
            for text in handle:
                line = _line(text)
                if line is not None:
                    found[line["job"]] = line
    except OSError:
        return "", {}
    return names[-1], found


def compare(then: dict, now: dict, changes: Changes) -> None:
    """Add to ``changes`` what differs between a run's line before and now."""
    job, label = now["job"], now.get("label", now["job"])
    if then.get("status") != now["status"]:
        changes.status.append((job, label, then.get("status"), now["status"]))
    old, new = then.get("metrics") or {}, now.get("metrics") or {}
    for name in dict.fromkeys([*old, *new]):
        if _same(old.get(name), new.get(name)) and (name in old) == (name in new):
            continue
        changes.metrics.append((job, label, name, old.get(name), new.get(name)))
    shown = {(c, i): (m, s) for c, i, m, s in then.get("figures") or []}
    drawn = {(c, i): (m, s) for c, i, m, s in now.get("figures") or []}
    for place in sorted(set(shown) | set(drawn), key=str):
        a, b = shown.get(place), drawn.get(place)
        if (a and a[1]) != (b and b[1]):
            changes.figures.append((job, label, place[0], place[1], a, b))


def _same(a, b):
    """Equal as JSON (so that NaN equals NaN, and 1 equals 1.0)."""
    return a == b or json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _size_of_change(row):
    """Sort key of a metric change: numbers by their relative change, largest first, then the rest."""
    before, after = _number(row[3]), _number(row[4])
    if before is None or after is None:
        return (1, 0.0, row[2], row[0])
    delta = abs(after - before)
    relative = delta / abs(before) if before else (math.inf if delta else 0.0)
    return (0, -relative if not math.isnan(relative) else 0.0, row[2], row[0])


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _line(text):
    """A history line read back, or None when it is not one of ours."""
    try:
        line = json.loads(text)
    except ValueError:
        return None
    ok = isinstance(line, dict) and isinstance(line.get("job"), str) and isinstance(line.get("metrics", {}), dict) \
        and isinstance(line.get("figures", []), list) and all(isinstance(f, list) and len(f) == 4
                                                               for f in line.get("figures", []))
    return line if ok else None


def _listing(folder):
    try:
        return [n for n in os.listdir(folder) if n.endswith(".jsonl") and SAFE_SWEEP.fullmatch(n[:-len(".jsonl")])]
    except OSError:
        return []


def _prune(folder):
    """Keep the newest KEEP history files (an old one that cannot be removed stays: nothing is lost)."""
    for name in sorted(_listing(folder))[:-KEEP]:
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass
