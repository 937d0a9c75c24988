"""A collect decides the runs that have no files at all (pending, missing) in bulk, from one listing of
the output folder: its report.html, master.ipynb, CSV files, groups.json and summary are byte for byte those
of a collect that reads every run one at a time. Files only: no kernel, no GNU parallel."""

import hashlib
import json
import re

import pytest

from jupyterstream.report import write as report

from ..helpers import executed, png

FILES = ("report.html", "master.ipynb", "metrics.csv", "runs.csv", "changes.csv", "groups.json")
SWEEP = "20250101T000000-aaaa"
FIGURE = png(8, 6, (40, 90, 160))


def _job(i):
    name = f'v{i} <&"=' if i % 11 == 0 else f"v{i}"  # some labels need escaping in HTML, JSON and CSV
    return {"id": f"J{i:04d}", "label": name, "texts": {"x": name}, "values": {"x": name}, "identity": f"id-{i}"}


def _record(output, job, **fields):
    record = {"job": job["id"], "identity": job["identity"], "host": "elsewhere", "started": 1.0, "duration": 2.5,
              "sweep": SWEEP, **fields}
    (output / "status" / f"{job['id']}.json").write_text(json.dumps(record))


def _executed(output, job, status="ok"):
    nb = executed({1: [("image/png", FIGURE)]} if job["id"].endswith("0") else {}, metrics=[("y", len(job["id"]))])
    data = (json.dumps(nb) + "\n").encode()
    (output / "runs" / f"{job['id']}.ipynb").write_bytes(data)
    _record(output, job, status=status, notebook=f"runs/{job['id']}.ipynb",
            notebook_sha256=hashlib.sha256(data).hexdigest())


def mixed_output(output, count=1300):
    """``count`` planned runs: of the first 300, every 5th ok, every 7th failed in cell 1, every 13th
    running on another host, every 17th logged by parallel with no record (lost); of the rest those
    under 1,200 are queued (pending) and the others were never handed to a sweep (missing); two pending
    runs have a log. Past master.ipynb's first 1,000 ledger rows, a pending run's row is made from a
    template."""
    for sub in ("runs", "status", "logs"):
        (output / sub).mkdir(parents=True, exist_ok=True)
    jobs, queued, log = [_job(i) for i in range(count)], [], ["Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\t"
                                                               "Exitval\tSignal\tCommand"]
    for i, job in enumerate(jobs):
        if i >= 300:
            queued += [job["id"]] if i < 1200 else []
        elif i % 5 == 0:
            _executed(output, job)
        elif i % 7 == 0:
            _executed(output, job)
            _record(output, job, status="cell-error", cell_index=1, ename="KeyError", evalue=f"'{job['id']}'",
                    traceback=["Traceback", "KeyError"], notebook="")
        elif i % 13 == 0:
            _record(output, job, status="running", pid=1)
        elif i % 17 == 0:
            log.append(f"{i}\t:\t1.0\t1.0\t0\t0\t1\t0\tpython bin/run-one out {job['id']} --sweep {SWEEP} -- x")
        elif i < 250:
            queued.append(job["id"])
    for job_id in queued[3:5]:
        (output / "logs" / f"{job_id}.log").write_text("started\n")
    (output / "todo.txt").write_text("".join(f"{j}\n" for j in queued))
    (output / "joblog.tsv").write_text("\n".join(log) + "\n")
    _write_plan(output, jobs)
    return output


def _write_plan(output, jobs, streamed=False):
    """plan.json, read whole (one line), or a job a line as launch/plan.py writes it (read as it is walked)."""
    plan = {"notebook": "nb.ipynb", "values_file": "v.txt", "notebook_sha256": "0" * 64, "values_sha256": "0" * 64}
    if not streamed:
        (output / "plan.json").write_text(json.dumps(dict(plan, jobs=jobs)))
        return
    lines = ",\n".join(json.dumps(job) for job in jobs)
    (output / "plan.json").write_text(json.dumps(plan, indent=1)[:-2] + ',\n "jobs": [\n' + lines + "\n]}\n")


