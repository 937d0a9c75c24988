"""Pure functions that build the GNU parallel argv of a sweep, and the per-job command template.

On this machine, parallel runs in the current folder and jobs read and write OUTPUT directly.
Over SSH, parallel runs inside OUTPUT so that every path it transfers is relative: each job gets a
fresh work folder on its host (--workdir ...), receives ship/ID/ (its input notebook and the job's
own code) in one transfer, writes runs/ID.ipynb, status/ID.json, logs/ID.log and files/ID/ there,
and sends them back in one rsync of its work folder (--return .) into OUTPUT's own layout.

Everywhere, a job's kernel works in a run folder of its own (runner/rundir.py), in a copy of the
notebook's folder's path (--mirror) so that '..' means what it means beside the notebook; it links the
notebook's inputs from the host's copy: OUTPUT/input-files/ here, ~/.jupyterstream/input-files/KEY/
on an SSH host (sent once per sweep by transfer.py, not with each job).
"""

import math
import os
import shlex
import sys
from dataclasses import dataclass

from ..atomic import SCRATCH
from .mirror import cache_folder
from ..runner.batch import BATCH_INPUTS
from ..runner.argv import RunOne, seconds
from ..runner.outcome import TMPDIR_ENV
from ..runner.rundir import FILES
from .transfer import host_folder

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # jupyterstream/, above launch/
RUN_ONE = os.path.join(os.path.dirname(PACKAGE_DIR), "bin", "run-one")
NBCONVERT_CONFIG = os.path.join(PACKAGE_DIR, "runner", "nbconvert_config.py")
# Seconds between the TERM that parallel sends a job (--timeout, Ctrl-C) and its KILL: the time
# a job has to save its partial notebook and status record.
TERM_GRACE_MS = 5000
# Over SSH every ssh call starts the host's login shell and an rsync or two, so a job makes as few
# as parallel allows: one rsync brings its results home (--return . : its whole work folder) through
# a filter that lets only these folders pass (files/ID/: what the run wrote in its run folder). rsync sends them in name order, so status/ (the
# record, written last) also arrives last. The filter applies to sending the job's own files too, so
# it lets SHIPPED pass as well; the job removes those when it ends (run-one --discard), and if it
# could not, they come back as the same bytes OUTPUT already has. Files a notebook writes in its
# work folder stay there, and --cleanup removes them.
RESULT_FOLDERS = (FILES, "logs", "runs", "status")
SHIPPED = ("inputs", "tool")
RSYNC_OPTS = " ".join(["-rlDzR"] + [f'--include="/{name}/***"' for name in RESULT_FOLDERS + SHIPPED]
                      + ['--exclude="*"'])


@dataclass(frozen=True)
class Settings:
    """What a sweep is run with; every field maps to a Makefile variable. Frozen: each step that
    decides a field (the inputs, Slurm, the sweep id) derives new Settings with dataclasses.replace."""

    output: str = "output"
    jobs: str = ""
    cell_timeout: float = 0
    job_timeout: float = 0
    python: str = ""
    sweep: str = ""
    remote: bool = False          # SERVERS: run over the hosts in OUTPUT/sshlogins.txt
    remote_python: str = "python3"
    retries: int = 2
    shared_fs: bool = False       # the hosts see OUTPUT at the same path: no transfers
    metric_tag: str = ""          # METRIC_TAG: last expressions of cells with this tag are metrics
    inputs: bool = False          # INPUTS (declared or found): runs link them into their run folders
    notebook_dir: str = "."       # the notebook's folder inside the inputs' root
    notebook_folder: str = ""     # the notebook's folder, absolute: each run folder mirrors its path
    files_limit: int = 0          # FILES_LIMIT: bytes of files one run may bring home; 0: no limit
    memory_limit: int = 0         # MEMORY_LIMIT: bytes of address space each process of a run may have; 0: none
    warm: bool = True             # WARM: fork each kernel from a pre-imported template (runner/warm/)
    fail_fast: int = 0            # FAIL_FAST: start no new job once this many failed in one group; 0: never
    slurm: str = "auto"           # SLURM: auto (job steps inside an allocation), on (required) or off
    srun: tuple = ()              # inside an allocation, the srun words each job runs under (launch/slurm.py)
    cold_reason: str = ""         # why the sweep turned warm kernels off itself (the runs' records say it)
    batch: int = 0                # BATCH: values a job runs (one nbconvert, a kernel each); 0: chosen (batchsize.py)
    max_args: int = 0             # parallel's --max-args when not BATCH: all values, spread a job a slot (batchsize.max_args)


