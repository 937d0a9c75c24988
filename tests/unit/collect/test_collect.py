"""collect.runs: status records + executed notebooks + joblog -> Runs, with an index so that a repeat
collect re-reads only the runs whose files changed. Files only: no kernel, no GNU parallel."""

import hashlib
import json

import pytest

from jupyterstream.collect import cachefile, runs as collect
from jupyterstream.runner import status

from ..helpers import executed, places, png, save

SWEEP = "20250101T000000-aaaa"


def job(job_id, identity=None):
    return {"id": job_id, "label": f"value {job_id}", "texts": {"state": job_id},
            "identity": identity or f"id-{job_id}"}


def make_plan(*ids):
    return {"notebook": "nb.ipynb", "values_file": "v.txt", "notebook_sha256": "a" * 64, "values_sha256": "b" * 64,
            "jobs": [job(i) for i in ids]}


@pytest.fixture
def output(tmp_path):
    (tmp_path / "status").mkdir()
    (tmp_path / "runs").mkdir()
    return tmp_path


def finish(output, job_id, state="ok", figures=None, metrics=(("peak", 1990),), **record):
    """Write what a job leaves behind: its executed notebook and its status record."""
    path = save(executed(figures or {}, cells=3, metrics=metrics), output / "runs" / f"{job_id}.ipynb")
    status.write(output, job_id, {"status": state, "job": job_id, "identity": f"id-{job_id}", "host": "vm",
                                  "duration": 2.5, "kernel_ready": 1.25, "started": 1.0e9, "attempts": 1,
                                  "notebook": f"runs/{job_id}.ipynb", "sweep": SWEEP,
                                  "notebook_sha256": hashlib.sha256(path.read_bytes()).hexdigest(), **record})


def joblog(output, *rows):
    """Write OUTPUT/joblog.tsv: rows of (job id, host, exit value)."""
    lines = ["Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand"]
    for seq, (job_id, host, code) in enumerate(rows, start=1):
        lines.append(f"{seq}\t{host}\t1.0\t2.0\t0\t0\t{code}\t0\t"
                     f"python bin/run-one {output} {job_id} --sweep {SWEEP} -- jupyter nbconvert")
    (output / "joblog.tsv").write_text("\n".join(lines) + "\n")


@pytest.fixture
def summarized(monkeypatch):
    """The job ids collect.summarize was called for, in order."""
    calls, summarize = [], collect.summarize

    def counting(output, job, *args):
        calls.append(job.id)
        return summarize(output, job, *args)

    monkeypatch.setattr(collect, "summarize", counting)
    return calls


def by_id(runs):
    return {r.id: r for r in runs}


# --- what a run is ----------------------------------------------------------------------------


def test_an_ok_run_has_its_timings_metrics_figure_places_size_and_python(output):
    figures = {1: [("image/png", png())], 2: [("image/svg+xml", "<svg/>"), ("image/png", png())]}
    finish(output, "AL", figures=figures)
    [run] = collect.runs(output, make_plan("AL"))
    assert (run.state, run.label, run.texts, run.host) == ("ok", "value AL", {"state": "AL"}, "vm")
    assert (run.duration, run.kernel_ready, run.started, run.attempts) == (2.5, 1.25, 1.0e9, 1)
    assert run.metrics == {"peak": 1990} and run.python == "3.11.4"
    assert run.figures == places(figures)
    assert run.notebook == "runs/AL.ipynb"
    assert run.output_bytes == (output / "runs" / "AL.ipynb").stat().st_size
    assert run.ok


def test_a_failed_run_keeps_its_failing_cell_error_and_traceback(output):
    finish(output, "CA", "cell-error", cell_index=2, ename="KeyError", evalue="'CA'", traceback=["t1", "t2"])
    [run] = collect.runs(output, make_plan("CA"))
    assert run.state == "cell-error" and not run.ok
    assert run.failure == {"cell_index": 2, "ename": "KeyError", "evalue": "'CA'", "traceback": ["t1", "t2"],
                           "source": ""}


