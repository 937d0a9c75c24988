"""Collector and report at scale: N demo-like executed notebooks (about 60 KB, one PNG each, or with
--charts one plotly chart each).

    .venv/bin/python benchmarks/bench_report.py [--runs 5000] [--charts]

Prints figures and ratios measured side by side in this one run (never asserted): extraction against
a bare json.load-and-walk baseline, a first whole collect (thumbnails made, in a pool when it pays), a repeat
extract and a repeat whole collect with HTML after 10 runs changed, the report's size, and peak memory
of a whole collect at N/5 and N runs (each in its own process). Wall time and CPU time are both
printed: on a shared machine CPU time is the steadier of the two. Each target is printed beside its
figure, with whether it is met (by wall time).
"""

import argparse
import base64
import hashlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from jupyterstream.report.figures import gallery  # noqa: E402
from jupyterstream.report import pieces, write as report  # noqa: E402
from jupyterstream.collect.runs import INDEX, load_plan, runs as collect_runs  # noqa: E402
from jupyterstream.runner.record import MIME_TYPE  # noqa: E402


DISTINCT = 51  # distinct figures, one per state, repeated over the runs


def chart_png(seed=0):
    """One real chart PNG, like the demo's (matplotlib, 480x240)."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3), dpi=80)
    ax.plot(range(37), [60 + (i * 7919 % (13 + seed)) for i in range(37)])
    plt.close(fig)
    ax.set_title("Live births (synthetic)")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def notebook(job_id, png, padding):
    """An executed notebook shaped like a demo run: source cells, metrics, one figure."""
    metric = lambda name, value: {"output_type": "display_data", "metadata": {},  # noqa: E731
                                  "data": {MIME_TYPE: {"name": name, "value": value}, "text/plain": f"{value}"}}
    cells = [{"cell_type": "markdown", "id": "intro", "metadata": {}, "source": padding},
             {"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "execution_count": 1,
              "outputs": [], "source": "state = 'CA'"},
             {"cell_type": "code", "id": "m", "metadata": {}, "execution_count": 2, "source": "record(...)",
              "outputs": [metric("peak_year", 1960 + len(job_id) % 40), metric("total", hash(job_id) % 10**6)]},
             {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 3, "source": "plt.show()",
              "outputs": [{"output_type": "display_data", "metadata": {}, "data": _figure_data(png)}]}]
    return {"cells": cells, "metadata": {"language_info": {"version": "3.11.7"}}, "nbformat": 4, "nbformat_minor": 5}


def _figure_data(figure):
    """A PNG (base64 text) as matplotlib shows it, or a plotly spec (a dict) as plotly's .show() does."""
    if isinstance(figure, dict):
        return {"application/vnd.plotly.v1+json": figure, "text/plain": "<plotly figure>"}
    return {"image/png": figure, "text/plain": "<Figure>"}


def plotly_spec(seed):
    """A distinct plotly bar chart of 51 bars."""
    return {"data": [{"type": "bar", "x": list(range(51)), "y": [(seed * 7 + k * 13) % 101 for k in range(51)]}],
            "layout": {"title": {"text": f"chart {seed}"}, "width": 640, "height": 400}}


def generate(output, count, pngs):
    """Write plan.json, runs/, status/ for ``count`` ok runs; run i shows figure i % len(pngs)."""
    pngs = pngs if isinstance(pngs, list) else [pngs]
    for sub in ("runs", "status"):
        (output / sub).mkdir(parents=True, exist_ok=True)
    jobs = []
    for i in range(count):
        job_id = f"R{i:05d}"
        png = pngs[i % len(pngs)]
        padding = "x" * max(0, 60_000 - len(json.dumps(png)) - 2_000)
        data = (json.dumps(notebook(job_id, png, padding), indent=1) + "\n").encode()
        (output / "runs" / f"{job_id}.ipynb").write_bytes(data)
        record = {"job": job_id, "status": "ok", "identity": job_id, "duration": 1.0 + i % 7 / 10,
                  "host": "h", "started": 0, "notebook": f"runs/{job_id}.ipynb",
                  "notebook_sha256": hashlib.sha256(data).hexdigest(), "exit_code": 0}
        (output / "status" / f"{job_id}.json").write_text(json.dumps(record))
        jobs.append({"id": job_id, "label": job_id, "texts": {"state": job_id}, "identity": job_id})
    plan = {"notebook": "demo.ipynb", "values_file": "values.txt", "notebook_sha256": "0" * 64,
            "values_sha256": "0" * 64, "jobs": jobs}
    (output / "plan.json").write_text(json.dumps(plan))


def baseline(output):
    """What reading costs at least: json.load of every notebook and a walk over its outputs."""
    seen = 0
    for path in sorted((output / "runs").glob("*.ipynb")):
        with open(path, "rb") as handle:
            nb = json.load(handle)
        for cell in nb["cells"]:
            seen += len(cell.get("outputs", []))
    return seen


def timed(func, *args):
    """(wall seconds, CPU seconds of this process and its finished children, result) of one call."""
    def cpu():
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    start, start_cpu = time.perf_counter(), cpu()
    result = func(*args)
    return time.perf_counter() - start, cpu() - start_cpu, result


def forget(output):
    """Drop what a previous collect left (index, rendered pieces, figure files): the next is a first one."""
    for name in (INDEX, pieces.CACHE):
        (output / name).unlink(missing_ok=True)
    shutil.rmtree(output / "figures", ignore_errors=True)


