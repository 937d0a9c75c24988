"""How many values one GNU parallel job runs (BATCH): chosen from how long this notebook's values take.

A job's fixed cost (run-one, nbconvert's start and imports) is about half a second here; a value
that takes minutes pays it unnoticed, a value that takes a tenth of a second pays it five times over.
So values are batched (runner/batch.py) until a batch holds about TARGET_SECONDS of their own work, and
never so many that a slot would stay idle: every slot gets at least BATCHES_PER_SLOT batches, unless
a slot's whole share of the work is within TARGET_SECONDS, when each slot gets one batch (a slot that
ends first then waits no longer than a batch of the target would make it wait, and each slot pays
nbconvert's start once instead of BATCHES_PER_SLOT times: a second or more of a small sweep). A value
whose own work is MINUTE or more is never batched. Its own work is what its status record says beyond
the start of its kernel: ``duration - kernel_ready``. With no such records yet (a first sweep), the
first SLOTS values run one per job, and their records size the rest.
"""

import json
import os
import statistics

from ..runner.layout import STATUS, Layout
from ..runner.outcome import Status

TARGET_SECONDS = 8.0
BATCHES_PER_SLOT = 2
MAX_BATCH = 200        # ids per command line: parallel's and the kernel's limits are far beyond
MINUTE = 60.0
SAMPLE = 50            # records read to judge (a sweep of 100,000 values need not read them all)


def slots_of(jobs):
    """The job slots parallel will use on this machine (JOBS, default one per core)."""
    text = str(jobs or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else os.cpu_count() or 1


def size_of(request, count, slots, work):
    """The batch size for ``count`` values on ``slots``: BATCH when given, else from ``work`` (seconds of
    each earlier value's own work); None when there is nothing to judge by yet (run a first wave)."""
    if request >= 1:
        return request
    if count <= slots * BATCHES_PER_SLOT:
        return 1  # every value has a slot of its own soon enough
    if not work:
        return None
    each = statistics.median(work)
    if each >= MINUTE:
        return 1
    share = -(-count // slots)  # values a slot runs
    if share * each <= TARGET_SECONDS:
        return min(share, MAX_BATCH)
    size = int(TARGET_SECONDS / max(each, 0.01))
    return max(1, min(size, MAX_BATCH, -(-count // (slots * BATCHES_PER_SLOT))))


def max_args(size: int, count: int, jobs: object) -> int:
    """parallel's --max-args for batches of ``size`` over ``count`` values: ``size``, or all ``count`` when
    one batch a slot holds them. When its input ends, parallel's -X spreads the values it still holds
    evenly over its job slots (its manual: "distribute the arguments evenly among the jobs"), so a last
    batch of ``size`` becomes one job a slot: 58 values in batches of 29 at two slots run as 29, 15 and
    14, three nbconvert starts. Given all 58 at once, it makes 29 and 29, none over ``size``. Only when
    the slots are known (JOBS a number, or one a core, as parallel_argv passes it)."""
    text = str(jobs or "").strip()
    if size <= 1 or not (text == "" or text.isdigit()):
        return size
    return count if size * slots_of(jobs) >= count else size


def earlier_work(output, ids=None):
    """Seconds of own work of up to SAMPLE values that ended in ``output`` (those of ``ids`` when given)."""
    folder = Layout(output).folder(STATUS)
    names = [f"{i}.json" for i in ids] if ids is not None else _names(folder)
    work = []
    for name in names[:SAMPLE * 4]:
        seconds = _own_work(os.path.join(folder, name))
        if seconds is not None:
            work.append(seconds)
        if len(work) >= SAMPLE:
            break
    return work


def _names(folder):
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if e.name.endswith(".json")]
    except OSError:
        return []


def _own_work(path):
    """A record's ``duration - kernel_ready`` (its whole duration without kernel_ready), None if unusable."""
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("status") == Status.RUNNING.value:
        return None
    duration, ready = record.get("duration"), record.get("kernel_ready") or 0
    if not isinstance(duration, (int, float)) or not isinstance(ready, (int, float)):
        return None
    return max(0.0, duration - ready)
