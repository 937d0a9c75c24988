"""plan.json read back without holding its jobs: the plan's head as a dict, and its jobs as a sequence
that reads the file again, a job a line, each time it is walked (launch/plan.py writes it so).

A collect of 100,000 runs held 100,000 job dicts (95 MB) for as long as it ran; walked from the file,
it holds one. A plan.json of another shape (written by hand, or by an older version) is read whole.
"""

import json
from pathlib import Path
from typing import NamedTuple

from ..errors import OutputError

JOBS_LINE = ' "jobs": [\n'
END_LINE = "]}\n"


def load(output):
    """The plan of ``output``: a dict whose "jobs" is a list or a StreamedJobs; a clear error when
    there is none or it is corrupt."""
    path = Path(output) / "plan.json"
    try:
        with open(path, encoding="utf-8") as handle:
            head, lines = _head(handle)
            start = handle.tell()
            if head is not None and handle.readline()[:1] in ("{", "]"):  # not an indented list of jobs
                handle.seek(start)
                return dict(head, jobs=StreamedJobs(path, start, _count(handle, lines)))
            handle.seek(0)
            return json.loads(handle.read())
    except FileNotFoundError:
        raise OutputError(f"{path}: no plan here: run 'make run' (or 'jupyterstream run') first") from None
    except ValueError as exc:
        raise OutputError(f"{path}: corrupt ({exc}): run 'make run' again to rewrite it") from None


class StreamedJobs:
    """The jobs of a plan.json a job a line: len(), and iteration that reads them from the file."""

    def __init__(self, path, offset, count):
        self.path, self.offset, self.count = path, offset, count

    def __len__(self):
        return self.count

    def __iter__(self):
        return (record for record, _ in self.records())

    def records(self) -> object:
        """(job, its JSON text as plan.json holds it) of every job, in order."""
        loads = json.loads
        with open(self.path, encoding="utf-8") as handle:
            handle.seek(self.offset)
            for number in range(self.count):
                text = handle.readline().rstrip().removesuffix(",")
                try:
                    yield loads(text), text
                except ValueError as exc:  # changed since it was opened: as load says of a corrupt plan
                    raise OutputError(f"{self.path}: corrupt (job {number + 1}: {exc}): run 'make run' again "
                                      "to rewrite it") from None

    def blocks(self, starts: dict) -> object:
        """As records(), but where a job's index is in ``starts`` ({index: count}), a Block of its text and
        the texts of the count - 1 jobs after it (fewer at the end), none of them parsed."""
        with open(self.path, encoding="utf-8") as handle:
            handle.seek(self.offset)
            number = 0
            while number < self.count:
                count = min(starts.get(number, 0), self.count - number)
                if count:
                    yield Block(number, [handle.readline().rstrip().removesuffix(",") for _ in range(count)])
                    number += count
                    continue
                text = handle.readline().rstrip().removesuffix(",")
                yield self.parse(number, text), text
                number += 1

    def parse(self, number: int, text: str) -> dict:
        """The job of the number-th line (its text); a corrupt line is as load says of a corrupt plan."""
        try:
            return json.loads(text)
        except ValueError as exc:
            raise OutputError(f"{self.path}: corrupt (job {number + 1}: {exc}): run 'make run' again "
                              "to rewrite it") from None

    def ids(self, wanted: list) -> object:
        """Each job's id where ``wanted`` (a value a job, in order) is not None, else None: the jobs
        not wanted are not parsed (most of a big sweep's, pending, when the report looks for cached ones)."""
        loads = json.loads
        with open(self.path, encoding="utf-8") as handle:
            handle.seek(self.offset)
            for number, want in zip(range(self.count), wanted):
                text = handle.readline()
                if want is None:
                    yield None
                    continue
                try:
                    yield loads(text.rstrip().removesuffix(","))["id"]
                except ValueError as exc:
                    raise OutputError(f"{self.path}: corrupt (job {number + 1}: {exc}): run 'make run' again "
                                      "to rewrite it") from None


class Block(NamedTuple):
    """The texts of jobs ``start`` on, one after another, not parsed (StreamedJobs.blocks)."""

    start: int
    lines: list


def records(jobs: "list | StreamedJobs") -> object:
    """(job, its JSON text, or None for a plan read whole) of every job of a plan's "jobs"."""
    return jobs.records() if isinstance(jobs, StreamedJobs) else ((job, None) for job in jobs)


def _head(handle):
    """(the plan's fields before its jobs, lines read) when the file is a job a line; else (None, 0)."""
    lines = []
    while len(lines) < 100:
        line = handle.readline()
        if line == JOBS_LINE:
            head = json.loads("".join(lines).rstrip().removesuffix(",") + "}")
            return (head, len(lines) + 1) if isinstance(head, dict) and "jobs" not in head else (None, 0)
        if not line.startswith(("{", " ")):
            return None, 0
        lines.append(line)
    return None, 0


def _count(handle, lines):
    """How many job lines follow (each one JSON object on its line, read when the jobs are walked); a
    plan cut short is corrupt."""
    count = 0
    while True:
        line = handle.readline()
        if line == END_LINE:
            return count
        if not line.startswith("{") or not line.rstrip().removesuffix(",").endswith("}"):
            raise ValueError(f"line {lines + count + 1}: not a job" if line else
                             "the list of jobs is not closed: the file was cut short")
        count += 1
