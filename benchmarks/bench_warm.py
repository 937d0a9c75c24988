"""Warm kernels against cold ones, nbconvert, papermill and plain scripts, measured side by side.

    .venv/bin/python benchmarks/bench_warm.py [--repeats N] [--states N] [--sweep-rounds N]

a. One job of the demo notebook (one state), the variants alternating (A B C D E, E D C B A, ...):
   the notebook's code as a plain `python script.py`; bare `jupyter nbconvert --execute` (immediate
   kernel shutdown); papermill (when installed); our job with a cold kernel; our job with a warm one.
b. The demo sweep over the first N states (default all 51) with one job slot per core: our sweep
   cold, our sweep warm, and `parallel python script.py ::: <states>`; whether metrics.csv of the
   warm and the cold sweep are identical.
c. The template: its start-up time, its memory (RSS) and the sum of its kernels' unique memory
   (USS, from /proc/PID/smaps_rollup), sampled in a warm sweep of 12 states that is not timed, against cold kernels' USS.

Prints figures and ratios from this one run; asserts no timing. Scratch files live in one
temporary folder, deleted at the end; the templates it started are stopped.
"""

import argparse
import csv
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from jupyterstream.report import write as report  # noqa: E402
from jupyterstream.launch.parallel import Settings, job_command, parallel_argv  # noqa: E402
from jupyterstream.launch.plan import build_plan, select, stage  # noqa: E402
from jupyterstream.runner import status  # noqa: E402
from jupyterstream.runner.outcome import WARM_IDLE_ENV  # noqa: E402
from jupyterstream.runner.warm import TEMPLATE_MODULE, template_pids  # noqa: E402
from jupyterstream.runner.warm.control import stop_templates  # noqa: E402
from jupyterstream.values.read import read_values  # noqa: E402

NOTEBOOK = REPO / "notebooks" / "births.ipynb"
STATES = REPO / "states.txt"
SOLO = "NY"
MEMORY_STATES = 12  # the sweeps whose memory is sampled
IMMEDIATE = "--ExecutePreprocessor.shutdown_kernel=immediate"


