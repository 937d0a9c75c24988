"""Write what the collector found: master.ipynb, report.html, metrics.csv, runs.csv, a summary."""

import csv
import io
import json
import time
from pathlib import Path

from . import changes, master as parts_of, pieces, render, stretch, stretchcache
from ..atomic import WRITE_ERRNOS, write_streamed, writing
from ..collect.runs import each as each_run, load_plan, run_of
from .holes import Spool
from .master import counts, metric_names
from .plaintext import for_csv_row, for_terminal
from .render import page_chunks
from ..collect import failfast, history, triage
from ..collect.spool import RunSpool
from .tally import Tally
from ..runner.outcome import WAITING, Status
from ..runner.planned import Job


def collect(output: "str | Path", html: bool = True, metric_tag: "str | None" = None, refresh: "int | None" = None,
            bulk: bool = True) -> RunSpool:
    """Collect every planned run of ``output``; return the Runs (a sequence read back from a spool
    file, one Run at a time). ``refresh`` (seconds) makes the page reload itself while runs are still
    pending or running. The runs are read once and counted (tally.py), then read back once more from the
    spool as the page, the notebook and the CSV files are written: nothing holds every run at once.
    Whatever file cannot be written (a spool, a figure, the page), the collect stops with an OutputError
    that names it (atomic.py), and the previous report stays. Runs with no files at all are made from
    templates (collect/bare.py); ``bulk=False`` reads and renders every run one at a time instead, with
    the same result (what the tests compare the bulk path with)."""
    output = Path(output)
    plan = load_plan(output)
    with writing(output, WRITE_ERRNOS):  # a write no atomic.py function names: OUTPUT cannot be written
        return _collect(output, plan, html, metric_tag, refresh, bulk)


def _collect(output, plan, html, metric_tag, refresh, bulk):
    slurm = _load_json(output / "slurm.json")  # the Slurm jobs that ran the sweep, for the manifest
    plan["slurm"] = [j for j in slurm.get("jobs", []) if isinstance(j, dict)] if isinstance(slurm, dict) else []
    jobs, logs, runs, tags = plan["jobs"], pieces.logs(output), RunSpool(output), []
    # the plan's labels and ids, walked from plan.json when asked (Job.from_record: one shape), never held
    tally = Tally(lambda: ((job.label(), job.id) for job in map(Job.from_record, jobs)))
    kept = history.Recorder(output)
    # pending runs with no files past master.ipynb's first rows, with no log: their parts made as they come
    stretches = stretch.Stretches(output, tally, bare_metrics_row, Tables.bare_tail())
    cache = stretchcache.StretchCache(output, tally, stretches, logs) if bulk else None
    index = -1
    try:
        for run, key, line in each_run(output, plan, metric_tag=metric_tag, bulk=bulk, served=cache):
            index += 1
            if type(line) is stretchcache.Served:  # a whole stretch, as the last collect made it
                runs.add_texts(line.templates, line.texts)
                stretches.add_served(line)
                tags.extend([None] * (line.end - line.start))
                index = line.end - 1
                continue
            runs.add(line)
            if run is None and line.queued and index >= parts_of.NOTEBOOK_ROWS and f"{line.id}.log" not in logs:
                stretches.add(index, line)  # counted when its stretch ends
                tags.append(None)
                continue
            stretches.end()  # its runs counted before this one
            if run is not None:
                tally.add(run)  # its label and id: the plan's, read once (plan.json is walked, not held)
                tags.append(pieces.tag(key, run, logs))
                kept.add(run)
                continue
            run = run_of(line.fields())  # no files: nothing but its state to count, no history
            tally.add_bare(run)
            tags.append(None if run.state == PENDING else pieces.tag(line.key(), run, logs))
        stretches.end()
        runs.tally = tally  # what summary() and watch() count, without reading every run again
        tables = Tables(tally, output)
    except BaseException:
        stretches.close()
        kept.close()
        raise
    finally:
        if cache is not None:
            cache.close()
    try:
        parts = parts_of.assemble(plan, runs, tally, tags, output, _load_json(output / "hosts.json"), logs, tables,
                                  notes=_notes(output), bulk=bulk, stretches=stretches)
    except BaseException:
        tables.close()
        kept.close()
        stretches.close()
        raise
    try:
        found = kept.finish()  # after assemble: the figures of this sweep's runs are in figures/ by now
        if found:
            parts_of.add_changes(parts, render.section("changes", changes.section(output, found)), len(found))
        write_streamed(output / "master.ipynb", parts_of.notebook_chunks(plan, parts))
        tables.write(output)
        write_streamed(output / "changes.csv", [_csv([changes.HEADER] + changes.csv_rows(found))])
        triage.save(output, tally.ordered_groups(), tally.members)
        if html:
            live = refresh if refresh and any(tally.states.get(s) for s in WAITING) else None
            write_streamed(output / "report.html", render_html(parts_of.page(parts, live)))
        if cache is not None:
            stretchcache.save(output, stretches, cache)  # after the outputs it describes
    finally:
        parts["holes"].close()
        stretches.close()
    return runs


