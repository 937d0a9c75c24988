"""A cache of whole stretches (stretch.py) for a repeat collect: OUTPUT/.report-stretches holds, for each
stretch of the last collect, what its runs' texts were made from (a digest of its block of plan.json's
job lines, the parameter columns its metrics rows were made with) and what was made (its ledger data,
runs.csv and metrics.csv rows, its runs' ids and labels). A stretch is served from it when its block of
plan.json is the same bytes and every run of it is still pending with no files and no log (the listing,
todo.txt, the joblog and logs/ say so), in a collect with the same parameter columns so far: neither its
job lines are parsed nor its rows made again.

The file: a header line {"cache", "version"} (the version holds a digest of the code that makes the
texts), a line of JSON {start: [end, digest, params, labels are states, offset, sizes, crc]}, then each
stretch's four texts, one after another. A file that is missing, of another version, cut short or
damaged is ignored (each stretch is checked against its size and CRC) and written again whole,
atomically, after the outputs it describes: it is only a cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..atomic import replace_with, writing
from ..errors import OutputError
from . import pieces
from .stretch import LIMIT, Stretch, digest
from ..runner.outcome import Status

if TYPE_CHECKING:
    from ..collect.bare import Templates
    from ..collect.planfile import Block

CACHE = ".report-stretches"
NAME = "report-stretches"
VERSION = 1
PENDING = Status.PENDING.value
CODE = ("report", "collect")  # the folders whose code makes a stretch's texts: any change, all stale


class Served(NamedTuple):
    """A stretch served from the cache: runs ``start`` to ``end``, their job lines as plan.json holds
    them (what the run spool keeps), their ids and labels, and its Stretch's texts (four, as bytes)."""

    start: int
    end: int
    texts: list
    ids: list
    labels: list
    templates: Templates
    entry: Stretch
    blob: bytes


class StretchCache:
    """The stretches of the cache file of ``output`` (none when it cannot be read), served to one
    collect whose ``tally``, ``stretches`` and ``logs`` (the names in OUTPUT/logs) are given."""

    def __init__(self, output: object, tally: object, stretches: object, logs: set):
        self.path, self.tally, self.stretches, self.logs = Path(output) / CACHE, tally, stretches, logs
        self.found, self.handle, self.served = {}, None, 0
        try:
            handle = open(self.path, "rb")
        except OSError:
            return
        try:
            if json.loads(handle.readline()) != {"cache": NAME, "version": version()}:
                raise ValueError("another cache")
            index = json.loads(handle.readline())
            base, size = handle.tell(), os.fstat(handle.fileno()).st_size
            self.found = {int(start): _entry(int(start), fields, base, size) for start, fields in index.items()}
            self.handle = handle
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError, OSError):
            self.found = {}
            handle.close()

    def starts(self) -> dict[int, int]:
        """{index of a cached stretch's first run: its number of runs}."""
        return {start: entry.end - start for start, entry in self.found.items()}

    def serve(self, block: Block, templates: Templates, qualifies: object) -> Served | None:
        """The cached stretch of ``block`` (plan.json's lines of its runs), when it holds: the same lines,
        each run of it still such a run (``qualifies(id)``: queued, no files, no joblog row; and no log),
        the same parameter columns so far, the pending group begun. Else None: the lines are read as usual."""
        entry = self.found.get(block.start)
        if entry is None or len(block.lines) != entry.end - entry.start or digest(block.lines) != entry.digest:
            return None
        try:
            blob = os.pread(self.handle.fileno(), sum(entry.sizes), entry.offset)
            if len(blob) != sum(entry.sizes) or zlib.crc32(blob) != entry.crc:
                return None
            ids, labels = json.loads(blob[sum(entry.sizes[:3]):])
        except (OSError, ValueError, TypeError):
            return None
        if type(ids) is not list or type(labels) is not list or not len(ids) == len(labels) == len(block.lines):
            return None
        logs = self.logs
        if not all(type(i) is str and qualifies(i) and f"{i}.log" not in logs for i in ids):
            return None
        self.stretches.end()  # the stretch being made is counted first: the columns so far are all known
        if tuple(self.tally.params) != entry.params or not self.tally.has_group(PENDING):
            return None
        self.served += 1
        return Served(entry.start, entry.end, [line.encode("utf-8") for line in block.lines], ids, labels,
                      templates, entry, blob)

    def close(self) -> None:
        """Close the cache file."""
        if self.handle is not None:
            self.handle.close()


def _entry(start, fields, base, size):
    """A Stretch of the index line, its offset made absolute; a ValueError when it is not sound."""
    end, found, params, plain, offset, sizes, crc = fields
    sizes = tuple(int(n) for n in sizes)
    if not (0 < end - start <= LIMIT and type(found) is str and all(type(p) is str for p in params)
            and len(sizes) == 4 and min(sizes) >= 0 and 0 <= offset and base + offset + sum(sizes) <= size
            and type(crc) is int and type(plain) is bool):
        raise ValueError("not a stretch")
    return Stretch(start, int(end), tuple(params), base + int(offset), sizes, found, plain, crc)


def save(output: object, stretches: object, cache: StretchCache | None = None) -> None:
    """Write the cache of this collect's stretches (those made from a plan read a job a line),
    atomically; nothing when it cannot be written (the next collect makes every stretch again), or when
    ``cache`` (the one this collect read) served every one of them and held no other: it holds them."""
    kept = [found for found in stretches.found.values() if found.digest is not None]
    if cache is not None and kept and cache.served == len(kept) == len(cache.found):
        return
    index, offset = {}, 0
    for found in kept:
        index[found.start] = [found.end, found.digest, list(found.params), found.plain, offset, list(found.sizes),
                              found.crc]
        offset += sum(found.sizes)
    head = (json.dumps({"cache": NAME, "version": version()}) + "\n" + json.dumps(index, separators=(",", ":"))
            + "\n").encode("utf-8")

    def write(handle):
        handle.write(head)
        for found in kept:
            handle.write(stretches.raw(found))
    path = Path(output) / CACHE
    try:
        with writing(path):
            replace_with(path, write, "wb", False)
    except (OSError, OutputError):
        pass  # only a cache


@functools.lru_cache(maxsize=None)
def version() -> str:
    """The cache's version: VERSION and a digest of the code (and templates) that make a stretch's texts."""
    digest_ = hashlib.sha256(pieces._version().encode("ascii"))
    package = Path(__file__).resolve().parent.parent
    for folder in CODE:
        for path in sorted((package / folder).glob("*.py")):
            digest_.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return f"{VERSION}-{digest_.hexdigest()[:16]}"