def long_output(output, streamed, count=2700):
    """``count`` planned runs, most of them pending with no files past master.ipynb's first 1,000 rows
    (made in stretches: report/stretch.py), broken by what is not such a run: a few ok runs with a
    metric (the first at 1,900, after some stretches were made), a pending run with a log, missing runs
    (not queued) and a lost one (a joblog row); labels a CSV cell must quote in one stretch only (a
    quote, a newline), one starting like a formula; and from run 2,100 on a second parameter, with a
    third one at 2,400 (metrics.csv's columns change after some stretches were made)."""
    for sub in ("runs", "status", "logs"):
        (output / sub).mkdir(parents=True, exist_ok=True)
    jobs = []
    for i in range(count):
        name = f'v{i} "q"\nz' if 1300 <= i < 1310 else (f"=v{i}" if i == 1620 else f"v{i}")
        texts = {"x": name} if i < 2100 else {"x": name, "w": str(i % 7)} if i != 2400 else {"u": "3", "x": name}
        values = dict(texts, w=i % 7) if "w" in texts else dict(texts)
        jobs.append({"id": f"J{i:04d}", "label": name if len(texts) == 1 else f"x={name}, w={i % 7}",
                     "texts": texts, "values": values, "identity": f"id-{i}"})
    for i in (1900, 1950, 2500):
        _executed(output, jobs[i])
    (output / "logs" / f"{jobs[1700]['id']}.log").write_text("started\n")
    missing = set(range(1800, 1806)) | {count - 1}
    (output / "todo.txt").write_text("".join(f"{job['id']}\n" for i, job in enumerate(jobs) if i not in missing))
    (output / "joblog.tsv").write_text("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"
                                       f"1\t:\t1.0\t1.0\t0\t0\t1\t0\tpython bin/run-one out {jobs[2200]['id']} --sweep {SWEEP} -- x\n")
    _write_plan(output, jobs, streamed)
    return output, jobs


def _same(bulk, single):
    """Both collects of the same files give the same files, summary and runs."""
    fast, slow = report.collect(bulk), report.collect(single, bulk=False)
    assert _written(bulk) == _written(single)
    assert report.summary(bulk, fast).replace(str(bulk), "OUT") == report.summary(single, slow).replace(
        str(single), "OUT")
    assert [vars(run) for run in fast] == [vars(run) for run in slow]
    return fast


