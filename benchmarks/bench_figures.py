"""What drawing chart specs costs the collector: N distinct plotly and N distinct vega-lite specs.

    .venv/bin/python benchmarks/bench_figures.py [--specs 1000] [--workers 0]

Prints, per kind, the first drawing of N distinct specs (on every core, as collect does), a repeat
over the same specs (all cached), and their ratio; the writing of their openers (viewer.py: a page per
chart that opens it interactive, and the library's viewer, once) and its repeat; plus, as the baseline measured in this same
process, the time to make a JPEG thumbnail of the same number of matplotlib-sized PNGs, which is what
a gallery of plain images already costs. Nothing is asserted: the machine is shared, read the ratios.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyterstream.report.figures import drawn, gallery, viewer  # noqa: E402
from jupyterstream.collect.figspec import KIND_MIME  # noqa: E402


def plotly_spec(i):
    """A small line chart, different for every i."""
    return {"data": [{"type": "scatter", "mode": "lines", "x": list(range(20)),
                      "y": [(i * 7 + k * 13) % 17 for k in range(20)]}],
            "layout": {"title": {"text": f"run {i}"}, "width": 480, "height": 300}}


def vegalite_spec(i):
    """A small bar chart, different for every i."""
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": f"run {i}",
            "data": {"values": [{"x": k, "y": (i * 7 + k * 13) % 17} for k in range(20)]},
            "mark": "bar", "encoding": {"x": {"field": "x", "type": "ordinal"},
                                        "y": {"field": "y", "type": "quantitative"}}}


def timed(func):
    began = time.perf_counter()
    result = func()
    return time.perf_counter() - began, result


def baseline(count):
    """Thumbnails of ``count`` PNGs of a matplotlib chart's size: the cost of a plain-image gallery."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (480, 240), "white").save(buffer, "PNG")
    raw = buffer.getvalue()
    return timed(lambda: [gallery._thumbnail(raw) for _ in range(count)])[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=0, help="processes; 0: one per core")
    args = parser.parse_args()
    base = baseline(args.specs)
    print(f"baseline: {args.specs} image thumbnails {base:.2f} s ({base / args.specs * 1000:.1f} ms each)")
    for kind, make in (("vega-lite", vegalite_spec), ("plotly", plotly_spec)):
        with tempfile.TemporaryDirectory() as output:
            charts = [drawn.Chart(KIND_MIME[kind], make(i)) for i in range(args.specs)]
            first, made = timed(lambda: drawn.draw_all(output, charts, args.workers or None))
            failed = sum(isinstance(m, Exception) for m in made.values())
            again, _ = timed(lambda: drawn.draw_all(output, charts, args.workers or None))
            print(f"{kind}: {args.specs} distinct specs drawn in {first:.2f} s ({first / args.specs * 1000:.1f} ms each, "
                  f"{os.cpu_count()} cores, {failed} failed); repeat, all cached: {again:.2f} s; "
                  f"repeat/first {again / first:.3f}; first/baseline {first / base:.1f}")
            opened, _ = timed(lambda: viewer.write_openers(output, charts))
            reopened, _ = timed(lambda: viewer.write_openers(output, charts))
            print(f"{kind}: {args.specs} openers (pages that open a chart interactive) and the viewer written in "
                  f"{opened:.2f} s; repeat, all there: {reopened:.3f} s")


if __name__ == "__main__":
    main()
