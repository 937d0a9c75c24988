"""The runs of one collect, kept on disk rather than in memory: a sequence of Runs read back one at a
time from a temporary file of their index lines (collect.each), or, of a run with no files, the
plan's parts of it (bare.spooled). A collect of 5,000 runs holds 9 bytes
a run here; each Run is made again when it is asked for, and is not kept.
"""

from __future__ import annotations

import json
import os
import weakref
from array import array

from ..atomic import drop, scratch_file
from . import bare
from .runs import run_of
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from .runs import Run


class RunSpool:
    """A read-only sequence of Runs (len, iteration, indexing), spooled to a temporary file (in
    OUTPUT/.scratch/ when given ``output``)."""

    def __init__(self, output=None):
        self.file = scratch_file(output)
        self.offsets = array("q", [0])
        self.plain, self.templates = bytearray(), None  # a run with no files: bare.spooled's kind; else 0
        weakref.finalize(self, drop, self.file)  # the spool lives as long as its caller keeps the runs

    def add(self, line: bytes | bare.Given) -> None:
        """Keep one run, as its index line (bytes: [id, {"key", "run"}]), or a run with no files as the
        plan's parts of it (a bare.Given)."""
        if type(line) is bare.Given:
            self.templates = line.templates
            kind, line = bare.spooled(line)
            self.plain.append(kind)
        else:
            self.plain.append(0)
        self.file.write(line)
        self.offsets.append(self.offsets[-1] + len(line))

    def add_texts(self, templates: object, texts: list[bytes]) -> None:
        """Keep runs with no files, queued, one after another, as their jobs' texts in plan.json (bytes):
        what add gives each of their bare.Given (a stretch served from the cache: report/stretchcache.py)."""
        self.templates = templates
        self.plain.extend(b"\2" * len(texts))
        self.file.write(b"".join(texts))
        offsets, last = self.offsets, self.offsets[-1]
        for text in texts:
            last += len(text)
            offsets.append(last)

    def entry(self, index: int) -> tuple[Run, list]:
        """(Run, key) of the index-th run."""
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("run index out of range")
        self.file.flush()
        start = self.offsets[index]
        raw = os.pread(self.file.fileno(), self.offsets[index + 1] - start, start)
        if self.plain[index]:
            found = bare.unspooled(self.templates, self.plain[index], raw)
            return run_of(found.fields()), found.key()
        entry = json.loads(raw)[1]
        return run_of(entry["run"]), entry.get("key")

    def entries(self) -> Iterator:
        """(Run, key) of every run, in order."""
        return (self.entry(i) for i in range(len(self)))

    def bare(self, index: int) -> bare.Given | None:
        """The plan's parts of the index-th run when it has no files at all (bare.py), else None."""
        if not self.plain[index]:
            return None
        start = self.offsets[index]
        self.file.flush()
        raw = os.pread(self.file.fileno(), self.offsets[index + 1] - start, start)
        return bare.unspooled(self.templates, self.plain[index], raw)

    def __len__(self):
        return len(self.offsets) - 1

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.entry(i)[0] for i in range(*index.indices(len(self)))]
        return self.entry(index)[0]

    def __iter__(self):
        return (self.entry(i)[0] for i in range(len(self)))

    def close(self) -> None:
        """Drop the spooled runs."""
        drop(self.file)


class ListedRuns:
    """Runs already in memory (a list), with the same entries() as a RunSpool: what the tests and the
    pages built from hand-made runs use."""

    def __init__(self, runs, keys=None):
        self.runs, self.keys = list(runs), keys or {}

    def entry(self, index: int) -> tuple[Run, None]:
        """(Run, key) of the index-th run."""
        run = self.runs[index]
        return run, self.keys.get(run.id)

    def entries(self) -> Iterator:
        """(Run, key) of every run, in order."""
        return ((run, self.keys.get(run.id)) for run in self.runs)

    def bare(self, index: int) -> None:
        """None: runs in memory are rendered each as it is."""
        return None

    def __len__(self):
        return len(self.runs)

    def __iter__(self):
        return iter(self.runs)

    def __getitem__(self, index):
        return self.runs[index]
