"""Executed runs + status records + joblog -> one summary per planned run.

Runs are read one at a time, and a repeat collect reads only what changed: OUTPUT/.collect-index.json
keeps each run's summary keyed by the identity of its files (size and modification time of its status
record and notebook, and its joblog row), so refreshing a 5,000-run report mid-sweep costs little.
A transient state (pending, running, missing, killed) is never kept: it is read again on every collect.
"""

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from . import bare, cachefile, cachelines, extract, figspec, planfile
from ..runner import status
from ..runner.layout import Layout
from ..runner.lock import is_held, stepped_aside
from ..runner.outcome import META_KEY, TRANSIENT, Status, host_of, reconcile, superseded
from ..runner.planned import Job
from ..errors import JupyterstreamError
from .joblog import read_joblog

INDEX = ".collect-index.json"
INDEX_VERSION = 9  # 9: a run's sweep, its recorded status and what it used
SOURCE_LIMIT = 4000  # characters of the failing cell's source the report shows


@dataclass
class Run:
    """What the report knows of one planned run."""

    id: str
    label: str
    texts: dict
    state: str = Status.MISSING.value
    duration: float = None
    host: str = ""
    attempts: int = 0
    kernel_ready: float = None
    failure: dict = field(default_factory=dict)
    message: str = ""
    metrics: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)   # [{"cell", "index", "mime", "sha"}]: where each image is
    notebook: str = ""
    exit: str = ""
    signal: str = ""
    output_bytes: int = 0
    started: float = None
    python: str = ""
    notebook_sha256: str = ""
    values: dict = field(default_factory=dict)   # what the kernel received (plan.json), as JSON
    progress: dict = field(default_factory=dict)  # {"cell", "cells"} of a running run that saves as it goes
    kernel: str = ""                              # "warm", or "cold (why)" when a warm one could not be had
    sweep: str = ""                               # the sweep its status record is of (history.py)
    recorded: str = ""                            # the status its own record says (a stale run's was its own)
    max_rss_mb: float = None                      # the kernel's peak resident memory (runner/resources.py)
    cpu_s: float = None                           # its CPU seconds, user and system
    cells: list = field(default_factory=list)     # [{"cell", "seconds", "cpu_s", "rss_mb", "grew_mb"}] per code cell

    @property
    def ok(self) -> bool:
        """True for a run that finished cleanly."""
        return self.state == "ok"


FIELDS = frozenset(f.name for f in fields(Run))


def load_plan(output: "str | Path") -> dict:
    """The plan the sweep was staged from (its jobs read from the file as they are walked: planfile.py),
    or a clear error when there is none."""
    return planfile.load(output)


def runs(output: "str | Path", plan: dict, use_index: bool = True, metric_tag: "str | None" = None, keys: "dict | None" = None) -> list[Run]:
    """Return a Run for every planned job, re-reading only runs whose files changed (see ``each``).
    ``keys``, a dict, receives each run's file identity (what the report's own caches are keyed by)."""
    found = []
    for run, key, line in each(output, plan, use_index, metric_tag):
        if run is None:  # a run with no files: made from its templates
            run, key = run_of(line.fields()), line.key()
        if keys is not None:
            keys[run.id] = key
        found.append(run)
    return found


