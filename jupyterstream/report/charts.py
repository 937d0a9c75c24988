"""Metric charts as small inline SVG (no plotting library), and a robust outlier rule.

Which picture a metric gets (``kind``): one line when every run has the same value; sorted bars from
zero up to BARS_LIMIT runs, or sorted dots on an axis that does not start at zero when the values sit
far from it (years, say), where bars from zero would make every run look alike; a histogram beyond
BARS_LIMIT runs. Every mark says on hover which run it is and its value; outliers link to their run.
"""

from __future__ import annotations

import math
import statistics

from .escape import esc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..collect.runs import Run

BARS_LIMIT = 100
SPAN_LIMIT = 1e307
LABELS_LIMIT = 60  # up to this many runs, each is named under its mark
WIDTH, HEIGHT = 520, 200
LEFT, TOP, PLOT_H = 56, 8, 150
MAD_CUTOFF = 3.5  # modified z-score above which a value is an outlier (Iglewicz and Hoaglin)
BLUE, RED = "#3465a4", "#cc0000"


def numeric(runs: list[Run], name: str) -> list:
    """[(label, value)] of the runs whose metric ``name`` is a number a float holds finitely; any
    other value (text, an integer past a float's range, NaN, a container) is left out, and so is a
    number beyond SPAN_LIMIT, where the distance between two values would overflow a float."""
    found = []
    for run in runs:
        number = as_number(run.metrics.get(name))
        if number is not None:
            found.append((run.label, number))
    return found


def as_number(value: object) -> float | None:
    """A metric value as the float a chart draws, or None when it is not one (see ``numeric``)."""
    number = finite_float(value)
    return number if number is not None and abs(number) <= SPAN_LIMIT else None


