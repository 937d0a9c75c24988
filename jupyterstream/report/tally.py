"""What the report's summary, failures, metrics and manifest need, gathered one run at a time.

A collect of 5,000 runs does not hold its runs: it adds each to a Tally and forgets it. The tally keeps
counts, each numeric metric as an array of floats beside the labels the plan already holds, the first
few runs of each failure group (and one whole run as the group's sample), and the first rows of the
metrics table: a few dozen bytes a run.
"""

from __future__ import annotations

from array import array
from collections import namedtuple

from . import charts, tilemap
from ..collect import figspec, triage
from ..collect.runs import run_of
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..collect.bare import Given
    from ..collect.runs import Run
    from ..collect.spool import ListedRuns

LIST_LIMIT = 50      # runs named per failure group
METRIC_ROWS = 200    # rows of the all-values metrics table
USED = ("duration (s)", "peak memory (MB)", "CPU (s)")  # what each run used, from its status record
Member = namedtuple("Member", "id label notebook")   # a failure group's run, as the report names it
Host = namedtuple("Host", "host python")             # what manifest.hosts reads of a run


class Tally:
    """The running totals of a collect; ``pairs`` yields every run's (label, id) again on demand."""

    def __init__(self, pairs):
        self.pairs, self.total, self.states, self.kinds = pairs, 0, {}, {}
        self.durations, self.hosts = array("d"), {}
        self.names, self.params, self.values = {}, {}, {}   # metric names, parameter names, name -> (labels, floats)
        self.table, self.tabled, self.groups, self.pythons = [], 0, {}, set()
        self.members = {}   # group -> the id of every run in it (the plan's own strings: a reference each)
        self.states_only = True
        self.figured = bytearray()   # 1 for each run (in order) that holds a figure: those the gallery draws
        self.used = {}   # "duration (s)", "peak memory (MB)", "CPU (s)" -> (labels, floats): charted beside the metrics

    def add(self, run: Run, label: str | None = None, ident: str | None = None) -> None:
        """Count one run. ``label`` and ``ident`` are the plan's own strings for it (so that keeping them
        costs a reference, not a copy); by default the run's."""
        label, ident = label or run.label, ident or run.id
        self.total += 1
        self.states[run.state] = self.states.get(run.state, 0) + 1
        self.states_only = self.states_only and label in tilemap.STATES
        duration = charts.finite_float(run.duration)  # None when it has none
        if duration is not None:
            self.durations.append(duration)
        if run.host:
            self._host(run.host, run.ok, duration)
        if run.python:
            self.pythons.add(Host(run.host, run.python))
        self.figured.append(1 if run.figures else 0)
        for place in run.figures:
            kind = figspec.kind_of(place.get("mime"))
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.params.update(dict.fromkeys(run.values or run.texts))
        self._used(label, duration, run)
        self._metrics(run, label, ident)
        if not run.ok:
            self._failed(run, label, ident)

    def add_bare(self, run: Run) -> None:
        """Count a run with no files (collect/bare.py): add's result for it, without looking for what it
        cannot hold (a duration, a host, figures, metrics)."""
        self.total += 1
        self.states[run.state] = self.states.get(run.state, 0) + 1
        self.states_only = self.states_only and run.label in tilemap.STATES
        self.figured.append(0)
        self.params.update(dict.fromkeys(run.values or run.texts))
        self._failed(run, run.label, run.id)

    def add_plain(self, runs: list[Given]) -> None:
        """Count runs with no files, one after another and all in one state, from the plan's parts of
        each (bare.Given): add_bare's result for each, without its Run (made only for a run that starts
        a failure group, as that group's sample)."""
        state, count = runs[0].state, len(runs)
        self.total += count
        self.states[state] = self.states.get(state, 0) + count
        self.states_only = self.states_only and all(given.label in tilemap.STATES for given in runs)
        self.figured.extend(bytes(count))
        params, last = self.params, None
        for given in runs:
            names = (given.values or given.texts).keys()
            if last is None or names != last:  # the same names as the run before: all in params already
                params.update(dict.fromkeys(names))
                last = names
        key = (state, "", None)  # triage.key_of of a run with no failure
        if key not in self.groups:
            self._failed(run_of(runs[0].fields()), runs[0].label, runs[0].id)
            runs = runs[1:]
        group, notebook = self.groups[key], runs[0].templates.fields[state]["notebook"] if runs else ""
        self.members[key].extend(given.id for given in runs)
        group.total += len(runs)
        group.runs.extend(Member(given.id, given.label, notebook) for given in runs[:max(0, LIST_LIMIT - len(group.runs))])

    def has_group(self, state: str) -> bool:
        """Whether the failure group of runs in ``state`` with no failure has begun (has its sample)."""
        return (state, "", None) in self.groups

    def add_served(self, served: object) -> None:
        """Count a stretch served from the cache (report/stretchcache.py, a Served): add_plain's result
        for its runs, in a collect with the same parameter columns and whose group of them has begun."""
        state, ids, count = "pending", served.ids, len(served.ids)
        self.total += count
        self.states[state] = self.states.get(state, 0) + count
        self.states_only = self.states_only and served.entry.plain
        self.figured.extend(bytes(count))
        key = (state, "", None)
        group, notebook = self.groups[key], served.templates.fields[state]["notebook"]
        self.members[key].extend(ids)
        group.total += count
        room = max(0, LIST_LIMIT - len(group.runs))
        group.runs.extend(Member(i, label, notebook) for i, label in zip(ids[:room], served.labels[:room]))

    def _host(self, host, ok, duration):
        entry = self.hosts.setdefault(host, [0, 0, array("d")])
        entry[0] += 1
        entry[1] += ok
        if duration is not None:
            entry[2].append(duration)

    def _used(self, label, duration, run):
        for name, value in ((USED[0], duration), (USED[1], run.max_rss_mb), (USED[2], run.cpu_s)):
            number = charts.finite_float(value)
            if number is not None:
                labels, numbers = self.used.setdefault(name, ([], array("d")))
                labels.append(label)
                numbers.append(number)

    def _metrics(self, run, label, ident):
        if not run.metrics:
            return
        self.names.update(dict.fromkeys(run.metrics))
        for name, value in run.metrics.items():
            number = charts.as_number(value)
            if number is not None:
                labels, numbers = self.values.setdefault(name, ([], array("d")))
                labels.append(label)
                numbers.append(number)
        self.tabled += 1
        if len(self.table) < METRIC_ROWS:
            self.table.append((label, ident, run.metrics))

    def _failed(self, run, label, ident):
        key = triage.key_of(run)
        self.members.setdefault(key, []).append(ident)
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = triage.Group(*key, runs=[run], total=1)
            return
        group.total += 1
        if len(group.runs) < LIST_LIMIT:
            group.runs.append(Member(ident, label, run.notebook))

    @property
    def figures(self) -> int:
        """How many figures the runs hold."""
        return sum(self.kinds.values())

    def counts(self) -> dict:
        """{state: number of runs}, ok first, then by name."""
        return {state: self.states[state] for state in sorted(self.states, key=lambda s: (s != "ok", s))}

    def ordered_groups(self) -> list:
        """The failure groups, in triage order."""
        return triage.ordered(self.groups.values())

    def numeric(self, name: str) -> list:
        """[(label, value)] of metric ``name``, as charts.numeric gives it."""
        labels, numbers = self.values.get(name, ((), ()))
        return list(zip(labels, numbers))

    def resource(self, name: str) -> list:
        """[(label, value)] of one of USED: each run's duration, peak memory or CPU seconds."""
        labels, numbers = self.used.get(name, ((), ()))
        return list(zip(labels, numbers))

    def links(self, labels: list) -> dict:
        """{label: '#run-ID'} of the first run of each of ``labels``."""
        wanted, found = set(labels), {}
        if not wanted:
            return found
        for label, ident in self.pairs():
            if label in wanted and label not in found:
                found[label] = f"#run-{ident}"
                if len(found) == len(wanted):
                    break  # the rest of a big plan need not be read
        return found

    def states_map(self) -> bool:
        """True when the runs' values are US state codes (tilemap.applies)."""
        return self.total > 1 and self.states_only


def of(runs: list[Run] | ListedRuns) -> Tally:
    """A Tally of runs in memory."""
    runs = list(runs)
    tally = Tally(lambda: ((run.label, run.id) for run in runs))
    for run in runs:
        tally.add(run)
    return tally


