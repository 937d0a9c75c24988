"""A whole sweep: check, stage, run GNU parallel, collect. What the CLI's run and preview call."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .report import write as report
from .report import progress
from .report.figures.drawpool import limit as draw_limit
from .launch import servers, slurm
from .launch.checks import check_kernel, check_output, check_tools, kernel_name, take_lock
from .atomic import write_atomic
from .errors import SetupError
from .launch import batchsize, buffers
from .collect import failfast, triage
from .launch.inputs import Inputs
from .launch.parallel import (Settings, command_line, parallel_argv, parallel_cwd, parallel_env, shipping,
                              ssh_calls_per_job)
from .launch.plan import Plan, build_plan, select, stage
from .launch.ship import stage_ship
from .launch.staging import plan_inputs, preview_lines, ready_inputs
from .runner.status import is_done, untrusted
from .runner.warm.control import stop_templates
from .runner.warm.jobside import COLD_REASON_ENV
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

    from nbformat import NotebookNode

    from .launch.servers import Host
    from .runner.planned import Job
    from .values.inline import Constants


PREVIEW_JOBS = 20  # per-job lines a preview prints; the rest differ only by their id
# With FAIL_FAST, how often the jobs that ended are counted: the job that starts in a slot as another
# ends is the one that may still run after the limit is reached, so the sooner the better.
FAIL_FAST_TICK = 0.2


@dataclass
class Servers:
    """Where jobs run: SERVERS entries of SERVERS_FILE, reached with SSH, run with REMOTE_PYTHON."""

    count: int = 0
    file: str = "servers.txt"
    ssh: str = ""
    strict: bool = False

    @property
    def remote(self) -> bool:
        """True when the sweep goes over SSH."""
        return self.count > 0


def check_servers(nb: NotebookNode, where: Servers, settings: Settings, log: TextIO = sys.stderr, keep_connections: bool = False,
                  local: tuple | list = ()) -> list[Host]:
    """Preflight every host; print one line per host; return the Hosts. With keep_connections,
    the connections the check opened stay for the sweep (close them with close_servers). ``local``:
    the modules sent with the inputs (beside the notebook), which the hosts need not have."""
    logins = servers.read_servers(where.file, where.count)
    try:
        hosts = servers.check_hosts(logins, settings.output, where.ssh, settings.remote_python,
                                    kernel_name(nb), [m for m in servers.notebook_imports(nb) if m not in local])
    except BaseException:
        close_servers(settings, logins)
        raise
    if not keep_connections:
        close_servers(settings, logins)
    for host in hosts:
        print(servers.describe(host), file=log, flush=True)
    slow = servers.slow_shells([h for h in hosts if h.ok], ssh_calls_per_job(replace(settings, remote=True)))
    if slow:
        print(f"jupyterstream: warning: {slow}", file=log, flush=True)
    facts = {h.name: h.facts for h in hosts if h.facts}
    Path(settings.output, "hosts.json").write_text(json.dumps(facts, indent=1), encoding="utf-8")
    return hosts


def close_servers(settings: Settings, logins: list[str]) -> None:
    """Close the shared ssh connections of a check or sweep (each once its running calls end)."""
    wrapper = Path(settings.output, "ssh-wrapper")
    if wrapper.exists():
        servers.close_connections(wrapper.resolve(), logins)


@dataclass(frozen=True)
class Prepared:
    """The front half of a sweep, as plan, preview, run and submit all begin: the plan, its inputs,
    the settings that say them and the sweep's id, and the jobs chosen."""

    plan: Plan
    inputs: Inputs
    settings: Settings
    chosen: list


