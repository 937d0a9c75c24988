"""Runs known only from the plan: no status record, no executed notebook, no joblog row (most runs of a
big sweep before it runs). They are found in bulk from one listing of status/ and runs/ a collect, and
each is made from one template (its Run and file identity; the run spool keeps only the plan's parts
of it), not read file by file: such a run is
pending when a sweep may still start it, else missing, and nothing else about it can differ.
"""

from __future__ import annotations

import json
import os
from typing import NamedTuple

from . import cachefile
from ..runner.layout import RUNS, STATUS
from ..runner.outcome import Status
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..runner.planned import Job

PENDING, MISSING = Status.PENDING.value, Status.MISSING.value
FRESH = {"failure": dict, "metrics": dict, "figures": list, "progress": dict, "cells": list}  # each run its own


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
    """The Run and the file identity of a run with no files, made once for each of pending and missing."""

    def __init__(self, empty: object, key_tail: list):
        self.fields = {state: dict(vars(empty), state=state) for state in (PENDING, MISSING)}
        self.key_tail = key_tail

    def run(self, job: Job, queued: bool) -> dict:
        """The fields of the job's Run (the plan's own strings and dicts, fresh empty containers)."""
        fields = dict(self.fields[PENDING if queued else MISSING])
        fields.update(id=job.id, label=job.label(), texts=job.texts, values=job.values)
        for name, kind in FRESH.items():
            fields[name] = kind()
        return fields

    def key(self, job: Job, queued: bool) -> list:
        """The run's file identity, as runs._signature gives it for a job with no files."""
        return [job.identity, job.label(), [None, None], None, queued, *self.key_tail]


class Line(NamedTuple):
    """What a collect's run spool keeps of a run with no files: the plan's parts of it (``raw``, one JSON
    line), from which ``templates`` make its Run and file identity again (given)."""

    templates: Templates
    raw: bytes


def compact(templates: Templates, job: Job, queued: bool) -> Line:
    """The spool's line of a run with no files: [queued, id, identity, label, texts, values]."""
    parts = [queued, job.id, job.identity, job.label(), job.texts, job.values]
    return Line(templates, (cachefile.COMPACT.encode(parts) + "\n").encode("utf-8"))


class Given(NamedTuple):
    """A run with no files as the spool gives it back: the plan's parts of it, and its templates."""

    templates: Templates
    queued: bool
    id: str
    identity: str | None
    label: str
    texts: dict
    values: dict

    @property
    def state(self) -> str:
        """pending, or missing when no sweep may start it."""
        return PENDING if self.queued else MISSING

    def fields(self) -> dict:
        """Its Run's fields (runs.run_of makes the Run)."""
        fields = dict(self.templates.fields[self.state])
        fields.update(id=self.id, label=self.label, texts=self.texts, values=self.values)
        for name, kind in FRESH.items():
            fields[name] = kind()
        return fields

    def key(self) -> list:
        """Its file identity."""
        return [self.identity, self.label, [None, None], None, self.queued, *self.templates.key_tail]


def given(templates: Templates, raw: bytes) -> Given:
    """A spool line that ``compact`` made, read back."""
    return Given(templates, *json.loads(raw))
