"""FAIL_FAST: real kernels and real GNU parallel. Once N runs failed in one failure group no new job
starts, the rest stay missing for the next run, and failures of different groups do not count together."""

import csv
import json

import pytest

import jupyterstream
from jupyterstream.errors import ArgumentError

from support import NOTEBOOKS, run_cli

NOTEBOOK = NOTEBOOKS / "groups.ipynb"
KEY_ERROR = "cell-error/KeyError/cell-3"


def sweep(values, output, *options):
    """Run the groups notebook over ``values`` (its ``kind``) with one job slot."""
    return run_cli("run", NOTEBOOK, values, "--param", "kind", "--output", output, "--jobs", 1, *options)


def statuses(output):
    """{job: status} from runs.csv."""
    with open(output / "runs.csv", newline="") as handle:
        return {row["job"]: row["status"] for row in csv.DictReader(handle)}


def ran(output):
    """The jobs that have a status record (that started)."""
    return sorted(p.stem for p in (output / "status").glob("*.json"))


def test_twelve_runs_failing_the_same_way_stop_after_three_or_four_and_the_next_run_runs_the_rest(values, tmp_path):
    names = [f"key{i}" for i in range(1, 13)]
    out = tmp_path / "out"
    first = sweep(values(*names), out, "--fail-fast", 3)
    assert first.returncode == 1, first.stderr
    assert 3 <= len(ran(out)) <= 4, (ran(out), first.stderr)
    found = statuses(out)
    assert {found[n] for n in ran(out)} == {"cell-error"}
    assert {found[n] for n in names if n not in ran(out)} == {"missing"}
    assert f"3 runs failed as {KEY_ERROR}" in first.stderr and "stopped early" in first.stderr
    assert "stopped early (FAIL_FAST=3)" in (out / "report.html").read_text()
    note = json.loads((out / "fail-fast.json").read_text())
    assert (note["group"], note["not_started"]) == (KEY_ERROR, 12 - len(ran(out)))

    again = sweep(tmp_path / "values.txt", out)
    assert ran(out) == sorted(names), again.stderr
    assert set(statuses(out).values()) == {"cell-error"}
    assert "stopped early" not in again.stderr and not (out / "fail-fast.json").exists()


def test_failures_of_different_groups_do_not_count_together(values, tmp_path):
    names = ["key1", "value1", "ok1", "ok2", "key2", "ok3", "ok4", "ok5", "ok6"]
    out = tmp_path / "out"
    result = sweep(values(*names), out, "--fail-fast", 2)
    started = ran(out)
    # key1 and value1 are one failure each of two groups: the sweep went on to key2, the second KeyError
    assert set(names[:5]) <= set(started), (started, result.stderr)
    assert len(set(started) - set(names[:5])) <= 1, started
    assert f"2 runs failed as {KEY_ERROR}" in result.stderr
    assert "cell-error/ValueError/cell-3" not in json.loads((out / "fail-fast.json").read_text())["group"]


def test_without_fail_fast_every_run_runs_whatever_fails(values, tmp_path):
    out = tmp_path / "out"
    result = sweep(values("key1", "key2", "key3", "ok1"), out)
    assert ran(out) == ["key1", "key2", "key3", "ok1"], result.stderr
    assert "stopped early" not in result.stderr


def test_a_fail_fast_of_zero_a_negative_or_a_word_is_refused_before_anything_runs(values, tmp_path):
    for bad in ("0", "-1", "three", "2.5"):
        out = tmp_path / f"out{bad}"
        result = sweep(values("key1"), out, "--fail-fast", bad)
        assert result.returncode == 2, result.stderr
        assert "FAIL_FAST" in result.stderr and "whole number of 1 or more" in result.stderr
        assert "Traceback" not in result.stderr and not out.exists()


def test_from_python_fail_fast_and_only_group_do_what_the_options_do(tmp_path):
    names = ["key1", "value1", "key2", "key3", "key4", "ok1"]
    out = tmp_path / "out"
    with pytest.raises(ArgumentError, match="^fail_fast: 0 cannot be used"):
        jupyterstream.run(NOTEBOOK, names, param="kind", output=out, fail_fast=0, progress=False)
    assert not out.exists()
    result = jupyterstream.run(NOTEBOOK, names, param="kind", output=out, jobs=1, fail_fast=2, progress=False)
    assert result.status == 1 and 3 <= len(ran(out)) <= 4 and "ok1" not in ran(out)
    again = jupyterstream.run(NOTEBOOK, names, param="kind", output=out, jobs=1, progress=False,
                              only_group="cell-error/ValueError/cell-3")
    assert again.status == 1 and len(ran(out)) <= 4
    with pytest.raises(ArgumentError, match="names no failure group"):
        jupyterstream.run(NOTEBOOK, names, param="kind", output=out, only_group="nope", progress=False)
