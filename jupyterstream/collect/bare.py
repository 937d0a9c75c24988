"""Runs known only from the plan: no status record, no executed notebook, no joblog row (most runs of a
big sweep before it runs). They are found in bulk from one listing of status/ and runs/ a collect, and
each is made from one template (its Run and its index line), not read file by file: such a run is
pending when a sweep may still start it, else missing, and nothing else about it can differ.
"""

from __future__ import annotations

import os

from . import cachefile
from ..runner.layout import RUNS, STATUS
from ..runner.outcome import Status
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..runner.planned import Job
    from .runs import Run

VARYING = ("id", "label", "texts", "values")  # what the plan gives each such run; the rest is the template's
STATES = frozenset((Status.PENDING.value, Status.MISSING.value))
FRESH = {"failure": dict, "metrics": dict, "figures": list, "progress": dict, "cells": list}  # each run its own
MARK = "\x00bare{}\x00"  # stands for a varying part in a template's JSON (no plan's text holds NUL)


def listing(output: str) -> tuple[frozenset, frozenset]:
    """The names in OUTPUT/status and OUTPUT/runs: one listing each, not a stat per run."""
    return _names(os.path.join(output, STATUS)), _names(os.path.join(output, RUNS))


def _names(folder):
    try:
        with os.scandir(folder) as entries:
            return frozenset(entry.name for entry in entries)
    except OSError:
        return frozenset()


def has_no_files(job_id: str, logrow: dict | None, names: tuple[frozenset, frozenset]) -> bool:
    """True when the listing shows neither a status record nor a notebook of the job, nor has it a joblog row."""
    return logrow is None and f"{job_id}.json" not in names[0] and f"{job_id}.ipynb" not in names[1]


class Templates:
    """The Run and the index line of a run with no files, made once for each of pending and missing."""

    def __init__(self, empty: Run, key_tail: list):
        self.fields = {state: dict(vars(empty), state=state) for state in (Status.PENDING.value, Status.MISSING.value)}
        self.key_tail, self.lines = key_tail, {}

    def run(self, job: Job, queued: bool) -> dict:
        """The fields of the job's Run (the plan's own strings and dicts, fresh empty containers)."""
        fields = dict(self.fields[Status.PENDING.value if queued else Status.MISSING.value])
        fields.update(id=job.id, label=job.label(), texts=job.texts, values=job.values)
        for name, kind in FRESH.items():
            fields[name] = kind()
        return fields

    def key(self, job: Job, queued: bool) -> list:
        """The run's file identity, as runs._signature gives it for a job with no files."""
        return [job.identity, job.label(), [None, None], None, queued, *self.key_tail]

    def line(self, job: Job, queued: bool) -> bytes:
        """The run's index line, byte for byte what cachefile._line makes of its key and fields."""
        parts = self.lines.get(queued) or self.lines.setdefault(queued, self._split(queued))
        given = (job.id, job.identity, job.label(), job.id, job.label(), job.texts, job.values)
        encode = cachefile.COMPACT.encode
        return "".join(p for pair in zip(parts, (*map(encode, given), "")) for p in pair).encode("utf-8")

    def _split(self, queued):
        """The template's index line cut at each varying part, in the order line() fills them."""
        marks = [MARK.format(n) for n in range(7)]
        fields = dict(self.fields[Status.PENDING.value if queued else Status.MISSING.value])
        fields.update(zip(VARYING, marks[3:]))
        text = cachefile._line(marks[0], {"key": [marks[1], marks[2], [None, None], None, queued, *self.key_tail],
                                          "run": fields})
        parts = []
        for mark in marks:
            head, text = text.split(cachefile.COMPACT.encode(mark), 1)
            parts.append(head)
        return [*parts, text]


def is_bare(run: Run, template: dict) -> bool:
    """True when ``run`` differs from ``template`` (a Run's fields) only in what the plan gives it."""
    fields = run.__dict__
    return fields["state"] in STATES and all(fields[k] == v for k, v in template.items())


def rest(empty: Run) -> dict:
    """What a run with no files holds besides its state and what the plan gives it: ``empty``'s fields."""
    return {k: v for k, v in vars(empty).items() if k not in VARYING and k != "state"}
