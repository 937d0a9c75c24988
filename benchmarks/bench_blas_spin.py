"""OpenBLAS's idle spin: what the template's OPENBLAS_THREAD_TIMEOUT=24 changes, measured side by side.

    .venv/bin/python benchmarks/bench_blas_spin.py [--rounds N]

A warm kernel gets its BLAS threads back when it starts (runner/warm/child.py); OpenBLAS's threads
then wait for work, spinning, for 2^OPENBLAS_THREAD_TIMEOUT cycles before they sleep (28 unless
set). The template imports numpy with 24. Each round runs one fresh Python per setting, alternating,
that imports numpy, sets its threads back as a warm kernel does, sleeps, then multiplies matrices:
- the CPU its BLAS threads spent while it slept 0.3 s (what every kernel pays as it starts);
- 300 products of two 300x300 matrices back to back, and 100 with some Python work between them
  (wall and CPU), the ratio of the short spin to the default one.

Prints figures and ratios; asserts no timing.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

PROBE = r"""
import ctypes, json, os, time
import numpy as np
def set_threads(count):
    libraries = {l.split()[-1] for l in open("/proc/self/maps") if "openblas" in l.lower() and ".so" in l}
    for path in libraries:
        for name in ("openblas_set_num_threads", "openblas_set_num_threads64_",
                     "scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads"):
            setter = getattr(ctypes.CDLL(path), name, None)
            if setter is not None:
                setter(count)
                return
set_threads(os.cpu_count())
c = time.process_time(); time.sleep(0.3); idle = time.process_time() - c
a, b = np.random.rand(300, 300), np.random.rand(300, 300)
np.dot(a, b)
w, c = time.perf_counter(), time.process_time()
for _ in range(300):
    np.dot(a, b)
loop = (time.perf_counter() - w, time.process_time() - c)
w, c = time.perf_counter(), time.process_time()
for _ in range(100):
    np.dot(a, b); sum(range(20000))
gaps = (time.perf_counter() - w, time.process_time() - c)
print(json.dumps({"idle": idle, "loop": loop, "gaps": gaps}))
"""

SETTINGS = {"default (28)": None, "template (24)": "24"}


def probe(timeout):
    """One fresh Python's figures with OPENBLAS_THREAD_TIMEOUT set to ``timeout`` (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT", "OPENBLAS_NUM_THREADS")}
    if timeout:
        env["OPENBLAS_THREAD_TIMEOUT"] = timeout
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    """Run the rounds; print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="fresh processes per setting (default 7)")
    args = parser.parse_args()
    print(f"bench_blas_spin: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    runs = {name: [] for name in SETTINGS}
    for index in range(args.rounds):
        for name in list(SETTINGS) if index % 2 == 0 else list(SETTINGS)[::-1]:
            runs[name].append(probe(SETTINGS[name]))
    medians = {}
    for name, samples in runs.items():
        medians[name] = {"idle": statistics.median(s["idle"] for s in samples),
                         "loop wall": statistics.median(s["loop"][0] for s in samples),
                         "loop cpu": statistics.median(s["loop"][1] for s in samples),
                         "gaps wall": statistics.median(s["gaps"][0] for s in samples),
                         "gaps cpu": statistics.median(s["gaps"][1] for s in samples)}
        m = medians[name]
        print(f"{name:14}  CPU while idle 0.3 s {m['idle']:.3f} s   300 products {m['loop wall']:.3f} s wall "
              f"{m['loop cpu']:.3f} s CPU   100 with gaps {m['gaps wall']:.3f} s wall {m['gaps cpu']:.3f} s CPU",
              flush=True)
    short, default = medians["template (24)"], medians["default (28)"]
    print("RATIO template / default:  " + "   ".join(
        f"{key} {short[key] / default[key]:.2f}" for key in ("loop wall", "loop cpu", "gaps wall", "gaps cpu")),
        flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
