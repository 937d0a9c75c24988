"""Per-job overhead, sweep efficiency and collector time of the demo sweep, measured side by side.

    .venv/bin/python benchmarks/bench_sweep.py [--quick] [--breakdown] [--repeats N]

a. One job as parallel runs it (bin/run-one wrapping nbconvert, exactly as job_command builds it)
   against a bare `jupyter nbconvert --to notebook --execute` of the same staged input (same injected
   parameter), and against that bare command with the immediate kernel shutdown our job asks for.
   The variants alternate (ABC CBA ...), N times each; medians, ratios and where the time goes.
b. A real 2-slot sweep (the argv of parallel_argv) over the first states of states.txt against its
   ideal: the sum of its jobs' durations (from their status records) / 2 job slots.
c. The collector over that sweep's output and over the same output replicated to 51 runs, without
   and with the HTML report, from a cold index (and warm, as a repeat collect is).

Prints figures and ratios measured in this one run; never asserts a timing (machines are noisy).
All scratch files live in one temporary folder that is deleted at the end.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from jupyterstream.report import write as report  # noqa: E402
from jupyterstream.runner import status  # noqa: E402
from jupyterstream.collect.runs import INDEX  # noqa: E402
from jupyterstream.collect.joblog import read_joblog  # noqa: E402
from jupyterstream.launch.parallel import RUN_ONE, Settings, job_command, parallel_argv  # noqa: E402
from jupyterstream.launch.plan import build_plan, select, stage  # noqa: E402
from jupyterstream.values.read import read_values  # noqa: E402

NOTEBOOK = REPO / "notebooks" / "births.ipynb"
STATES = REPO / "states.txt"
SOLO_STATE = "NY"
SLOTS = 2
ALL_RUNS = 51
COLLECT_REPEATS = 3
IMMEDIATE = "--ExecutePreprocessor.shutdown_kernel=immediate"
OURS, BARE, BARE_NOW, NO_WRAPPER = "ours", "bare", "bare, immediate shutdown", "ours without run-one"


class Failed(RuntimeError):
    """A timed command exited with an unexpected code."""


def environment(**extra):
    """The environment every job runs with: this Python's kernels first, as run-one sets them."""
    kernels = os.path.join(sys.prefix, "share", "jupyter")
    path = os.pathsep.join(filter(None, [kernels, os.environ.get("JUPYTER_PATH")]))
    return dict(os.environ, JUPYTER_PATH=path, **extra)


def run_timed(argv, env, log, ok_codes=(0,)):
    """Run argv to the end; return (wall seconds, CPU seconds of it and every child it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(log, "ab") as out:
        code = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code not in ok_codes:
        tail = Path(log).read_text(errors="replace").splitlines()[-15:]
        raise Failed(f"{' '.join(argv[:4])} ... exited {code}:\n" + "\n".join(tail))
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_sample(argv, env, log, retried):
    """run_timed, tried again once if it fails (a kernel that died at start is no sample); counts retries."""
    try:
        return run_timed(argv, env, log)
    except Failed as exc:
        print(f"bench_sweep: a run failed, running it again: {str(exc).splitlines()[-1]}", flush=True)
        retried.append(argv)
        return run_timed(argv, env, log)


def median(values):
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def stage_solo(scratch):
    """Stage the solo job's input notebook; return (output folder, job id)."""
    plan = build_plan(NOTEBOOK, STATES)
    jobs, out = select(plan, SOLO_STATE), scratch / "solo"
    stage(plan, out, jobs, rerun_ok=True)
    return out, jobs[0].id