def batch_size(settings):
    """The values each job is given: BATCH when it is more than one and jobs run on this machine, else one."""
    return settings.batch if settings.batch > 1 and not settings.remote else 1


def show(path: object) -> str:
    """A path as the user would type it: relative to the current folder when below it."""
    path, here = os.path.abspath(path), os.getcwd()
    return os.path.relpath(path, here) if path.startswith(here + os.sep) else path


def shipping(settings: Settings) -> bool:
    """True when jobs run in a work folder on each host and their files travel with rsync."""
    return settings.remote and not settings.shared_fs


def not_an_option(path: object) -> str:
    """A relative path that starts with '-' (OUTPUT=-dash), written so no command reads it as an option."""
    return f"./{path}" if path.startswith("-") else path


def job_command(settings: Settings, placeholder: str = "{}") -> list[str]:
    """The per-job command template; parallel puts a job id where ``placeholder`` stands."""
    python, out, run_one, config = _job_places(settings)
    command = [python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
               "--config", config, "--ExecutePreprocessor.shutdown_kernel=immediate"]
    if settings.cell_timeout:
        # nbconvert takes whole seconds only
        command.append(f"--ExecutePreprocessor.timeout={math.ceil(settings.cell_timeout)}")
    # A batch's job (parallel's -X) gets one input word per value; nbconvert names each output after its input.
    # A batch's job (parallel's -X) gets its ids in the one word that is {} alone: no other word holds a
    # replacement string, since parallel's context replacement does not keep a quoted path whole (one with
    # a quote in it). run-one puts each id's staged notebook where BATCH_INPUTS stands (runner/batch.py);
    # nbconvert names each output after its input.
    if batch_size(settings) > 1:
        command += ["--output-dir", f"{out}/runs", "--output", ".{notebook_name}.partial", f"{out}/inputs/{BATCH_INPUTS}"]
    else:
        command += ["--output-dir", f"{out}/runs", "--output", f".{placeholder}.partial", f"{out}/inputs/{placeholder}.ipynb"]
    # Under Slurm each job is a job step on some node; OUTPUT is shared, so the paths stay as they are.
    return [*settings.srun, python, run_one] + run_one_arguments(settings, out, placeholder, command).words()


def _job_places(settings):
    """(python, OUTPUT, run-one, nbconvert's config) as the job's host names them."""
    if shipping(settings):
        # Inside each job's work folder on its host: everything is relative.
        return settings.remote_python, ".", "tool/bin/run-one", "tool/jupyterstream/runner/nbconvert_config.py"
    if settings.remote:
        # A shared filesystem: every host sees the same absolute paths.
        return settings.remote_python, os.path.abspath(settings.output), RUN_ONE, NBCONVERT_CONFIG
    python = settings.python or show(sys.executable)
    return python, not_an_option(settings.output.rstrip("/") or "."), show(RUN_ONE), show(NBCONVERT_CONFIG)


def run_one_arguments(settings: Settings, out: str, job_id: str, command: list[str]) -> RunOne:
    """What run-one is told for one job (runner/argv.py writes it out): its run folder, what it discards
    when it ends, its sweep, timeout and memory cap, and how it reports a failure another try would not mend."""
    return RunOne(out, job_id, command, mirror=settings.notebook_folder or None,
                  inputs=input_folder(settings) if settings.inputs else None, notebook_dir=settings.notebook_dir,
                  files_limit=settings.files_limit, discard=list(SHIPPED) if shipping(settings) else [],
                  sweep=settings.sweep, job_timeout=settings.job_timeout, memory_limit=settings.memory_limit,
                  retryable_only=settings.remote and settings.retries > 1, warm_kernels=settings.warm)


