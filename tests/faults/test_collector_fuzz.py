"""Promise 7: the collector under fuzz. A real finished output folder is copied, and its executed
notebooks and status records are truncated at random offsets, zero-filled (what a crash can
leave of a file whose data never reached the disk) or emptied -- seeded, so every case
reproduces. `report.collect` never raises; each damaged run is reported as corrupt (or
results-missing), every other run exactly as before. Leftover temporary files are ignored, and a
collect that is interrupted leaves the previous report in place."""

import csv
import io
import json
import os
import random
import shutil

import nbformat
import pytest

from faultkit import run_tagged
from jupyterstream.report import write as report
from jupyterstream.report.write import collect
from support import NOTEBOOKS, write_lines

EXPECTED = {"ok": "ok", "raise": "cell-error", "exit": "stopped-early", "die": "dead-kernel", "fine": "ok"}
SEEDS = range(120)


@pytest.fixture(scope="module")
def finished(tmp_path_factory, module_tag):
    """A real sweep's output: two ok runs and three that failed in different ways."""
    tmp = tmp_path_factory.mktemp("fuzz-base")
    output = tmp / "out"
    code, _, err = run_tagged(["run", NOTEBOOKS / "faults.ipynb", write_lines(tmp / "v.txt", *EXPECTED),
                               "--param", "fault", "--output", output, "--jobs", 2], module_tag, tmp / "logs")
    assert code == 1, err
    runs = collect(output, html=False)
    assert {r.id: r.state for r in runs} == EXPECTED
    return output, {r.id: r for r in runs}


def damage(path, rng):
    """Truncate, zero-fill or empty a file; never leave it as it was."""
    data = path.read_bytes()
    how = rng.choice(["truncate", "zero-fill", "empty"])
    if how == "truncate":
        # Stop short of the end: cutting only the final newline would leave valid JSON (and the
        # same record), which is not damage.
        path.write_bytes(data[:rng.randrange(0, len(data) - 1)])
    elif how == "zero-fill":
        path.write_bytes(b"\0" * len(data))
    else:
        path.write_bytes(b"")
    return how


def fuzz_case(base, folder, seed):
    """Copy the output and damage a random set of files; return {job: (what, how)}."""
    rng = random.Random(seed)
    output = folder / f"case-{seed}"
    shutil.copytree(base, output)
    damaged = {}
    for job in rng.sample(sorted(EXPECTED), rng.randint(1, len(EXPECTED))):
        what = rng.choice(["notebook", "record"])
        path = output / ("runs" if what == "notebook" else "status") / f"{job}.{'ipynb' if what == 'notebook' else 'json'}"
        damaged[job] = (what, damage(path, rng))
    return output, damaged


def test_damaged_results_and_records_are_reported_as_such_and_never_stop_the_collector(finished, tmp_path):
    base, before = finished
    problems = []
    for seed in SEEDS:
        output, damaged = fuzz_case(base, tmp_path, seed)
        try:
            runs = collect(output, html=seed % 40 == 0)
        except Exception as exc:  # noqa: BLE001 -- any exception is the finding
            problems.append(f"seed {seed} {damaged}: collect raised {type(exc).__name__}: {exc}")
            continue
        states = {r.id: r for r in runs}
        assert sorted(states) == sorted(EXPECTED)
        for job, run in states.items():
            if job not in damaged:
                if (run.state, run.metrics, run.failure) != (before[job].state, before[job].metrics,
                                                             before[job].failure):
                    problems.append(f"seed {seed}: undamaged {job} changed to {run.state}")
            elif damaged[job][0] == "record" and run.state != "corrupt":
                problems.append(f"seed {seed}: {job} with a {damaged[job][1]} record is {run.state}")
            elif damaged[job][0] == "notebook":
                if before[job].ok and run.state not in ("corrupt", "results-missing"):
                    problems.append(f"seed {seed}: ok {job} with a {damaged[job][1]} notebook is {run.state}")
                if not before[job].ok and (run.ok or "corrupt" not in run.message or run.notebook):
                    problems.append(f"seed {seed}: failed {job} with a {damaged[job][1]} notebook: "
                                    f"{run.state} {run.message!r} {run.notebook!r}")
        table = list(csv.DictReader(io.StringIO((output / "runs.csv").read_text())))
        assert sorted(r["job"] for r in table) == sorted(EXPECTED)
        assert {r["job"]: r["status"] for r in table} == {r.id: r.state for r in runs}
        if seed % 40 == 0:
            nbformat.validate(nbformat.read(output / "master.ipynb", as_version=4))
        shutil.rmtree(output)
    assert not problems, "\n".join(problems[:20])