def test_a_failed_run_carries_the_source_of_its_failing_cell_from_its_notebook(output):
    finish(output, "CA", "cell-error", cell_index=2, ename="KeyError", evalue="'CA'", traceback=["t1"])
    path = output / "runs" / "CA.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][2]["source"] = ["rows = table[state]\n", "rows.plot()"]
    save(nb, path)
    with open(status.path_for(output, "CA")) as handle:
        record = json.load(handle)
    record["notebook_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    status.write(output, "CA", record)
    [run] = collect.runs(output, make_plan("CA"))
    assert run.failure["source"] == "rows = table[state]\nrows.plot()"


def test_a_run_whose_notebook_does_not_match_its_record_is_corrupt(output):
    finish(output, "AL")
    (output / "runs" / "AL.ipynb").write_text(json.dumps(executed({}, cells=1)))
    [run] = collect.runs(output, make_plan("AL"))
    assert run.state == "corrupt" and "does not match its status record" in run.message
    assert run.figures == [] and run.notebook == ""


def test_a_result_from_another_identity_is_stale(output):
    finish(output, "AL")
    plan = make_plan("AL")
    plan["jobs"][0]["identity"] = "another"
    assert collect.runs(output, plan)[0].state == "stale"


def test_the_joblog_gives_the_host_exit_and_attempts(output):
    finish(output, "AL", host="")
    joblog(output, ("AL", "1/server", "1"), ("AL", "1/server", "0"))
    run = collect.runs(output, make_plan("AL"))[0]
    assert (run.host, run.exit, run.signal, run.attempts) == ("1/server", "0", "0", 2)


# --- what the joblog says when no record came back (over SSH) ---------------------------------


def remote_row(job_id, code, signal_=0, runtime=2.0, timeout=None):
    """A joblog line of a job run over SSH in this sweep, with parallel's exit value and signal."""
    options = f" --job-timeout {timeout}" if timeout else ""
    return (f"1\tnode1\t1.0\t{runtime}\t0\t0\t{code}\t{signal_}\t"
            f"python tool/bin/run-one . {job_id} --cwd . --sweep {SWEEP}{options} -- jupyter nbconvert")


def remote_joblog(output, *rows):
    (output / "joblog.tsv").write_text("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\t"
                                       "Command\n" + "\n".join(rows) + "\n")


@pytest.mark.parametrize("row, state, words", [
    (remote_row("AL", 255), "transport-failed", "ssh to node1 failed (exit 255)"),
    (remote_row("AL", 0), "results-missing", "did not come back"),
    (remote_row("AL", -1, 15, runtime=10.02, timeout=10), "job-timeout", "job timeout of 10 s on node1"),
    (remote_row("AL", -1, 15, runtime=3.5, timeout=10), "interrupted", "run the sweep again"),
    (remote_row("AL", -1, 15, runtime=3.5), "interrupted", "signal 15 on node1"),
])
def test_a_run_with_no_record_back_is_told_by_its_exit_signal_and_job_timeout(output, row, state, words):
    remote_joblog(output, row)
    run = collect.runs(output, make_plan("AL"))[0]
    assert run.state == state and words in run.message, run.message


def test_a_record_from_an_earlier_sweep_does_not_hide_that_this_sweep_lost_the_run(output):
    finish(output, "AL", sweep="20240101T000000-old")
    remote_joblog(output, remote_row("AL", 0))
    assert collect.runs(output, make_plan("AL"))[0].state == "results-missing"


# --- pending and missing ----------------------------------------------------------------------


def test_a_job_listed_in_todo_without_a_status_record_is_pending_and_one_not_listed_is_missing(output):
    (output / "todo.txt").write_text("AL\nCA\n")
    finish(output, "CA")
    states = {r.id: r.state for r in collect.runs(output, make_plan("AL", "CA", "TX"))}
    assert states == {"AL": "pending", "CA": "ok", "TX": "missing"}


def test_without_a_todo_file_every_job_without_a_record_is_missing(output):
    assert {r.state for r in collect.runs(output, make_plan("AL", "CA"))} == {"missing"}


def test_a_pending_job_becomes_missing_when_todo_no_longer_lists_it(output):
    (output / "todo.txt").write_text("AL\n")
    plan = make_plan("AL", "CA")
    assert collect.runs(output, plan)[0].state == "pending"
    (output / "todo.txt").write_text("CA\n")
    assert [r.state for r in collect.runs(output, plan)] == ["missing", "pending"]


# --- the index --------------------------------------------------------------------------------


def test_a_second_collect_of_unchanged_files_reads_no_finished_run_and_gives_the_same_runs(output, summarized):
    for job_id in ("AL", "CA"):
        finish(output, job_id, figures={1: [("image/png", png())]})
    (output / "todo.txt").write_text("AL CA TX\n")
    plan = make_plan("AL", "CA", "TX")
    first = collect.runs(output, plan)
    # TX has no files: decided from the folder's listing (collect/bare.py), not read file by file
    assert summarized == ["AL", "CA"] and (output / collect.INDEX).is_file()
    summarized.clear()
    assert collect.runs(output, plan) == first
    assert summarized == [] and first[2].state == "pending"
    status.write(output, "TX", {"job": "TX", "status": "running", "identity": "id-TX", "host": "elsewhere"})
    assert collect.runs(output, plan)[2].state == "running", "a pending run is transient: looked at again every time"
    assert summarized == ["TX"]


def test_a_changed_status_record_rereads_only_that_run(output, summarized):
    for job_id in ("AL", "CA", "TX"):
        finish(output, job_id)
    plan = make_plan("AL", "CA", "TX")
    collect.runs(output, plan)
    summarized.clear()
    finish(output, "CA", "cell-error", ename="KeyError", cell_index=1)
    runs = by_id(collect.runs(output, plan))
    assert summarized == ["CA"]
    assert runs["CA"].state == "cell-error" and runs["AL"].state == runs["TX"].state == "ok"


def test_a_changed_notebook_rereads_only_that_run(output, summarized):
    for job_id in ("AL", "CA"):
        finish(output, job_id)
    plan = make_plan("AL", "CA")
    collect.runs(output, plan)
    summarized.clear()
    (output / "runs" / "AL.ipynb").write_text("{}")
    runs = by_id(collect.runs(output, plan))
    assert summarized == ["AL"] and runs["AL"].state == "corrupt" and runs["CA"].ok


def test_a_new_joblog_row_rereads_only_that_run(output, summarized):
    for job_id in ("AL", "CA"):
        finish(output, job_id)
    joblog(output, ("AL", ":", "0"), ("CA", ":", "0"))
    plan = make_plan("AL", "CA")
    collect.runs(output, plan)
    summarized.clear()
    joblog(output, ("AL", ":", "0"), ("CA", ":", "0"), ("CA", ":", "0"))
    assert by_id(collect.runs(output, plan))["CA"].attempts == 2
    assert summarized == ["CA"]


def test_a_job_whose_identity_changed_in_the_plan_is_reread(output, summarized):
    for job_id in ("AL", "CA"):
        finish(output, job_id)
    plan = make_plan("AL", "CA")
    collect.runs(output, plan)
    summarized.clear()
    plan["jobs"][1]["identity"] = "new values"
    assert [r.state for r in collect.runs(output, plan)] == ["ok", "stale"]
    assert summarized == ["CA"]


@pytest.mark.parametrize("index", ["not json", "", json.dumps({"version": 1, "runs": {}}),
                                   json.dumps({"version": collect.INDEX_VERSION, "runs": {"AL": {}}}),
                                   json.dumps({"cache": "collect-index", "version": collect.INDEX_VERSION}) +
                                   '\n["AL", {"key": [], "run": {"id": "AL"}}]\n["AL", {"key"\n'])
def test_an_index_that_is_corrupt_or_from_another_version_is_ignored(output, summarized, index):
    finish(output, "AL")
    (output / collect.INDEX).write_text(index)
    assert collect.runs(output, make_plan("AL"))[0].ok
    assert summarized == ["AL"]
    header = json.loads((output / collect.INDEX).read_text().splitlines()[0])
    assert header == {"cache": "collect-index", "version": collect.INDEX_VERSION}


@pytest.mark.parametrize("index", ["null", "[1, 2]", '{"version": 2, "runs": []}'])
def test_an_index_that_is_json_but_not_an_object_is_ignored(output, index):
    finish(output, "AL")
    (output / collect.INDEX).write_text(index)
    assert collect.runs(output, make_plan("AL"))[0].ok


def test_without_the_index_every_run_is_read_and_no_index_is_written(output, summarized):
    finish(output, "AL")
    plan = make_plan("AL")
    collect.runs(output, plan, use_index=False)
    collect.runs(output, plan, use_index=False)
    assert summarized == ["AL", "AL"] and not (output / collect.INDEX).exists()


def test_an_output_folder_that_cannot_hold_the_index_still_collects(output):
    finish(output, "AL")
    (output / collect.INDEX).mkdir()
    assert collect.runs(output, make_plan("AL"))[0].ok


def test_a_running_run_is_never_kept_in_the_index_and_is_read_again(output, summarized):
    status.write(output, "AL", {"status": "running", "job": "AL", "identity": "id-AL", "host": "elsewhere",
                                "pid": 1, "sweep": SWEEP})
    collect.runs(output, make_plan("AL"))
    collect.runs(output, make_plan("AL"))
    assert summarized == ["AL", "AL"]
    index = output / collect.INDEX
    assert cachefile.load(index, "collect-index", collect.INDEX_VERSION) == {}


def test_a_pending_run_is_never_kept_in_the_index(output, summarized):
    (output / "todo.txt").write_text("AL\n")
    [run] = collect.runs(output, make_plan("AL"))
    collect.runs(output, make_plan("AL"))
    # no files: made from the template (collect/bare.py) each time, never read from the index
    assert run.state == "pending" and summarized == []
    assert cachefile.load(output / collect.INDEX, "collect-index", collect.INDEX_VERSION) == {}


def test_a_running_run_shows_how_far_its_saved_notebook_got(output):
    status.write(output, "AL", {"status": "running", "job": "AL", "identity": "id-AL", "host": "elsewhere",
                                "pid": 1, "sweep": SWEEP})
    partial = {"cells": [], "metadata": {"jupyterstream": {"execution": {"cell": 7, "cells": 12}}}}
    save(partial, output / "runs" / ".AL.partial.ipynb")
    [run] = collect.runs(output, make_plan("AL"))
    assert run.state == "running" and run.progress == {"cell": 7, "cells": 12}


@pytest.mark.parametrize("partial", ["{not json", json.dumps({"metadata": {"jupyterstream": {"execution": {"cell": "7"}}}})])
def test_a_running_run_whose_saved_notebook_says_nothing_usable_has_no_progress(output, partial):
    status.write(output, "AL", {"status": "running", "job": "AL", "identity": "id-AL", "host": "elsewhere",
                                "pid": 1, "sweep": SWEEP})
    (output / "runs" / ".AL.partial.ipynb").write_text(partial)
    [run] = collect.runs(output, make_plan("AL"))
    assert run.state == "running" and run.progress == {}


def test_each_run_s_file_identity_is_handed_out_for_the_report_s_caches(output):
    finish(output, "AL")
    keys = {}
    collect.runs(output, make_plan("AL"), keys=keys)
    again = {}
    collect.runs(output, make_plan("AL"), keys=again)
    assert list(keys) == ["AL"] and keys == again
    finish(output, "AL", duration=9.0)
    changed = {}
    collect.runs(output, make_plan("AL"), keys=changed)
    assert changed != keys


# --- the report over two collects -------------------------------------------------------------


def test_a_rerun_job_gets_a_new_thumbnail(output, monkeypatch):
    import base64

    import nbformat

    from jupyterstream.report.figures import gallery
    from jupyterstream.report import write as report

    def tile():
        master = nbformat.read(output / "master.ipynb", as_version=4)
        return next(c for c in master.cells if c.id == "gallery").outputs[0]["data"]["text/html"]

    monkeypatch.setattr(gallery, "FULL_LIMIT", 0)
    (output / "plan.json").write_text(json.dumps(make_plan("AL")))
    finish(output, "AL", figures={1: [("image/png", png(colour=(255, 0, 0)))]})
    report.collect(output, html=False)
    old = tile()
    new_image = png(colour=(0, 0, 255))
    finish(output, "AL", figures={1: [("image/png", new_image)]})
    report.collect(output, html=False)
    assert tile() != old
    assert gallery.fingerprint("image/png", new_image) in tile()
    full = output / "figures" / f"{gallery.fingerprint('image/png', new_image)}.png"
    assert full.read_bytes() == base64.b64decode(new_image)


# --- what the index never keeps, and what collect sees for itself --------------------------------


def test_the_index_keeps_no_state_that_depends_on_a_live_process(output, summarized):
    import os
    import socket

    finish(output, "AL")
    status.write(output, "CA", {"status": "running", "job": "CA", "identity": "id-CA", "sweep": SWEEP,
                                "host": socket.gethostname(), "pid": os.getpid()})  # not a run-one: gone
    (output / "todo.txt").write_text("TX\n")
    plan = make_plan("AL", "CA", "TX", "NY")
    assert [r.state for r in collect.runs(output, plan)] == ["ok", "killed", "pending", "missing"]
    from jupyterstream.collect import cachefile

    index = cachefile.load(output / collect.INDEX, "collect-index", collect.INDEX_VERSION)
    assert list(index) == ["AL"]
    summarized.clear()
    assert [r.state for r in collect.runs(output, plan)] == ["ok", "killed", "pending", "missing"]
    assert summarized == ["CA"]  # TX and NY have no files: decided again from the listing (collect/bare.py)


def test_a_queued_job_is_pending_while_the_sweep_lock_is_held_and_missing_once_it_is_free(output):
    import fcntl

    (output / "todo.txt").write_text("AL\n")
    plan = make_plan("AL")
    with open(output / ".sweep.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert collect.runs(output, plan)[0].state == "pending"
    assert collect.runs(output, plan)[0].state == "missing"


def test_collect_shows_results_of_an_edited_notebook_as_stale_and_current_again_once_it_is_undone(output):
    from jupyterstream.notebook.params import read_notebook
    from jupyterstream.launch.plan import notebook_hash

    from ..helpers import notebook

    finish(output, "AL")
    source = save(notebook("state = 'CA'\n", "print(state)"), output / "nb.ipynb")
    plan = dict(make_plan("AL"), notebook=str(source), notebook_sha256=notebook_hash(read_notebook(source)))
    assert collect.runs(output, plan)[0].state == "ok"
    save(notebook("state = 'CA'\n", "print(state * 2)"), source)
    run = collect.runs(output, plan)[0]
    assert run.state == "stale" and "notebook changed" in run.message
    save(notebook("state = 'CA'\n", "print(state)"), source)
    assert collect.runs(output, plan)[0].state == "ok"


def test_a_run_keeps_the_values_its_kernel_received_from_the_plan(output):
    finish(output, "AL")
    plan = make_plan("AL")
    plan["jobs"][0]["values"] = {"state": "AL", "verbose": True}
    assert collect.runs(output, plan)[0].values == {"state": "AL", "verbose": True}


def test_runs_csv_says_which_kernel_each_run_had_warm_or_cold_and_why(output):
    import csv
    import io

    from jupyterstream.report import write as report

    finish(output, "AL", kernel="warm")
    finish(output, "CA", kernel="cold (the template has 2 threads)")
    finish(output, "TX")
    rows = {row["job"]: row for row in csv.DictReader(io.StringIO(report.runs_csv(collect.runs(output, make_plan("AL", "CA", "TX")))))}
    assert [rows[j]["kernel"] for j in ("AL", "CA", "TX")] == ["warm", "cold (the template has 2 threads)", ""]
