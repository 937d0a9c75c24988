"""Whether a sweep of many jobs can be planned in this machine's memory: an estimate made before any
job is built, so that a grid of a million jobs is refused at once, saying what it would need, rather
than planned until the machine runs out of memory.
"""

import resource

from ..errors import ValuesError

# Peak memory of a plan, per job: measured 1.2 KB (100,000 jobs, one or two short values each, 175-181 MB
# in all, 60 MB of it the interpreter and its imports), rounded up for longer values.
BYTES_PER_JOB = 1500
CHECKED_ABOVE = 100_000  # jobs; a smaller sweep always fits


def check(where, count, shape=""):
    """Raise a ValuesError naming ``where`` (the values files) when ``count`` jobs (a grid's ``shape``,
    as "1000 × 1000") would need more memory to plan than this process can have."""
    if count <= CHECKED_ABOVE:
        return
    need, have = count * BYTES_PER_JOB, available()
    if have is not None and need > have:
        raise ValuesError(where, None, f"the sweep makes {count:,} jobs{f' ({shape})' if shape else ''}: planning them needs about "
                          f"{_size(need)} of memory, and this process can have {_size(have)}: split the sweep "
                          "into smaller grids (one values file with fewer rows each), or plan it on a machine "
                          "with more memory")


def available():
    """Bytes this process may still take: the lower of the memory the kernel says is available and
    what is left under the address-space limit (ulimit -v); None when neither can be read."""
    found = [n for n in (_mem_available(), _under_limit()) if n is not None]
    return min(found) if found else None


def _mem_available():
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _under_limit():
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            size = int(handle.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return None
    return max(0, soft - size)


def _size(count):
    return f"{count / 2 ** 30:.1f} GB" if count >= 2 ** 30 else f"{count / 2 ** 20:.0f} MB"