def each(output: "str | Path", plan: dict, use_index: bool = True, metric_tag: "str | None" = None,
         bulk: bool = True, served: object = None) -> object:
    """Yield (Run, file identity, its index line as bytes) for every planned job, one at a time, re-reading
    only runs whose files changed; for a run with no files, (None, None, a bare.Given), whose fields()
    and key() make the Run and the file identity when they are wanted. With ``metric_tag``, the last expression of code cells carrying
    that tag is a metric too. The index keeps only outcomes that the files alone decide: a run that is
    running, pending, missing or killed (which depend on live processes) is read again each time. The
    index is read a line at a time and written as it goes (cachelines.py): a collect never holds it whole.
    A run with no files at all is made from a template (bare.py), unless ``bulk`` is False: then every
    run is read one at a time (what the bulk path is tested against). ``served`` (a
    report.stretchcache.StretchCache) serves whole stretches of such runs, pending, from a plan read a job
    a line: for each, (None, None, a Served), its job lines not parsed."""
    output = os.fspath(output)  # a str: a Path would be converted again for each of 10,000 joins
    log = read_joblog(Path(output) / "joblog.tsv")
    queued = _queued(output) if _sweep_may_start(output) else set()
    edited = _notebook_edited(plan)
    layout = Layout(output)  # one, not two a run
    names = bare.listing(output) if bulk else None  # after todo.txt: a job started since is read whole
    templates = bare.Templates(Run("", "", {}), [metric_tag, edited])
    old = cachelines.Reader(Path(output) / INDEX, "collect-index", INDEX_VERSION) if use_index else None
    new = cachelines.Writer(Path(output) / INDEX, "collect-index", INDEX_VERSION, old) if use_index else None
    jobs = plan["jobs"]
    cached = served is not None and names is not None and isinstance(jobs, planfile.StreamedJobs)
    try:
        for record, text in _records(jobs, served, templates, log, queued, names) if cached \
                else planfile.records(jobs):
            if record is None:  # a stretch served whole: (None, a report.stretchcache.Served)
                yield None, None, text
                continue
            logrow = log.get(record["id"])
            if names is not None and bare.has_no_files(record["id"], logrow, names):
                # a transient state: neither kept in the index nor read from it (as summarize's would be)
                yield None, None, bare.of_record(templates, record, record["id"] in queued, text)
                continue
            job = Job.from_record(record)
            key = _signature(layout, job, logrow) + [job.id in queued, metric_tag, edited]
            line = old.line(job.id) if old is not None else None
            run = _cached(line, key)
            if run is None:
                run = summarize(output, job, logrow, job.id in queued, metric_tag, edited)
                line = cachefile._line(job.id, {"key": key, "run": vars(run)}).encode("utf-8")
                if new is not None and run.state not in TRANSIENT:
                    new.put(job.id, line=line)
            elif new is not None:
                new.keep(job.id)
            yield run, key, line
        if new is not None:
            new.close()
    finally:
        if new is not None:
            new.discard()  # after close(), nothing left to drop
        if old is not None:
            old.close()


def _records(jobs, served, templates, log, queued, names):
    """(job, its text) of every job of a plan read a job a line, or (None, a Served) for each block of
    jobs the stretch cache serves whole; a block it does not serve is parsed a job at a time."""
    def qualifies(job_id):
        return job_id in queued and bare.has_no_files(job_id, log.get(job_id), names)

    for item in jobs.blocks(served.starts()):
        if type(item) is not planfile.Block:
            yield item
            continue
        found = served.serve(item, templates, qualifies)
        if found is not None:
            yield None, found
            continue
        for number, text in enumerate(item.lines, item.start):
            yield jobs.parse(number, text), text


def _cached(line, key):
    """The Run an index line holds, when its files are unchanged (and the entry is sound)."""
    try:
        entry = json.loads(line)[1] if line else None
    except (ValueError, TypeError, IndexError, KeyError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("run"), dict) \
            or entry["run"].keys() != FIELDS or entry["run"].get("state") in TRANSIENT:
        return None
    # The entry's own dict becomes the Run's (no __init__, no copy): a dataclass __init__ per run was
    # most of a repeat collect's time. A cached run is never changed afterwards (transient states
    # are not cached).
    return run_of(entry["run"])


def run_of(fields_: dict[str, object]) -> Run:
    """A Run whose fields are ``fields_`` (a dict as the index holds it), without a copy."""
    run = Run.__new__(Run)
    run.__dict__ = fields_
    return run


def _queued(output):
    """Ids the last sweep handed to parallel (todo.txt): a run of these with no record is pending."""
    try:
        return set(Path(output, "todo.txt").read_text(encoding="utf-8").split())
    except OSError:
        return set()


def _sweep_may_start(output):
    """False when the sweep that wrote todo.txt is over: its lock (OUTPUT/.sweep.lock, held by the CLI,
    parallel and every job) is there and nobody holds it. A sweep run without the CLI (the README's
    own parallel line) takes no lock, so with no lock file its queued jobs may still start."""
    try:
        inode = os.stat(Path(output, ".sweep.lock")).st_ino
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    # A line per lock: "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5392199 0 EOF" (device:inode in field 6 or 7).
    return any(field.endswith(f":{inode}") and field.count(":") == 2 for line in table.splitlines()
               if "FLOCK" in line for field in line.split())


def _notebook_edited(plan):
    """True when the plan's notebook now holds other code than it did when the plan was made: one read
    of the notebook, so that collect alone shows results of the old code as stale."""
    from ..notebook.params import read_notebook
    from ..launch.plan import notebook_hash

    try:
        nb = read_notebook(plan["notebook"])
    except (JupyterstreamError, OSError, KeyError, TypeError, ValueError):
        return False  # moved, or collected from another folder: nothing to compare with
    return notebook_hash(nb) != plan.get("notebook_sha256")


def _signature(layout, job, logrow):
    stamps = []
    for path in (layout.status(job.id), layout.run(job.id)):
        try:
            info = os.stat(path)
            stamps.append([info.st_size, info.st_mtime_ns, info.st_ino])
        except OSError:
            stamps.append(None)
    return [job.identity, job.label(), stamps, logrow]


