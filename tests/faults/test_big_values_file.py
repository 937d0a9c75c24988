"""Promise 8 (what tests/unit/test_values.py and test_params.py do not cover yet): a values file
far bigger than usual previews quickly, and a values table with a field beyond the csv module's
default limit is read exactly, line numbers included."""

import csv
import time

import pytest

from faultkit import Cli, plan_jobs, run_tagged
from support import NOTEBOOKS

PREVIEW_SECONDS = 15  # measured: about 3.3 s (it was 8.5 minutes when every id went through parallel --dry-run)


@pytest.mark.slow
def test_a_100000_line_values_file_previews_quickly(tmp_path, tag):
    values = tmp_path / "values.txt"
    values.write_text("".join(f"v{i:06d}\n" for i in range(100_000)))
    started = time.monotonic()
    cli = Cli(["preview", NOTEBOOKS / "echo.ipynb", values, "--output", tmp_path / "out"], tag, tmp_path / "logs")
    code = cli.wait(PREVIEW_SECONDS)  # on timeout: every process it started is killed, and the test fails
    seconds = time.monotonic() - started
    assert code == 0, cli.stderr
    assert "100000 jobs planned, 100000 to run" in cli.stdout
    assert cli.stdout.count("bin/run-one") >= 1
    assert seconds < PREVIEW_SECONDS
    assert not (tmp_path / "out").exists(), "preview runs nothing and writes nothing"


def test_a_csv_field_of_200000_characters_is_read_exactly(tmp_path, tag):
    """Beyond the csv module's default field limit (131,072 characters)."""
    value = "x" * 100_000 + ",\n\"" + "\u00e9" * 99_997
    table = tmp_path / "values.csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["state"], ["AL"], [value], ["NY"]])
    code, out, err = run_tagged(["plan", NOTEBOOKS / "echo.ipynb", table, "--output", tmp_path / "out"], tag,
                                tmp_path / "logs")
    assert code == 0 and "Traceback" not in err, err
    jobs = plan_jobs(tmp_path / "out")
    assert [j["texts"]["state"] for j in jobs] == ["AL", value, "NY"]
    assert [j["line"] for j in jobs] == [2, 3, 5]
    assert len(out.split()) == 3
