"""What Slurm adds per job: the same demo sweep inside a two-node allocation (each job a job step,
`srun --exact -N1 -n1`) against a plain local run, with the same job slots on the same cores.

    .venv/bin/python benchmarks/bench_slurm.py [--values 12] [--repeats 2]

The cluster is tests/slurm.py's: slurmctld and two slurmd on 127.0.0.1, one CPU per node, so the
allocation (-N2 -n2) has two job slots, as the local run has (--jobs 2). The two variants alternate
(local, slurm, slurm, local, ...), each into a fresh OUTPUT; the medians and their ratio are printed.
Prints figures measured in this one run; never asserts a timing. Run as root (munged, slurmd).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from slurm import LoopbackCluster  # noqa: E402

CLI = Path(sys.executable).parent / "jupyterstream"
NOTEBOOK = REPO / "notebooks" / "births.ipynb"


def sweep(cluster, scratch, values, slurm, index):
    """Seconds one whole `jupyterstream run` takes (plan, jobs, collect), in a fresh OUTPUT."""
    output = scratch / f"{'slurm' if slurm else 'local'}-{index}"
    argv = [str(CLI), "run", str(NOTEBOOK), str(values), "-o", str(output)]
    argv = ["salloc", "-N2", "-n2", *argv, "--slurm", "on"] if slurm else argv + ["--jobs", "2", "--slurm", "off"]
    started = time.perf_counter()
    done = cluster.run(*argv, cwd=REPO, timeout=1800)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-2000:]}")
    return took


def main():
    """Run both variants alternately; print each time, the medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=12, help="how many states of states.txt")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each variant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-slurm-") as folder:
        scratch = Path(folder)
        values = scratch / "states.txt"
        values.write_text("".join((REPO / "states.txt").read_text().splitlines(keepends=True)[:args.values]))
        cluster = LoopbackCluster(scratch / "cluster", cpus=1).start()
        try:
            times = {False: [], True: []}
            for index in range(args.repeats):
                for slurm in ((False, True) if index % 2 == 0 else (True, False)):
                    times[slurm].append(sweep(cluster, scratch, values, slurm, index))
                    print(f"{'slurm' if slurm else 'local'} run {index + 1}: {times[slurm][-1]:.1f} s", flush=True)
        finally:
            cluster.stop()
    local, slurm = statistics.median(times[False]), statistics.median(times[True])
    print(f"{args.values} values, 2 job slots: local {local:.1f} s, inside a two-node allocation {slurm:.1f} s "
          f"(median of {args.repeats}); ratio {slurm / local:.2f}; "
          f"{(slurm - local) / args.values * 2:.2f} s more per job per slot")


if __name__ == "__main__":
    main()
