"""Failure triage: runs that are not ok, grouped by class, then by error name and failing cell."""

from dataclasses import dataclass, field

from .runner.outcome import Status

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

    @property
    def title(self):
        """e.g. 'cell error: KeyError at cell 7 (12 runs)'."""
        what = CLASSES.get(self.kind, self.kind)
        if self.ename:
            what += f": {self.ename}"
        if self.cell is not None:
            what += f" at cell {self.cell}"
        return f"{what} ({len(self.runs)} run{'s' if len(self.runs) != 1 else ''})"

    @property
    def sample(self):
        """The run whose traceback stands for the group."""
        return self.runs[0]


def groups(runs):
    """Groups of not-ok runs, most runs first within the class order above."""
    found = {}
    for run in runs:
        if run.ok:
            continue
        fail = run.failure or {}
        key = (run.state, fail.get("ename") or "", fail.get("cell_index"))
        found.setdefault(key, Group(*key)).runs.append(run)
    order = list(CLASSES)
    return sorted(found.values(), key=lambda g: (order.index(g.kind) if g.kind in order else len(order),
                                                 -len(g.runs), g.ename, str(g.cell)))
