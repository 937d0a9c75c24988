"""The gallery: every run's figures, aligned by the cell that drew them, labelled by value.

Up to FULL_LIMIT figures are embedded at full size (the page stays self-contained). Beyond that,
each figure is written once to OUTPUT/figures/ under its content hash, with a small JPEG thumbnail
in figures/thumbs/; the page shows the thumbnail and links the full image. Files named by content
are made once (in a process pool when there are enough new ones and idle cores), and a repeat
collect finds them. SVG is always cleaned first
(sanitize.py): a figure opened on its own runs whatever scripts it carries.

``tile`` is the one place a figure output (mime, data) becomes what the page shows (src, href), at
full size and (in the worker processes too) with thumbnails; ``run_tiles`` only finds the files it
made. A new kind of figure plugs in at EXTENSIONS and ``_raw`` (its bytes, made safe, or None).
A chart library's spec (plotly, vega, vega-lite, bokeh: figspec.py) is drawn once, before the page is
made, as a PNG named by the hash of its spec (``draw_charts``, drawn.py), and is then shown like any
image; a chart that could not be drawn is a tile with a note that says why. Beside its drawing, a
chart gets an opener page (figures/KEY.html, viewer.py) that the tile links as "interactive".
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import drawn, sanitize, viewer
from ...collect import extract, figspec
from ...collect.figspec import fingerprint  # noqa: F401 (this module's API too)
from ...atomic import make_folder, write_bytes
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from ...collect.runs import Run

FULL_LIMIT = 200
THUMB_WIDTH = 160
FIGURES, THUMBS = "figures", "figures/thumbs"
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}
NO_THUMB = ".none"  # beside a figure Pillow could not read, so it is not tried again
POOL_FIGURES = 24  # fewer new figures than this are made in this process: starting a pool costs more
CHARTS = figspec.CHARTS


def thumbnails(runs: list[Run]) -> bool:
    """True when the runs hold more than FULL_LIMIT figures: the gallery shows thumbnails."""
    return sum(len(run.figures) for run in runs) > FULL_LIMIT


def run_tiles(output: str | Path, run: Run, thumbnailed: bool, made: dict[str, set] | None = None) -> list:
    """[(cell, src, href, note, live)] of one run's figures (see ``tile``); ``made`` is ``listing(output)``;
    a chart that could not be drawn has no picture, and a note that says why; ``live`` links the page
    that opens a chart interactive (viewer.py), when it has one."""
    if not thumbnailed:
        nb = extract.read_run(os.path.join(output, run.notebook))[0] if run.notebook and run.figures else None
        found = [(p, extract.figure_data(nb, p["cell"], p["index"]) if nb else None) for p in run.figures]
        tiles = [(p["cell"], tile(output, f[1], f[2], False)[0], None, _note(output, p), _live(output, p, None))
                 for p, f in found if f]
    else:
        made = made or listing(output)
        tiles = [(place["cell"], *_linked(place, made), _note(output, place), _live(output, place, made))
                 for place in run.figures]
    return [entry for entry in tiles if entry[1] or entry[2] or entry[3]]


def _live(output, place, made):
    """The link to a chart's opener page (figures/KEY.html), or None."""
    key = place.get("sha")
    if place.get("mime") not in CHARTS or not key:
        return None
    there = f"{key}.html" in made["full"] if made else (Path(output) / FIGURES / f"{key}.html").exists()
    return viewer.opener_name(key) if there else None


def _note(output, place):
    """Why a chart has no picture ("plotly figure, cell 3: could not render: ..."), or None."""
    if place.get("mime") not in CHARTS or not place.get("sha"):
        return None
    drawing = drawn.read(output, place["sha"])
    if isinstance(drawing, bytes):
        return None
    why = drawing if drawing is not None else "it was not drawn (collect again)"
    return f"{figspec.kind_of(place['mime'])} figure, cell {place['cell']}: could not render: {why}"


