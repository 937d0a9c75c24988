"""The gallery: every run's figures, aligned by the cell that drew them, labelled by value.

Up to FULL_LIMIT figures are embedded at full size (the page stays self-contained). Beyond that,
each figure is embedded as a small JPEG thumbnail, and its full image is written once to
OUTPUT/figures/ and is one click away, so a 5,000-run report stays a size a browser opens.
"""

import base64
import io
import os
import re
from pathlib import Path

from . import drawn, extract, figspec

FULL_LIMIT = 200
THUMB_WIDTH = 160
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}


def by_cell(runs):
    """{cell index: [(run, place)]} in run order."""
    cells = {}
    for run in runs:
        for place in run.figures:
            cells.setdefault(place["cell"], []).append((run, place))
    return dict(sorted(cells.items()))


def kinds(runs):
    """{kind: number of figures} over every run, in the order kinds first appear."""
    found = {}
    for run in runs:
        for place in run.figures:
            kind = figspec.kind_of(place["mime"])
            found[kind] = found.get(kind, 0) + 1
    return found


def tiles(output, cells, cache):
    """{cell: [(run, src, href, note)]}: an <img> source per figure, a link to its full image or
    None, and a note for a chart that could not be drawn (then src and href are None).

    Each run's notebook is read at most once; thumbnails are cached in ``cache`` by run, figure and
    the notebook's hash, so a re-run gets a new one. Charts (plotly, vega, bokeh) are drawn once
    per distinct spec, on every core (drawn.py)."""
    thumbs = sum(len(v) for v in cells.values()) > FULL_LIMIT
    wanted = {}
    for cell, entries in cells.items():
        for run, place in entries:
            wanted.setdefault(run.id, (run, []))[1].append(place)
    made, charts = {}, {}
    for run, places in wanted.values():
        keys = {id(p): f"{run.id}:{p['cell']}:{p['index']}:{run.notebook_sha256[:16]}" for p in places}
        if thumbs and all(keys[id(p)] in cache for p in places):
            made.update({(run.id, p["cell"], p["index"]): tuple(cache[keys[id(p)]]) for p in places})
            continue
        nb, _, _ = extract.read_run(os.path.join(output, run.notebook)) if run.notebook else (None, None, 0)
        for place in places:
            figure = _figure(nb, place)
            where = (run.id, place["cell"], place["index"])
            if isinstance(figure, drawn.Chart):
                charts[where] = (figure, keys[id(place)] if thumbs else None, run, place)
            elif figure is not None:
                tile = _thumbnail(output, run, place, figure) if thumbs else (_data_uri(*figure), None)
                if thumbs:
                    cache[keys[id(place)]] = tile
                made[where] = tile
    made.update(_chart_tiles(output, charts, cache, thumbs))
    result = {}
    for cell, entries in cells.items():
        for run, place in entries:
            tile = made.get((run.id, place["cell"], place["index"]))
            if tile:
                result.setdefault(cell, []).append((run, *(tuple(tile) + (None, None))[:3]))
    return result


def _chart_tiles(output, charts, cache, thumbs):
    """Tiles of the charts: their drawings (made once per distinct spec), or a note saying why not."""
    pictures = drawn.draw_all(output, [chart for chart, _, _, _ in charts.values()])
    made = {}
    for where, (chart, cache_key, run, place) in charts.items():
        picture = pictures[chart.key]
        if isinstance(picture, Exception):
            tile = (None, None, f"{chart.kind} figure, cell {place['cell']}: could not render: {picture}")
        elif thumbs:
            href = "/".join((drawn.FOLDER.replace(os.sep, "/"), f"{chart.key}.png"))
            tile = (_small(picture[1]), href, None)
        else:
            tile = (_data_uri(*picture), None, None)
        if thumbs and cache_key and tile[0]:
            cache[cache_key] = tile
        made[where] = tile
    return made


def _figure(nb, place):
    """(mime, base64 data) of one image of a notebook, a drawn.Chart for a chart's spec, or None."""
    found = extract.figure_data(nb, place["cell"], place["index"]) if nb else None
    if not found:
        return None
    _, mime, data = found
    if mime not in EXTENSIONS:
        return drawn.Chart(mime, data)
    if mime == "image/svg+xml":
        return mime, extract.svg_base64(data)
    data = "".join(data.split())
    return (mime, data) if BASE64.fullmatch(data) else None


def _data_uri(mime, data):
    return f"data:{mime};base64,{data}"


def _thumbnail(output, run, place, figure):
    """A small JPEG data URI, and the full image written to figures/ for its link."""
    mime, data = figure
    raw = base64.b64decode(data)
    name = f"{run.id}-cell{place['cell']}-{place['index']}.{EXTENSIONS[mime]}"
    folder = Path(output) / "figures"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(raw)
    href = f"figures/{name}"
    if mime == "image/svg+xml":
        return _data_uri(mime, data), href
    return _small(data), href


def _small(data):
    """A small JPEG data URI of a base64 raster image, or None when it cannot be read."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            image = image.convert("RGB")
            image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=70)
        return _data_uri("image/jpeg", base64.b64encode(buffer.getvalue()).decode("ascii"))
    except Exception:  # no Pillow, or an image it cannot read: the link still works
        return None