def prepare(notebook: str | Path, values: list, settings: Settings, param: str = "state", only: str | None = None,
            only_group: str | None = None, inputs: tuple = (), constants: Constants | None = None) -> Prepared:
    """Build the plan (a bad notebook or values file is told here), find its inputs, give the sweep an id
    (the one ``settings`` has, else a new one) and choose its jobs (``only``, ``only_group``). Writes nothing."""
    plan = build_plan(notebook, values, param, constants)
    found, settings = plan_inputs(notebook, plan.source, settings, inputs, plan)
    settings = replace(settings, sweep=settings.sweep or new_sweep_id())
    return Prepared(plan, found, settings, choose(plan, settings.output, only, only_group))


def preview(notebook: str | Path, values: list, settings: Settings, param: str = "state", only: str | None = None, rerun_ok: bool = False,
            where: Servers | None = None, out: TextIO = sys.stdout, inputs: tuple = (), constants: Constants | None = None,
            only_group: str | None = None) -> int:
    """Print the parallel command line a run would execute, then its per-job lines. Runs nothing."""
    prepared = prepare(notebook, values, settings, param, only, only_group, inputs, constants)
    plan, found, chosen = prepared.plan, prepared.inputs, prepared.chosen
    todo = [j for j in chosen if rerun_ok or not is_done(settings.output, j)]
    allocation, settings = slurm.place(prepared.settings)
    size = batch_for(settings, len(todo))
    settings = replace(settings, batch=size or 1, max_args=batchsize.max_args(size or 1, len(todo), settings.jobs))
    argv = parallel_argv(settings, tmpdir=buffers.folder(settings.output, settings.sweep, make=False))
    print(f"# values: {plan.values_file}", file=out)
    if allocation:
        print(f"# {_slurm_said(allocation, settings)}", file=out)
    print(f"# {batches_said(size, len(todo), settings)}", file=out)
    if plan.grid:
        print(f"# a grid of every combination: {plan.grid}", file=out)
    if constants and constants.texts:
        print(f"# every job also gets ({constants.source}): "
              f"{', '.join(f'{k}={v!r}' for k, v in plan.jobs[0].values.items() if k in constants.texts)}", file=out)
    print("\n".join(preview_lines(found, settings)), file=out)
    picked = f", {len(chosen)} chosen" if len(chosen) < len(plan.jobs) else ""
    print(f"# {len(plan.jobs)} jobs planned{picked}, {len(todo)} to run ({len(chosen) - len(todo)} already ok). "
          "The sweep runs (with a new --sweep id each time):", file=out)
    print(command_line(argv, settings), file=out)
    if settings.fail_fast:
        print(f"# FAIL_FAST={settings.fail_fast}: once {settings.fail_fast} runs failed in the same failure group, "
              "this sweep sends parallel SIGHUP: no new job starts, the running ones finish", file=out)
    print("# per-job command lines (parallel --dry-run):", file=out, flush=True)
    check_tools()
    draw_limit()
    with tempfile.TemporaryDirectory() as scratch:
        if where and where.remote:
            logins = servers.read_servers(where.file, where.count)
            Path(scratch, "sshlogins.txt").write_text("".join(f"1/{servers.Host(l).name}\n" for l in logins))
            _preview_ship(scratch, todo[:PREVIEW_JOBS])
        result = subprocess.run(parallel_argv(settings, dry_run=True, tmpdir=scratch),
                                input="".join(f"{j.id}\n" for j in todo[:PREVIEW_JOBS]),
                                text=True, stdout=subprocess.PIPE, check=False,
                                cwd=scratch if shipping(settings) else None)
    out.write(result.stdout)
    if len(todo) > PREVIEW_JOBS:
        more = (f"values, in jobs of {settings.batch} the same but for their ids" if settings.batch > 1
                else "jobs, each the same but for its id")
        print(f"# ... and {len(todo) - PREVIEW_JOBS} more {more} "
              f"(all ids: jupyterstream plan ... writes them to {settings.output}/todo.txt)", file=out)
    return result.returncode