def draw_charts(output: str | Path, runs: list[Run] | Iterator) -> None:
    """Draw every chart of ``runs`` not drawn yet (figures/KEY.png, or KEY.err saying why not): each
    distinct spec once, on every core; and write the page that opens it interactive (KEY.html)."""
    made, keys, wanted = listing(output)["full"], set(), {}
    for run in runs:
        for place in run.figures:
            key, mime = place.get("sha"), place.get("mime")
            # a spec many runs drew is read from the first of them only
            if mime in CHARTS and key and key not in keys and run.notebook and _wanted(key, figspec.kind_of(mime), made):
                keys.add(key)
                wanted.setdefault(run.notebook, []).append(place)
    charts = []
    for notebook, places in wanted.items():
        nb = extract.read_run(os.path.join(output, notebook))[0]
        found = [extract.figure_data(nb, p["cell"], p["index"]) if nb else None for p in places]
        charts += [drawn.Chart(f[1], f[2]) for f in found if f and f[1] in CHARTS]
    if charts:
        drawn.draw_all(output, charts)
        viewer.write_openers(output, charts)


def _wanted(key, kind, made):
    """True when a chart has no drawing (nor reason why) yet, or no opener page while it could have one."""
    return not {f"{key}.png", f"{key}.err"} & made or (viewer.opens(kind) and f"{key}.html" not in made)


def tile(output: str | Path, mime: str, data: dict | str, thumbnails: bool) -> tuple:
    """(src, href) of one figure output: a data URI and no link at full size; with ``thumbnails``,
    the thumbnail's and the full image's files (made here when missing). (None, None) for bad data,
    and for a chart with no drawing."""
    sha = fingerprint(mime, data)
    if mime in CHARTS:
        mime, data = _drawing(output, mime, sha)
    raw = _raw(mime, data) if data is not None else None
    if raw is None:
        return None, None
    if not thumbnails:
        return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}", None
    ext = EXTENSIONS[mime]
    thumbnail = _write_files(Path(output), mime, raw, sha)
    if ext == "svg":  # cleaned SVG is its own thumbnail: an <img> scales it
        return f"{FIGURES}/{sha}.svg", f"{FIGURES}/{sha}.svg"
    return (f"{THUMBS}/{sha}.jpg" if thumbnail else None), f"{FIGURES}/{sha}.{ext}"


def _raw(mime, data):
    """The figure's bytes (SVG cleaned), or None when they cannot be shown safely."""
    if mime not in EXTENSIONS:
        return None
    if mime == "image/svg+xml":
        try:
            return sanitize.clean_svg(data)
        except sanitize.UnsafeSvg:
            return None
    data = "".join(str(data).split())
    if not BASE64.fullmatch(data):
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def _drawing(output, mime, key):
    """("image/png", base64) of a chart's drawing, or (mime, None) when it has none."""
    drawing = drawn.read(output, key)
    if isinstance(drawing, bytes):
        return "image/png", base64.b64encode(drawing).decode("ascii")
    return mime, None


def _ext(mime):
    return "png" if mime in CHARTS else EXTENSIONS.get(mime)


def figure_file(mime: str, sha: str) -> str | None:
    """Where a figure's own file is kept, relative to OUTPUT (figures/SHA.png; a chart's drawing), or None."""
    ext = _ext(mime)
    return f"{FIGURES}/{sha}.{ext}" if ext and isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{16}", sha) else None


def _linked(place, made):
    sha, ext = place.get("sha"), _ext(place.get("mime"))
    full = f"{sha}.{ext}"
    if not sha or full not in made["full"]:
        return None, None
    if ext == "svg":
        return f"{FIGURES}/{full}", f"{FIGURES}/{full}"
    thumb = f"{sha}.jpg"
    return (f"{THUMBS}/{thumb}" if thumb in made["thumbs"] else None), f"{FIGURES}/{full}"


