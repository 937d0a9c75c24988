"""The jupyterstream command: one subcommand per step. The only module that imports click or exits."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click
from click.core import ParameterSource

from .report import write as report
from .launch import slurm, staging, submit as submitting
from . import sweep
from .values import inline
from .collect import failfast
from .launch.checks import check_output
from .errors import JupyterstreamError
from .launch.inputs import parse_size
from .launch.parallel import Settings
from .launch.plan import stage
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


DEFAULT_FILES_LIMIT = "300MB"


def sweep_options(func: Callable) -> Callable:
    """Options shared by preview, plan and run (each matches a Makefile variable)."""
    options = [
        click.argument("notebook", type=click.Path(dir_okay=False)),
        click.argument("values", nargs=-1, required=True),
        click.option("--output", "-o", default="output", show_default=True, help="Output folder (OUTPUT)."),
        click.option("--param", multiple=True, default=["state"], show_default=True, metavar="NAME",
                     help="The parameter a one-column values file feeds (PARAM); with several one-column "
                          "files or ':::' groups, one name each, in order: --param state --param year, or "
                          "--param 'state year'."),
        click.option("-p", "--parameter", "constants", nargs=2, multiple=True, metavar="NAME VALUE",
                     help="A value given to every job, typed as a values file's (papermill's -p): -p k 2; repeat "
                          "for several."),
        click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
                     help="The same as -p NAME VALUE, in one word (what make's P='k=2 alpha=0.5' passes)."),
        click.option("--jobs", "-j", default="", help="Job slots on this machine; default one per core (JOBS)."),
        click.option("--cell-timeout", type=float, default=0, help="Seconds per cell; 0: none (CELL_TIMEOUT)."),
        click.option("--job-timeout", type=float, default=0, help="Seconds per job; 0: none (JOB_TIMEOUT)."),
        click.option("--only", metavar="VALUE", help="Run just this value (or job id), e.g. --only DC."),
        click.option("--only-group", metavar="KEY", default=None,
                     help="Run just the values of one failure group, by the key the summary and the report show, "
                          "e.g. --only-group cell-error/KeyError/cell-3 (ONLY_GROUP)."),
        click.option("--rerun-ok", is_flag=True, help="Run again the jobs that are already ok."),
        click.option("--fail-fast", default="", callback=_fail_fast, metavar="N",
                     help="Start no new job once N runs failed in the same failure group (its key is in the "
                          "summary); running jobs finish, the rest stay missing for the next run (FAIL_FAST)."),
        click.option("--metric-tag", default="", metavar="TAG",
                     help="Also take the last expression of code cells tagged TAG as a metric (METRIC_TAG)."),
        click.option("--batch", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
                     help="Values each job runs, one nbconvert over them, each value in its own kernel; 0: chosen "
                          "from how long values take (a notebook of minutes is never batched); 1: one value a "
                          "job (BATCH)."),
        click.option("--warm-kernels/--cold-kernels", "warm", default=Settings.warm, show_default=True,
                     help="Fork each job's kernel from a template that has imported the notebook's imports "
                          "once per host, or start every kernel afresh (WARM=1 / WARM=0)."),
        click.option("--slurm", default="auto", show_default=True, callback=_slurm_mode, metavar="auto|on|off",
                     help="Inside a Slurm allocation, run each job as a job step (srun) on its nodes: auto, "
                          "on (required: an error outside one) or off (SLURM=1 / SLURM=0)."),
    ] + server_options() + input_options()
    return with_options(lambda: options)(func)


def request_options() -> list[Callable]:
    """What `submit` asks Slurm for (NODES, TASKS, CPUS, TIME, PARTITION, ACCOUNT, SBATCH); preview shows it."""
    return [
        click.option("--nodes", type=click.IntRange(min=1), default=1, show_default=True, help="Nodes to ask for (NODES)."),
        click.option("--tasks", type=click.IntRange(min=0), default=0,
                     help="Job slots in all, one job per task; 0: as many as the nodes have CPUs, per --cpus (TASKS)."),
        click.option("--cpus", type=click.IntRange(min=0), default=0, help="CPUs per task, for each job; 0: one (CPUS)."),
        click.option("--time", default="", help="The job's time limit, as sbatch takes it: 2:00:00 (TIME)."),
        click.option("--partition", default="", help="The partition to submit to (PARTITION)."),
        click.option("--account", default="", help="The account to charge (ACCOUNT)."),
        click.option("--sbatch", "sbatch_extra", default="", metavar="OPTIONS",
                     help="More sbatch options, as one string: '--mem=8G --qos=short' (SBATCH)."),
    ]


DEFAULT = ParameterSource.DEFAULT
REQUEST_NAMES = ("nodes", "tasks", "cpus", "time", "partition", "account", "sbatch_extra")


def request_of(options: dict) -> submitting.Request:
    """The Slurm request from the CLI options."""
    return submitting.Request(nodes=options["nodes"], tasks=options["tasks"], cpus=options["cpus"],
                              time=options["time"], partition=options["partition"], account=options["account"],
                              extra=options["sbatch_extra"])


def run_command(ctx: click.Context) -> list[str]:
    """The `jupyterstream run` command line that does what this command was asked, under Slurm (--slurm on)."""
    command = Path(sys.executable).parent / "jupyterstream"
    argv = [str(command) if command.exists() else os.path.abspath(sys.argv[0]), "run"]
    arguments = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.name in REQUEST_NAMES + ("slurm",) or (not isinstance(param, click.Argument) and is_default(ctx, param)):
            continue
        if isinstance(param, click.Argument):
            arguments += [str(v) for v in (value if param.nargs != 1 else [value])]
        elif param.is_flag:
            argv += [param.opts[0]] if value else param.secondary_opts[:1]
        else:
            argv += [w for v in (value if param.multiple else [value]) if v is not None for w in (param.opts[0], *words_of(v))]
    return argv + ["--slurm", "on", "--", *arguments]


def is_default(ctx: click.Context, param: click.Parameter) -> bool:
    """Whether an option has its default value, given or not: a default need not be said again (and
    some, like --fail-fast's '', have no word that gives them back once parsed)."""
    if ctx.get_parameter_source(param.name) is DEFAULT:
        return True
    return ctx.params.get(param.name) == param.process_value(ctx, param.get_default(ctx))


def words_of(value: object) -> list[str]:
    """An option's value as the words that give it again: -p's NAME VALUE pair is two."""
    return [str(v) for v in value] if isinstance(value, tuple) else [str(value)]


def _slurm_mode(ctx, param, value):
    try:
        return slurm.mode_of(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def input_options() -> list[Callable]:
    """Options for the files a notebook reads and writes (INPUTS, FILES_LIMIT)."""
    return [
        click.option("--inputs", "inputs", multiple=True, metavar="PATH",
                     help="A file or folder the notebook reads, relative to its folder; repeat for several "
                          "(INPUTS). Default: the files its code names."),
        click.option("--files-limit", default=DEFAULT_FILES_LIMIT, show_default=True, callback=_size,
                     help="Most a run may bring home to OUTPUT/files/ID/, e.g. 300MB; 0: no limit (FILES_LIMIT)."),
        click.option("--memory-limit", default="0", show_default=True, callback=_size,
                     help="Most memory (address space) the kernel and each process it starts may have, e.g. "
                          "4G; a run over it fails with MemoryError, the others go on; 0: none (MEMORY_LIMIT)."),
    ]


def _size(ctx, param, value):
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _fail_fast(ctx, param, value):
    try:
        return failfast.limit_of(value, "FAIL_FAST")
    except JupyterstreamError as exc:
        raise click.BadParameter(str(exc)) from None


def with_options(make_options: Callable) -> Callable:
    """A decorator that applies a list of click options, first one on top."""
    def decorate(func):
        for option in reversed(make_options()):
            func = option(func)
        return func
    return decorate


def server_options() -> list[Callable]:
    """Options for sweeps over SSH servers (SERVERS, SERVERS_FILE, SSH, REMOTE_PYTHON, ...)."""
    return [
        click.option("--servers", type=int, default=0, show_default=True,
                     help="Use the first N entries of --servers-file; 0: this machine only (SERVERS)."),
        click.option("--servers-file", default="servers.txt", show_default=True,
                     help="GNU parallel sshloginfile: '4/user@host' a line, ':' for this machine (SERVERS_FILE)."),
        click.option("--ssh", default="", help="The ssh command, e.g. 'ssh -F my_config' (SSH)."),
        click.option("--remote-python", default="python3", show_default=True,
                     help="The Python on the servers that has nbconvert and ipykernel (REMOTE_PYTHON)."),
        click.option("--retries", type=int, default=2, show_default=True,
                     help="Tries per job over SSH; a failure of the notebook itself is not retried (RETRIES)."),
        click.option("--shared-fs", is_flag=True, help="The servers see OUTPUT at the same path: no transfers (SHARED_FS)."),
        click.option("--strict-servers", is_flag=True, help="Refuse to run when a server fails the check (STRICT_SERVERS)."),
    ]


def settings_of(options: dict) -> tuple[Settings, sweep.Servers]:
    """Settings and Servers from the CLI options."""
    settings = Settings(output=options["output"], jobs=options["jobs"], cell_timeout=options["cell_timeout"],
                        job_timeout=options["job_timeout"],
                        remote=options["servers"] > 0, remote_python=options["remote_python"],
                        retries=options["retries"], shared_fs=options["shared_fs"],
                        metric_tag=options.get("metric_tag") or "", files_limit=options.get("files_limit") or 0,
                        memory_limit=options.get("memory_limit") or 0,
                        warm=options.get("warm", Settings.warm), fail_fast=options.get("fail_fast") or 0,
                        slurm=options.get("slurm") or "auto",
                        batch=options.get("batch") or 0)
    where = sweep.Servers(count=options["servers"], file=options["servers_file"], ssh=options["ssh"],
                          strict=options["strict_servers"])
    return settings, where


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jupyterstream")
def main() -> None:
    """Run one parameterized notebook over many values with GNU parallel, then collect.

    \b
    Example:
      jupyterstream preview notebooks/births.ipynb states.txt
      jupyterstream run notebooks/births.ipynb states.txt --output output
      jupyterstream run notebooks/births.ipynb states.txt --only DC
      jupyterstream run notebooks/births.ipynb states.txt --only-group cell-error/KeyError/cell-3
      jupyterstream run analysis.ipynb params.yaml
      jupyterstream run analysis.ipynb states.txt years.txt --param state --param year
      jupyterstream run analysis.ipynb --param state ::: AL CA -p k 2
      jupyterstream run analysis.ipynb --param state --param year ::: AL CA ::: 1990 2000

    VALUES is one file (.txt: one value a line; .csv/.tsv: a table; .yaml/.yml/.json: a list of
    mappings, or a mapping of lists as a grid), or several files: every combination of their rows.
    As in GNU parallel, the words after ':::' are values (read as a one-value-a-line file's lines)
    and the words after '::::' are values files; several groups make a grid. Put '--' before
    VALUES when a value starts with '-' (-- ::: -1 0 1). -p NAME VALUE gives a value to every job.
    """


@main.command()
@sweep_options
@with_options(request_options)
@click.pass_context
def preview(ctx: click.Context, notebook: str, values: tuple[str, ...], param: tuple[str, ...], only: str | None, only_group: str | None,
            rerun_ok: bool, inputs: tuple[str, ...], constants: tuple[tuple[str, str], ...], pairs: tuple[str, ...], **options: object) -> None:
    """Print the exact parallel command and per-job command lines; execute nothing. With --slurm on
    outside an allocation: the batch script `submit` would write, and the sweep it runs."""
    settings, where = settings_of(options)
    click.echo(f"# kernels: {kernels_said(settings)}")

    def step():
        shown = settings
        if settings.slurm == "on" and slurm.allocation() is None:
            shown = _preview_submit(ctx, settings, request_of(options))
        sources, given = values_of(values, constants, pairs)
        return sweep.preview(notebook, sources, shown, param, only, rerun_ok, where, inputs=inputs,
                             constants=given, only_group=only_group)
    _exit(step)


def values_of(words: tuple[str, ...], constants: tuple[tuple[str, str], ...], pairs: tuple[str, ...]) -> tuple[list, inline.Constants]:
    """The VALUES words as sources (files, ':::' groups) and the -p and --set constants (inline.py)."""
    return inline.split(words), inline.constants(list(constants) + inline.set_pairs(pairs))


def _preview_submit(ctx, settings, request):
    """Print the batch script; return the settings its sweep will run with."""
    request = submitting.with_tasks(request, required=False)
    click.echo(f"# make submit writes {settings.output}/{submitting.SCRIPT} and submits it with sbatch:")
    click.echo(submitting.batch_script(request, run_command(ctx), settings.output, job_name(ctx.params["notebook"])), nl=False)
    allocation = request.allocation()
    click.echo("# inside the job, the sweep runs each job as a job step:")
    return replace(settings, srun=tuple(allocation.srun()), jobs=settings.jobs or str(allocation.tasks), slurm="off")


def job_name(notebook: str) -> str:
    """The Slurm job's name: the notebook's, so that squeue tells sweeps apart."""
    return f"jupyterstream-{Path(notebook).stem}"[:64]


@main.command()
@sweep_options
@with_options(request_options)
@click.pass_context
def submit(ctx: click.Context, notebook: str, values: tuple[str, ...], param: tuple[str, ...], only: str | None, only_group: str | None,
           rerun_ok: bool, inputs: tuple[str, ...], constants: tuple[tuple[str, str], ...], pairs: tuple[str, ...], **options: object) -> None:
    """Submit the sweep to Slurm as one batch job: write OUTPUT/submit.sbatch (the same `run`, each
    job a job step on the allocation's nodes, then collect) and sbatch it. Prints the job id.

    \b
    Example (from a login node; OUTPUT on the cluster's shared filesystem):
      jupyterstream submit notebooks/births.ipynb states.txt -o output --nodes 2 --time 1:00:00
      jupyterstream collect output --watch 10
    """
    output = options["output"]

    def step():
        request = submitting.with_tasks(request_of(options))
        sources, given = values_of(values, constants, pairs)
        # a bad notebook, values file or input is told now, not after the queue
        sweep.prepare(notebook, sources, settings_of(options)[0], param, only, only_group, inputs, given)
        check_output(output)
        script = submitting.batch_script(request, run_command(ctx), output, job_name(notebook))
        job_id = submitting.submit(request, script, output)
        click.echo(job_id)
        click.echo(f"jupyterstream: submitted Slurm job {job_id} ({output}/{submitting.SCRIPT}: {request.nodes} "
                   f"node(s), {request.tasks} task(s)); follow it with 'make watch OUTPUT={output}' or "
                   f"'squeue --jobs={job_id}'; its log: {output}/slurm-{job_id}.out", err=True)
        return 0
    _exit(step)


@main.command()
@sweep_options
def plan(notebook: str, values: tuple[str, ...], output: str, param: tuple[str, ...], only: str | None, only_group: str | None, rerun_ok: bool,
         inputs: tuple[str, ...], constants: tuple[tuple[str, str], ...], pairs: tuple[str, ...], **options: object) -> None:
    """Check and stage the jobs; print the ids of those to run, one a line (for parallel).

    \b
    Example (the sweep without this tool's run command; the README has it whole):
      jupyterstream plan notebooks/births.ipynb states.txt -o output
      parallel ... bin/run-one output {} ... < output/todo.txt
    """
    def step():
        sources, given = values_of(values, constants, pairs)
        settings, _ = settings_of(dict(options, output=output))
        prepared = sweep.prepare(notebook, sources, settings, param, only, only_group, inputs, given)
        check_output(output)
        staging.stage_inputs(prepared.inputs, prepared.settings, sys.stderr)
        todo = stage(prepared.plan, output, prepared.chosen, rerun_ok)
        click.echo("".join(f"{job.id}\n" for job in todo), nl=False)  # one write, not 100,000
        return 0
    _exit(step)


@main.command()
@sweep_options
def run(notebook: str, values: tuple[str, ...], param: tuple[str, ...], only: str | None, only_group: str | None, rerun_ok: bool,
        inputs: tuple[str, ...], constants: tuple[tuple[str, str], ...], pairs: tuple[str, ...], **options: object) -> None:
    """Run every value not already ok with GNU parallel, then collect. Exit 1 if any run is not ok."""
    settings, where = settings_of(options)

    def step():
        sources, given = values_of(values, constants, pairs)
        return sweep.run(notebook, sources, settings, param, only, rerun_ok, where, inputs=inputs, constants=given,
                         only_group=only_group, template_logs=os.path.join(settings.output, "logs", "templates"))
    _exit(step)


def kernels_said(settings: Settings) -> str:
    """What preview says about kernels: warm or cold, and how to switch."""
    if settings.warm:
        return ("warm: each job's kernel is forked from a template that has imported the notebook's imports "
                "(one per host and sweep; a job that cannot get one runs cold and says why); WARM=0 for cold")
    return "cold: every job starts its kernel afresh (WARM=0); WARM=1 (--warm-kernels) forks them from a warm template"


@main.command("check-servers")
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--output", "-o", default="output", show_default=True, help="Where to keep the check's files.")
@click.option("--jobs", "-j", default="", hidden=True)
@click.option("--cell-timeout", type=float, default=0, hidden=True)
@click.option("--job-timeout", type=float, default=0, hidden=True)
@with_options(lambda: server_options() + input_options())
def check_servers(notebook: str, inputs: tuple[str, ...], **options: object) -> None:
    """Check every server before a long sweep: ssh, Python, Jupyter, the kernel, the notebook's
    imports, rsync, cores. One line per host; exit 1 if any fails.

    \b
    Example:
      jupyterstream check-servers notebooks/births.ipynb --servers 4 --ssh 'ssh -F my_config'
    """
    from .notebook.params import read_notebook

    settings, where = settings_of(options)
    settings = replace(settings, remote=True)
    if not where.remote:
        where.count = 10 ** 6
    def step():
        nb = read_notebook(notebook)
        found, checked = staging.plan_inputs(notebook, nb, settings, inputs)
        hosts = sweep.check_servers(nb, where, checked, log=sys.stdout, keep_connections=True,
                                    local=found.shipped)
        try:
            staging.check_inputs(found, hosts, checked, sys.stdout)
        finally:
            sweep.close_servers(checked, [h.login for h in hosts])
        return 0 if all(h.ok for h in hosts) else 1
    _exit(step)


@main.command()
@click.argument("notebook", type=click.Path(dir_okay=False))
def inspect(notebook: str) -> None:
    """Print the notebook's parameters (name, type, default, the comment on its line) and the
    environment variables it reads.

    \b
    Example:
      jupyterstream inspect notebooks/births.ipynb
    """
    from .notebook.inspection import report as inspection_report

    def step():
        click.echo(inspection_report(notebook))
        return 0
    _exit(step)


@main.command()
@click.argument("output", default="output")
@click.option("--no-html", is_flag=True, help="Skip report.html (faster for huge sweeps).")
@click.option("--metric-tag", default=None, metavar="TAG",
              help="Also take the last expression of code cells tagged TAG as a metric (METRIC_TAG).")
@click.option("--watch", type=click.FloatRange(min=0.5), default=None, metavar="SECONDS",
              help="Collect again every SECONDS while runs are pending or running; the open report reloads "
                   "itself until the sweep is done (WATCH).")
def collect(output: str, no_html: bool, metric_tag: str | None, watch: float | None) -> None:
    """Collect OUTPUT's runs into master.ipynb, report.html, metrics.csv, runs.csv and changes.csv.

    \b
    Example (while a sweep runs, in another terminal; open OUTPUT/report.html):
      jupyterstream collect output --watch 5
    """
    def step():
        if watch:
            runs = report.watch(output, watch, metric_tag=metric_tag or None, log=sys.stderr)
        else:
            runs = report.collect(output, html=not no_html, metric_tag=metric_tag or None)
        click.echo(report.summary(output, runs), err=True)
        return 0 if all(r.ok for r in runs) else 1
    _exit(step)


def _exit(step):
    try:
        code = step()
    except JupyterstreamError as exc:
        click.echo(f"jupyterstream: error: {exc}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        click.echo("jupyterstream: interrupted", err=True)
        code = 130
    sys.exit(code)