def batches_said(size, count, settings):
    """What preview says about batches: their size, or the first wave that will decide it."""
    if size is None:
        first = min(count, batchsize.slots_of(settings.jobs))
        return (f"batches: the first {first} values run one per job (the lines below); their times size the "
                "batches of the rest (BATCH=N: N values a job; BATCH=1: one)")
    if size == 1:
        return "batches: none, one value a job" + (" (over SSH)" if settings.remote else "")
    spread = batchsize.max_args(size, count, settings.jobs) > size
    return (f"batches: {size} values a job" + (" (at most: parallel spreads them evenly, one job a slot)" if spread else "")
            + ", one nbconvert over them, each value in its own kernel (BATCH=1: one)")


def _preview_ship(scratch, jobs):
    """Empty ship/ID/ folders, so that parallel's dry run finds what a run stages (and warns of nothing)."""
    for job in jobs:
        Path(scratch, "ship", job.id).mkdir(parents=True, exist_ok=True)


def run(notebook: str | Path, values: list, settings: Settings, param: str = "state", only: str | None = None, rerun_ok: bool = False,
        where: Servers | None = None, log: TextIO = sys.stderr, inputs: tuple = (), constants: Constants | None = None,
        view: progress.View | None = None, only_group: str | None = None, template_logs: str | None = None) -> int:
    """Plan, stage, run every job that is not already ok, collect, then stop this machine's warm templates
    of the sweep (each one's log kept in the folder ``template_logs``; a server's ends when idle). Returns
    the exit status. ``view`` (progress.py) shows the progress; by default a line in place when ``log`` is
    a terminal. ``only_group``: a failure group's key (ONLY_GROUP): run only the values of its runs."""
    prepared = prepare(notebook, values, settings, param, only, only_group, inputs, constants)
    settings = prepared.settings
    try:
        allocation, settings = slurm.place(settings)
        return _sweep(prepared, settings, allocation, where or Servers(), rerun_ok, log, view)
    finally:
        if settings.warm:  # as Slurm's placement left it: it may have turned warm kernels off
            stop_templates(settings.sweep, logs=template_logs)


def _sweep(prepared, settings, allocation, where, rerun_ok, log, view):
    """The sweep once prepared and placed: check, stage, GNU parallel, collect; the exit status."""
    plan, found, chosen = prepared.plan, prepared.inputs, prepared.chosen
    check_tools(*(("rsync",) if shipping(settings) else ()))
    check_output(settings.output)
    draw_limit()  # a JUPYTERSTREAM_DRAW_TIMEOUT the collect would refuse is told before any job runs
    lock = take_lock(settings.output)
    if allocation:
        _use_allocation(allocation, settings, log)
    hosts = []
    try:
        if where.remote:
            Path(settings.output).mkdir(parents=True, exist_ok=True)
            hosts = check_servers(plan.source, where, settings, log, keep_connections=True, local=found.shipped)
            ready_inputs(found, hosts, settings, log)
            _use_hosts(hosts, where, settings, log)
        else:
            check_kernel(plan.source, plan.notebook)
            ready_inputs(found, [], settings, log)
        failfast.clear_note(settings.output)
        todo = stage(plan, settings.output, chosen, rerun_ok)
        kept = sum(is_done(settings.output, j) for j in plan.jobs) if not rerun_ok else 0
        print(f"jupyterstream: {len(plan.jobs)} jobs, {len(todo)} to run" +
              (f" ({kept} already ok: kept)" if kept else ""), file=log, flush=True)
        _say_why_again(settings.output, todo, log)
        interrupted = _run_waves(settings, todo, log, lock, view)
    finally:
        if hosts:
            close_servers(settings, [h.login for h in hosts])
    lock.close()
    runs = report.collect(settings.output, metric_tag=settings.metric_tag or None)
    print(report.summary(settings.output, runs), file=log, flush=True)
    if interrupted:
        return 130
    chosen_ids = {j.id for j in chosen}
    return 0 if all(r.ok for r in runs if r.id in chosen_ids) else 1


