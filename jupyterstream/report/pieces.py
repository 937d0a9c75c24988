"""Each run's rendered pieces, cached by the identity of its files: its ledger row (HTML for the
table, JSON for the page's script), its gallery tiles and its charts for master.ipynb (JSON). A repeat collect renders only the runs
whose files changed; the page is then put together from strings read back from the cache.

OUTPUT/.report-pieces.json (cachefile.py, read and written a line at a time by cachelines.py) holds
{id: {"tag", "row", "json", "tiles", "charts"}}; the tag is a digest of the run's file identity from the
collector's index and whether its log exists, with the gallery's mode. A run holding a chart that
this machine could not draw yet (no browser) is rendered again until it is drawn.
"""

from __future__ import annotations

import functools
import hashlib
import json
from json.encoder import encode_basestring
from pathlib import Path

from ..collect import cachelines
from ..collect.runs import Run, run_of
from .figures import chartcells, drawn, gallery
from . import render, sections
from .escape import SCRIPT_ENCODER, inside_href, script_json, script_safe
from .ledger import K
from ..runner.layout import LOGS, Layout
from ..runner.outcome import Status
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..collect.spool import ListedRuns, RunSpool

CACHE = ".report-pieces.json"
VERSION = 3
# The code and template that render the pieces: when either changes, every cached piece is stale.
RENDERERS = ("sections.py", "pieces.py", "figures/gallery.py", "figures/viewer.py", "figures/chartcells.py",
             "templates/sections.html.j2")
# A run in these states changes without its files changing (progress): never cached.
PARTS = frozenset(("row", "json", "tiles", "charts"))
LIVE = frozenset(s.value for s in (Status.PENDING, Status.RUNNING, Status.KILLED))