def touch(output, count=10):
    """Make ``count`` runs look changed (a new modification time on their notebooks)."""
    for path in sorted((output / "runs").glob("*.ipynb"))[:count]:
        os.utime(path)


def peak_memory_mb(output, first):
    """Peak resident memory of a whole collect (HTML included) in a fresh process; ``first``: with
    nothing cached (thumbnail workers are processes of their own and not counted)."""
    if first:
        forget(output)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (large) parent process.
    code = ("import re, sys; sys.path.insert(0, sys.argv[2]); from jupyterstream import report; "
            "report.collect(sys.argv[1]); "
            "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))")
    result = subprocess.run([sys.executable, "-c", code, str(output), str(REPO)], capture_output=True,
                            text=True, check=True)
    return int(result.stdout.split()[-1]) / 1024


def distinct_png(seed):
    """A 480x240 chart-like PNG that no other seed gives (Pillow: quicker to make than matplotlib)."""
    import random

    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    image = Image.new("RGB", (480, 240), "white")
    ImageDraw.Draw(image).line([(x, rnd.randint(20, 220)) for x in range(0, 480, 12)], fill=(52, 101, 164), width=2)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def thumbnails(scratch, count):
    """Make ``count`` distinct figures' files and thumbnails in a pool on every core, then in this one
    process, and say which of the two the collector would choose now (gallery.pool_size)."""
    output = scratch / "distinct"
    generate(output, count, [distinct_png(i) for i in range(count)])
    runs = collect_runs(output, load_plan(output), use_index=False)
    cores = os.cpu_count() or 1
    pooled = timed(gallery.make_missing, output, runs, cores)
    shutil.rmtree(output / "figures")
    alone = timed(gallery.make_missing, output, runs, 1)
    line(f"{count} distinct figures and thumbnails, pool of {cores}", *pooled[:2],
         f"{count / pooled[0]:.0f} a second")
    chosen = gallery.pool_size(count)
    line("the same in one process", *alone[:2],
         f"ratio pool / one: {pooled[0] / alone[0]:.2f} wall; the collector would use "
         f"{'a pool of ' + str(chosen) if chosen > 1 else 'one process'} now (load {os.getloadavg()[0]:.1f})")


def line(what, wall, cpu, extra=""):
    print(f"{what:<58} {wall:6.2f} s wall {cpu:6.2f} s CPU  {extra}")


def verdict(ok):
    """How a figure stands against its target."""
    return "met" if ok else "NOT met"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--charts", action="store_true",
                        help="each run draws a plotly chart (51 distinct specs) instead of a matplotlib PNG")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        pngs = [plotly_spec(i) if args.charts else chart_png(i) for i in range(DISTINCT)]
        big, small = scratch / "big", scratch / "small"
        generate(big, args.runs, pngs)
        generate(small, args.runs // 5, pngs)
        plan = load_plan(big)
        print(f"runs: {args.runs} ({DISTINCT} distinct {'plotly charts' if args.charts else 'figures'}), notebook "
              f"{os.path.getsize(big / 'runs' / 'R00000.ipynb') / 1000:.0f} kB; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        base = timed(baseline, big)
        line("baseline: json.load + walk of every notebook", *base[:2])
        full = timed(lambda: collect_runs(big, plan, use_index=False))
        line("extract, full (status + sha256 + metrics + figure hashes)", *full[:2],
             f"ratio to baseline {full[0] / base[0]:.2f} wall, {full[1] / base[1]:.2f} CPU")
        first = timed(report.collect, big)
        size = os.path.getsize(big / 'report.html') / 1e6
        line("first whole collect with HTML (thumbnails made)", *first[:2],
             f"target < 5 s wall: {verdict(first[0] < 5)}; report.html {size:.1f} MB, target < 25 MB: {verdict(size < 25)}")
        touch(big)
        again = timed(lambda: collect_runs(big, plan))
        line("repeat extract after 10 runs changed (index)", *again[:2],
             f"ratio to a full extract {again[0] / full[0]:.2f} wall, {again[1] / full[1]:.2f} CPU "
             f"(target < 1: {verdict(again[0] < full[0])})")
        touch(big)
        repeat = timed(report.collect, big)
        line("repeat whole collect with HTML after 10 changed", *repeat[:2],
             f"ratio to baseline {repeat[0] / base[0]:.2f} wall  (target < 1 s wall: {verdict(repeat[0] < 1)})")
        base2 = timed(baseline, big)
        line("baseline again (how the load moved)", *base2[:2])
        small_first, big_first = peak_memory_mb(small, True), peak_memory_mb(big, True)
        small_warm, big_warm = peak_memory_mb(small, False), peak_memory_mb(big, False)
        for what, low, high in (("first", small_first, big_first), ("repeat", small_warm, big_warm)):
            print(f"peak memory, {what} collect: {low:.1f} MB at {args.runs // 5} runs, {high:.1f} MB at {args.runs} "
                  f"(ratio {high / low:.2f}; target <= 1.2: {verdict(high / low <= 1.2)})")
        thumbnails(scratch, 400)
        demo = scratch / "demo"
        generate(demo, 51, pngs)
        demo_t = timed(report.collect, demo)
        line("51 demo-like runs, whole collect with HTML", *demo_t[:2],
             f"report.html {os.path.getsize(demo / 'report.html') / 1e6:.1f} MB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