def summarize(output: "str | Path", job: Job, logrow: "dict | None" = None, queued: bool = False, metric_tag: "str | None" = None,
              edited: bool = False) -> Run:
    """Join one job's (a planned Job's) status record, executed notebook and joblog row; outcome.reconcile
    decides its status."""
    run = Run(job.id, job.label(), job.texts, values=job.values)
    try:
        record = status.read(output, job.id)
    except ValueError as exc:
        _from_logrow(run, logrow)
        return _decided(run, reconcile(None, record_problem=str(exc)))
    alive = _alive(output, job.id, record)
    if alive or (superseded(record, logrow) and stepped_aside(output, job.id, logrow["sweep"])):
        # its runner runs on, or its last attempt found the value already ok and stepped aside: the
        # record speaks (a job logged since was another one, which left nothing)
        logrow = None
    _from_logrow(run, logrow)
    nb = check = None
    if record is not None and not superseded(record, logrow):
        _from_record(run, record)
        if record.get("notebook"):
            nb, check, run.output_bytes = status.read_result(os.path.join(output, record["notebook"]),
                                                             record.get("notebook_sha256"))
    outcome = reconcile(record, logrow=logrow, notebook=check,
                        identity=job.identity, queued=queued, alive=alive, edited=edited)
    _decided(run, outcome)
    if record is not None and run.state in status.FAILED:
        run.failure = {k: record.get(k) for k in ("cell_index", "ename", "evalue", "traceback")}
    if nb is not None:
        _read_notebook(run, record, nb, metric_tag)
    elif run.state == Status.RUNNING.value:
        run.progress = progress(output, run.id)
    return run


def _from_logrow(run, logrow):
    if logrow:
        run.host, run.attempts = host_of(logrow), logrow["attempts"]
        run.exit, run.signal = logrow.get("Exitval", ""), logrow.get("Signal", "")


def _alive(output, job_id, record):
    """Whether a running record's job runs on (its runner's pid, or else the value's lock held here)."""
    if not record or record["status"] != Status.RUNNING.value:
        return None
    alive = status.runner_alive(record)
    return True if alive is not True and is_held(output, job_id) else alive


def _decided(run, outcome):
    run.state, run.message = outcome.status.value, outcome.message
    return run


def _from_record(run, record):
    """What a status record tells of a run besides its status."""
    run.host = run.host or record.get("host", "")
    run.duration, run.kernel_ready = record.get("duration"), record.get("kernel_ready")
    run.started = record.get("started")
    run.attempts = max(run.attempts, record.get("attempts") or 0)
    run.kernel = record.get("kernel") if isinstance(record.get("kernel"), str) else ""
    run.sweep = record.get("sweep") or ""
    run.recorded = record["status"]
    run.max_rss_mb, run.cpu_s = record.get("max_rss_mb"), record.get("cpu_s")
    run.cells = [c for c in record.get("cells") or [] if isinstance(c, dict)]


def _read_notebook(run, record, nb, metric_tag=None):
    """What the report takes from a run's executed notebook (one that matched its record)."""
    run.notebook = record["notebook"]
    run.notebook_sha256 = record.get("notebook_sha256") or ""
    run.metrics = extract.metrics(nb, metric_tag)
    run.python = str(nb.get("metadata", {}).get("language_info", {}).get("version", ""))
    run.figures = _figures(nb)
    if run.failure.get("cell_index") is not None:
        run.failure["source"] = _cell_source(nb, run.failure["cell_index"])


def _figures(nb):
    """Where each figure is (as extract.figure_places), with the content hash its files are named by."""
    places, seen = [], {}
    for cell, mime, data in extract.figures(nb):
        seen[cell] = seen.get(cell, -1) + 1
        places.append({"cell": cell, "index": seen[cell], "mime": mime, "sha": figspec.fingerprint(mime, data)})
    return places


def _cell_source(nb, index):
    try:
        source = nb["cells"][index].get("source", "")
    except (IndexError, TypeError, AttributeError):
        return ""
    return ("".join(source) if isinstance(source, list) else str(source))[:SOURCE_LIMIT]


def progress(output: "str | Path", job_id: str) -> dict:
    """{"cell", "cells"} from the notebook a running job saves after every cell, when it does."""
    try:
        with open(Layout(output).partial(job_id), "rb") as handle:
            meta = json.load(handle).get("metadata", {}).get(META_KEY, {}).get("execution", {})
        cell, cells = meta.get("cell"), meta.get("cells")
    except (OSError, ValueError, AttributeError):
        return {}
    return {"cell": cell, "cells": cells} if all(isinstance(n, int) for n in (cell, cells)) else {}
