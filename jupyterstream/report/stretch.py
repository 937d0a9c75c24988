"""Stretches of pending runs with no files (collect/bare.py) whose ledger data is made from a template:
past master.ipynb's first rows, with no log, not cached (pieces.Pieces.templated). Most runs of a big
sweep before it runs are such runs, one after another.

Their ledger data, runs.csv rows and metrics.csv rows are made as the collect's first pass finds them,
and kept as one string each a stretch (of at most LIMIT runs) in a scratch file; the second pass writes
each stretch's strings whole, where it would have read every run back from the run spool and made its
parts one at a time. The texts are those a run at a time would give (report/write.py's Tables.add_bare,
pieces.BareRows), byte for byte: metrics.csv's rows are made with the parameter columns known when the
stretch ends, and are made again a run at a time when the collect ends with other ones.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zlib
from typing import TYPE_CHECKING, NamedTuple

from ..atomic import drop, scratch_file
from .escape import script_safe
from .plaintext import for_csv_row
from .pieces import BareRows
from . import tilemap
from ..collect.cachefile import COMPACT

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..collect.bare import Given

LIMIT = 250  # runs a stretch: each is held (about 700 bytes) until its stretch ends


class Stretch(NamedTuple):
    """Runs ``start`` to ``end`` (not included), and where their texts are in the scratch file."""

    start: int
    end: int
    params: tuple   # the parameter columns its metrics rows were made with
    offset: int     # of its ledger data, its runs.csv rows, its metrics.csv rows, its [ids, labels]
    sizes: tuple    # their lengths in bytes (UTF-8)
    digest: str | None = None  # of its block of plan.json's job lines (stretchcache.py); None: not cached
    plain: bool = False        # whether each of its labels is a US state code (Tally.states_only)
    crc: int = 0               # of its texts (stretchcache.py)


class Stretches:
    """The stretches of one collect, by the index of their first run. Each is counted in ``tally`` (a
    Tally) as it ends: call end() before counting any other run, so that runs are counted in order.
    ``metrics_row(given, params)`` and ``runs_row(given)`` make a run's rows (cells made safe;
    metrics.csv's without its empty metric cells)."""

    def __init__(self, output: object, tally: object, metrics_row: Callable, runs_row: Callable):
        self.output, self.tally, self.metrics_row, self.runs_row = output, tally, metrics_row, runs_row
        self.found, self.file, self.size, self.rows = {}, None, 0, BareRows()
        self.start, self.given, self.tails = 0, [], {}

    def add(self, index: int, given: Given) -> None:
        """One more such run, the index-th of the collect."""
        if self.given and (index != self.start + len(self.given) or len(self.given) == LIMIT):
            self.end()
        if not self.given:
            self.start = index
        self.given.append(given)

    def end(self) -> None:
        """End the stretch being made: its runs are counted, its texts go to the scratch file."""
        if not self.given:
            return
        given = self.given
        self.tally.add_plain(given)
        params = tuple(self.tally.params)
        data = script_safe(self.rows.unsafe(given, ","))  # a stretch is never the collect's first run
        texts = [text.encode("utf-8") for text in (data, self._runs(given), _csv(self.metrics_row(g, params) for g in given))]
        found = None
        if all(g.text is not None for g in given):  # a plan read a job a line: the stretch can be cached
            texts.append(COMPACT.encode([[g.id for g in given], [g.label for g in given]]).encode("utf-8"))
            found = digest([g.text for g in given])
        else:
            texts.append(b"")
        self._keep(Stretch(self.start, self.start + len(given), params, 0, tuple(len(t) for t in texts), found,
                           all(g.label in tilemap.STATES for g in given)), b"".join(texts))
        self.given = []

    def add_served(self, served: object) -> None:
        """A stretch served from the cache (a stretchcache.Served): its runs are counted, its texts kept."""
        self.end()
        self.tally.add_served(served)
        self._keep(served.entry, served.blob)

    def _keep(self, found, blob):
        """Keep a stretch's texts (``blob``: the four one after another) in the scratch file."""
        if self.file is None:
            self.file = scratch_file(self.output)
        self.file.write(blob)
        self.found[found.start] = found._replace(offset=self.size, crc=zlib.crc32(blob))
        self.size += len(blob)

    def _runs(self, given):
        """runs.csv's rows of a stretch: each run's id and value, then the rest of its state's row
        (the same for every such run, written once). Only when no cell of theirs is quoted is every
        newline a row's end: else each row is written whole."""
        tail = self.tails.get(given[0].state)
        if tail is None:
            tail = self.tails[given[0].state] = "," + _csv([self.runs_row(given[0])[2:]])[:-1]
        heads = _csv(for_csv_row([g.id, g.label]) for g in given)
        return heads.replace("\n", tail + "\n") if '"' not in heads else _csv(self.runs_row(g) for g in given)

    def at(self, index: int) -> Stretch | None:
        """The stretch that starts at the index-th run, if one does."""
        return self.found.get(index)

    def texts(self, stretch: Stretch) -> tuple[str, str, str]:
        """(ledger data, runs.csv rows, metrics.csv rows) of a stretch: the data with a comma before each
        run's, each row ended by a newline."""
        raw = self.raw(stretch)
        data, runs, metrics = stretch.sizes[0], stretch.sizes[0] + stretch.sizes[1], sum(stretch.sizes[:3])
        return raw[:data].decode("utf-8"), raw[data:runs].decode("utf-8"), raw[runs:metrics].decode("utf-8")

    def raw(self, stretch: Stretch) -> bytes:
        """A stretch's four texts, one after another, as bytes."""
        self.file.flush()
        return os.pread(self.file.fileno(), sum(stretch.sizes), stretch.offset)

    def close(self) -> None:
        """Drop the texts."""
        if self.file is not None:
            drop(self.file)


def digest(lines: list[str]) -> str:
    """The digest of a block of plan.json's job lines (each as the run spool keeps it): what a cached
    stretch (stretchcache.py) is made from."""
    return hashlib.blake2b("\n".join(lines).encode("utf-8"), digest_size=16).hexdigest()


def _csv(rows):
    """Rows (made safe already) as CSV text, each ended by a newline (as report/write.py writes them)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue()
