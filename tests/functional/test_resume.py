"""A second run re-executes only what is not ok: missing, failed, or made with other inputs."""

import json

from support import NOTEBOOKS, read_status, run_cli


def counts(counter_dir):
    """How many times each value's notebook executed."""
    return {p.stem: len(p.read_text()) for p in counter_dir.glob("*.count")}


def faults_table(path, counter_dir, *faults):
    path.write_text("fault,counter_dir\n" + "".join(f"{f},{counter_dir}\n" for f in faults))
    return path


def test_a_second_run_executes_only_the_failed_runs(tmp_path):
    counter = tmp_path / "counts"
    counter.mkdir()
    (counter / "fail-flag").touch()
    table = faults_table(tmp_path / "v.csv", counter, "ok", "flag")
    output = tmp_path / "out"
    first = run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output)
    assert first.returncode == 1
    flag_id = [j["id"] for j in json.loads((output / "plan.json").read_text())["jobs"] if j["texts"]["fault"] == "flag"][0]
    assert read_status(output, flag_id)["status"] == "cell-error"
    (counter / "fail-flag").unlink()
    second = run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output)
    assert second.returncode == 0, second.stderr
    assert "2 jobs, 1 to run (1 already ok: kept)" in second.stderr
    assert counts(counter) == {"ok": 1, "flag": 2}
    third = run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output)
    assert third.returncode == 0 and "0 to run" in third.stderr
    assert counts(counter) == {"ok": 1, "flag": 2}


def test_reordering_and_adding_values_runs_exactly_the_new_ones(tmp_path):
    counter = tmp_path / "counts"
    counter.mkdir()
    output = tmp_path / "out"
    run_cli("run", NOTEBOOKS / "faults.ipynb", faults_table(tmp_path / "a.csv", counter, "ok", "exit2"), "-o", output)
    table = faults_table(tmp_path / "b.csv", counter, "new", "exit2", "ok")
    result = run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output)
    assert result.returncode == 0, result.stderr
    assert counts(counter) == {"ok": 1, "exit2": 1, "new": 1}


def test_a_changed_notebook_marks_old_results_stale_and_reruns_them(tmp_path, values):
    nb = json.loads((NOTEBOOKS / "echo.ipynb").read_text())
    path = tmp_path / "echo.ipynb"
    path.write_text(json.dumps(nb))
    output = tmp_path / "out"
    assert run_cli("run", path, values("AL"), "-o", output).returncode == 0
    started = read_status(output, "AL")["started"]
    nb["cells"][-1]["source"] = "print('changed')"
    path.write_text(json.dumps(nb))
    collected = run_cli("collect", output)
    assert collected.returncode == 1 and "1 runs: 1 stale" in collected.stderr  # collect alone sees the edit
    rerun = run_cli("run", path, values("AL"), "-o", output)
    assert rerun.returncode == 0 and "1 to run" in rerun.stderr
    assert read_status(output, "AL")["started"] > started


def test_a_changed_notebook_shows_old_results_as_stale_in_the_report(tmp_path, values):
    nb = json.loads((NOTEBOOKS / "echo.ipynb").read_text())
    path = tmp_path / "echo.ipynb"
    path.write_text(json.dumps(nb))
    output = tmp_path / "out"
    assert run_cli("run", path, values("AL"), "-o", output).returncode == 0
    nb["cells"][-1]["source"] = "print('changed')"
    path.write_text(json.dumps(nb))
    assert run_cli("plan", path, values("AL"), "-o", output).stdout == "AL\n"
    collected = run_cli("collect", output)
    assert collected.returncode == 1 and "1 stale" in collected.stderr


def test_only_runs_one_value_and_keeps_the_whole_plan(tmp_path, values):
    output = tmp_path / "out"
    result = run_cli("run", NOTEBOOKS / "echo.ipynb", values("AL", "DC", "CA"), "-o", output, "--only", "DC")
    assert result.returncode == 0, result.stderr
    assert sorted(p.stem for p in (output / "runs").glob("*.ipynb")) == ["DC"]
    assert "3 runs: 1 ok, 2 missing" in result.stderr


def test_rerun_ok_runs_every_ok_value_again_once(tmp_path):
    counter = tmp_path / "counts"
    counter.mkdir()
    table = faults_table(tmp_path / "v.csv", counter, "ok", "new")
    output = tmp_path / "out"
    assert run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output).returncode == 0
    again = run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output, "--rerun-ok")
    assert again.returncode == 0, again.stderr
    assert "already-ok" not in again.stdout + again.stderr  # the ok values were not stepped over
    assert counts(counter) == {"ok": 2, "new": 2}
    plain = run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output)
    assert plain.returncode == 0 and "0 to run" in plain.stderr
    assert counts(counter) == {"ok": 2, "new": 2}
