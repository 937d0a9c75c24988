"""progress: how far a sweep got, read from the joblog and status records, and its one-line text."""

import io
import time

from jupyterstream.report import progress
from jupyterstream.launch.plan import Job
from jupyterstream.runner import status


def job(value):
    return Job(value, 1, {"state": value}, {"state": value}, "id-" + value)


def logrow(job_id, exitval, sweep="S1"):
    command = f"python bin/run-one out {job_id} --sweep {sweep} -- python -m jupyter nbconvert x.ipynb"
    return f"1\t:\t{time.time():.3f}\t1.0\t0\t0\t{exitval}\t0\t{command}\n"


def tracker(tmp_path, *values):
    (tmp_path / "status").mkdir()
    return progress.Tracker(tmp_path, [job(v) for v in values], "S1")


def test_jobs_of_this_sweep_that_ended_are_counted_by_their_own_records_status(tmp_path):
    watch = tracker(tmp_path, "AL", "CA", "NY")
    status.write(tmp_path, "AL", {"status": "ok", "sweep": "S1"})
    status.write(tmp_path, "CA", {"status": "cell-error", "sweep": "S1"})
    (tmp_path / "joblog.tsv").write_text(logrow("AL", 0) + logrow("CA", 1) + logrow("NY", 0, sweep="OLD"))
    snapshot = watch.poll()
    assert (snapshot.total, snapshot.done, snapshot.counts) == (3, 2, {"ok": 1, "cell-error": 1})


def test_without_a_record_of_this_sweep_the_exit_code_says_what_happened(tmp_path):
    watch = tracker(tmp_path, "AL", "CA", "NY")
    (tmp_path / "joblog.tsv").write_text(logrow("AL", 255) + logrow("CA", 4) + logrow("NY", -1))
    assert watch.poll().counts == {"transport-failed": 1, "dead-kernel": 1, "killed": 1}


def test_a_row_parallel_is_still_writing_waits_for_the_next_look(tmp_path):
    watch = tracker(tmp_path, "AL", "CA")
    row = logrow("CA", 0)
    (tmp_path / "joblog.tsv").write_text(logrow("AL", 0) + row[:20])
    assert watch.poll().done == 1
    with open(tmp_path / "joblog.tsv", "a") as handle:
        handle.write(row[20:])
    assert watch.poll().done == 2


def test_the_longest_running_value_comes_first(tmp_path):
    watch = tracker(tmp_path, "AL", "CA", "NY")
    now = time.time()
    status.write(tmp_path, "AL", {"status": "running", "sweep": "S1", "started": now - 3})
    status.write(tmp_path, "CA", {"status": "running", "sweep": "S1", "started": now - 30})
    status.write(tmp_path, "NY", {"status": "running", "sweep": "OLD", "started": now - 300})
    running = watch.poll().running
    assert [label for label, _ in running] == ["CA", "AL"] and 29 < running[0][1] < 60


def test_the_line_says_done_of_total_ok_failed_by_class_running_and_eta():
    snapshot = progress.Snapshot(10, {"ok": 2, "cell-error": 1, "dead-kernel": 1}, [("CA", 12.2), ("AL", 3)], 40)
    assert snapshot.text() == ("4/10 done: 2 ok, 2 failed (cell-error 1, dead-kernel 1) · 2 running, longest CA "
                               "12 s · ETA 1:00")
    assert progress.Snapshot(3, {"ok": 3}, [], 5).text() == "3/3 done: 3 ok"


def test_a_plain_view_writes_only_plain_lines_and_always_the_last_state():
    log = io.StringIO()
    view = progress.Plain(log, io.StringIO(), every=3600)
    view.show(progress.Snapshot(2, {"ok": 1}))
    view.close(progress.Snapshot(2, {"ok": 2}))
    assert log.getvalue() == "jupyterstream: progress: 2/2 done: 2 ok\n"


def test_a_terminal_view_erases_its_line_before_a_per_job_line_and_draws_it_again():
    log = io.StringIO()
    view = progress.Terminal(log, log)
    view.show(progress.Snapshot(2, {"ok": 1}))
    view.line("ok  CA  1.0s  host\n")
    view.close(progress.Snapshot(2, {"ok": 2}))
    erase = progress.Terminal.ERASE
    assert log.getvalue() == (f"{erase}1/2 done: 1 ok{erase}ok  CA  1.0s  host\n{erase}1/2 done: 1 ok"
                              f"{erase}2/2 done: 2 ok\n")


def test_the_clock_reads_minutes_and_hours():
    assert [progress.clock(s) for s in (45, 723, 7205)] == ["0:45", "12:03", "2:00:05"]


def test_outside_a_kernel_and_a_terminal_the_view_is_plain():
    assert isinstance(progress.view_for(None, io.StringIO()), progress.Plain)
