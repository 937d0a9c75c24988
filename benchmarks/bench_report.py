"""Collector and report at scale: N demo-like executed notebooks (about 60 KB, one PNG each).

    .venv/bin/python benchmarks/bench_report.py [--runs 5000]

Prints figures and ratios measured side by side in this one run (never asserted): extraction rate
against a bare json.load-and-walk baseline, a repeat collect after 10 runs changed, the HTML step and
the report's size, and peak memory of a whole collect at N/5 and N runs (each in its own process).
"""

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from jupyterstream import report  # noqa: E402
from jupyterstream.collect import load_plan, runs as collect_runs  # noqa: E402
from jupyterstream.runner.record import MIME_TYPE  # noqa: E402


def chart_png():
    """One real chart PNG, like the demo's (matplotlib, 480x240)."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3), dpi=80)
    ax.plot(range(37), [60 + (i * 7919 % 13) for i in range(37)])
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
              "outputs": [{"output_type": "display_data", "metadata": {},
                           "data": {"image/png": png, "text/plain": "<Figure>"}}]}]
    return {"cells": cells, "metadata": {"language_info": {"version": "3.11.7"}}, "nbformat": 4, "nbformat_minor": 5}


def generate(output, count, png):
    """Write plan.json, runs/, status/ for ``count`` ok runs."""
    for sub in ("runs", "status"):
        (output / sub).mkdir(parents=True, exist_ok=True)
    padding = "x" * max(0, 60_000 - len(png) - 2_000)
    jobs = []
    for i in range(count):
        job_id = f"R{i:05d}"
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
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


def peak_memory_mb(output):
    """Peak resident memory of a whole collect (HTML included) in a fresh process."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (large) parent process.
    code = ("import re, sys; sys.path.insert(0, sys.argv[2]); from jupyterstream import report; "
            "report.collect(sys.argv[1]); "
            "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))")
    result = subprocess.run([sys.executable, "-c", code, str(output), str(REPO)], capture_output=True,
                            text=True, check=True)
    return int(result.stdout.split()[-1]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        png = chart_png()
        big, small = scratch / "big", scratch / "small"
        generate(big, args.runs, png)
        generate(small, args.runs // 5, png)
        plan = load_plan(big)
        base_s, _ = timed(baseline, big)
        ours_s, _ = timed(lambda: collect_runs(big, plan, use_index=False))
        print(f"runs: {args.runs}, notebook size {os.path.getsize(big / 'runs' / 'R00000.ipynb') / 1000:.0f} kB")
        print(f"extract, baseline json.load+walk: {base_s:.2f} s = {args.runs / base_s:,.0f} runs/s")
        print(f"extract, jupyterstream (status + sha256 + metrics + figure places): {ours_s:.2f} s = "
              f"{args.runs / ours_s:,.0f} runs/s  (ratio to baseline {ours_s / base_s:.2f})")
        first_s, _ = timed(report.collect, big)
        size = os.path.getsize(big / "report.html") / 1e6
        print(f"first full collect with HTML (thumbnails made): {first_s:.2f} s; report.html {size:.1f} MB")
        for path in sorted((big / "runs").glob("*.ipynb"))[:10]:
            os.utime(path)
        again_s, _ = timed(lambda: collect_runs(big, plan))
        print(f"repeat extract after 10 runs changed (index): {again_s:.2f} s  "
              f"(ratio to a full extract {again_s / ours_s:.2f})")
        again_html_s, _ = timed(report.collect, big)
        print(f"repeat full collect with HTML: {again_html_s:.2f} s")
        small_mb, big_mb = peak_memory_mb(small), peak_memory_mb(big)
        print(f"peak memory of a whole collect: {small_mb:.0f} MB at {args.runs // 5} runs, {big_mb:.0f} MB at "
              f"{args.runs} runs (ratio {big_mb / small_mb:.2f} for 5x the runs)")
        demo = scratch / "demo"
        generate(demo, 51, png)
        demo_s, _ = timed(report.collect, demo)
        print(f"51 demo-like runs, whole collect with HTML: {demo_s:.2f} s; report.html "
              f"{os.path.getsize(demo / 'report.html') / 1e6:.1f} MB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
