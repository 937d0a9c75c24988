"""What measuring a run's resources costs a job: a tiny warm job with per-cell sampling and without.

    .venv/bin/python benchmarks/bench_resources.py [--rounds N] [--cells N]

One staged notebook of N small code cells (default 10), run by our per-job command with a warm
kernel, alternating with sampling (the default) and without (JUPYTERSTREAM_SAMPLE_CELLS=0: no
/proc reads at each cell's start and end); the rusage figures are read once the kernel has gone,
in both. Prints each variant's median wall time and the median of the per-round ratios. Asserts no
timing; scratch files live in one temporary folder, deleted at the end; its template is stopped.
"""

import argparse
import os
import statistics
import sys
import tempfile
import timeit
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_warm import environment, forget, timed  # noqa: E402
from jupyterstream.launch.parallel import Settings, job_command  # noqa: E402
from jupyterstream.launch.plan import build_plan, select, stage  # noqa: E402
from jupyterstream.runner import status  # noqa: E402
from jupyterstream.runner.resources import SAMPLE_ENV, sample  # noqa: E402
from jupyterstream.runner.warm.control import stop_templates  # noqa: E402


def tiny_notebook(path, cells):
    """A notebook with a parameter and ``cells`` cells of a little arithmetic each."""
    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
                      + [new_code_cell(f"y{i} = sum(range(1000)) + x") for i in range(cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def main():
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--cells", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-resources-") as folder:
        scratch = Path(folder)
        values = scratch / "values.txt"
        values.write_text("1\n")
        plan = build_plan(tiny_notebook(scratch / "tiny.ipynb", args.cells), values, param="x")
        out, job = scratch / "out", select(plan, "1")[0]
        stage(plan, out, [job], rerun_ok=True)
        sweep = "bench-resources"
        argv = job_command(Settings(output=str(out), warm=True, sweep=sweep), placeholder=job.id)
        env = environment(scratch)
        record, log = status.path_for(str(out), job.id), scratch / "log"
        times = {"sampled": [], "not sampled": []}
        try:
            forget(record)
            timed(argv, env, log)  # the template starts here, once, as in a sweep
            for round_ in range(args.rounds):
                order = ["sampled", "not sampled"] if round_ % 2 == 0 else ["not sampled", "sampled"]
                for name in order:
                    forget(record)
                    variant = dict(env, **({SAMPLE_ENV: "0"} if name == "not sampled" else {}))
                    times[name].append(timed(argv, variant, log))
        finally:
            stop_templates(sweep)
    ratios = [a / b for a, b in zip(times["sampled"], times["not sampled"])]
    for name, values_ in times.items():
        print(f"{name:<12} median {statistics.median(values_):.3f} s over {len(values_)} jobs")
    print(f"sampled / not sampled: median ratio {statistics.median(ratios):.3f} ({args.cells} cells a job)")
    reads = timeit.timeit(lambda: sample(os.getpid()), number=2000) / 2000
    print(f"one sample (the /proc reads at a cell's start or end): {reads * 1e6:.0f} microseconds")


if __name__ == "__main__":
    main()