def solo_variants(scratch, out, job_id, breakdown):
    """[(name, argv, env, log)]: our job, bare nbconvert (its default graceful kernel shutdown, then the
    immediate one our job asks for) and, with --breakdown, our nbconvert command without run-one."""
    ours = job_command(Settings(output=str(out)), placeholder=job_id)
    bare = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
            "--output-dir", str(scratch / "bare"), "--output", job_id, str(out / "inputs" / f"{job_id}.ipynb")]
    variants = [(OURS, ours, environment(), scratch / "ours.log"),
                (BARE, bare, environment(), scratch / "bare.log"),
                (BARE_NOW, bare[:7] + [IMMEDIATE] + bare[7:], environment(), scratch / "bare.log")]
    if breakdown:
        # What run-one adds to nbconvert's environment: the partial notebook, the kernel's folder, this package.
        env = environment(JUPYTERSTREAM_PARTIAL=str(out / "runs" / f".{job_id}.partial.ipynb"),
                          JUPYTERSTREAM_CWD=str(NOTEBOOK.parent), JUPYTERSTREAM_JOB=job_id,
                          PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
        variants.append((NO_WRAPPER, ours[ours.index("--") + 1:], env, scratch / "flags.log"))
    return variants


def solo_times(variants, out, job_id, repeats):
    """Run the variants alternately ``repeats`` times; return ({name: [(wall, cpu)]}, our status records,
    how many runs failed and were run again)."""
    retried = []
    record = Path(status.path_for(str(out), job_id))
    for _, argv, env, log in variants:  # warm-up: file caches, bytecode; not counted
        record.unlink(missing_ok=True)
        run_sample(argv, env, log, retried)
    times, records = {name: [] for name, *_ in variants}, []
    for index in range(repeats):
        for name, argv, env, log in variants if index % 2 == 0 else variants[::-1]:
            record.unlink(missing_ok=True)  # an ok value steps aside: each timed job must really run
            times[name].append(run_sample(argv, env, log, retried))
            if name == OURS:
                records.append(status.read(out, job_id))
    return times, records, len(retried)


def wrapper_floor(scratch, out, job_id, repeats):
    """Median wall seconds of run-one around /bin/true, and of `python -c pass`, alternately."""
    wrapper = [sys.executable, RUN_ONE, str(out), job_id, "--", "true"]
    floor = [sys.executable, "-c", "pass"]
    log, walls = scratch / "floor.log", ([], [])
    Path(status.path_for(str(out), job_id)).unlink(missing_ok=True)  # else run-one steps aside (exit 0)
    for _ in range(repeats):
        # run-one reports job-error (8) since true writes no notebook: only its own cost matters here.
        walls[0].append(run_timed(wrapper, environment(), log, ok_codes=(8,))[0])
        walls[1].append(run_timed(floor, environment(), log)[0])
    return median(walls[0]), median(walls[1])


def reserialise_seconds(notebook, repeats=10):
    """Median seconds run-one spends re-reading and re-writing an executed notebook (load, dumps, fsync)."""
    target, samples = notebook.with_name("reserialised.ipynb"), []
    for _ in range(repeats):
        start = time.perf_counter()
        data = (json.dumps(json.loads(notebook.read_text(encoding="utf-8")), indent=1, ensure_ascii=True) + "\n")
        with open(target, "wb") as handle:
            handle.write(data.encode())
            handle.flush()
            os.fsync(handle.fileno())
        samples.append(time.perf_counter() - start)
    target.unlink()
    return median(samples)


def bench_solo(scratch, repeats, breakdown):
    """Part a: per-job time of ours against bare nbconvert; return (table rows, our median wall)."""
    out, job_id = stage_solo(scratch)
    times, records, retried = solo_times(solo_variants(scratch, out, job_id, breakdown), out, job_id, repeats)
    wall = {name: median([w for w, _ in samples]) for name, samples in times.items()}
    cpu = {name: median([c for _, c in samples]) for name, samples in times.items()}
    paired = {name: median([a[0] - b[0] for a, b in zip(times[OURS], samples)]) for name, samples in times.items()}
    outside = median([w - r["duration"] for (w, _), r in zip(times[OURS], records)])
    wrapper, floor = wrapper_floor(scratch, out, job_id, repeats)
    rows = [("a", f"per-job wall, ours (median of {repeats})", f"{wall[OURS]:.2f} s", ""),
            ("a", f"per-job wall, bare nbconvert (median of {repeats})", f"{wall[BARE]:.2f} s", ""),
            ("a", "RATIO ours / bare (wall medians)", f"{wall[OURS] / wall[BARE]:.3f}", "<= 1.05"),
            ("a", "  median of paired differences ours - bare", f"{paired[BARE]:+.2f} s", ""),
            ("a", "  bare with the immediate kernel shutdown", f"{wall[BARE_NOW]:.2f} s", ""),
            ("a", "  RATIO ours / bare, both immediate shutdown", f"{wall[OURS] / wall[BARE_NOW]:.3f}", ""),
            ("a", "  median of paired differences ours - that", f"{paired[BARE_NOW]:+.2f} s", ""),
            ("a", "  CPU s (with children): ours / bare / bare immediate",
             f"{cpu[OURS]:.2f} {cpu[BARE]:.2f} {cpu[BARE_NOW]:.2f}", ""),
            ("a", "  RATIO CPU ours / bare, both immediate shutdown", f"{cpu[OURS] / cpu[BARE_NOW]:.3f}", "")]
    if breakdown:
        rows += [("a", "  our nbconvert command without run-one (wall)", f"{wall[NO_WRAPPER]:.2f} s", ""),
                 ("a", "  median of paired differences ours - that", f"{paired[NO_WRAPPER]:+.2f} s", ""),
                 ("a", "  CPU s of that", f"{cpu[NO_WRAPPER]:.2f}", "")]
    kernel = median([r.get("kernel_ready") or 0 for r in records])
    rows += [("a", "  ours: kernel ready after (status records)", f"{kernel:.2f} s", ""),
             ("a", "  ours: wall outside run-one's own duration", f"{outside:.3f} s", ""),
             ("a", "  run-one around /bin/true (its fixed cost)", f"{wrapper:.3f} s", ""),
             ("a", "  python -c pass (interpreter start-up)", f"{floor:.3f} s", ""),
             ("a", "  re-serialise the executed notebook",
              f"{reserialise_seconds(out / 'runs' / f'{job_id}.ipynb'):.3f} s", "")]
    restarts = sum(1 for r in records if (r.get("attempts") or 1) > 1)
    if retried or restarts:
        rows.append(("a", "  failed runs run again; ours with a kernel restart", f"{retried}; {restarts}", ""))
    return rows, wall[OURS]


def write_values(path, count):
    """Write the first ``count`` states of states.txt to ``path``."""
    rows = read_values(STATES)[:count]
    path.write_text("".join(f"{row.texts['state']}\n" for row in rows), encoding="utf-8")


def job_intervals(path):
    """[(start, end)] of every job, as parallel's --joblog saw them (epoch seconds)."""
    rows = read_joblog(path).values()
    return [(float(r["Starttime"]), float(r["Starttime"]) + float(r["JobRuntime"])) for r in rows]


def tail_idle(intervals, slots):
    """Idle slot-seconds at the end of a sweep, from the last moment every slot was busy."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running, full_until = 0, events[0][0]
    for moment, step in events:
        if running >= slots:
            full_until = moment
        running += step
    last = max(end for _, end in intervals)
    busy = sum(max(0.0, end - max(start, full_until)) for start, end in intervals)
    return slots * (last - full_until) - busy


def run_sweep(scratch, count):
    """Stage and run a real sweep of ``count`` values; return (output, durations, stage s, parallel s)."""
    values, out = scratch / "values.txt", scratch / "sweep"
    write_values(values, count)
    start = time.perf_counter()
    todo = stage(build_plan(NOTEBOOK, values), out)
    staged = time.perf_counter() - start
    settings = Settings(output=str(out), jobs=str(SLOTS), sweep=f"{time.strftime('%Y%m%dT%H%M%S')}-bench")
    start = time.perf_counter()
    with open(scratch / "parallel.log", "wb") as log:
        done = subprocess.run(parallel_argv(settings), input="".join(f"{j.id}\n" for j in todo).encode(),
                              stdout=log, stderr=log, env=environment())
    ran = time.perf_counter() - start
    records = [status.read(out, job.id) or {"job": job.id, "status": "missing"} for job in todo]
    bad = [r["job"] for r in records if r["status"] != "ok"]
    if done.returncode or bad:
        raise RuntimeError(f"the sweep failed (parallel exit {done.returncode}; not ok: {bad})")
    return out, [r["duration"] for r in records], staged, ran


def bench_sweep(scratch, count, solo_wall):
    """Part b: a real 2-slot sweep against its ideal; return (table rows, its output folder)."""
    out, durations, staged, actual = run_sweep(scratch, count)
    ideal = sum(durations) / SLOTS
    intervals = job_intervals(out / "joblog.tsv")
    span = max(e for _, e in intervals) - min(s for s, _ in intervals)
    runtimes = sum(e - s for s, e in intervals)
    start = time.perf_counter()
    report.collect(out)
    collected = time.perf_counter() - start
    whole = staged + actual + collected
    rows = [("b", f"sweep of {count} values, {SLOTS} slots: parallel wall", f"{actual:.2f} s", ""),
            ("b", "ideal = sum of job durations / slots", f"{ideal:.2f} s", ""),
            ("b", "RATIO ideal / actual (parallel wall)", f"{ideal / actual:.3f}", ">= 0.95"),
            ("b", "  actual - ideal, made of:", f"{actual - ideal:.2f} s", ""),
            ("b", "    run-one start-up, outside its duration (/slots)",
             f"{(runtimes - sum(durations)) / SLOTS:.2f} s", ""),
            ("b", "    idle slots between first start and last end (/slots)",
             f"{(SLOTS * span - runtimes) / SLOTS:.2f} s", ""),
            ("b", "      of which the tail, after all slots were last busy",
             f"{tail_idle(intervals, SLOTS) / SLOTS:.2f} s", ""),
            ("b", "    parallel's start-up and exit (wall - joblog span)", f"{actual - span:.2f} s", ""),
            ("b", "  job durations: median, shortest, longest",
             f"{median(durations):.2f} {min(durations):.2f} {max(durations):.2f}", ""),
            ("b", "  one job alone (part a, median wall)", f"{solo_wall:.2f} s", ""),
            ("b", "  plan + stage; collect with HTML (first)", f"{staged:.2f} s; {collected:.2f} s", ""),
            ("b", "  RATIO ideal / (stage + parallel + collect)", f"{ideal / whole:.3f}", "")]
    return rows, out


def replicate(scratch, source, count):
    """Copy a sweep's output and fill it up to the first ``count`` states with copies of its runs."""
    target, values = scratch / f"replicated-{count}", scratch / f"values-{count}.txt"
    shutil.copytree(source, target)
    write_values(values, count)
    plan = build_plan(NOTEBOOK, values)
    done = [j for j in plan.jobs if status.is_done(target, j)]
    for index, job in enumerate(stage(plan, target)):
        model = done[index % len(done)]
        shutil.copyfile(target / "runs" / f"{model.id}.ipynb", target / "runs" / f"{job.id}.ipynb")
        status.write(target, job.id, dict(status.read(target, model.id), job=job.id, identity=job.identity,
                                          notebook=f"runs/{job.id}.ipynb", log=f"logs/{job.id}.log"))
    (target / "todo.txt").write_text("")
    return target


def collect_seconds(output, html, cold):
    """Seconds of one report.collect; cold drops the incremental index first."""
    if cold:
        for name in (INDEX,):
            (output / name).unlink(missing_ok=True)
    start = time.perf_counter()
    runs = report.collect(output, html=html)
    seconds = time.perf_counter() - start
    if not all(r.ok for r in runs):
        raise RuntimeError(f"{output}: not every run collected ok")
    return seconds


def cli_collect_seconds(output):
    """Wall seconds of `jupyterstream collect --no-html` in its own process (start-up and imports included)."""
    cli = [str(Path(sys.executable).parent / "jupyterstream"), "collect", "--no-html", str(output)]
    return run_timed(cli, environment(), output.parent / "cli-collect.log")[0]


def collect_rows(output, count, target):
    """Table rows for the collector over one output folder (each figure a median of COLLECT_REPEATS)."""
    samples = {"plain": [], "warm": [], "html": [], "cli": []}
    for _ in range(COLLECT_REPEATS):
        samples["plain"].append(collect_seconds(output, html=False, cold=True))
        samples["warm"].append(collect_seconds(output, html=False, cold=False))
        samples["html"].append(collect_seconds(output, html=True, cold=True))
        samples["cli"].append(cli_collect_seconds(output))
    figure = {name: f"{median(values):.3f} s" for name, values in samples.items()}
    return [("c", f"collect {count} runs, no HTML (cold index)", figure["plain"], target),
            ("c", f"collect {count} runs, no HTML (warm index)", figure["warm"], ""),
            ("c", f"collect {count} runs, with HTML (cold index)", figure["html"], ""),
            ("c", f"  `jupyterstream collect --no-html`, {count} runs", figure["cli"], "")]


def bench_collect(scratch, sweep_out, count):
    """Part c: the collector over the sweep's output and over it replicated to 51 runs."""
    full = replicate(scratch, sweep_out, ALL_RUNS)
    collect_seconds(full, html=True, cold=True)  # warm-up: nbconvert's templates; not counted
    return collect_rows(sweep_out, count, "") + collect_rows(full, ALL_RUNS, "< 1 s")


def print_table(rows):
    """Print the figures as one aligned table."""
    width = max(len(name) for _, name, _, _ in rows)
    print(f"\n{'':2} {'measure':<{width}}  {'figure':>17}  target")
    for part, name, figure, target in rows:
        print(f"{part:2} {name:<{width}}  {figure:>17}  {target}")


def main():
    """Run parts a, b and c; print one table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions and a 6-value sweep")
    parser.add_argument("--repeats", type=int, help="repetitions of each part-a variant (default 8, quick 3)")
    parser.add_argument("--breakdown", action="store_true",
                        help="in part a, also time our nbconvert command without run-one")
    args = parser.parse_args()
    repeats, count = (3, 6) if args.quick else (8, 12)
    repeats = args.repeats or repeats
    print(f"bench_sweep: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"{repeats} repetitions, a {count}-value sweep", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    started = time.perf_counter()
    try:
        rows, solo_wall = bench_solo(scratch, repeats, args.breakdown)
        print(f"a done ({time.perf_counter() - started:.0f} s)", flush=True)
        sweep_rows, sweep_out = bench_sweep(scratch, count, solo_wall)
        print(f"b done ({time.perf_counter() - started:.0f} s)", flush=True)
        rows += sweep_rows + bench_collect(scratch, sweep_out, count)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(rows)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