def test_a_failed_run_whose_partial_notebook_is_damaged_is_reported_as_corrupt(finished, tmp_path):
    base, _ = finished
    output = tmp_path / "out"
    shutil.copytree(base, output)
    (output / "runs" / "raise.ipynb").write_bytes(b"")
    runs = {r.id: r for r in collect(output, html=False)}
    assert runs["raise"].state in ("corrupt", "results-missing"), (runs["raise"].state, runs["raise"].message)


WRONG_SHAPES = [
    pytest.param({"status": 7}, id="status-int"),
    pytest.param({"status": ["ok"]}, id="status-list"),
    pytest.param({"notebook": 5}, id="notebook-int"),
    pytest.param({"attempts": "3"}, id="attempts-str"),
    pytest.param({"duration": "slow"}, id="duration-str"),
    pytest.param({"status": "no-such-status"}, id="unknown-status"),
]


@pytest.mark.parametrize("change", WRONG_SHAPES)
def test_a_status_record_of_the_wrong_shape_is_reported_as_corrupt(finished, tmp_path, change):
    base, before = finished
    output = tmp_path / "out"
    shutil.copytree(base, output)
    path = output / "status" / "ok.json"
    path.write_text(json.dumps(dict(json.loads(path.read_text()), **change)))
    runs = {r.id: r for r in collect(output, html=False)}
    assert runs["ok"].state == "corrupt", (runs["ok"].state, runs["ok"].message)
    assert all(runs[j].state == before[j].state for j in EXPECTED if j != "ok")


def test_leftover_temporary_and_partial_files_are_never_read(finished, tmp_path):
    base, before = finished
    output = tmp_path / "out"
    shutil.copytree(base, output)
    litter = {
        "runs/.ok.partial.ipynb": "{ half a notebook",
        "runs/.raise.partial.ipynb.4242.tmp": "{",
        "runs/.fine.ipynb.abcd1234.tmp": json.dumps({"cells": [], "metadata": {}}),
        "runs/ok.ipynb.999.tmp": "",
        "status/.ok.json.123.tmp": json.dumps({"status": "cell-error", "job": "ok"}),
        "status/.fine.json.x1y2.tmp": '{"status": "ok", "job": "fi',
        "status/.raise.json": json.dumps({"status": "ok", "job": "raise"}),
        ".report.html.77.tmp": "<html>stale",
        ".master.ipynb.12.tmp": "{",
    }
    for name, text in litter.items():
        (output / name).write_text(text)
    runs = {r.id: r for r in collect(output)}
    assert {j: (r.state, r.metrics, r.failure) for j, r in runs.items()} == \
           {j: (r.state, r.metrics, r.failure) for j, r in before.items()}
    html = (output / "report.html").read_text()
    assert "half a notebook" not in html and ".partial" not in html and ".tmp" not in html
    assert all((output / name).exists() for name in litter)  # left alone, not deleted under a running sweep


@pytest.mark.parametrize("fault", [KeyboardInterrupt, MemoryError, OSError])
def test_an_interrupted_collect_leaves_the_previous_report_in_place(finished, tmp_path, monkeypatch, fault):
    base, _ = finished
    output = tmp_path / "out"
    shutil.copytree(base, output)
    collect(output)
    previous = (output / "report.html").read_bytes()
    (output / "status" / "ok.json").write_bytes(b"")  # something changed since

    def broken(master):
        raise fault("stopped while rendering the report")

    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(fault):
        collect(output)
    assert (output / "report.html").read_bytes() == previous
    assert [p.name for p in output.iterdir() if p.name.endswith(".tmp")] == []


def test_a_report_that_cannot_be_renamed_into_place_leaves_the_previous_one(finished, tmp_path, monkeypatch):
    """The last step of an atomic write fails (as on a filesystem that went read-only mid-way)."""
    base, _ = finished
    output = tmp_path / "out"
    shutil.copytree(base, output)
    collect(output)
    previous = (output / "report.html").read_bytes()
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if os.fspath(dst).endswith("report.html"):
            raise OSError(30, "Read-only file system")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Exception) as info:
        collect(output)
    assert "report.html" in str(info.value) and "Read-only file system" in str(info.value)
    assert (output / "report.html").read_bytes() == previous
    assert [p.name for p in output.iterdir() if p.name.endswith(".tmp")] == []
