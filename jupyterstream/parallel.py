"""Pure functions that build the GNU parallel argv of a sweep, and the per-job command template."""

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
RUN_ONE = PACKAGE_DIR.parent / "bin" / "run-one"
NBCONVERT_CONFIG = PACKAGE_DIR / "nbconvert_config.py"
# Seconds between the TERM that parallel sends a job (--timeout, Ctrl-C) and its KILL: the time
# a job has to save its partial notebook and status record.
TERM_GRACE_MS = 5000


@dataclass
class Settings:
    """What a sweep is run with; every field maps to a Makefile variable."""

    output: str = "output"
    jobs: str = ""
    cell_timeout: float = 0
    job_timeout: float = 0
    python: str = ""
    progress: bool = False


def show(path):
    """A path as the user would type it: relative to the current folder when below it."""
    path, here = os.path.abspath(path), os.getcwd()
    return os.path.relpath(path, here) if path.startswith(here + os.sep) else path


def job_command(settings, placeholder="{}"):
    """The per-job command template; parallel puts a job id where ``placeholder`` stands."""
    python = settings.python or show(sys.executable)
    out = settings.output.rstrip("/") or "."
    command = [python, show(RUN_ONE), out, placeholder]
    if settings.job_timeout:
        command += ["--job-timeout", f"{settings.job_timeout:g}"]
    command += ["--", python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                "--config", show(NBCONVERT_CONFIG),
                "--ExecutePreprocessor.shutdown_kernel=immediate"]
    if settings.cell_timeout:
        command.append(f"--ExecutePreprocessor.timeout={settings.cell_timeout:g}")
    command += ["--output-dir", f"{out}/runs", "--output", f".{placeholder}.partial",
                f"{out}/inputs/{placeholder}.ipynb"]
    return command


def parallel_argv(settings, dry_run=False):
    """The full ``parallel`` argv (job ids come on stdin): options, then the job template."""
    out = settings.output.rstrip("/") or "."
    argv = ["parallel", "--will-cite", "--joblog", f"+{out}/joblog.tsv",
            "--jobs", str(settings.jobs or os.cpu_count() or 1),
            "--halt", "never", "--termseq", f"TERM,{TERM_GRACE_MS},KILL,25"]
    if settings.job_timeout:
        argv += ["--timeout", f"{settings.job_timeout:g}"]
    if settings.progress:
        argv.append("--bar")
    if dry_run:
        argv.append("--dry-run")
    # parallel joins the command words and hands them to a shell: quote every fixed word, and
    # leave {} bare so that parallel quotes each value itself.
    argv += [w if "{}" in w and shlex.quote(w.replace("{}", "x")) == w.replace("{}", "x") else shlex.quote(w)
             for w in job_command(settings)]
    return argv


def command_line(argv):
    """One copy-pasteable shell line for an argv."""
    return shlex.join(argv)
