"""The jupyterstream command: one subcommand per step. The only module that imports click or exits."""

import sys

import click

from . import report, sweep
from .errors import JupyterstreamError
from .parallel import Settings
from .plan import build_plan, select, stage


def sweep_options(func):
    """Options shared by preview, plan and run (each matches a Makefile variable)."""
    options = [
        click.argument("notebook", type=click.Path(dir_okay=False)),
        click.argument("values", type=click.Path(dir_okay=False)),
        click.option("--output", "-o", default="output", show_default=True, help="Output folder (OUTPUT)."),
        click.option("--param", default="state", show_default=True,
                     help="The parameter a one-column values file feeds (PARAM)."),
        click.option("--jobs", "-j", default="", help="Job slots on this machine; default one per core (JOBS)."),
        click.option("--cell-timeout", type=float, default=0, help="Seconds per cell; 0: none (CELL_TIMEOUT)."),
        click.option("--job-timeout", type=float, default=0, help="Seconds per job; 0: none (JOB_TIMEOUT)."),
        click.option("--only", metavar="VALUE", help="Run just this value (or job id), e.g. --only DC."),
        click.option("--rerun-ok", is_flag=True, help="Run again the jobs that are already ok."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_of(output, jobs, cell_timeout, job_timeout):
    """Settings from the CLI options."""
    return Settings(output=output, jobs=jobs, cell_timeout=cell_timeout, job_timeout=job_timeout,
                    progress=sys.stderr.isatty())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jupyterstream")
def main():
    """Run one parameterized notebook over many values with GNU parallel, then collect.

    \b
    Example:
      jupyterstream preview notebooks/births.ipynb states.txt
      jupyterstream run notebooks/births.ipynb states.txt --output output
      jupyterstream run notebooks/births.ipynb states.txt --only DC
    """


@main.command()
@sweep_options
def preview(notebook, values, output, param, jobs, cell_timeout, job_timeout, only, rerun_ok):
    """Print the exact parallel command and per-job command lines; execute nothing."""
    settings = settings_of(output, jobs, cell_timeout, job_timeout)
    _exit(lambda: sweep.preview(notebook, values, settings, param, only, rerun_ok))


@main.command()
@sweep_options
def plan(notebook, values, output, param, jobs, cell_timeout, job_timeout, only, rerun_ok):
    """Check and stage the jobs; print the ids of those to run, one a line (for parallel).

    \b
    Example (the sweep without this tool's run command):
      jupyterstream plan notebooks/births.ipynb states.txt -o output | parallel ... bin/run-one output {} ...
    """
    def step():
        the_plan = build_plan(notebook, values, param)
        for job in stage(the_plan, output, select(the_plan, only), rerun_ok):
            click.echo(job.id)
        return 0
    _exit(step)


@main.command()
@sweep_options
def run(notebook, values, output, param, jobs, cell_timeout, job_timeout, only, rerun_ok):
    """Run every value not already ok with GNU parallel, then collect. Exit 1 if any run is not ok."""
    settings = settings_of(output, jobs, cell_timeout, job_timeout)
    _exit(lambda: sweep.run(notebook, values, settings, param, only, rerun_ok))


@main.command()
@click.argument("output", default="output")
@click.option("--no-html", is_flag=True, help="Skip report.html (faster for huge sweeps).")
def collect(output, no_html):
    """Collect OUTPUT's runs into master.ipynb, report.html, metrics.csv and runs.csv."""
    def step():
        runs = report.collect(output, html=not no_html)
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
