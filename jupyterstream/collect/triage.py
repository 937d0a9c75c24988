"""Failure triage: runs that are not ok, grouped by class, then by error name and failing cell.

Each group has a short key made of the same three things ('cell-error/KeyError/cell-3',
'dead-kernel/cell-7', 'job-timeout'): the CLI's summary and the report show it, FAIL_FAST counts
failures by it and ONLY_GROUP names a group with it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

from ..atomic import write_atomic
from ..errors import ArgumentError
from ..runner.outcome import Status
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from .runs import Run

# The classes, in the order the report lists them (each status outcome.reconcile decides maps onto one).
CLASSES = {s.value: name for s, name in (
    (Status.CELL_ERROR, "cell error"), (Status.CELL_TIMEOUT, "cell timeout"), (Status.JOB_TIMEOUT, "job timeout"),
    (Status.DEAD_KERNEL, "dead kernel"), (Status.STOPPED_EARLY, "stopped early"),
    (Status.COULD_NOT_START, "could not start"), (Status.TRANSPORT_FAILED, "transport failure"),
    (Status.RESULTS_MISSING, "results missing"), (Status.CORRUPT, "results corrupt"), (Status.KILLED, "killed"),
    (Status.INTERRUPTED, "interrupted"), (Status.JOB_ERROR, "job error"), (Status.STALE, "stale"),
    (Status.RUNNING, "running"), (Status.PENDING, "pending"), (Status.MISSING, "not run"))}
# What a key may hold: an error's name is the notebook's, so anything else in it becomes '-'.
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
ENAME_MAX = 60
GROUPS_FILE = "groups.json"   # each group's key, title and every run's id, as the last collect found them


@dataclass
class Group:
    """Runs that failed the same way."""

    kind: str
    ename: str
    cell: object
    runs: list = field(default_factory=list)
    total: int = None   # runs in the group, when ``runs`` holds only the first few (tally.py)

    @property
    def size(self) -> int:
        """How many runs failed this way."""
        return len(self.runs) if self.total is None else self.total

    @property
    def title(self) -> str:
        """e.g. 'cell error: KeyError at cell 7 (12 runs)'."""
        what = CLASSES.get(self.kind, self.kind)
        if self.ename:
            what += f": {self.ename}"
        if self.cell is not None:
            what += f" at cell {self.cell}"
        return f"{what} ({self.size} run{'s' if self.size != 1 else ''})"

    @property
    def key(self) -> str:
        """The group's short key, e.g. 'cell-error/KeyError/cell-3' (see key_text)."""
        return key_text(self.kind, self.ename, self.cell)

    @property
    def sample(self) -> Run:
        """The run whose traceback stands for the group."""
        return self.runs[0]


def groups(runs: list) -> list:
    """Groups of not-ok runs, most runs first within the class order above."""
    found = {}
    for run in runs:
        if run.ok:
            continue
        found.setdefault(key_of(run), Group(*key_of(run))).runs.append(run)
    return ordered(found.values())


def key_of(run: Run) -> tuple:
    """(status, error name, failing cell): what a not-ok run's group is."""
    fail = run.failure or {}
    return run.state, fail.get("ename") or "", fail.get("cell_index")


def key_text(kind: str, ename: str = "", cell: int | None = None) -> str:
    """A group's key: its class, the error's name (made safe for a command line) and 'cell-N', each
    part only when there is one. The same failure gives the same key in every sweep."""
    parts = [UNSAFE.sub("-", str(kind)).strip("-") or "unknown"]
    name = UNSAFE.sub("-", str(ename or "")).strip("-")[:ENAME_MAX]
    if name:
        parts.append(name)
    if cell is not None:
        parts.append(f"cell-{cell}")
    return "/".join(parts)


def record_key(state: str, record: dict | None) -> str:
    """The key of a job's failure from its status record (None when it holds none), as the sweep
    sees it when the job ends: what the collector will group it by."""
    record = record or {}
    return key_text(state, record.get("ename") or "", record.get("cell_index"))


def ordered(groups: list[Group]) -> list[Group]:
    """Groups in the class order above, most runs first within a class."""
    order = list(CLASSES)
    return sorted(groups, key=lambda g: (order.index(g.kind) if g.kind in order else len(order),
                                         -g.size, g.ename, str(g.cell)))


def save(output: str | Path, groups: list, members: dict) -> None:
    """Write OUTPUT/groups.json: the ``groups`` (in order) with ``members[(kind, ename, cell)]``, the
    ids of every run of each; what ONLY_GROUP picks from."""
    found = [{"key": g.key, "title": g.title, "runs": members.get((g.kind, g.ename, g.cell), [])} for g in groups]
    write_atomic(os.path.join(output, GROUPS_FILE), json.dumps({"groups": found}, indent=1) + "\n")


def members(output: str | Path, key: str, name: str = "ONLY_GROUP") -> list[str]:
    """The ids of the runs of the group ``key`` at the last collect; an ArgumentError naming ``name`` and
    listing the keys there are when no group has it."""
    groups = _saved(output)
    for group in groups:
        if group["key"] == key:
            return list(group["runs"])
    if not groups:
        raise ArgumentError(f"{name}: {key!r} names no failure group: {os.path.join(output, GROUPS_FILE)} lists "
                            "none (every run was ok, or no sweep was collected there yet)")
    listed = "; ".join(f"{g['key']} ({g['title']})" for g in groups)
    raise ArgumentError(f"{name}: {key!r} names no failure group of {output}'s last collect; its groups are: {listed}")


def _saved(output):
    """The groups OUTPUT/groups.json holds ([] when there is none, or it is not ours)."""
    try:
        with open(os.path.join(output, GROUPS_FILE), encoding="utf-8") as handle:
            groups = json.load(handle).get("groups")
    except (OSError, ValueError, AttributeError):
        return []
    return [g for g in groups or [] if isinstance(g, dict) and isinstance(g.get("key"), str)
            and isinstance(g.get("runs"), list)] if isinstance(groups, list) else []
