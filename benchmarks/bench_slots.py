"""How a sweep of small values scales with job slots: 1, 2, 4, 8, 16 slots, each against linear.

    .venv/bin/python benchmarks/bench_slots.py                     # slots 1 2 4 8 16 (a 16-core machine)
    .venv/bin/python benchmarks/bench_slots.py --slots 1 2         # what a 2-core machine can say
    .venv/bin/python benchmarks/bench_slots.py --per-slot 100 --batch 1

Each step is a real sweep (`jupyterstream run --jobs S`, batches chosen as `make run` chooses them, or
--batch N) of PER_SLOT x S trivial values (bench_batch.py's notebook), so every slot has the same work.
Throughput is values per second of parallel's span (first job start to last job end) and of the
whole sweep; "vs linear" is throughput at S slots / (S x throughput at the first slot count / its S).
Slots beyond the machine's cores measure oversubscription, not scaling: the script says so.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import sweep, write_inputs  # noqa: E402


def main(argv=None):
    """Run one sweep per slot count and print throughput and its ratio to linear scaling."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slots", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--per-slot", type=int, default=60, help="values per slot (default 60)")
    parser.add_argument("--batch", type=int, default=0, help="BATCH for every sweep (default 0: chosen)")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    print(f"# {cores} cores; load average at start {os.getloadavg()[0]:.2f}; {args.per_slot} values a slot")
    print(f"{'slots':>5} {'values':>7} {'jobs':>5} {'span s':>8} {'wall s':>8} {'values/s':>9} {'vs linear':>10}"
          f" {'whole vs linear':>16}")
    base = None
    with tempfile.TemporaryDirectory(prefix="bench-slots-") as tmp:
        folder = Path(tmp)
        for slots in args.slots:
            count = args.per_slot * slots
            values = write_inputs(folder, count)
            wall, span, jobs = sweep(folder, values, folder / f"out{slots}", slots, args.batch)
            rate, whole = count / span, count / wall
            base = base or (rate / slots, whole / slots)
            note = "  (more slots than cores)" if slots > cores else ""
            print(f"{slots:>5} {count:>7} {jobs:>5} {span:>8.2f} {wall:>8.2f} {rate:>9.1f} "
                  f"{rate / (slots * base[0]):>10.2f} {whole / (slots * base[1]):>16.2f}{note}", flush=True)
    print(f"# load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