def choose(plan: Plan, output: str | Path, only: str | None = None, only_group: str | None = None) -> list[Job]:
    """The jobs to consider: those ``only`` names, those of the failure group ``only_group`` (its key, as
    the last collect of ``output`` grouped its runs), or all of them (plan.select)."""
    group = (only_group, triage.members(output, only_group)) if only_group is not None else None
    return select(plan, only, group)


def _say_why_again(output, todo, log, limit=10):
    """A line for each ok run that runs again because its result can no longer be trusted."""
    again = [(job.id, why) for job in todo if (why := untrusted(output, job))]
    for job_id, why in again[:limit]:
        print(f"jupyterstream: {job_id} runs again, its ok result cannot be trusted: {why}", file=log, flush=True)
    if len(again) > limit:
        print(f"jupyterstream: ... and {len(again) - limit} more ok runs whose results cannot be trusted",
              file=log, flush=True)


def _use_hosts(hosts, where, settings, log):
    bad = [h for h in hosts if not h.ok]
    good = [h for h in hosts if h.ok]
    if bad and where.strict:
        raise SetupError(f"{len(bad)} of {len(hosts)} servers failed the check (see above): fix them, or "
                         "run without STRICT_SERVERS=1 to leave them out")
    if not good:
        raise SetupError("no server passed the check (see above): nothing can run")
    if bad:
        print(f"jupyterstream: warning: leaving out {', '.join(h.name for h in bad)}: failed the check",
              file=log, flush=True)
    Path(settings.output, "sshlogins.txt").write_text(servers.sshlogins(good, settings.jobs))
    servers.write_ssh_wrapper(Path(settings.output, "ssh-wrapper"), where.ssh)


def _slurm_said(allocation, settings):
    """One line on how Slurm places this sweep's jobs."""
    kernels = "warm kernels, one template per node" if settings.warm else f"cold kernels: {settings.cold_reason or 'WARM=0'}"
    return (f"Slurm job {allocation.job_id} on {allocation.nodes or 'its nodes'}: each job is a job step "
            f"({' '.join(settings.srun)}), {settings.jobs} at a time; OUTPUT is shared, nothing is transferred; {kernels}")


def _use_allocation(allocation, settings, log):
    """Say how Slurm places the jobs, and add this allocation to OUTPUT/slurm.json (the manifest's)."""
    print(f"jupyterstream: {_slurm_said(allocation, settings)}", file=log, flush=True)
    path = Path(settings.output, "slurm.json")
    try:
        jobs = [j for j in json.loads(path.read_text(encoding="utf-8")).get("jobs", []) if isinstance(j, dict)]
    except (OSError, ValueError, AttributeError):
        jobs = []
    jobs = [j for j in jobs if j.get("job_id") != allocation.job_id] + [allocation.facts()]
    write_atomic(path, json.dumps({"jobs": jobs[-20:]}, indent=1) + "\n")


def _job_environment(settings):
    """The environment of parallel and its jobs: this one, and why kernels are cold when the sweep chose so."""
    return dict(os.environ, **({COLD_REASON_ENV: settings.cold_reason} if settings.cold_reason else {}))


def _run_waves(settings, todo, log, lock, view):
    """Run the todo jobs in batches sized by batchsize.py: when nothing tells yet how long a value takes,
    a first wave of one value per slot and per job, then the rest sized from it. True when interrupted."""
    slots = batchsize.slots_of(settings.jobs)
    size = batch_for(settings, len(todo))
    if size is None:
        first, todo = todo[:slots], todo[slots:]
        print(f"jupyterstream: batches: the first {len(first)} values run one per job; their times size "
              "the batches of the rest (BATCH=N sets it, BATCH=1 turns batching off)", file=log, flush=True)
        if _run_parallel(replace(settings, batch=1), first, log, lock, view or progress.view_for(None, log)):
            return True
        work = batchsize.earlier_work(settings.output, [j.id for j in first])
        size = batchsize.size_of(settings.batch, len(todo), slots, work) or 1
    if not todo:
        return False
    if size > 1:
        print(f"jupyterstream: batches of {size} values a job (one nbconvert, a kernel each)", file=log, flush=True)
    spread = batchsize.max_args(size, len(todo), settings.jobs)  # one job a slot when one batch a slot holds all
    return _run_parallel(replace(settings, batch=size, max_args=spread), todo, log, lock,
                         view or progress.view_for(None, log))


