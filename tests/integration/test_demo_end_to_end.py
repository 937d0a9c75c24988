"""The demo as a new user meets it: `make run` over all 51 states, then the report."""

import csv
import re
import subprocess

import nbformat
import pytest

from support import REPO, read_status

pytestmark = pytest.mark.slow


def make(*args, timeout=900):
    """Run make in the repo root; return the CompletedProcess."""
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    output = tmp_path_factory.mktemp("demo") / "output"
    result = make("run", f"OUTPUT={output}")
    return output, result


def test_make_run_runs_all_51_states_ok(demo):
    output, result = demo
    assert result.returncode == 0, result.stdout + result.stderr
    assert "51 runs: 51 ok" in result.stderr
    assert all(read_status(output, p.stem)["status"] == "ok" for p in (output / "status").glob("*.json"))


def test_the_report_has_every_state_metrics_and_figure(demo):
    output, _ = demo
    with open(output / "metrics.csv", newline="") as handle:
        rows = {r["params.state"]: r for r in csv.DictReader(handle)}
    assert len(rows) == 51
    assert rows["CA"]["metrics.first_year"] == "1968" and rows["CA"]["metrics.last_year"] == "2004"
    assert 0 < float(rows["DC"]["metrics.share_of_us_pct"]) < float(rows["CA"]["metrics.share_of_us_pct"])
    assert abs(sum(float(r["metrics.share_of_us_pct"]) for r in rows.values()) - 100) < 0.5
    html = (output / "report.html").read_text()
    assert len(re.findall(r"<img [^>]*src=['\"]data:image/png;base64,", html)) == 51
    master = nbformat.read(output / "master.ipynb", as_version=4)
    nbformat.validate(master)


def test_a_second_make_run_executes_nothing_and_collects_again(demo):
    output, _ = demo
    before = (output / "joblog.tsv").read_text()
    again = make("run", f"OUTPUT={output}")
    assert again.returncode == 0 and "51 jobs, 0 to run (51 already ok: kept)" in again.stderr
    assert (output / "joblog.tsv").read_text() == before