def input_folder(settings: Settings) -> str:
    """The folder a job links its inputs from, as the job's host names it."""
    if shipping(settings):
        return host_folder(settings.output)
    if settings.remote:
        return os.path.abspath(cache_folder(settings.output))
    return cache_folder(settings.output.rstrip("/") or ".")


def ssh_calls_per_job(settings: Settings) -> int:
    """How many ssh calls parallel makes for one job over SSH (each starts the host's login shell):
    mkdir and rsync to send ship/ID/, the job, one rsync back, and for --cleanup one rm for the
    transferred and one for the returned path plus the work folder's rm -rf."""
    if not settings.remote:
        return 0
    return 1 if settings.shared_fs else 2 + 1 + 1 + (1 + 1 + 1)


def parallel_argv(settings: Settings, dry_run: bool = False, tmpdir: "str | None" = None) -> list[str]:
    """The full ``parallel`` argv (job ids come on stdin): options, then the job template. parallel
    buffers each job's output in ``tmpdir``, by default OUTPUT/.scratch/ (on this machine, also over
    SSH), never in TMPDIR: a notebook that fills TMPDIR would make parallel stop every job."""
    out = "." if shipping(settings) else settings.output.rstrip("/") or "."
    argv = ["parallel", "--will-cite", "--joblog", f"+{out}/joblog.tsv"]
    if settings.jobs or not settings.remote:
        argv += ["--jobs", str(settings.jobs or os.cpu_count() or 1)]
    argv += ["--halt", "never", "--termseq", f"TERM,{TERM_GRACE_MS},KILL,25", "--tmpdir", tmpdir or f"{out}/{SCRATCH}"]
    if settings.remote:
        logins = "sshlogins.txt" if shipping(settings) else f"{out}/sshlogins.txt"
        wrapper = os.path.abspath(os.path.join(settings.output, "ssh-wrapper"))
        argv += ["--sshloginfile", logins, "--ssh", wrapper, "--retries", str(settings.retries)]
    if shipping(settings):
        argv += ["--workdir", "...", "--transferfile", "ship/{}/./", "--return", ".", "--cleanup",
                 "--rsync-opts", RSYNC_OPTS]
    size = batch_size(settings)
    if size > 1:  # each job: up to `size` ids, with the words around {} repeated for each (run-one batch.py)
        argv += ["--max-args", str(settings.max_args if settings.max_args > size else size), "-X"]
    if settings.job_timeout:
        # run-one's watchdog holds each value of a batch to the job timeout; parallel's is a backstop
        argv += ["--timeout", seconds(settings.job_timeout * (size + 1 if size > 1 else 1))]
    if dry_run:
        argv.append("--dry-run")
    # parallel joins the command words and hands them to a shell: quote every fixed word, and
    # leave {} bare so that parallel quotes each value itself.
    argv += [w if "{}" in w and shlex.quote(w.replace("{}", "x")) == w.replace("{}", "x") else shlex.quote(w)
             for w in job_command(settings)]
    return argv


def parallel_cwd(settings: Settings) -> "str | None":
    """The folder parallel runs in: OUTPUT when files are shipped, else the current one."""
    return settings.output if shipping(settings) else None


def parallel_env(environ: object = os.environ) -> dict[str, str]:
    """The variables parallel is started with, besides the caller's: the TMPDIR the kernels get back.
    parallel's --tmpdir sets TMPDIR for every job it starts on this machine; run-one gives nbconvert
    and the kernel this one instead ("": none). A job over SSH never sees it and keeps its host's."""
    return {TMPDIR_ENV: environ.get("TMPDIR", "")}


def command_line(argv: list[str], settings: "Settings | None" = None) -> str:
    """One copy-pasteable shell line for an argv (with the cd, environment and input it runs with)."""
    line = shlex.join(argv)
    if settings is not None:
        line = " ".join(f"{name}={shlex.quote(value)}" for name, value in parallel_env().items()) + " " + line
    if settings is not None and shipping(settings):
        return f"cd {shlex.quote(settings.output)} && {line} < todo.txt"
    if settings is not None:
        return f"{line} < {shlex.quote(settings.output.rstrip('/') or '.')}/todo.txt"
    return line
