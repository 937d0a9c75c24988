"""`make submit`: the sweep as one Slurm batch job. The batch script, written into OUTPUT, asks for
NODES nodes and TASKS tasks of CPUS CPUs each, and runs the very `jupyterstream run` the user would
type, with --slurm on: inside the allocation every job is a job step (launch/slurm.py), and the run
collects at its end. Submitting again runs only what is not ok, as `run` does.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from ..errors import SetupError
from .slurm import Allocation

SCRIPT = "submit.sbatch"      # in OUTPUT: the batch script of the last submit
JOB_FILE = "slurm-job.txt"    # in OUTPUT: the id of the last submitted job
LIVE_STATES = ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING")


@dataclass
class Request:
    """What the batch job asks Slurm for; every field maps to a Makefile variable."""

    nodes: int = 1
    tasks: int = 0          # TASKS: job slots in all; 0: as many as the nodes have CPUs (sinfo), per CPUS
    cpus: int = 0           # CPUS: CPUs per task (per job); 0: Slurm's default, one
    time: str = ""          # TIME: the time limit, as sbatch reads it (1:00:00, 2-00:00:00)
    partition: str = ""
    account: str = ""
    extra: str = ""         # SBATCH: more sbatch options, as one string

    def directives(self, output: str | Path) -> list[str]:
        """The #SBATCH lines of the batch script (its log goes to OUTPUT/slurm-JOBID.out)."""
        options = [f"--nodes={self.nodes}", f"--ntasks={self.tasks or self.nodes}"]
        options += [f"--cpus-per-task={self.cpus}"] if self.cpus else []
        options += [f"--{name}={value}" for name, value in (("time", self.time), ("partition", self.partition),
                                                             ("account", self.account)) if value]
        # No --no-kill: with it, Slurm 22.05 was seen to leave a step of a failed node listed for ever, its
        # srun (and so the sweep) waiting. Without it a node failure ends the job; the cluster requeues
        # it (JobRequeue) or the next submit runs what is not ok.
        options += [f"--output={os.path.abspath(output)}/slurm-%j.out"]
        return [f"#SBATCH {option}" for option in options + extra_options(self.extra)]

    def allocation(self) -> Allocation:
        """The allocation this request will get, as its job will see it (for preview)."""
        return Allocation(job_id="(to be submitted)", tasks=self.tasks or self.nodes, cpus_per_task=self.cpus,
                          nodes=f"{self.nodes} node{'s' if self.nodes != 1 else ''}", partition=self.partition)


def extra_options(text: str) -> list[str]:
    """SBATCH='--mem=4G --mail-type END' as directives: a word starting with '-' begins one."""
    options = []
    for word in shlex.split(text or ""):
        if word.startswith("-") or not options:
            options.append(shlex.quote(word))
        else:
            options[-1] += " " + shlex.quote(word)
    return options


def with_tasks(request: Request, required: bool = True) -> Request:
    """The request with TASKS filled in when not given: its nodes' CPUs (sinfo) divided by CPUS. When
    sinfo cannot tell: an error, or (not ``required``: a preview) one task per node."""
    if request.tasks:
        return request
    per_node = cpus_per_node(request.partition) or (0 if required else max(request.cpus, 1))
    if not per_node:
        raise SetupError("TASKS is not given and sinfo cannot tell how many CPUs a node has: give TASKS=N "
                         "(the job slots of the sweep, in all)")
    request.tasks = max(request.nodes * per_node // max(request.cpus, 1), 1)
    return request


def cpus_per_node(partition: str = "") -> int:
    """The fewest CPUs of a node of the partition (the default one when not given), or 0."""
    argv = ["sinfo", "--noheader", "--format=%c"] + ([f"--partition={partition}"] if partition else [])
    try:
        shown = subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    counts = [int(found.group(1)) for line in shown.split() if (found := re.match(r"(\d+)", line))]
    return min(counts) if counts else 0


def batch_script(request: Request, run_argv: list[str], output: str | Path, name: str = "jupyterstream") -> str:
    """The batch script's text: the directives, then the sweep run from the folder it was submitted from."""
    lines = ["#!/bin/bash", f"#SBATCH --job-name={shlex.quote(name)}", *request.directives(output),
             "# Written by jupyterstream submit. Submitting it again (make submit, or sbatch this file)",
             "# runs only the values that are not ok yet; make watch OUTPUT=... follows it.",
             f"cd {shlex.quote(os.getcwd())} || exit 1", f"exec {shlex.join(run_argv)}"]
    return "\n".join(lines) + "\n"


def still_queued(output: str | Path) -> tuple[str, str] | None:
    """(job id, state) of the last job submitted for OUTPUT while Slurm still has it queued or running."""
    try:
        job_id = Path(output, JOB_FILE).read_text(encoding="utf-8").split()[0]
        shown = subprocess.run(["squeue", "--noheader", f"--jobs={job_id}", "--format=%T"], capture_output=True,
                               text=True, timeout=30).stdout.split()
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None
    return (job_id, shown[0]) if shown and shown[0] in LIVE_STATES else None


def submit(request: Request, script: str, output: str | Path) -> str:
    """Write the batch script into OUTPUT and sbatch it; return the job id. Refused while the last job
    for OUTPUT is still queued or running (the two would share OUTPUT)."""
    if not shutil.which("sbatch"):
        raise SetupError("sbatch is not installed here: run 'make submit' on a login node of the Slurm cluster")
    queued = still_queued(output)
    if queued:
        raise SetupError(f"{output}: Slurm job {queued[0]} of this output folder is still {queued[1]}: let it end "
                         f"(make watch OUTPUT={output}) or cancel it (scancel {queued[0]}), then submit again")
    path = Path(output, SCRIPT)
    write_atomic(path, script)
    path.chmod(0o755)
    done = subprocess.run(["sbatch", "--parsable", str(path)], capture_output=True, text=True, timeout=120)
    job_id = done.stdout.strip().split(";")[0]
    if done.returncode != 0 or not job_id.isdigit():
        said = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").replace("\n", " | ")
        raise SetupError(f"sbatch refused {path}: {said}: fix NODES, TASKS, CPUS, TIME, PARTITION, ACCOUNT or "
                         "SBATCH and submit again")
    write_atomic(Path(output, JOB_FILE), job_id + "\n")
    return job_id