def finite_float(value: object) -> float | None:
    """An int or float (not a bool) as a finite float, or None (NaN, infinities, ints past a float)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def outliers(pairs: list) -> list:
    """The pairs whose modified z-score (by the median absolute deviation) exceeds MAD_CUTOFF."""
    if len(pairs) < 5:
        return []
    values = [v for _, v in pairs]
    median = statistics.median(values)
    deviations = [abs(v - median) for v in values]
    mad = statistics.median(deviations)
    # With more than half the values equal, the MAD is 0: fall back to the mean absolute deviation.
    scale = mad / 0.6745 if mad else 1.253314 * statistics.fmean(deviations)
    if not scale:
        return []
    return [(label, v) for label, v in pairs if abs(v - median) / scale > MAD_CUTOFF]


def kind(pairs: list[tuple]) -> str:
    """'constant', 'dots', 'bars' or 'histogram': the picture ``pairs`` get."""
    values = [v for _, v in pairs]
    low, high = min(values), max(values)
    if low == high:
        return "constant"
    if len(values) > BARS_LIMIT:
        return "histogram"
    # Far from zero: zero is further from the values than they are from each other.
    return "dots" if low > 0 and low > high - low or high < 0 and -high > high - low else "bars"


def chart(name: str, pairs: list, flagged: list, links: dict | None = None) -> str:
    """HTML for one metric: a sentence for a constant, else an SVG chart with a caption."""
    if not pairs:
        return ""
    links, picture = links or {}, kind(pairs)
    if picture == "constant":
        return f"<p class='js-constant'>all {len(pairs)} runs: {esc(f'{pairs[0][1]:g}')}</p>"
    if picture == "histogram":
        return _histogram(name, pairs, flagged, links)
    return _sorted(name, pairs, flagged, links, from_zero=picture == "bars")


def number(value: float) -> str:
    """A value as an axis, legend or label shows it: 14,652 or 18.4M rather than 1.8437e+07."""
    if abs(value) >= 1e6:
        for scale, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
            if abs(value) >= scale:
                return f"{value / scale:.3g}{suffix}"
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.4g}"


def ticks(low: float, high: float, count: int = 5) -> list:
    """Round tick values covering [low, high] (steps of 1, 2 or 5 times a power of ten)."""
    span = high - low or abs(high) or 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    return [round(first + i * step, 12) for i in range(int(math.ceil((high - first) / step - 1e-9)) + 1)]


def _sorted(name, pairs, flagged, links, from_zero):
    pairs = sorted(pairs, key=lambda p: p[1])
    low, high = pairs[0][1], pairs[-1][1]
    marks = ticks(min(low, 0.0), max(high, 0.0)) if from_zero else ticks(low, high)
    scale = _scale(marks[0], marks[-1])
    width, outlying = (WIDTH - LEFT) / len(pairs), {label for label, _ in flagged}
    shapes = [_axis(marks, scale)]
    for i, (label, value) in enumerate(pairs):
        x, colour = LEFT + i * width, RED if label in outlying else BLUE
        if from_zero:
            top, zero = scale(value), scale(0.0)
            shape = (f"<rect x='{x:.1f}' y='{min(top, zero):.1f}' width='{max(width - 1, 1):.1f}' "
                     f"height='{max(abs(zero - top), 1):.1f}' fill='{colour}'>")
        else:
            shape = f"<circle cx='{x + width / 2:.1f}' cy='{scale(value):.1f}' r='{min(4, max(width / 3, 2)):.1f}' fill='{colour}'>"
        shape += f"<title>{esc(label)}: {value:g}</title></{shape[1:shape.index(' ')]}>"
        shapes.append(_linked(shape, links.get(label) if label in outlying else None))
        if len(pairs) <= LABELS_LIMIT:
            shapes.append(f"<text transform='translate({x + width / 2 + 3:.1f},{TOP + PLOT_H + 4}) rotate(-90)' "
                          f"text-anchor='end' font-size='9'>{esc(label[:12])}</text>")
    axis = "bars from zero" if from_zero else \
        f"dots; the axis runs from {number(marks[0])} to {number(marks[-1])}, not from zero"
    return _svg(name, shapes, f"{len(pairs)} runs, sorted ({axis}); lowest {number(low)}, highest {number(high)}")


def _histogram(name, pairs, flagged, links):
    values = [v for _, v in pairs]
    low, high = min(values), max(values)
    whole = all(v.is_integer() for v in values)
    # Whole numbers (years, counts) get bins of whole width: 30 bins over 44 years would alternate.
    step = math.ceil((high - low + 1) / 30) if whole else (high - low) / 30
    bins = math.ceil((high - low + 1) / step) if whole else 30
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / step), bins - 1)] += 1
    last = 1 if whole else 0  # a whole-number bin ends one below the next one's start
    marks = ticks(0, max(counts))
    scale, width = _scale(0, marks[-1]), (WIDTH - LEFT) / bins
    shapes = [_axis(marks, scale)]
    for i, count in enumerate(counts):
        top = scale(count)
        shapes.append(f"<rect x='{LEFT + i * width:.1f}' y='{top:.1f}' width='{width - 1:.1f}' "
                      f"height='{scale(0) - top:.1f}' fill='{BLUE}'><title>{number(low + i * step)} to "
                      f"{number(low + (i + 1) * step - last)}: {count} runs</title></rect>")
    for label, value in flagged:
        x = LEFT + (value - low) / (bins * step) * (WIDTH - LEFT)
        dot = f"<circle cx='{x:.1f}' cy='{TOP + PLOT_H + 8}' r='4' fill='{RED}'><title>{esc(label)}: {value:g} (outlier)</title></circle>"
        shapes.append(_linked(dot, links.get(label)))
    shapes.append(f"<text x='{LEFT}' y='{TOP + PLOT_H + 28}' font-size='10'>{number(low)}</text>"
                  f"<text x='{WIDTH}' y='{TOP + PLOT_H + 28}' font-size='10' text-anchor='end'>{number(high)}</text>")
    return _svg(name, shapes, f"histogram of {len(values)} runs, {number(low)} to {number(high)}; "
                              "bar height: runs per bin")


def _scale(low, high):
    span = (high - low) or 1.0
    return lambda value: TOP + PLOT_H - (value - low) / span * PLOT_H


def _axis(marks, scale):
    parts = [f"<line x1='{LEFT - 4}' x2='{WIDTH}' y1='{scale(m):.1f}' y2='{scale(m):.1f}' stroke='#ddd'/>"
             f"<text x='{LEFT - 6}' y='{scale(m) + 3:.1f}' font-size='10' text-anchor='end'>{number(m)}</text>"
             for m in marks]
    return "".join(parts) + f"<line x1='{LEFT}' x2='{LEFT}' y1='{TOP}' y2='{TOP + PLOT_H}' stroke='#888'/>"


def _linked(shape, href):
    return f"<a href='{esc(href)}'>{shape}</a>" if href else shape


def _svg(name, shapes, caption):
    return (f"<figure class='js-chart'><svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' "
            f"height='{HEIGHT}' viewBox='0 0 {WIDTH} {HEIGHT}' role='img' aria-label='{esc(name)}'>"
            f"{''.join(shapes)}</svg><figcaption>{esc(name)}: {esc(caption)}</figcaption></figure>")
