"""history.py: each collect keeps every run's status, metrics and figure hashes a sweep at a time, and
compares the runs the newest sweep ran again with their results before."""

import json

from jupyterstream.collect import history
from jupyterstream.collect.runs import Run


def run(job, sweep, state="ok", metrics=None, figures=(), recorded=None):
    return Run(job, job, {}, state=state, metrics=dict(metrics or {}), sweep=sweep, recorded=recorded or state,
               figures=[{"cell": c, "index": 0, "mime": "image/png", "sha": s} for c, s in figures])


def collect(output, runs):
    recorder = history.Recorder(output)
    for one in runs:
        recorder.add(one)
    return recorder.finish()


def test_only_the_runs_of_the_newest_sweep_are_compared_and_only_what_differs_is_a_change(tmp_path):
    collect(tmp_path, [run("a", "S1", metrics={"m": 1.0, "k": 5}), run("b", "S1", metrics={"m": 2.0})])
    found = collect(tmp_path, [run("a", "S2", metrics={"m": 1.5, "k": 5}), run("b", "S1", metrics={"m": 2.0})])
    assert (found.sweep, found.since) == ("S2", "S1")
    assert found.metrics == [("a", "a", "m", 1.0, 1.5)] and found.status == [] and found.figures == []


def test_metrics_are_listed_largest_relative_change_first_and_nan_equals_nan(tmp_path):
    nan = float("nan")
    collect(tmp_path, [run("a", "S1", metrics={"m": 100.0, "n": nan}), run("b", "S1", metrics={"m": 1.0}),
                       run("c", "S1", metrics={"m": "low"})])
    found = collect(tmp_path, [run("a", "S2", metrics={"m": 110.0, "n": nan}), run("b", "S2", metrics={"m": 3.0}),
                               run("c", "S2", metrics={"m": "high"})])
    assert [(job, before, after) for job, _, _, before, after in found.metrics] == \
        [("b", 1.0, 3.0), ("a", 100.0, 110.0), ("c", "low", "high")]


def test_a_status_and_a_figure_that_changed_are_changes(tmp_path):
    collect(tmp_path, [run("a", "S1", "cell-error"), run("b", "S1", figures=[(3, "1" * 16)])])
    found = collect(tmp_path, [run("a", "S2"), run("b", "S2", figures=[(3, "2" * 16)])])
    assert found.status == [("a", "a", "cell-error", "ok")]
    assert found.figures == [("b", "b", 3, 0, ("image/png", "1" * 16), ("image/png", "2" * 16))]


def test_a_stale_result_is_kept_as_the_status_its_own_run_recorded(tmp_path):
    collect(tmp_path, [run("a", "S1", "ok", metrics={"m": 1})])
    collect(tmp_path, [run("a", "S1", "stale", metrics={"m": 1}, recorded="ok")])  # the notebook was edited
    found = collect(tmp_path, [run("a", "S2", metrics={"m": 1})])
    assert len(found) == 0


def test_runs_without_a_result_or_with_a_sweep_no_file_can_be_named_by_are_left_out(tmp_path):
    collect(tmp_path, [run("a", "S1"), run("b", "", "missing"), run("c", "../../x")])
    [line] = (tmp_path / "history" / "S1.jsonl").read_text().splitlines()
    assert json.loads(line)["job"] == "a"
    assert sorted(p.name for p in (tmp_path / "history").iterdir()) == ["S1.jsonl"]


def test_only_the_newest_files_are_kept(tmp_path):
    for n in range(history.KEEP + 3):
        collect(tmp_path, [run("a", f"S{n:03d}")])
    names = sorted(p.name for p in (tmp_path / "history").iterdir())
    assert len(names) == history.KEEP and names[-1] == f"S{history.KEEP + 2:03d}.jsonl"


def test_a_damaged_line_before_is_skipped_not_a_traceback(tmp_path):
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "S1.jsonl").write_text('{"job": "a", "figures": [1]}\nnot json\n{"job": "b", "status": "x"}\n')
    found = collect(tmp_path, [run("a", "S2"), run("b", "S2")])
    assert found.status == [("b", "b", "x", "ok")]
