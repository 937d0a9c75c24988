"""Failure triage: runs that are not ok, grouped by class, then by error name and failing cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..runner.outcome import Status
from .runs import Run

# The classes, in the order the report lists them (each status outcome.reconcile decides maps onto one).
CLASSES = {s.value: name for s, name in (
    (Status.CELL_ERROR, "cell error"), (Status.CELL_TIMEOUT, "cell timeout"), (Status.JOB_TIMEOUT, "job timeout"),
    (Status.DEAD_KERNEL, "dead kernel"), (Status.STOPPED_EARLY, "stopped early"),
    (Status.COULD_NOT_START, "could not start"), (Status.TRANSPORT_FAILED, "transport failure"),
    (Status.RESULTS_MISSING, "results missing"), (Status.CORRUPT, "results corrupt"), (Status.KILLED, "killed"),
    (Status.INTERRUPTED, "interrupted"), (Status.JOB_ERROR, "job error"), (Status.STALE, "stale"),
    (Status.RUNNING, "running"), (Status.PENDING, "pending"), (Status.MISSING, "not run"))}


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
    def sample(self) -> Run:
        """The run whose traceback stands for the group."""
        return self.runs[0]


def groups(runs: Iterable[Run]) -> list[Group]:
    """Groups of not-ok runs, most runs first within the class order above."""
    found = {}
    for run in runs:
        if run.ok:
            continue
        found.setdefault(key_of(run), Group(*key_of(run))).runs.append(run)
    return ordered(found.values())


def key_of(run: Run) -> tuple[str, str, int | None]:
    """(status, error name, failing cell): what a not-ok run's group is."""
    fail = run.failure or {}
    return run.state, fail.get("ename") or "", fail.get("cell_index")


def ordered(groups: Iterable[Group]) -> list[Group]:
    """Groups in the class order above, most runs first within a class."""
    order = list(CLASSES)
    return sorted(groups, key=lambda g: (order.index(g.kind) if g.kind in order else len(order),
                                         -g.size, g.ename, str(g.cell)))
