"""Runs known only from the plan: no status record, no executed notebook, no joblog row (most runs of a
big sweep before it runs). They are found in bulk from one listing of status/ and runs/ a collect, and
each is made from one template (its Run and file identity; the run spool keeps only the plan's parts
of it: its job's text in plan.json), not read file by file: such a run is
pending when a sweep may still start it, else missing, and nothing else about it can differ.
"""

from __future__ import annotations

import json
import os
from typing import NamedTuple

from . import cachefile
from ..runner.layout import RUNS, STATUS
from ..runner.outcome import Status
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
    """The Run fields and the file identity's tail of a run with no files, made once for each of pending
    and missing."""

    def __init__(self, empty: object, key_tail: list):
        self.fields = {state: dict(vars(empty), state=state) for state in (PENDING, MISSING)}
        self.key_tail = key_tail


class Given(NamedTuple):
    """A run with no files: the plan's parts of it (``text``: its job's JSON text as plan.json holds it,
    when the plan is read a job a line), and its templates, which make its Run and file identity."""

    templates: Templates
    queued: bool
    id: str
    identity: str | None
    label: str
    texts: dict
    values: dict
    text: str | None = None

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
        """Its file identity, as runs._signature gives it for a job with no files."""
        return [self.identity, self.label, [None, None], None, self.queued, *self.templates.key_tail]


def of_record(templates: Templates, record: dict, queued: bool, text: str | None = None) -> Given:
    """The run with no files of a plan.json job (what Job.from_record reads of it)."""
    ident = record["id"]
    return Given(templates, queued, ident, record.get("identity"), record.get("label", ident),
                 record.get("texts", {}), record.get("values", {}), text)


def spooled(given: Given) -> tuple[int, bytes]:
    """What a run spool keeps of a run with no files, as (kind, bytes): its job's text as plan.json
    holds it (kind 2 when queued, 3 when not), or, from a plan read whole, the plan's parts of it as
    one JSON line [queued, id, identity, label, texts, values] (kind 1)."""
    if given.text is not None:
        return (2 if given.queued else 3), given.text.encode("utf-8")
    parts = [given.queued, given.id, given.identity, given.label, given.texts, given.values]
    return 1, (cachefile.COMPACT.encode(parts) + "\n").encode("utf-8")


def unspooled(templates: Templates, kind: int, raw: bytes) -> Given:
    """A run with no files as ``spooled`` kept it."""
    if kind == 1:
        return Given(templates, *json.loads(raw))
    return of_record(templates, json.loads(raw), kind == 2, None)