def _notes(output):
    """What the summary says of the sweep besides its runs: whether FAIL_FAST stopped it."""
    stopped = failfast.read_note(output)
    return {"stopped": failfast.describe(stopped)} if stopped else {}


def render_html(page: object) -> object:
    """report.html as a stream of text (see render.page_chunks)."""
    return page_chunks(page)


class Tables:
    """metrics.csv and runs.csv, written a row at a time as the runs are read back (see metrics_csv
    and runs_csv)."""

    def __init__(self, tally, output=None):
        self.names, self.params = list(tally.names), list(tally.params)
        self.metrics, self.runs = Spool(output), Spool(output)
        self.metrics_writer, self.runs_writer = _writer(self.metrics.handle()), _writer(self.runs.handle())
        self.bare_row = self.bare_tail()
        self.metrics_writer.writerow(_safe(metrics_header(self.params, self.names)))
        self.runs_writer.writerow(_safe(RUNS_HEADER))

    def add(self, run: object) -> None:
        """One run's row of each table."""
        self.metrics_writer.writerow(_safe(metrics_row(run, self.params, self.names)))
        self.runs_writer.writerow(_safe(runs_row(run)))

    def add_bare(self, given: object) -> None:
        """The rows of a run with no files (a bare.Given): in runs.csv only its id and value are its own."""
        self.metrics_writer.writerow(bare_metrics_row(given, self.params) + ["" for _ in self.names])
        self.runs_writer.writerow(self.bare_row(given))

    def add_stretch(self, found: object, texts: tuple, source: object) -> None:
        """The rows of a stretch of runs with no files (stretch.py; ``texts``: its own), as add_bare
        would write them a run at a time; its metrics rows are made again, each from ``source`` (the
        collect's RunSpool), when they were made with other parameter columns than the collect's."""
        _, runs, metrics = texts
        self.runs.handle().write(runs)
        if found.params == tuple(self.params) and not (self.names and '"' in metrics):
            # no cell is quoted, so no newline but a row's end: the empty metric cells go before each
            self.metrics.handle().write(metrics.replace("\n", "," * len(self.names) + "\n") if self.names else metrics)
            return
        for index in range(found.start, found.end):
            given = source.bare(index)
            self.metrics_writer.writerow(bare_metrics_row(given, self.params) + ["" for _ in self.names])

    @staticmethod
    def bare_tail() -> object:
        """A function giving runs.csv's row of a run with no files (a bare.Given): its id and value,
        then its state's template row (made safe), the same for every such run."""
        tails = {}

        def row(given):
            tail = tails.get(given.state)
            if tail is None:
                tail = tails[given.state] = _safe(runs_row(run_of(given.fields())))[2:]  # from its status on
            return [*_safe([given.id, given.label]), *tail]
        return row

    def write(self, output: "str | Path") -> None:
        """Write both files (each atomically)."""
        try:
            write_streamed(output / "metrics.csv", self.metrics.chunks())
            write_streamed(output / "runs.csv", self.runs.chunks())
        finally:
            self.close()

    def close(self) -> None:
        """Drop the spooled rows."""
        self.metrics.close()
        self.runs.close()


def watch(output: "str | Path", every: int, metric_tag: "str | None" = None, log: object = None, sleep: object = time.sleep,
          clock: object = time.monotonic) -> RunSpool:
    """Collect every ``every`` seconds while runs are pending or running, then once more; the runs.
    Each collect starts ``every`` seconds after the last one started, or, when one took longer than
    that, as soon as it ends (the line says so): collects never overlap, nor pile up behind a slow one."""
    while True:
        started = clock()
        runs = collect(output, metric_tag=metric_tag, refresh=max(1, round(every)))
        waiting, took = sum(runs.tally.states.get(state, 0) for state in WAITING), clock() - started
        if log is not None:
            late = f" (the collect took {took:.1f} s, longer than WATCH={every:g}: the next starts now)" \
                if took > every and waiting else ""
            print(f"{time.strftime('%H:%M:%S')} {len(runs)} runs, {waiting} pending or running{late}", file=log,
                  flush=True)
        if not waiting:
            return runs
        sleep(max(0.0, every - took))


def metrics_csv(runs: object) -> str:
    """One row per run: its job id, the values its kernel received (``params.NAME``), its status and
    each recorded metric (``metrics.NAME``), so every header is unique and says what it is. Containers
    are JSON; text a spreadsheet would evaluate is neutralised (plaintext.for_csv)."""
    names = metric_names(runs)
    params = list(dict.fromkeys(k for r in runs for k in (r.values or r.texts)))
    return _csv([metrics_header(params, names)] + [metrics_row(run, params, names) for run in runs])


def metrics_header(params: list, names: list) -> list[str]:
    """metrics.csv's header."""
    return ["job", *(f"params.{p}" for p in params), "status", *(f"metrics.{n}" for n in names)]


