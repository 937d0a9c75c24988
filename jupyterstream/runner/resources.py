"""What a run's kernel used (peak resident memory, CPU seconds) and the cap MEMORY_LIMIT puts on it.

Standard library only. The figures come from the kernel's rusage once it has been reaped, so they
cost a job nothing while it runs: for a cold kernel nbconvert reaps it (its RUSAGE_CHILDREN), for a
warm one the stand-in that forked it does, and sends them with its exit code (warm/standin.py).
``max_rss_mb`` is therefore the peak of the largest single process among the kernel and what it
started and waited for (the kernel, as a rule), not a sum over processes that ran at once; ``cpu_s``
is their user and system CPU seconds, summed. Per cell, ``sample`` reads the kernel's own /proc
files (two small reads) at each cell's start and end.
"""

from __future__ import annotations

import os
import resource
import time

SAMPLE_ENV = "JUPYTERSTREAM_SAMPLE_CELLS"  # "0": no per-cell samples (benchmarks/bench_resources.py compares)
LIMIT_ENV = "JUPYTERSTREAM_MEMORY_LIMIT"  # bytes; the cap nbconvert's preprocessor puts on the kernel
MB = 10 ** 6  # as MEMORY_LIMIT and FILES_LIMIT read "MB" (launch/inputs.py parse_size)
# The kernel's rusage as the warm kernel's stand-in reported it (set by warm/manager.py in nbconvert).
reported = None
# CPU seconds of this process's reaped children before the current kernel: in a batch (batch.py)
# one nbconvert reaps one cold kernel per value, and each value counts only its own.
children_cpu_before = 0.0


def from_rusage(usage: resource.struct_rusage) -> dict:
    """The status record's figures of an rusage: ``max_rss_mb`` (ru_maxrss is in KiB) and ``cpu_s``."""
    return {"max_rss_mb": round(usage.ru_maxrss * 1024 / MB, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3)}


def kernel_usage() -> dict:
    """What the kernel (gone by now) used: the stand-in's report for a warm kernel, else this process's
    reaped children (nbconvert's only child is its kernel)."""
    if reported:
        return reported
    usage = from_rusage(resource.getrusage(resource.RUSAGE_CHILDREN))
    usage["cpu_s"] = round(usage["cpu_s"] - children_cpu_before, 3)
    return usage


def start_value():
    """Forget the last kernel's figures: the next value's kernel starts now (a batch's next value)."""
    global reported, children_cpu_before
    reported = None
    children_cpu_before = from_rusage(resource.getrusage(resource.RUSAGE_CHILDREN))["cpu_s"]


def limit_kernel(pid: int, limit: int | None = None) -> None:
    """Cap the address space of the kernel ``pid`` (and so of what it starts) at MEMORY_LIMIT, if set."""
    limit = limit if limit is not None else int(os.environ.get(LIMIT_ENV) or 0)
    if limit > 0 and pid:
        resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))


def sample(pid: int) -> dict | None:
    """The kernel's CPU seconds and resident memory in MB now, from /proc (None when it is gone)."""
    if os.environ.get(SAMPLE_ENV) == "0":
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        with open(f"/proc/{pid}/statm", "rb") as handle:
            resident = int(handle.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return {"at": time.time(), "cpu": (int(fields[11]) + int(fields[12])) / ticks,
            "rss_mb": resident * os.sysconf("SC_PAGE_SIZE") / MB}


def cell_figures(index: int, before: dict | None, after: dict | None) -> dict | None:
    """One cell's figures from the samples at its start and its end: wall and CPU seconds, memory growth."""
    if not before or not after:
        return None
    return {"cell": index, "seconds": round(after["at"] - before["at"], 3),
            "cpu_s": round(after["cpu"] - before["cpu"], 3),
            "rss_mb": round(after["rss_mb"], 1), "grew_mb": round(after["rss_mb"] - before["rss_mb"], 1)}


def oom_kills() -> int | None:
    """How many processes this machine's out-of-memory killer has killed since boot (None if unknown)."""
    try:
        with open("/proc/vmstat", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def gigabytes(megabytes: float) -> str:
    """A size in MB as the messages say it: '3.9 GB', '300 MB'."""
    return f"{megabytes / 1000:.1f} GB" if megabytes >= 1000 else f"{megabytes:.0f} MB"
