"""Each run's rendered pieces, cached by the identity of its files: its ledger row (HTML for the
table, JSON for the page's script) and its gallery tiles. A repeat collect renders only the runs
whose files changed; the page is then put together from strings.

OUTPUT/.report-pieces.json (cachefile.py) holds {id: {"key", "row", "json", "tiles"}}; the key is the run's
file identity from the collector's index, whether its log exists and the gallery's mode.
"""

import functools
import hashlib
from pathlib import Path

from . import cachefile, gallery, render, sections
from .escape import inside_href, script_json
from .runner.outcome import Status

CACHE = ".report-pieces.json"
VERSION = 1
# The code and template that render the pieces: when either changes, every cached piece is stale.
RENDERERS = ("sections.py", "pieces.py", "gallery.py", "viewer.py", "templates/sections.html.j2")
# A run in these states changes without its files changing (progress): never cached.
LIVE = frozenset(s.value for s in (Status.PENDING, Status.RUNNING, Status.KILLED))


def pieces(output, runs, keys=None):
    """{run id: {"row", "json", "tiles"}} for every run, rendering only those not cached."""
    thumbnailed = gallery.thumbnails(runs)
    logs = _logs(output)
    old = _load(output) if keys else {}
    wanted = {run.id: [keys[run.id], f"{run.id}.log" in logs, thumbnailed] if keys and run.state not in LIVE
              else None for run in runs}
    stale = [run for run in runs if wanted[run.id] is None or old.get(run.id, {}).get("key") != wanted[run.id]]
    renew = {run.id for run in stale}
    if stale and output is not None:
        gallery.draw_charts(output, stale)
    if thumbnailed and stale and output is not None:
        gallery.make_missing(output, stale)
    made = gallery.listing(output) if thumbnailed and stale and output is not None else None
    found = {run.id: old[run.id] for run in runs if run.id not in renew}
    for run in stale:
        found[run.id] = dict(_render(output, run, thumbnailed, made, f"{run.id}.log" in logs), key=wanted[run.id])
    if keys:
        kept = {k: v for k, v in found.items() if v["key"] is not None}
        cachefile.save(Path(output) / CACHE, "report-pieces", _version(), old, kept)
    return found


def _render(output, run, thumbnailed, made, logged):
    row = sections.row(run)
    if logged:
        row["L"] = inside_href(f"logs/{run.id}.log")
    tiles = gallery.run_tiles(output, run, thumbnailed, made) if output is not None else []
    row["f"] = len(tiles)
    html = [(cell, str(render.section("tile", run.id, n, run.label, sections.anchor(run), src, href, note, live)))
            for n, (cell, src, href, note, live) in enumerate(tiles)]
    return {"row": str(render.section("ledger_row", row)), "json": script_json(row), "tiles": html}


def _logs(output):
    try:
        return {p.name for p in (Path(output) / "logs").iterdir()} if output is not None else set()
    except OSError:
        return set()


def _load(output):
    entries = cachefile.load(Path(output) / CACHE, "report-pieces", _version())
    return {k: v for k, v in entries.items() if {"key", "row", "json", "tiles"} <= v.keys()}


@functools.lru_cache(maxsize=None)
def _version():
    digest = hashlib.sha256()
    for name in RENDERERS:
        digest.update((Path(__file__).resolve().parent / name).read_bytes())
    return f"{VERSION}-{digest.hexdigest()[:16]}"
