"""A whole sweep: check, stage, run GNU parallel, collect. What the CLI's run and preview call."""

import shutil
import subprocess
import sys

from . import report
from .errors import SetupError
from .parallel import command_line, parallel_argv
from .plan import build_plan, select, stage
from .status import is_done


def check_tools():
    """Raise SetupError unless GNU parallel is on PATH."""
    if not shutil.which("parallel"):
        raise SetupError("GNU parallel is not installed: install it with 'apt-get install parallel' "
                         "(or your system's package manager), or run 'make run', which does it as root")


def check_kernel(nb, notebook):
    """Raise SetupError unless the notebook's kernel is installed here."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    name = nb.metadata.get("kernelspec", {}).get("name") or "python3"
    manager = KernelSpecManager()
    try:
        manager.get_kernel_spec(name)
    except NoSuchKernel:
        known = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise SetupError(f"{notebook}: its kernel {name!r} is not installed here (installed: {known}): "
                         "install it, or set the notebook's kernel to one of these") from None


def preview(notebook, values, settings, param="state", only=None, rerun_ok=False, out=sys.stdout):
    """Print the parallel command line a run would execute, then its per-job lines. Runs nothing."""
    plan = build_plan(notebook, values, param)
    todo = [j for j in select(plan, only) if rerun_ok or not is_done(settings.output, j)]
    argv = parallel_argv(settings)
    print(f"# {len(plan.jobs)} jobs planned, {len(todo)} to run "
          f"({len(plan.jobs) - len(todo)} already ok). The sweep runs, with job ids on stdin:", file=out)
    print(command_line(argv) + f" < {settings.output}/todo.txt", file=out)
    print("# per-job command lines (parallel --dry-run):", file=out, flush=True)
    check_tools()
    ids = "".join(f"{j.id}\n" for j in todo)
    result = subprocess.run(parallel_argv(settings, dry_run=True), input=ids, text=True,
                            stdout=subprocess.PIPE, check=False)
    out.write(result.stdout)
    return result.returncode


def run(notebook, values, settings, param="state", only=None, rerun_ok=False, log=sys.stderr):
    """Plan, stage, run every job that is not already ok, collect. Returns the exit status."""
    plan = build_plan(notebook, values, param)
    chosen = select(plan, only)
    check_tools()
    check_kernel(plan.source, notebook)
    todo = stage(plan, settings.output, chosen, rerun_ok)
    ids = "".join(f"{j.id}\n" for j in todo)
    skipped = len(plan.jobs) - len(todo)
    print(f"jupyterstream: {len(plan.jobs)} jobs, {len(todo)} to run" +
          (f" ({skipped} already ok: kept)" if skipped else ""), file=log, flush=True)
    interrupted = False
    if todo:
        argv = parallel_argv(settings)
        print(command_line(argv) + f" < {settings.output}/todo.txt", file=log, flush=True)
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, text=True)
        try:
            process.communicate(ids)
        except KeyboardInterrupt:
            interrupted = True
            process.wait()
    runs = report.collect(settings.output)
    print(report.summary(settings.output, runs), file=log, flush=True)
    if interrupted:
        return 130
    chosen_ids = {j.id for j in chosen}
    return 0 if all(r.ok for r in runs if r.id in chosen_ids) else 1
