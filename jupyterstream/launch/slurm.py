"""Slurm places the jobs, GNU parallel stays the engine: inside an allocation (salloc, sbatch, srun
--pty) every job runs as its own job step, ``srun --exact -N1 -n1 [-c N] bin/run-one ...``, with as
many job slots as the allocation has tasks. OUTPUT is on the cluster's shared filesystem, so nothing
is transferred: jobs read and write it where the sweep does, as on this machine.

What an allocation is comes from the variables Slurm sets in it (SLURM_JOB_ID, SLURM_NTASKS, ...);
nothing here starts a Slurm command except ``proctrack``, which asks scontrol once.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, replace

from ..errors import SetupError
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .parallel import Settings

MODES = ("auto", "on", "off")
# What SLURM=... may say, and the mode each means.
MODE_WORDS = {"": "auto", "auto": "auto", "1": "on", "yes": "on", "true": "on", "on": "on",
              "0": "off", "no": "off", "false": "off", "off": "off"}


@dataclass
class Allocation:
    """A Slurm allocation as its variables describe it."""

    job_id: str
    tasks: int
    cpus_per_task: int = 0         # 0: not set (each step takes Slurm's default, one CPU)
    nodes: str = ""                # the node list, as Slurm writes it: n[1-2]
    partition: str = ""
    mem_per_node: bool = False     # the job asked memory per node, which a step would take whole

    def srun(self) -> list[str]:
        """The words each job runs under: one task on one node, with only the resources it asks."""
        words = ["srun", "--exact", "-N1", "-n1"]
        if self.cpus_per_task:
            words += ["-c", str(self.cpus_per_task)]
        if self.mem_per_node:
            # srun reads SLURM_MEM_PER_NODE as --mem: each step would take all of its node's memory and
            # the next one wait for it. --mem=0 lets the steps share the job's memory.
            words.append("--mem=0")
        return words

    def facts(self) -> dict:
        """What the manifest records of it."""
        return {"job_id": self.job_id, "nodes": self.nodes, "partition": self.partition, "tasks": self.tasks,
                "cpus_per_task": self.cpus_per_task}


def mode_of(word: str) -> str:
    """The mode auto, on or off that SLURM=... (or --slurm) means; ValueError for anything else."""
    mode = MODE_WORDS.get(str(word).strip().lower())
    if mode is None:
        raise ValueError(f"{word!r} is not a Slurm mode: give auto (use Slurm inside an allocation), "
                         "1/on (require it) or 0/off (never)")
    return mode


def allocation(environ: dict | None = None) -> Allocation | None:
    """The allocation this process runs in, or None outside one (no SLURM_JOB_ID)."""
    env = os.environ if environ is None else environ
    job_id = env.get("SLURM_JOB_ID") or env.get("SLURM_JOBID")
    if not job_id:
        return None
    return Allocation(job_id=job_id, tasks=tasks_of(env), cpus_per_task=_integer(env.get("SLURM_CPUS_PER_TASK")),
                      nodes=env.get("SLURM_JOB_NODELIST") or env.get("SLURM_NODELIST", ""),
                      partition=env.get("SLURM_JOB_PARTITION", ""), mem_per_node=bool(env.get("SLURM_MEM_PER_NODE")))


def tasks_of(env: dict) -> int:
    """How many tasks the allocation has: SLURM_NTASKS, else the sum of SLURM_TASKS_PER_NODE
    ('2(x3),1' is 2+2+2+1), else one per node (SLURM_JOB_NUM_NODES)."""
    tasks = _integer(env.get("SLURM_NTASKS") or env.get("SLURM_NPROCS"))
    if tasks:
        return tasks
    per_node = env.get("SLURM_TASKS_PER_NODE", "")
    counts = [int(n) * int(times or 1) for n, times in re.findall(r"(\d+)(?:\(x(\d+)\))?", per_node)]
    return sum(counts) or _integer(env.get("SLURM_JOB_NUM_NODES") or env.get("SLURM_NNODES")) or 1


def decide(mode: str, environ: dict | None = None) -> Allocation | None:
    """The allocation to place jobs in for a mode, or None. SLURM=1 outside an allocation is an error."""
    mode = mode_of(mode)
    found = allocation(environ) if mode != "off" else None
    if mode == "on" and found is None:
        raise SetupError("SLURM=1 (--slurm on): this is not inside a Slurm allocation (SLURM_JOB_ID is not set): "
                         "run inside salloc or an sbatch script, submit the sweep with 'make submit', or run "
                         "without SLURM=1")
    return found


def warm_refused(proctrack_type: str) -> str:
    """Why warm kernels cannot work under this process tracking, or '' when they can. A template outlives
    the job that started it; Slurm's cgroup tracking ends whatever a job step leaves when the step ends,
    so every job would start a template of its own, only to lose it."""
    if "cgroup" in proctrack_type:
        return (f"Slurm's {proctrack_type} ends what a job step leaves running when the step ends, a warm "
                "template too: each job would start its own")
    return ""


def proctrack() -> str:
    """This cluster's ProctrackType (scontrol show config), or '' when scontrol cannot tell."""
    try:
        shown = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    found = re.search(r"^ProctrackType\s*=\s*(\S+)", shown, re.MULTILINE)
    return found.group(1) if found else ""


def _integer(text):
    try:
        return int(str(text).split("(")[0])
    except (TypeError, ValueError):
        return 0


def place(settings: Settings, environ: dict[str, str] | None = None) -> tuple:
    """Decide whether a sweep's jobs run as Slurm job steps (settings.slurm: auto, on, off). Returns
    (the Allocation or None, the settings that say so: the srun words, one job slot per task unless JOBS
    says, warm kernels or why not). Over SSH servers (SERVERS) Slurm is not used."""
    if settings.remote:
        if mode_of(settings.slurm) == "on":
            raise SetupError("SLURM=1 and SERVERS: choose one: Slurm places the jobs on the nodes of its "
                             "allocation, SERVERS sends them over SSH")
        return None, settings
    found = decide(settings.slurm, environ)
    if found is None:
        return None, settings
    settings = replace(settings, srun=tuple(found.srun()), jobs=settings.jobs or str(found.tasks))
    if settings.warm:
        cold_reason = warm_refused(proctrack())
        settings = replace(settings, cold_reason=cold_reason, warm=not cold_reason)
    return found, settings