def environment(scratch):
    """What every variant runs with: this Python's kernels first, templates in the scratch folder."""
    kernels = os.path.join(sys.prefix, "share", "jupyter")
    # part a runs the other variants between two warm jobs (about 10 s): a template idle for 5 s
    # would end, and each warm job would pay its start-up, which a sweep pays once
    return dict(os.environ, JUPYTER_PATH=os.pathsep.join(filter(None, [kernels, os.environ.get("JUPYTER_PATH")])),
                JUPYTERSTREAM_WARM_DIR=str(scratch / "templates"), **{WARM_IDLE_ENV: "120"},
                PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


def timed(argv, env, log, stdin=None, cwd=None):
    """Wall seconds of one command run to its end (it must exit 0)."""
    start = time.perf_counter()
    with open(log, "ab") as out:
        code = subprocess.run(argv, input=stdin, stdout=out, stderr=out, env=env, cwd=cwd).returncode
    if code != 0:
        raise SystemExit(f"bench_warm: {' '.join(map(str, argv[:6]))} ... exited {code} (see {log})")
    return time.perf_counter() - start


def script_of(staged, path, from_argv=False):
    """The notebook's code cells as one script (magics left out); the parameter from argv[1] if asked."""
    cells = json.loads(Path(staged).read_text())["cells"]
    code = ["\n".join(l for l in "".join(c["source"]).splitlines() if not l.lstrip().startswith(("%", "!")))
            for c in cells if c["cell_type"] == "code"]
    if from_argv:
        code.insert(2, "import sys\nstate = sys.argv[1]")
    path.write_text("\n\n".join(code) + "\n", encoding="utf-8")
    return path


def solo_variants(scratch, sweep_id):
    """[(name, argv)] of part a, all on one staged input of the demo notebook."""
    plan = build_plan(NOTEBOOK, STATES)
    out, job = scratch / "solo", select(plan, SOLO)[0]
    stage(plan, out, [job], rerun_ok=True)
    staged = out / "inputs" / f"{job.id}.ipynb"
    python = sys.executable
    variants = [("plain script", [python, str(script_of(staged, scratch / "solo.py"))]),
                ("bare nbconvert", [python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", IMMEDIATE,
                                    "--output-dir", str(scratch / "bare"), "--output", job.id, str(staged)])]
    if importlib.util.find_spec("papermill"):
        variants.append(("papermill", [python, "-m", "papermill", "--no-progress-bar", str(NOTEBOOK),
                                       str(scratch / "pm.ipynb"), "-p", "state", SOLO]))
    variants.append(("our job, cold", job_command(Settings(output=str(out), warm=False), placeholder=job.id)))
    variants.append(("our job, warm", job_command(Settings(output=str(out), warm=True, sweep=sweep_id),
                                                  placeholder=job.id)))
    return variants, status.path_for(str(out), job.id)


def forget(record):
    """Remove our job's status record: a value already ok steps aside, and would not run again."""
    try:
        os.unlink(record)
    except FileNotFoundError:
        pass


def bench_solo(scratch, env, repeats, sweep_id):
    """Part a: medians per variant, and their ratio to bare nbconvert."""
    variants, record = solo_variants(scratch, sweep_id)
    if not any(name == "papermill" for name, _ in variants):
        print("a. papermill is not installed here: its column is left out", flush=True)
    log = scratch / "solo.log"
    for _, argv in variants:  # warm-up (file caches, bytecode, the template): not counted
        forget(record)
        timed(argv, env, log, cwd=REPO)
    walls = {name: [] for name, _ in variants}
    for index in range(repeats):
        for name, argv in variants if index % 2 == 0 else variants[::-1]:
            forget(record)
            walls[name].append(timed(argv, env, log, cwd=REPO))
    bare = statistics.median(walls["bare nbconvert"])
    for name, samples in walls.items():
        wall = statistics.median(samples)
        print(f"a. {name:<16} {wall:6.2f} s per job   {wall / bare:5.2f} x bare nbconvert", flush=True)
    return {name: statistics.median(s) for name, s in walls.items()}


def sweep_output(scratch, name, count, warm):
    """Stage a sweep of the first ``count`` states; its output folder and job ids."""
    plan = build_plan(NOTEBOOK, STATES)
    out = scratch / name
    todo = stage(plan, out, plan.jobs[:count], rerun_ok=True)
    return out, [j.id for j in todo]


def our_sweep(scratch, env, count, warm, sweep_id):
    """Wall seconds of a whole sweep (parallel over run-one), then its output folder."""
    out, ids = sweep_output(scratch, "warm" if warm else "cold", count, warm)
    settings = Settings(output=str(out), warm=warm, sweep=sweep_id, jobs=str(os.cpu_count() or 1))
    wall = timed(parallel_argv(settings), env, scratch / "sweep.log", stdin="".join(f"{i}\n" for i in ids).encode())
    # as `jupyterstream run` does when its sweep ends: the next warm sweep pays for its own template
    stop_templates(sweep_id)
    return wall, out


def plain_sweep(scratch, env, count):
    """Wall seconds of `parallel python script.py ::: <states>`."""
    out, ids = sweep_output(scratch, "plain", count, False)
    script = script_of(out / "inputs" / f"{ids[0]}.ipynb", scratch / "sweep.py", from_argv=True)
    states = [row.texts["state"] for row in read_values(STATES)][:count]
    argv = ["parallel", "--will-cite", "--jobs", str(os.cpu_count() or 1), sys.executable, str(script), ":::", *states]
    return timed(argv, env, scratch / "plain.log", cwd=REPO)


class MemorySampler(threading.Thread):
    """Samples, every 0.2 s, the RSS of templates and the summed USS of kernels while a sweep runs."""

    def __init__(self, warm):
        super().__init__(daemon=True)
        self.warm, self.stop, self.template_rss, self.kernels_uss, self.per_kernel = warm, False, 0, 0, []

    def run(self):
        """Sample until told to stop."""
        while not self.stop:
            kernels = self._kernels()
            uss = [_uss(pid) for pid in kernels]
            self.kernels_uss = max(self.kernels_uss, sum(uss))
            self.per_kernel += [u for u in uss if u]
            for pid in template_pids() if self.warm else []:
                self.template_rss = max(self.template_rss, _status_kb(pid, "VmRSS"))
            time.sleep(0.2)

    def _kernels(self):
        parents = set(template_pids()) if self.warm else None
        found = []
        for entry in filter(str.isdigit, os.listdir("/proc")):
            try:
                command = Path(f"/proc/{entry}/cmdline").read_bytes()
                ppid = _status_kb(int(entry), "PPid")
            except OSError:
                continue
            if self.warm and ppid in parents:
                found.append(int(entry))
            elif not self.warm and b"ipykernel_launcher" in command and TEMPLATE_MODULE.encode() not in command:
                found.append(int(entry))
        return found


def _uss(pid):
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return sum(int(l.split()[1]) for l in text.splitlines() if l.startswith(("Private_Clean", "Private_Dirty")))


def _status_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def sampled(warm, action):
    """Run ``action`` while sampling memory; (its result, the sampler)."""
    sampler = MemorySampler(warm)
    sampler.start()
    try:
        return action(), sampler
    finally:
        sampler.stop = True
        sampler.join()


def metrics(out):
    """metrics.csv of a collected sweep as rows (run-specific columns left out)."""
    report.collect(str(out), html=False)
    with open(out / "metrics.csv", newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def bench_sweeps(scratch, env, count, sweep_id, rounds):
    """Part b and c: cold, warm and plain sweeps (alternating, ``rounds`` times); identical metrics;
    the template's cost."""
    slots, walls = os.cpu_count() or 1, {"cold": [], "warm": [], "plain": []}
    variants = {"cold": lambda: our_sweep(scratch, env, count, False, sweep_id + "c")[0],
                "warm": lambda: our_sweep(scratch, env, count, True, sweep_id + "w")[0],
                "plain": lambda: plain_sweep(scratch, env, count)}
    for index in range(rounds):
        for name in list(variants) if index % 2 == 0 else list(variants)[::-1]:
            walls[name].append(variants[name]())
    for index in range(rounds):
        cold, warm, plain = (walls[n][index] for n in ("cold", "warm", "plain"))
        print(f"b. round {index + 1}: cold {cold:.1f} s, warm {warm:.1f} s, plain scripts {plain:.1f} s; "
              f"warm / plain scripts {warm / plain:.2f}", flush=True)
    cold, warm, plain = (statistics.median(walls[n]) for n in ("cold", "warm", "plain"))
    print(f"b. {count}-state sweep, {slots} slots (median of {rounds}): cold {cold:.1f} s, warm {warm:.1f} s, "
          f"parallel python script.py {plain:.1f} s", flush=True)
    print(f"b. RATIO warm / cold {warm / cold:.2f}   warm / plain scripts {warm / plain:.2f}   "
          f"cold / plain scripts {cold / plain:.2f}", flush=True)
    same = metrics(scratch / "warm") == metrics(scratch / "cold")
    print(f"b. metrics.csv of the warm and the cold sweep identical: {'yes' if same else 'NO'}", flush=True)
    kernels = [json.loads(p.read_text()).get("kernel") for p in (scratch / "warm" / "status").glob("*.json")]
    print(f"b. warm sweep kernels: {kernels.count('warm')} warm, {len(kernels) - kernels.count('warm')} cold",
          flush=True)
    # Memory is sampled in sweeps of their own, not timed: the sampler reads /proc every 0.2 s, which
    # costs CPU that the plain scripts' sweep would not pay.
    small = min(count, MEMORY_STATES)
    warm_mem = sampled(True, lambda: our_sweep(scratch, env, small, True, sweep_id + "w"))[1]
    cold_mem = sampled(False, lambda: our_sweep(scratch, env, small, False, sweep_id + "c"))[1]
    template_costs(scratch, warm_mem, cold_mem, small)


def template_costs(scratch, warm_mem, cold_mem, count):
    """Part c: the templates' start-up and memory, against cold kernels' memory."""
    # each template logs "template PID: ready in S s; ..." (its info file goes when it ends)
    lines = [line for p in (scratch / "templates").glob("*/log") for line in p.read_text().splitlines()]
    starts = [float(line.split("ready in ")[1].split()[0]) for line in lines if "ready in " in line]
    print(f"c. template start-up (imports included): {', '.join(f'{s:.2f} s' for s in starts) or 'not seen'}", flush=True)
    print(f"c. memory, sampled in an untimed {count}-state sweep of each kind:", flush=True)
    print(f"c. template RSS {warm_mem.template_rss / 1024:.0f} MiB; its kernels' USS summed (peak) "
          f"{warm_mem.kernels_uss / 1024:.0f} MiB, per kernel median {_median_mib(warm_mem.per_kernel)}; "
          f"cold kernels' USS summed (peak) {cold_mem.kernels_uss / 1024:.0f} MiB, per kernel median "
          f"{_median_mib(cold_mem.per_kernel)}", flush=True)


def _median_mib(values):
    return f"{statistics.median(values) / 1024:.0f} MiB" if values else "not sampled"


def main():
    """Run parts a, b and c; print what they measured."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds of part a (default 5)")
    parser.add_argument("--states", type=int, default=51, help="states in the sweeps of part b (default 51)")
    parser.add_argument("--sweep-rounds", type=int, default=1, help="times each sweep of part b runs (default 1)")
    args = parser.parse_args()
    print(f"bench_warm: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(a shared, busy machine makes every figure noisier; compare the ratios)", flush=True)
    sweep_id = f"bench-{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as folder:
        scratch = Path(folder)
        env = environment(scratch)
        os.environ["JUPYTERSTREAM_WARM_DIR"] = env["JUPYTERSTREAM_WARM_DIR"]  # for template_pids here
        try:
            bench_solo(scratch, env, args.repeats, sweep_id)
            bench_sweeps(scratch, env, args.states, sweep_id, args.sweep_rounds)
        finally:
            for sweep in (sweep_id, sweep_id + "c", sweep_id + "w"):
                stop_templates(sweep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