def bare_metrics_row(given: object, params: list) -> list:
    """A run with no files' row of metrics.csv (a bare.Given), made safe, without its empty metric cells."""
    return _safe([given.id, *(_received(given.values, given.texts, p) for p in params), given.state])


def metrics_row(run: object, params: list, names: list) -> list:
    """One run's row of metrics.csv."""
    return [run.id, *(_received(run.values, run.texts, p) for p in params), run.state,
            *(_cell(run.metrics.get(n)) for n in names)]


PENDING = Status.PENDING.value
RUNS_HEADER = ["job", "value", "status", "duration", "kernel_ready", "host", "exit", "signal", "attempts",
               "cell", "error", "message", "output_bytes", "notebook", "kernel", "max_rss_mb", "cpu_s"]


def runs_csv(runs: object) -> str:
    """The run table as CSV (text a spreadsheet would evaluate is neutralised)."""
    return _csv([RUNS_HEADER] + [runs_row(run) for run in runs])


def runs_row(run: object) -> list:
    """One run's row of runs.csv."""
    fail = run.failure
    return [run.id, run.label, run.state, _cell(run.duration), _cell(run.kernel_ready), run.host,
            _integer(run.exit), _integer(run.signal), run.attempts, _cell(fail.get("cell_index")),
            _first_line(f"{fail.get('ename')}: {fail.get('evalue')}") if fail.get("ename") else "",
            _first_line(run.message), run.output_bytes or "", run.notebook, run.kernel,
            _cell(run.max_rss_mb), _cell(run.cpu_s)]


def summary(output: "str | Path", runs: object) -> str:
    """A few lines for the terminal: counts, the runs that failed, and where the report is. Text from
    the runs is shown without escape sequences or control characters."""
    tally = getattr(runs, "tally", None)  # a collect's own: the runs are not read again to count them
    counted = tally.counts() if tally is not None else counts(runs)
    parts = ", ".join(f"{n} {for_terminal(s)}" for s, n in counted.items())
    lines = [f"{len(runs)} runs: {parts}"]
    failed = len(runs) - counted.get("ok", 0)
    bad = _first_bad(runs, 10) if tally is not None else [r for r in runs if not r.ok]
    for run in bad[:10]:
        fail = run.failure
        why = f"cell {fail.get('cell_index')}: {fail.get('ename')}: {fail.get('evalue')}" if fail.get("ename") \
            else (run.message.splitlines()[-1] if run.message.strip() else "")
        why = for_terminal(why.splitlines()[0] if why.strip() else "")
        lines.append(f"  {for_terminal(run.state):<16} {for_terminal(run.label)[:30]:<30} {_clip(why, 100)}")
    if failed > 10:
        lines.append(f"  ... and {failed - 10} more: see the report")
    groups = tally.ordered_groups() if tally is not None else triage.groups(bad)
    if groups:
        lines.append("failure groups (run one again with make run ONLY_GROUP=KEY, or --only-group KEY):")
        lines += [f"  {g.size:>5} run{'s' if g.size != 1 else ' '}  {for_terminal(g.key)}" for g in groups[:10]]
    if len(groups) > 10:
        lines.append(f"  ... and {len(groups) - 10} more groups: see the report")
    stopped = failfast.read_note(output)
    if stopped:
        lines.append(failfast.describe(stopped))
    lines.append(f"report: {Path(output) / 'report.html'}  (also master.ipynb, metrics.csv, runs.csv)")
    return "\n".join(lines)


def _first_bad(runs, limit):
    """The first ``limit`` runs that are not ok, read one at a time (not every run of a big sweep)."""
    found = []
    for run in runs:
        if not run.ok:
            found.append(run)
            if len(found) == limit:
                break
    return found


def _clip(text, width):
    """At most ``width`` characters, keeping the start and the end: a message's reason is often last
    ("cannot write /a/long/path/runs/X.ipynb: No space left on device")."""
    if len(text) <= width:
        return text
    tail = width * 2 // 3
    return f"{text[:width - tail - 3]} … {text[-tail:]}"


def _load_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _first_line(text):
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def _cell(value):
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def _received(values, texts, name):
    """A parameter as its kernel received it: text as it is, any other value as its Python literal."""
    if name not in values:
        return texts.get(name, "")
    value = values[name]
    if isinstance(value, str) or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return repr(value)


def _integer(text):
    """An exit value or signal of the joblog as the number it is ('-1' is no formula)."""
    if not text:
        return text  # a run with no joblog row (most of a big sweep's, before they run)
    try:
        return int(text)
    except (TypeError, ValueError):
        return text


def _csv(rows):
    """Rows as CSV, each cell through plaintext.for_csv."""
    buffer = io.StringIO()
    _writer(buffer).writerows([_safe(row) for row in rows])
    return buffer.getvalue()


def _writer(handle):
    return csv.writer(handle, lineterminator="\n")


def _safe(row):
    return for_csv_row(row)
