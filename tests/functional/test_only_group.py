"""ONLY_GROUP: each failure group has a short key in the summary and the report, and --only-group KEY
runs exactly that group's values again; an unknown key is a named error that lists the keys there are."""

import json

from support import NOTEBOOKS, read_status, run_cli

NOTEBOOK = NOTEBOOKS / "groups.ipynb"
VALUES = ("key1", "value1", "key2", "ok1")


def sweep(values, output, *options):
    """Run the groups notebook over ``values`` (its ``kind``)."""
    return run_cli("run", NOTEBOOK, values, "--param", "kind", "--output", output, "--jobs", 2, *options)


def sweeps(output):
    """{job: the sweep its status record is of}."""
    return {job: read_status(output, job)["sweep"] for job in VALUES}


def test_only_group_runs_exactly_the_values_of_that_group_again(values, tmp_path):
    out = tmp_path / "out"
    first = sweep(values(*VALUES), out)
    assert "cell-error/KeyError/cell-3" in first.stderr and "cell-error/ValueError/cell-3" in first.stderr
    html = (out / "report.html").read_text()
    assert "ONLY_GROUP=cell-error/KeyError/cell-3" in html and "ONLY_GROUP=cell-error/ValueError/cell-3" in html
    before = sweeps(out)
    shown = run_cli("preview", NOTEBOOK, tmp_path / "values.txt", "--param", "kind", "--output", out,
                    "--only-group", "cell-error/KeyError/cell-3")
    assert "# 4 jobs planned, 2 chosen, 2 to run (0 already ok)" in shown.stdout, shown.stdout + shown.stderr
    assert sweeps(out) == before

    again = sweep(tmp_path / "values.txt", out, "--only-group", "cell-error/KeyError/cell-3")
    assert again.returncode == 1, again.stderr
    assert "4 jobs, 2 to run" in again.stderr
    after = sweeps(out)
    assert {job for job in VALUES if after[job] != before[job]} == {"key1", "key2"}


def test_an_unknown_group_key_is_a_named_error_listing_the_keys_there_are(values, tmp_path):
    out = tmp_path / "out"
    sweep(values(*VALUES), out)
    before = sweeps(out)
    result = sweep(tmp_path / "values.txt", out, "--only-group", "cell-error/KeyError/cell-9")
    assert result.returncode == 2, result.stderr
    assert "ONLY_GROUP: 'cell-error/KeyError/cell-9' names no failure group" in result.stderr
    assert "cell-error/KeyError/cell-3 (cell error: KeyError at cell 3 (2 runs))" in result.stderr
    assert "cell-error/ValueError/cell-3" in result.stderr and "Traceback" not in result.stderr
    assert sweeps(out) == before


def test_only_group_before_any_sweep_says_there_are_no_groups_yet(values, tmp_path):
    result = sweep(values("key1"), tmp_path / "out", "--only-group", "cell-error/KeyError/cell-3")
    assert result.returncode == 2 and "lists none" in result.stderr, result.stderr
    assert not (tmp_path / "out" / "status").exists()


def test_the_groups_file_lists_every_run_of_each_group(values, tmp_path):
    out = tmp_path / "out"
    sweep(values(*VALUES), out)
    groups = json.loads((out / "groups.json").read_text())["groups"]
    assert [(g["key"], g["runs"]) for g in groups] == [("cell-error/KeyError/cell-3", ["key1", "key2"]),
                                                         ("cell-error/ValueError/cell-3", ["value1"])]


def test_after_the_notebook_is_fixed_only_group_still_finds_the_group_the_last_collect_showed(values, tmp_path):
    notebook = tmp_path / "groups.ipynb"
    notebook.write_text(NOTEBOOK.read_text())
    out = tmp_path / "out"
    run_cli("run", notebook, values(*VALUES), "--param", "kind", "--output", out, "--jobs", 2)
    before = sweeps(out)
    nb = json.loads(notebook.read_text())
    nb["cells"][2]["source"] = ["if kind.startswith('value'):\n", "    raise ValueError(kind)"]  # no more KeyError
    notebook.write_text(json.dumps(nb))
    again = run_cli("run", notebook, tmp_path / "values.txt", "--param", "kind", "--output", out, "--jobs", 2,
                    "--only-group", "cell-error/KeyError/cell-3")
    after = sweeps(out)
    assert {job for job in VALUES if after[job] != before[job]} == {"key1", "key2"}, again.stderr
    assert read_status(out, "key1")["status"] == read_status(out, "key2")["status"] == "ok"
