"""Failure triage: runs that are not ok, grouped by class, then by error name and failing cell."""

from dataclasses import dataclass, field

# The classes, in the order the report lists them (collector states map onto them).
CLASSES = {
    "cell-error": "cell error", "cell-timeout": "cell timeout", "job-timeout": "job timeout",
    "dead-kernel": "dead kernel", "stopped-early": "stopped early", "could-not-start": "could not start",
    "transport-failed": "transport failure", "results-missing": "results missing", "corrupt": "results corrupt",
    "killed": "killed", "interrupted": "interrupted", "job-error": "job error", "stale": "stale",
    "running": "running", "pending": "pending", "missing": "not run",
}


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
