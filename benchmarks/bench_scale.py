"""Many values of a small notebook: plan, preview and collect at 10,000 and 100,000 values, each beside
its baseline measured in the same run (never asserted).

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10000 100000] [--parallel-limit 100000]

The notebook has a parameters cell and one record(...). For each size: `parallel true` over the same
number of arguments (GNU parallel's own cost for that many jobs: the floor of any sweep of them; with
--parallel-limit, over that many instead), then `jupyterstream plan`, `preview`, `collect` with
nothing run and a repeat collect, each its own process (wall, CPU and peak memory from wait4). At the
largest size, 10 values are then run for real (the exact argv of parallel.parallel_argv, as
`jupyterstream run` does) and collected again: a repeat collect after 10 runs changed. Last, the
collector's peak memory at the largest size over that at the smallest. When benchmarks/bench_batch.py
is there (small values batched per job), its main() runs after this.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from jupyterstream.launch.parallel import Settings, parallel_argv  # noqa: E402

CLI = str(Path(sys.executable).parent / "jupyterstream")
TARGETS = {"plan": 10.0, "preview": 5.0, "collect, nothing run": 3.0, "collect after 10 changed": 1.5}
CHANGED = 10


def tiny_notebook(path):
    """A notebook with a parameters cell and one record(...): the cheapest value there is."""
    cells = [{"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "source": "x = 0",
              "outputs": [], "execution_count": None},
             {"cell_type": "code", "id": "r", "metadata": {}, "source": "from jupyterstream import record\n"
              "record('y', x * 2)", "outputs": [], "execution_count": None}]
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                      "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1))
    return path


def timed(argv, cwd, stdin=None, ok=(0, 1)):
    """(wall s, CPU s, peak resident MB) of argv run in ``cwd`` to the end, reaped with wait4 (which
    gives the figures of that process and the children it waited for)."""
    with open(os.devnull, "wb") as null, open(stdin or os.devnull, "rb") as given:
        started = time.perf_counter()
        pid = os.posix_spawn("/usr/bin/env", ["env", "-C", str(cwd), *argv], os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, given.fileno(), 0), (os.POSIX_SPAWN_DUP2, null.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, null.fileno(), 2)])
        _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise RuntimeError(f"{' '.join(map(str, argv[:3]))} exited {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def parallel_true(scratch, count):
    """GNU parallel running `true` once per argument, 2 at a time: its own cost for ``count`` jobs."""
    ids = scratch / f"ids-{count}.txt"
    ids.write_text("".join(f"{i}\n" for i in range(count)))
    return timed(["parallel", "--jobs", "2", "true"], scratch, stdin=ids, ok=(0,))


def bench_size(scratch, notebook, count, parallel_limit):
    """The figures of one size: {measure: (wall, CPU, peak MB)} and the output folder."""
    values, out = scratch / f"values-{count}.txt", scratch / f"out-{count}"
    values.write_text("".join(f"{i}\n" for i in range(count)))
    sweep = [str(notebook), str(values), "--param", "x", "--output", str(out)]
    found = {f"parallel true x {min(count, parallel_limit):,}": parallel_true(scratch, min(count, parallel_limit))}
    found["plan"] = timed([CLI, "plan", *sweep], scratch)
    found["plan again (all staged)"] = timed([CLI, "plan", *sweep], scratch)
    found["preview"] = timed([CLI, "preview", *sweep], scratch)
    found["collect, nothing run"] = timed([CLI, "collect", str(out)], scratch)
    found["collect again"] = timed([CLI, "collect", str(out)], scratch)
    return found, out


def run_some(out, count):
    """Run the first ``count`` staged values for real, as `jupyterstream run` hands them to parallel."""
    ids = (out / "todo.txt").read_text().split()[:count]
    settings = Settings(output=str(out), jobs="2", sweep=f"{time.strftime('%Y%m%dT%H%M%S')}-scale")
    done = subprocess.run(parallel_argv(settings), input="".join(f"{i}\n" for i in ids).encode(),
                          capture_output=True, env=dict(os.environ, PATH=f"{Path(sys.executable).parent}:"
                                                                          f"{os.environ['PATH']}"))
    if done.returncode:
        raise RuntimeError(f"running {count} values failed: {done.stderr.decode(errors='replace')[-1500:]}")


def print_rows(rows):
    """One line a figure: size, measure, wall, CPU, peak memory, target and whether it is met."""
    print(f"{'values':>8}  {'measure':<28}{'wall s':>9}{'CPU s':>8}{'peak MB':>9}  target")
    for size, name, (wall, cpu, peak) in rows:
        target = TARGETS.get(name)
        verdict = "" if target is None else f"<= {target:g} s: {'met' if wall <= target else 'NOT met'}"
        print(f"{size:>8,}  {name:<28}{wall:>9.2f}{cpu:>8.2f}{peak:>9.0f}  {verdict}", flush=True)


def batch_hook():
    """benchmarks/bench_batch.py's main(), when that benchmark is there."""
    path = Path(__file__).resolve().parent / "bench_batch.py"
    if not path.exists():
        return
    spec = importlib.util.spec_from_file_location("bench_batch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print("\nbench_batch.py:", flush=True)
    module.main()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--parallel-limit", type=int, default=None,
                        help="run `parallel true` over at most this many arguments (default: each size)")
    parser.add_argument("--no-batch", action="store_true", help="do not run bench_batch.py after this")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows, peaks = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        scratch = Path(folder)
        notebook = tiny_notebook(scratch / "tiny.ipynb")
        for size in sorted(args.sizes):
            found, out = bench_size(scratch, notebook, size, args.parallel_limit or size)
            rows += [(size, name, figures) for name, figures in found.items()]
            peaks[size] = found["collect, nothing run"][2]
            print_rows(rows[-len(found):])
        run_some(out, CHANGED)
        after = timed([CLI, "collect", str(out)], scratch)
        print_rows([(max(args.sizes), "collect after 10 changed", after)])
    small, large = min(peaks), max(peaks)
    print(f"\ncollector peak memory at {large:,} / at {small:,}: {peaks[large]:.0f} / {peaks[small]:.0f} MB = "
          f"{peaks[large] / peaks[small]:.2f} (target <= 1.3)")
    print(f"load average: {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    if not args.no_batch:
        batch_hook()


if __name__ == "__main__":
    main()