def batch_for(settings, count):
    """The values a job runs (BATCH, or chosen from this OUTPUT's earlier records); None: a first wave decides.
    Over SSH every job runs one value; with FAIL_FAST too, unless BATCH is given (FAIL_FAST stops parallel
    from starting jobs, and counts a batch's failures only when the batch ends)."""
    if settings.remote or (settings.fail_fast and settings.batch == 0):
        return 1
    slots = batchsize.slots_of(settings.jobs)
    if settings.batch >= 1 or count <= slots * batchsize.BATCHES_PER_SLOT:
        return batchsize.size_of(settings.batch, count, slots, [])
    return batchsize.size_of(0, count, slots, batchsize.earlier_work(settings.output))


def _run_parallel(settings, todo, log, lock, view):
    """Run parallel over the todo jobs, showing progress on ``view``; True when the user interrupted it."""
    if shipping(settings):
        stage_ship(settings.output, [j.id for j in todo])
    tmpdir = buffers.folder(settings.output, settings.sweep)
    argv = parallel_argv(settings, tmpdir=os.path.abspath(tmpdir))
    print(command_line(argv, settings), file=log, flush=True)
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE if view.relays else None,
                               text=True, cwd=parallel_cwd(settings), pass_fds=(lock.fileno(),),
                               env=dict(_job_environment(settings), **parallel_env()))
    counter = failfast.Counter(settings.fail_fast, lambda: _stop_starting(process, counter, log)) \
        if settings.fail_fast else None
    tracker = progress.Tracker(settings.output, todo, settings.sweep, counter.add if counter else None)
    previous = _on_sigterm(_interrupt)
    try:
        progress.follow(process, "".join(f"{j.id}\n" for j in todo), tracker, view,
                        tick=FAIL_FAST_TICK if counter else None)
        if counter and counter.reached:
            failfast.write_note(settings.output, settings.sweep, counter,
                                sum(j.id not in tracker.ended for j in todo))
        return False
    except KeyboardInterrupt:
        print("jupyterstream: stopping: parallel tells the running jobs to stop; finished runs are kept",
              file=log, flush=True)
        _stop(process)
        return True
    finally:
        _on_sigterm(previous)
        buffers.remove(tmpdir)
        if shipping(settings):
            shutil.rmtree(os.path.join(settings.output, "ship"), ignore_errors=True)


def _stop_starting(process, counter, log):
    """FAIL_FAST: SIGHUP tells parallel to start no new job and to wait for the running ones."""
    print(f"jupyterstream: {counter.counts[counter.reached]} runs failed as {counter.reached} "
          f"(FAIL_FAST={counter.limit}): no new job starts; the running ones finish", file=log, flush=True)
    if process.poll() is None:
        process.send_signal(signal.SIGHUP)


def new_sweep_id() -> str:
    """A sweep's id: the time it began (so ids sort in time order) and a random suffix."""
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _on_sigterm(handler):
    """Handle SIGTERM as an interrupt while parallel runs; returns the handler it replaced. Only the main
    thread may set one (and only it receives signals): a sweep run from another thread (a notebook's
    background thread, a web app's worker) sets none, and the process's own handling stays."""
    if threading.current_thread() is not threading.main_thread() or handler is None:
        return None
    return signal.signal(signal.SIGTERM, handler)


def _stop(process):
    """SIGTERM parallel (it stops its jobs with --termseq, here and over SSH) and wait for it."""
    for _ in range(2):
        try:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
            return
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:
            continue
    process.kill()
    process.wait()
