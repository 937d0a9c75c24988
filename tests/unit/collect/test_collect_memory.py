"""A whole collect (index, pieces, page, master.ipynb, CSV files) holds little per run: what it keeps
of 1,000 runs is close to what it keeps of 200. Measured with tracemalloc (Python's own allocations),
so the figure does not move with the machine's load; no timing here."""

import hashlib
import json
import tracemalloc

from jupyterstream.report import write as report

from ..helpers import executed, png

# The collector before streaming held every run's summary, rendered pieces and cache entries at once:
# 5.7 KB (repeat) to 7.1 KB (first collect) of peak a run here. Streaming holds the plan and a few
# offsets a run: 1.2 to 1.4 KB.
PER_RUN_LIMIT = 3000   # bytes of peak memory per extra run
FIGURES = [png(8, 6, (40 * i, 90, 160)) for i in range(4)]


def write_runs(output, count):
    """``count`` executed runs with two metrics and a figure each; every 10th failed in cell 1."""
    for sub in ("runs", "status"):
        (output / sub).mkdir(parents=True, exist_ok=True)
    jobs = []
    for i in range(count):
        job = f"R{i:05d}"
        nb = executed({1: [("image/png", FIGURES[i % 4])]}, metrics=[("peak_year", 1960 + i % 40), ("total", i * 7.5)])
        data = (json.dumps(nb) + "\n").encode()
        (output / "runs" / f"{job}.ipynb").write_bytes(data)
        record = {"job": job, "status": "ok", "identity": job, "duration": 1.0 + i % 7 / 10, "host": "h",
                  "started": 0, "notebook": f"runs/{job}.ipynb", "notebook_sha256": hashlib.sha256(data).hexdigest()}
        if i % 10 == 0:
            record.update(status="cell-error", cell_index=1, ename="KeyError", evalue=f"'{job}'",
                          traceback=["Traceback", f"KeyError: '{job}'"])
        (output / "status" / f"{job}.json").write_text(json.dumps(record))
        jobs.append({"id": job, "label": job, "texts": {"state": job}, "identity": job})
    plan = {"notebook": "demo.ipynb", "values_file": "values.txt", "notebook_sha256": "0" * 64,
            "values_sha256": "0" * 64, "jobs": jobs}
    (output / "plan.json").write_text(json.dumps(plan))
    return output


def peak_of_collect(output):
    """Peak traced memory (bytes) of one whole collect with HTML, above what was held before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        runs = report.collect(output)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(runs) and (output / "report.html").exists()
    return peak - before


def test_a_collect_of_five_times_the_runs_holds_little_more_memory(tmp_path):
    small, large = write_runs(tmp_path / "small", 200), write_runs(tmp_path / "large", 1000)
    report.collect(small)  # templates compiled, modules imported: not part of either figure
    first = peak_of_collect(large) - peak_of_collect(write_runs(tmp_path / "small2", 200))
    assert first < 800 * PER_RUN_LIMIT, f"a first collect held {first / 800:.0f} bytes more a run"
    repeat = peak_of_collect(large) - peak_of_collect(small)
    assert repeat < 800 * PER_RUN_LIMIT, f"a repeat collect held {repeat / 800:.0f} bytes more a run"