def tag(key: list[str | list | bool | None], run: Run, logs: set) -> str | None:
    """What a run's cached pieces are valid for (its file identity ``key`` and whether it has a log), or
    None when they must be rendered each time (no key, or a live run)."""
    if key is None or run.state in LIVE:
        return None
    text = json.dumps([key, f"{run.id}.log" in logs], separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class Pieces:
    """The pieces of one collect's runs: ``ids`` and ``tags`` are theirs, in order (a run without a
    tag may have None for its id: it is never looked for in the cache). Of a run that is not
    cached (pending, running) beyond the first ``rows`` runs, the ledger row's HTML is not made: the
    page and master.ipynb show only the first rows as HTML (the page's script shows the rest)."""

    def __init__(self, output, ids, tags, thumbnailed, logs, rows=None):
        self.output, self.tags, self.thumbnailed, self.logs = output, tags, thumbnailed, logs
        self.rows, self.bare = rows, BareRows()
        self.mode = "t" if thumbnailed else "f"
        cached = output is not None and any(t is not None for t in tags)
        self.reader = cachelines.Reader(Path(output) / CACHE, "report-pieces", _version()) if cached else None
        self.writer = cachelines.Writer(Path(output) / CACHE, "report-pieces", _version(), self.reader) \
            if cached else None
        # every run stale when none is cached: the ids (a walk of plan.json) are then not read
        self.stale = bytearray(1 if t is None or not self.reader or not self.reader.starts(i, "tag", t + self.mode)
                               else 0 for i, t in zip(ids, tags)) if cached else bytearray(b"\1") * len(tags)
        self.made = None

    def prepare(self, source: ListedRuns | RunSpool, figured: bytearray | None = None) -> None:
        """Draw the charts and make the thumbnails of the stale runs (of ``source``, a RunSpool or
        ListedRuns in the same order) that hold figures (``figured``: a flag a run, as Tally.figured),
        before any of their tiles is rendered."""
        if self.output is None:
            return
        self._redraw(source)
        stale = [i for i, flag in enumerate(self.stale) if flag and (figured is None or figured[i])]
        if not stale:
            return
        gallery.draw_charts(self.output, (source.entry(i)[0] for i in stale))
        gallery.make_missing(self.output, (source.entry(i)[0] for i in stale), thumbs=self.thumbnailed)
        if self.thumbnailed:
            self.made = gallery.listing(self.output)

    def _redraw(self, source):
        """Make stale the cached runs holding a chart this machine could not draw yet (drawn.py's
        KEY.retry): it is tried again now, and their tiles follow."""
        retry = drawn.awaiting(self.output)
        for index, flag in enumerate(self.stale if retry else ()):
            if not flag and any(place.get("sha") in retry for place in source.entry(index)[0].figures):
                self.stale[index] = 1

    def templated(self, index: int, run_id: str) -> bool:
        """Whether the index-th run, one with no files (collect/bare.py), has its ledger data made from a
        template (BareRows): it is not cached, has no log, and its row is not shown as HTML."""
        return self.rows is not None and index >= self.rows and self.tags[index] is None \
            and f"{run_id}.log" not in self.logs

    def get(self, index: int, run: Run) -> dict:
        """{"row", "json", "tiles", "charts"} of the index-th run: cached, or rendered now (and cached)."""
        if not self.stale[index]:
            entry = self.reader.entry(run.id)
            if entry is not None and PARTS <= entry.keys():
                self.writer.keep(run.id)
                return entry
        html = self.rows is None or index < self.rows or self.tags[index] is not None
        entry = _render(self.output, run, self.thumbnailed, self.made, f"{run.id}.log" in self.logs, html)
        if self.tags[index] is not None and self.writer is not None:
            self.writer.put(run.id, dict(tag=self.tags[index] + self.mode, **entry))
        return entry

    def close(self) -> None:
        """Bring the cache file up to date."""
        if self.writer is not None:
            self.writer.close()
        if self.reader is not None:
            self.reader.close()


def _render(output, run, thumbnailed, made, logged, html=True):
    row = sections.row(run)
    if logged:
        row[K["log"]] = inside_href(Layout().log(run.id))
    tiles = gallery.run_tiles(output, run, thumbnailed, made) if output is not None else []
    row[K["figures"]] = len(tiles)
    tiles_html = [(cell, str(render.section("tile", run.id, n, run.label, sections.anchor(run), src, href, note, live)))
            for n, (cell, src, href, note, live) in enumerate(tiles)]
    # master.ipynb's charts of this run, as JSON text (its notebook is read only when it drew one)
    charts = ",".join(json.dumps(found, ensure_ascii=False, sort_keys=True)
                      for found in chartcells.run_outputs(output, run, not thumbnailed)) if output is not None else ""
    return {"row": str(render.section("ledger_row", row)) if html else "", "json": script_json(row), "tiles": tiles_html,
            "charts": charts}


class BareRows:
    """The ledger data of runs with no files (collect/bare.py), from one rendered row a state: such a
    run's row differs from the template's only in its id, label and parameters, each encoded alone."""

    MARKS = ("\x00id\x00", "\x00label\x00", "\x00texts\x00")

    def __init__(self):
        self.parts = {}

    def json(self, given: object) -> str:
        """The ledger data of a run with no files (a bare.Given), as _render's "json" would be."""
        # the template's parts went through script_json already: escaping the whole escapes the run's parts
        return script_safe(self.unsafe([given]))

    def unsafe(self, runs: list, before: str = "") -> str:
        """The ledger data of runs with no files, all in one state, each after ``before``, not yet made
        safe for a script element (script_safe of the whole is that of each run's, put together)."""
        parts = self.parts.get(runs[0].state) or self.parts.setdefault(runs[0].state, self._split(runs[0].state))
        head, after_id, after_label, tail = before + parts[0], parts[1], parts[2], parts[3]
        encode, string = SCRIPT_ENCODER.encode, encode_basestring
        found = []
        for given in runs:
            texts = given.texts
            # a dict of texts, encoded as SCRIPT_ENCODER would, without its calls
            texts = "{" + ",".join([string(k) + ":" + string(v) for k, v in texts.items()]) + "}" \
                if type(texts) is dict and all(type(k) is str and type(v) is str for k, v in texts.items()) \
                else encode(texts)
            found += (head, string(given.id) if type(given.id) is str else encode(given.id), after_id,
                      string(given.label) if type(given.label) is str else encode(given.label), after_label,
                      texts, tail)
        return "".join(found)

    def _split(self, state):
        empty = run_of(dict(vars(Run(*self.MARKS)), state=state))
        text = _render(None, empty, False, None, False, html=False)["json"]
        parts = []
        for mark in self.MARKS:
            head, text = text.split(script_json(mark), 1)
            parts.append(head)
        return [*parts, text]


def logs(output: str | Path | None) -> set:
    """The names in OUTPUT/logs (one listing, not a stat per run)."""
    try:
        return {p.name for p in (Path(output) / LOGS).iterdir()} if output is not None else set()
    except OSError:
        return set()


@functools.lru_cache(maxsize=None)
def _version():
    digest = hashlib.sha256()
    for name in RENDERERS:
        digest.update((Path(__file__).resolve().parent / name).read_bytes())
    return f"{VERSION}-{digest.hexdigest()[:16]}"
