"""Metric charts as small inline SVG (no plotting library), and a robust outlier rule."""

import math
import statistics

from .escape import esc

BARS_LIMIT = 100
WIDTH, HEIGHT = 640, 180
SPAN_LIMIT = 1e307
MAD_CUTOFF = 3.5  # modified z-score above which a value is an outlier (Iglewicz and Hoaglin)


def numeric(runs, name):
    """[(label, value)] of the runs whose metric ``name`` is a number a float holds finitely; any
    other value (text, an integer past a float's range, NaN, a container) is left out, and so is a
    number beyond SPAN_LIMIT, where the distance between two values would overflow a float."""
    found = []
    for run in runs:
        value = run.metrics.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:
                continue
            if math.isfinite(number) and abs(number) <= SPAN_LIMIT:
                found.append((run.label, number))
    return found


def outliers(pairs):
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


def chart(name, pairs, flagged):
    """Sorted bars for up to BARS_LIMIT runs, a histogram beyond; outliers in red."""
    if not pairs:
        return ""
    return _bars(name, pairs, flagged) if len(pairs) <= BARS_LIMIT else _histogram(name, pairs)


def _bars(name, pairs, flagged):
    pairs = sorted(pairs, key=lambda p: p[1])
    low, high = min(0.0, pairs[0][1]), max(0.0, pairs[-1][1])
    span = (high - low) or 1.0
    width = WIDTH / len(pairs)
    zero = HEIGHT - 20 - (0 - low) / span * (HEIGHT - 30)
    bars, outlying = [], {label for label, _ in flagged}
    for i, (label, value) in enumerate(pairs):
        top = HEIGHT - 20 - (value - low) / span * (HEIGHT - 30)
        y, h = min(top, zero), max(abs(zero - top), 1)
        colour = "#cc0000" if label in outlying else "#3465a4"
        bars.append(f"<rect x='{i * width:.1f}' y='{y:.1f}' width='{max(width - 1, 1):.1f}' height='{h:.1f}' "
                    f"fill='{colour}'><title>{esc(label)}: {value:g}</title></rect>")
    return _svg(name, bars, f"{len(pairs)} runs, sorted; lowest {pairs[0][1]:g}, highest {pairs[-1][1]:g}")


def _histogram(name, pairs):
    values = [v for _, v in pairs]
    low, high = min(values), max(values)
    bins = 30
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / step), bins - 1)] += 1
    top = max(counts)
    width = WIDTH / bins
    bars = [f"<rect x='{i * width:.1f}' y='{HEIGHT - 20 - c / top * (HEIGHT - 30):.1f}' width='{width - 1:.1f}' "
            f"height='{c / top * (HEIGHT - 30):.1f}' fill='#3465a4'><title>{low + i * step:g} to "
            f"{low + (i + 1) * step:g}: {c} runs</title></rect>" for i, c in enumerate(counts)]
    return _svg(name, bars, f"histogram of {len(values)} runs, {low:g} to {high:g}")


def _svg(name, shapes, caption):
    return (f"<figure><svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' "
            f"role='img' aria-label='{esc(name)}'>{''.join(shapes)}</svg>"
            f"<figcaption>{esc(name)}: {esc(caption)}</figcaption></figure>")
