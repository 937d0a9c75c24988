"""One planned job, in one shape: the planner makes it (launch/plan.py), plan.json keeps it as its record
(Job.record), the collector and the report read it back (Job.from_record), and the job side asks whether
its value is already ok with one (runner/exclusive.py). Standard library only: shipped with runner/.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Job:
    """One run: an id safe in file names and argv, its values, and its identity."""

    id: str
    line: int = 0
    texts: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    identity: str | None = None
    constants: tuple = ()       # the names given to every job (-p): not part of its id or label
    shown: str | None = None    # the label its record kept (read back from plan.json); None: made from texts

    def label(self) -> str:
        """A short human label: the value, or name=value pairs for several parameters."""
        if self.shown is not None:
            return self.shown
        swept = {k: v for k, v in self.texts.items() if k not in self.constants}
        if len(swept) == 1:
            return next(iter(swept.values()))
        return ", ".join(f"{k}={v}" for k, v in swept.items())

    def record(self, values: dict | None = None) -> dict:
        """The job as plan.json keeps it; ``values``: its values made JSON-able (by default as they are)."""
        return {"id": self.id, "line": self.line, "texts": self.texts,
                "values": self.values if values is None else values, "identity": self.identity, "label": self.label()}

    @classmethod
    def from_record(cls, record: dict) -> Job:
        """The job a plan.json record holds (a record without a label is shown by its id)."""
        return cls(record["id"], record.get("line", 0), record.get("texts", {}), record.get("values", {}),
                   record.get("identity"), shown=record.get("label", record["id"]))