def _written(output):
    """The files a collect wrote, its time of collection blanked (the only part that differs)."""
    found = {name: (output / name).read_bytes() for name in FILES if (output / name).exists()}
    return {name: re.sub(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", b"TIME", data) for name, data in found.items()}


def test_runs_decided_in_bulk_give_the_same_report_files_as_runs_read_one_at_a_time(tmp_path):
    bulk, single = mixed_output(tmp_path / "bulk"), mixed_output(tmp_path / "single")
    for _ in range(2):  # a first collect, then a repeat one (indexes and caches in use)
        fast, slow = report.collect(bulk), report.collect(single, bulk=False)
        assert _written(bulk) == _written(single)
        assert report.summary(bulk, fast).replace(str(bulk), "OUT") == report.summary(single, slow).replace(
            str(single), "OUT")
        assert [vars(run) for run in fast] == [vars(run) for run in slow]
    states = {run.state for run in fast}
    assert {"ok", "cell-error", "running", "pending", "missing", "results-missing"} <= states, states


@pytest.mark.parametrize("streamed", [False, True], ids=["plan-read-whole", "plan-a-job-a-line"])
def test_pending_runs_made_in_stretches_give_the_same_report_files_as_runs_read_one_at_a_time(tmp_path, streamed):
    (bulk, jobs), (single, _) = long_output(tmp_path / "bulk", streamed), long_output(tmp_path / "single", streamed)
    for _ in range(2):  # a first collect, then a repeat one
        fast = _same(bulk, single)
    assert {"ok", "pending", "missing", "results-missing"} <= {run.state for run in fast}
    for output in (bulk, single):  # a pending run inside a stretch ran since, another failed
        _executed(output, jobs[1500])
        _executed(output, jobs[2050], status="cell-error")
    _same(bulk, single)
    for output in (bulk, single):  # the plan rewritten: other labels, a parameter more in every run
        changed = [dict(job, label=f"{job['label']}!", texts=dict(job["texts"], k="1")) for job in jobs]
        _write_plan(output, changed, streamed)
    fast = _same(bulk, single)
    assert fast[1200].label == "v1200!" and fast[1200].state == "pending"


def _ran(output, jobs):
    """Ten pending runs inside stretches ran since: eight ok, two failed."""
    for i in range(1010, 1090, 10):
        _executed(output, jobs[i])
    for i in (1500, 2050):
        _executed(output, jobs[i], status="cell-error")


def _requeued(output, jobs):
    """todo.txt changed: a pending run no longer queued (missing), a missing one queued again."""
    ids = (output / "todo.txt").read_text().split()
    ids.remove(jobs[1400]["id"])
    (output / "todo.txt").write_text("".join(f"{i}\n" for i in ids + [jobs[1802]["id"]]))


def _logged(output, jobs):
    """A pending run inside a stretch has a log now."""
    (output / "logs" / f"{jobs[1600]['id']}.log").write_text("started\n")


def _new_column(output, jobs):
    """A run before the stretches has a parameter more: metrics.csv's columns differ from the first one on."""
    jobs = [dict(job, texts=dict(job["texts"], k="1"), values=dict(job["values"], k=1)) if i == 5 else job
            for i, job in enumerate(jobs)]
    _write_plan(output, jobs, streamed=True)


def _other_values(output, jobs):
    """plan.json rewritten with other values (labels and texts) for every run."""
    _write_plan(output, [dict(job, label=f"{job['label']}?", texts={"x": f"{job['label']}?"},
                              values={"x": f"{job['label']}?"}) for job in jobs], streamed=True)


def _served(monkeypatch):
    """(first run, run after the last) of each stretch the collects serve from the stretch cache."""
    from jupyterstream.report.tally import Tally

    found, real = [], Tally.add_served
    monkeypatch.setattr(Tally, "add_served", lambda self, served: found.append((served.start, served.end)) or real(self, served))
    return found


@pytest.mark.parametrize("change, kept", [
    (None, True), (_ran, True), (_requeued, True), (_logged, True), (_new_column, False), (_other_values, False)],
    ids=["unchanged", "ten-runs-ran", "queued-and-unqueued", "a-new-log", "parameter-columns-changed",
         "plan-rewritten-with-other-values"])
def test_stretches_served_from_the_cache_give_the_same_report_files_as_runs_read_one_at_a_time(
        tmp_path, monkeypatch, change, kept):
    (bulk, jobs), (single, _) = long_output(tmp_path / "bulk", True), long_output(tmp_path / "single", True)
    served = _served(monkeypatch)
    _same(bulk, single)
    assert served == [] and (bulk / ".report-stretches").exists()
    for output in (bulk, single):
        if change is not None:
            change(output, jobs)
    fast = _same(bulk, single)
    assert bool(served) == kept, served
    if change is _other_values:
        assert fast[1200].label.endswith("?")
    if change in (_ran, _requeued, _logged):  # the stretches that hold a changed run are made again
        changed = {_ran: {*range(1010, 1090, 10), 1500, 2050}, _requeued: {1400, 1802}, _logged: {1600}}[change]
        assert not any(start <= i < end for start, end in served for i in changed), served
    _same(bulk, single)  # and a third collect serves what the second one wrote


@pytest.mark.parametrize("damage", ["truncated", "garbage", "foreign-version", "unreadable", "bytes-flipped"])
def test_a_damaged_stretch_cache_is_ignored_and_written_again(tmp_path, monkeypatch, damage):
    (bulk, _), (single, _) = long_output(tmp_path / "bulk", True), long_output(tmp_path / "single", True)
    _same(bulk, single)
    cache = bulk / ".report-stretches"
    data = cache.read_bytes()
    if damage == "truncated":
        cache.write_bytes(data[:len(data) // 2])
    elif damage == "garbage":
        cache.write_bytes(b"\x00\xff not a cache\n" * 100)
    elif damage == "foreign-version":
        cache.write_bytes(data.replace(b'"version": "', b'"version": "0', 1))
    elif damage == "unreadable":
        cache.unlink()
        cache.mkdir()
    else:  # a byte of a stretch's texts changed: its CRC no longer holds
        cache.write_bytes(data[:-500] + bytes([data[-500] ^ 1]) + data[-499:])
    served = _served(monkeypatch)
    _same(bulk, single)
    assert served == [] if damage != "bytes-flipped" else len(served) >= 1
    if damage != "unreadable":
        served.clear()
        _same(bulk, single)  # written again: served the next time
        assert served
