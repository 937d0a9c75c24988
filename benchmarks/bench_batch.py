"""Small notebooks in batches: a sweep of trivial values against the same code as `parallel python script.py`.

    .venv/bin/python benchmarks/bench_batch.py                 # 60 and 1,000 values, 2 slots
    .venv/bin/python benchmarks/bench_batch.py --sizes 60      # 60 only (about half a minute)
    .venv/bin/python benchmarks/bench_batch.py --one-a-job     # also BATCH=1 at 60 values (today's lines)

The notebook is a parameters cell and one ``record(...)``; script.py is the same code with the value
from its argument; plain.py the same computation printing its result (no jupyterstream, no IPython).
For each size, in one process: the real sweep (`jupyterstream run`, what `make run`
calls: plan, stage, parallel, collect, report), its GNU parallel part alone (the joblog's span), the
script under `parallel`, and `parallel true` (parallel's own cost). Then where a small value's time
goes, from the status records and a few direct timings. All scratch goes to one temporary folder.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLI = str(Path(PYTHON).parent / "jupyterstream")
CODE = "from jupyterstream import record\nrecord('y', x * 2)"
SCRIPT = "import sys\nx = int(sys.argv[1])\n" + CODE + "\n"
# The same computation with no jupyterstream at all: record(...) outside a kernel imports IPython's display
# (about 70 ms a process), which a script that prints its result does not pay. The harder baseline.
PLAIN = "import sys\nx = int(sys.argv[1])\nprint('y', x * 2)\n"


def write_inputs(folder, count):
    """The notebook, the script and a values file of ``count`` values in ``folder``."""
    parameters = new_code_cell("x = 1")
    parameters.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[parameters, new_code_cell(CODE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "tiny.ipynb")
    (folder / "script.py").write_text(SCRIPT)
    (folder / "plain.py").write_text(PLAIN)
    values = folder / f"values{count}.txt"
    values.write_text("".join(f"{i}\n" for i in range(1, count + 1)))
    return values


CPU = {}  # the CPU seconds (user + system, with every child waited for) of the last timed command


def timed(argv, **kwargs):
    """Wall seconds of one command (its output discarded; a failure stops the benchmark)."""
    before, start = _children_cpu(), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    CPU["last"] = _children_cpu() - before
    return time.perf_counter() - start


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sweep(folder, values, output, slots, batch=0):
    """The real sweep's wall time and its parallel part (first job start to last job end)."""
    shutil.rmtree(output, ignore_errors=True)
    wall = timed([CLI, "run", str(folder / "tiny.ipynb"), str(values), "--param", "x", "--output", str(output),
                  "--jobs", str(slots), "--batch", str(batch)], cwd=REPO)
    rows = [line.split("\t") for line in (output / "joblog.tsv").read_text().splitlines() if not line.startswith("Seq")]
    span = max(float(r[2]) + float(r[3]) for r in rows) - min(float(r[2]) for r in rows)
    return wall, span, len(rows)


def parallel_of(command, values, slots):
    """`parallel --jobs SLOTS COMMAND :::: values` wall seconds."""
    return timed(["parallel", "--will-cite", "--jobs", str(slots), *command, "::::", str(values)])


def records(output):
    return [json.loads(p.read_text()) for p in (output / "status").glob("*.json")]


def per_value(output):
    """Medians over the records: duration, kernel ready, cells, and the rest of a value's own time."""
    recs = [r for r in records(output) if r.get("status") == "ok"]
    cells = [sum(c["seconds"] for c in r.get("cells", [])) for r in recs]
    ready = [r.get("kernel_ready", 0) for r in recs]
    duration = [r["duration"] for r in recs]
    rest = [d - k - c for d, k, c in zip(duration, ready, cells)]
    return {k: statistics.median(v) for k, v in
            (("duration", duration), ("kernel_ready", ready), ("cells", cells), ("rest", rest))}


def direct_costs(folder):
    """Medians of 5: the interpreter, run-one's imports, nbconvert's imports, a status record's write."""
    probes = {
        "python -c pass": [PYTHON, "-c", "pass"],
        "run-one's imports (runner.job)": [PYTHON, "-c", "import jupyterstream.runner.job"],
        "nbconvert's imports (nbconvertapp, nbclient, jupyter_client)":
            [PYTHON, "-c", "import nbconvert.nbconvertapp, nbclient, jupyter_client"],
        "parallel true, one job": ["parallel", "--will-cite", "true", ":::", "1"],
    }
    out = {name: statistics.median(timed(argv, cwd=REPO) for _ in range(5)) for name, argv in probes.items()}
    out["`python script.py` alone"] = statistics.median(
        timed([PYTHON, str(folder / "script.py"), "3"], cwd=REPO) for _ in range(5))
    out["`python plain.py` alone"] = statistics.median(
        timed([PYTHON, str(folder / "plain.py"), "3"], cwd=REPO) for _ in range(5))
    return out


def one_size(folder, count, slots, one_a_job):
    """The figures of one sweep size."""
    values = write_inputs(folder, count)
    script = parallel_of([PYTHON, str(folder / "script.py")], values, slots)
    script_cpu = CPU["last"]
    plain = parallel_of([PYTHON, str(folder / "plain.py")], values, slots)
    true = parallel_of(["true"], values, slots)
    wall, span, jobs = sweep(folder, values, folder / f"out{count}", slots)
    cpu = CPU["last"]
    lines = [(f"{count} values: `parallel python script.py`", script, f"CPU {script_cpu:.1f} s"),
             (f"{count} values: `parallel python plain.py` (print, no record: no IPython)", plain, ""),
             (f"{count} values: `parallel true`", true, ""),
             (f"{count} values: sweep (jupyterstream run: plan, parallel, collect, report)", wall,
              f"{wall / script:.2f}x script, {wall / plain:.2f}x plain; CPU {cpu:.1f} s, {cpu / script_cpu:.2f}x script's"),
             (f"{count} values:   of which parallel's span ({jobs} jobs)", span, f"{span / script:.2f}x script")]
    if one_a_job:
        wall1, span1, jobs1 = sweep(folder, values, folder / f"one{count}", slots, batch=1)
        cpu1 = CPU["last"]
        lines += [(f"{count} values: sweep with BATCH=1 (one value a job)", wall1,
                   f"{wall1 / script:.2f}x script; CPU {cpu1:.1f} s, {cpu1 / script_cpu:.2f}x script's"),
                  (f"{count} values:   of which parallel's span ({jobs1} jobs)", span1, f"{span1 / script:.2f}x script")]
    return lines, folder / f"out{count}", (folder / f"one{count}") if one_a_job else None


def main(argv=None):
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 1000])
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--one-a-job", action="store_true", help="also the sweep at BATCH=1 (the first size only)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp)
        print(f"# load average at start: {os.getloadavg()[0]:.2f}; slots: {args.slots}")
        batched = single = None
        for index, count in enumerate(args.sizes):
            lines, output, one = one_size(folder, count, args.slots, args.one_a_job and index == 0)
            batched, single = batched or output, single or one
            for name, seconds, ratio in lines:
                print(f"{name:<78} {seconds:7.2f} s  {ratio}")
        print("# where a small value's time goes")
        for name, seconds in direct_costs(folder).items():
            print(f"{name:<78} {seconds:7.3f} s")
        for label, output in (("in a batch", batched), ("one value a job", single)):
            if output is not None:
                for key, seconds in per_value(output).items():
                    print(f"{label}: median {key:<60} {seconds:7.3f} s")
        print(f"# load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