def listing(output: str | Path) -> dict[str, set]:
    """The names in figures/ and figures/thumbs/ (one listing, not a stat per figure)."""
    found = {}
    for key, folder in (("full", FIGURES), ("thumbs", THUMBS)):
        try:
            found[key] = set(os.listdir(Path(output) / folder))
        except OSError:
            found[key] = set()
    return found


def make_missing(output: str | Path, runs: list[Run] | Iterator, workers: int | None = None, thumbs: bool = True) -> None:
    """Write the figures and thumbnails of ``runs`` not yet on disk, each distinct figure once, in a
    process pool when it pays (``pool_size``; ``workers`` overrides it). Without ``thumbs``, only the
    full images: a page that embeds its figures keeps them so that a later sweep's report can show
    what a figure was before (changes.py)."""
    made, work, wanted = listing(output), {}, set()
    for run in runs:
        for place in run.figures:
            sha, ext = place.get("sha"), _ext(place.get("mime"))
            done = f"{sha}.{ext}" in made["full"] and (not thumbs or ext == "svg" or f"{sha}.jpg" in made["thumbs"]
                                                        or f"{sha}{NO_THUMB}" in made["thumbs"])
            if not thumbs and place.get("mime") in CHARTS:
                continue  # its drawing is figures/KEY.png already (draw_charts)
            if sha and run.notebook and not done and sha not in wanted:
                wanted.add(sha)
                work.setdefault(run.notebook, []).append((place["cell"], place["index"]))
    if not work:
        return
    make_folder(Path(output) / (THUMBS if thumbs else FIGURES))
    tasks = [(str(output), notebook, places, thumbs) for notebook, places in work.items()]
    workers = pool_size(len(wanted)) if workers is None else workers
    if workers <= 1:
        list(map(_make_for_run, tasks))
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_make_for_run, tasks, chunksize=-(-len(tasks) // (4 * workers))))


def pool_size(figures: int) -> int:
    """Worker processes for ``figures`` new figures: 1 (no pool) for fewer than POOL_FIGURES, on one
    core, or when the other processes already keep every core busy (the load average, less this one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if cores <= 1 or figures < POOL_FIGURES:
        return 1
    return max(1, min(cores, int(cores - os.getloadavg()[0] + 1)))


def _make_for_run(task):
    """Write one run's figure files (a worker process's job)."""
    output, notebook, places, thumbs = task
    nb = extract.read_run(os.path.join(output, notebook))[0]
    for cell, index in places:
        found = extract.figure_data(nb, cell, index) if nb else None
        if found and thumbs:
            tile(output, found[1], found[2], True)
        elif found and found[1] in EXTENSIONS:
            _keep(Path(output), found[1], found[2])


def _keep(output, mime, data):
    """Write a figure's full image (no thumbnail) when it is not there yet."""
    raw, path = _raw(mime, data), output / FIGURES / f"{fingerprint(mime, data)}.{EXTENSIONS[mime]}"
    if raw is not None and not path.exists():
        write_bytes(path, raw, durable=False)


def _write_files(output, mime, raw, sha):
    """Write the full image and its thumbnail when missing; True when a thumbnail exists."""
    full = output / FIGURES / f"{sha}.{EXTENSIONS[mime]}"
    if not full.exists():
        make_folder(output / THUMBS)
        write_bytes(full, raw, durable=False)
    if mime == "image/svg+xml":
        return False
    if not (output / THUMBS / f"{sha}.jpg").exists() and not (output / THUMBS / f"{sha}{NO_THUMB}").exists():
        thumb = _thumbnail(raw)
        write_bytes(output / THUMBS / (f"{sha}.jpg" if thumb else f"{sha}{NO_THUMB}"), thumb or b"", durable=False)
    return (output / THUMBS / f"{sha}.jpg").exists()


def _thumbnail(raw):
    """A small JPEG of a raster figure, or None when Pillow cannot read it."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(raw)) as image:
            image = image.convert("RGB")
            image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=70)
        return buffer.getvalue()
    except Exception:  # an image Pillow cannot read: the link to the full image still works
        return None

