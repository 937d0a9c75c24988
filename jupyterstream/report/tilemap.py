"""A tile map of the US states: one square per state in its rough place, coloured by a metric.

No map data: the layout below is the common 12 x 8 tile grid (Alaska top left, Hawaii bottom left).
"""

from __future__ import annotations

from .charts import number
from .escape import esc

LAYOUT = """
AK . . . . . . . . . . ME
. . . . . . . . . . VT NH
. WA ID MT ND MN IL WI MI NY RI MA
. OR NV WY SD IA IN OH PA NJ CT .
. CA UT CO NE MO KY WV VA MD DE .
. . AZ NM KS AR TN NC SC DC . .
. . . . OK LA MS AL GA . . .
HI . . . TX . . . . FL . .
"""
PLACES = {code: (column, row) for row, line in enumerate(LAYOUT.strip().splitlines())
          for column, code in enumerate(line.split()) if code != "."}
STATES = frozenset(PLACES)  # the 50 states and DC
TILE, GAP = 30, 3
# Five steps from light to dark blue (sequential, readable by most colour-blind readers).
COLOURS = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")


def applies(labels: list[str]) -> bool:
    """True when every swept value is a US state code (the 50 states and DC)."""
    labels = list(labels)
    return len(labels) > 1 and all(label in STATES for label in labels)


def tilemap(name: str, pairs: list[tuple], links: dict[str, str] | None = None) -> str:
    """An inline SVG map of ``pairs`` [(state, value)], five colour steps and a legend."""
    values = [v for _, v in pairs]
    low, high = min(values), max(values)
    step = (high - low) / len(COLOURS) or 1.0
    links = links or {}
    tiles = [_tile(code, value, COLOURS[min(int((value - low) / step), len(COLOURS) - 1)], links.get(code))
             for code, value in pairs if code in PLACES]
    shown = {code for code, _ in pairs}
    tiles += [_tile(code, None, "#f0f0f0", None) for code in sorted(STATES - shown)]
    width, height = 12 * (TILE + GAP) + 150, 8 * (TILE + GAP)
    return (f"<svg xmlns='http://www.w3.org/2000/svg' class='js-tilemap' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' role='img' aria-label='{esc(name)} by state'>"
            f"{''.join(tiles)}{_legend(low, step, 12 * (TILE + GAP) + 8)}</svg>")


def _tile(code, value, colour, href):
    column, row = PLACES[code]
    x, y = column * (TILE + GAP), row * (TILE + GAP)
    dark = colour in COLOURS[3:]
    label = f"{code}: {number(value)}" if value is not None else f"{code}: no value"
    body = (f"<rect x='{x}' y='{y}' width='{TILE}' height='{TILE}' fill='{colour}'/>"
            f"<text x='{x + TILE / 2}' y='{y + TILE / 2 + 4}' text-anchor='middle' font-size='11' "
            f"fill='{'#fff' if dark else '#222'}'>{code}</text><title>{esc(label)}</title>")
    if href:
        return f"<a href='{esc(href)}'>{body}</a>"
    return f"<g>{body}</g>"


def _legend(low, step, left):
    boxes = [f"<text x='{left}' y='{TILE * 3}' font-size='11'>value</text>"]  # five equal steps, low to high
    for i, colour in enumerate(COLOURS):
        top = TILE * 3 + 8 + i * 22
        start, end = low + i * step, low + (i + 1) * step
        boxes.append(f"<rect x='{left}' y='{top}' width='16' height='16' fill='{colour}'/>"
                     f"<text x='{left + 22}' y='{top + 12}' font-size='11'>{number(start)} – {number(end)}</text>")
    return "".join(boxes)



