"""Each run's peak memory and CPU seconds, warm and cold, in the status record, runs.csv and
jupyterstream.load; MEMORY_LIMIT caps each run, and a run over it says so while the others go on."""

import csv
import subprocess

import pytest

import jupyterstream
from jupyterstream.errors import ArgumentError
from support import CLI, REPO, read_status, write_lines
from memorykit import memory_notebook

LIMIT = "1500MB"


@pytest.fixture(scope="module", params=["--warm-kernels", "--cold-kernels"])
def sweep(request, tmp_path_factory):
    """One sweep of three runs: 1 MB, 300 MB, and 4000 MB (over MEMORY_LIMIT)."""
    tmp = tmp_path_factory.mktemp("resources")
    notebook = memory_notebook(tmp / "memory.ipynb")
    values = write_lines(tmp / "values.txt", 1, 300, 4000)
    result = subprocess.run([str(CLI), "run", str(notebook), str(values), "--param", "mb", "--output", str(tmp / "out"),
                             "--jobs", "2", "--memory-limit", LIMIT, request.param], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    return tmp / "out", result


def test_a_run_keeping_300_mb_shows_about_300_mb_more_peak_memory_than_one_keeping_1_mb(sweep):
    output, result = sweep
    small, big = read_status(output, "1"), read_status(output, "300")
    assert (small["status"], big["status"]) == ("ok", "ok"), result.stderr
    assert 250 < big["max_rss_mb"] - small["max_rss_mb"] < 400, (small, big)
    assert 0 < small["cpu_s"] < big["cpu_s"]


def test_runs_csv_and_load_carry_each_runs_peak_memory_and_cpu_seconds(sweep):
    output, _ = sweep
    with (output / "runs.csv").open() as handle:
        rows = {row["job"]: row for row in csv.DictReader(handle)}
    assert float(rows["300"]["max_rss_mb"]) == read_status(output, "300")["max_rss_mb"]
    assert float(rows["1"]["cpu_s"]) == read_status(output, "1")["cpu_s"]
    frame = jupyterstream.load(output)
    assert frame.loc["300", "max_rss_mb"] - frame.loc["1", "max_rss_mb"] > 250
    assert frame["cpu_s"].dtype.kind == "f"


def test_the_status_record_keeps_each_code_cells_time_cpu_and_memory_growth(sweep):
    output, _ = sweep
    cells = {c["cell"]: c for c in read_status(output, "300")["cells"]}
    assert sorted(cells) == [0, 1, 2, 3]
    assert cells[2]["grew_mb"] > 250 and cells[1]["grew_mb"] < 50
    assert cells[2]["cpu_s"] >= 0 and cells[2]["seconds"] > 0


def test_a_run_over_memory_limit_fails_saying_so_and_the_others_are_untouched(sweep):
    output, result = sweep
    record = read_status(output, "4000")
    assert (record["status"], record["ename"], record["cell_index"]) == ("cell-error", "MemoryError", 2), record
    assert record["message"].startswith("over MEMORY_LIMIT of 1.5 GB while cell 2 ran"), record
    assert [read_status(output, v)["status"] for v in ("1", "300")] == ["ok", "ok"]
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_a_memory_limit_that_is_not_a_size_is_refused_before_anything_runs(tmp_path):
    notebook = memory_notebook(tmp_path / "memory.ipynb")
    result = subprocess.run([str(CLI), "run", str(notebook), "--param", "mb", "--output", str(tmp_path / "out"),
                             "--memory-limit", "lots", "--", ":::", "1"], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert "--memory-limit" in result.stderr and "'lots' is not a size" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
    with pytest.raises(ArgumentError, match="memory_limit: 'lots' is not a size"):
        jupyterstream.run(notebook, [1], param="mb", output=tmp_path / "api", memory_limit="lots", progress=False)
    assert not (tmp_path / "api").exists()

