"""The jupyterstream command: one subcommand per step. The only module that imports click or exits."""

import os
import sys

import click

from .report import write as report
from .launch import staging
from . import sweep
from .values import inline
from .collect import failfast
from .launch.checks import check_output
from .errors import JupyterstreamError
from .launch.inputs import parse_size
from .launch.parallel import Settings
from .launch.plan import build_plan, stage
from .runner.warm.control import stop_templates


DEFAULT_FILES_LIMIT = "300MB"


def sweep_options(func):
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
        click.option("--warm-kernels/--cold-kernels", "warm", default=Settings.warm, show_default=True,
                     help="Fork each job's kernel from a template that has imported the notebook's imports "
                          "once per host, or start every kernel afresh (WARM=1 / WARM=0)."),
    ] + server_options() + input_options()
    return with_options(lambda: options)(func)


def input_options():
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


def with_options(make_options):
    """A decorator that applies a list of click options, first one on top."""
    def decorate(func):
        for option in reversed(make_options()):
            func = option(func)
        return func
    return decorate


def server_options():
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


def settings_of(options):
    """Settings and Servers from the CLI options."""
    settings = Settings(output=options["output"], jobs=options["jobs"], cell_timeout=options["cell_timeout"],
                        job_timeout=options["job_timeout"],
                        remote=options["servers"] > 0, remote_python=options["remote_python"],
                        retries=options["retries"], shared_fs=options["shared_fs"],
                        metric_tag=options.get("metric_tag") or "", files_limit=options.get("files_limit") or 0,
                        memory_limit=options.get("memory_limit") or 0,
                        warm=options.get("warm", Settings.warm), fail_fast=options.get("fail_fast") or 0)
    where = sweep.Servers(count=options["servers"], file=options["servers_file"], ssh=options["ssh"],
                          strict=options["strict_servers"])
    return settings, where


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jupyterstream")
def main():
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
def preview(notebook, values, param, only, only_group, rerun_ok, inputs, constants, pairs, **options):
    """Print the exact parallel command and per-job command lines; execute nothing."""
    settings, where = settings_of(options)
    click.echo(f"# kernels: {kernels_said(settings)}")

    def step():
        sources, given = values_of(values, constants, pairs)
        return sweep.preview(notebook, sources, settings, param, only, rerun_ok, where, inputs=inputs,
                             constants=given, only_group=only_group)
    _exit(step)


def values_of(words, constants, pairs):
    """The VALUES words as sources (files, ':::' groups) and the -p and --set constants (inline.py)."""
    return inline.split(words), inline.constants(list(constants) + inline.set_pairs(pairs))


@main.command()
@sweep_options
def plan(notebook, values, output, param, only, only_group, rerun_ok, inputs, constants, pairs, **options):
    """Check and stage the jobs; print the ids of those to run, one a line (for parallel).

    \b
    Example (the sweep without this tool's run command; the README has it whole):
      jupyterstream plan notebooks/births.ipynb states.txt -o output
      parallel ... bin/run-one output {} ... < output/todo.txt
    """
    def step():
        sources, given = values_of(values, constants, pairs)
        the_plan = build_plan(notebook, sources, param, given)
        settings, _ = settings_of(dict(options, output=output))
        found = staging.plan_inputs(notebook, the_plan.source, settings, inputs, the_plan)
        check_output(output)
        staging.stage_inputs(found, settings, sys.stderr)
        todo = stage(the_plan, output, sweep.choose(the_plan, output, only, only_group), rerun_ok)
        click.echo("".join(f"{job.id}\n" for job in todo), nl=False)  # one write, not 100,000
        return 0
    _exit(step)


@main.command()
@sweep_options
def run(notebook, values, param, only, only_group, rerun_ok, inputs, constants, pairs, **options):
    """Run every value not already ok with GNU parallel, then collect. Exit 1 if any run is not ok."""
    settings, where = settings_of(options)

    def step():
        sources, given = values_of(values, constants, pairs)
        try:
            return sweep.run(notebook, sources, settings, param, only, rerun_ok, where, inputs=inputs,
                             constants=given, only_group=only_group)
        finally:
            if settings.warm and settings.sweep:
                # this machine's, and their folders (each log kept in OUTPUT/logs/templates/); a server's ends when idle
                stop_templates(settings.sweep, logs=os.path.join(settings.output, "logs", "templates"))
    _exit(step)


def kernels_said(settings):
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
def check_servers(notebook, inputs, **options):
    """Check every server before a long sweep: ssh, Python, Jupyter, the kernel, the notebook's
    imports, rsync, cores. One line per host; exit 1 if any fails.

    \b
    Example:
      jupyterstream check-servers notebooks/births.ipynb --servers 4 --ssh 'ssh -F my_config'
    """
    from .notebook.params import read_notebook

    settings, where = settings_of(options)
    settings.remote = True
    if not where.remote:
        where.count = 10 ** 6
    def step():
        nb = read_notebook(notebook)
        found = staging.plan_inputs(notebook, nb, settings, inputs)
        hosts = sweep.check_servers(nb, where, settings, log=sys.stdout, keep_connections=True,
                                    local=found.shipped)
        try:
            staging.check_inputs(found, hosts, settings, sys.stdout)
        finally:
            sweep.close_servers(settings, [h.login for h in hosts])
        return 0 if all(h.ok for h in hosts) else 1
    _exit(step)


@main.command()
@click.argument("notebook", type=click.Path(dir_okay=False))
def inspect(notebook):
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
def collect(output, no_html, metric_tag, watch):
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
