"""Promise: through make, the exit codes of docs/cli.md stay visible. GNU make exits 2 whenever a recipe
fails, so a failed run and bad input would look the same; the line `jupyterstream: exit N (meaning)`
printed just before make's own error tells them apart. No kernel: the collector fixture holds
committed, already executed runs (some failed)."""

import shutil
import subprocess

from support import REPO

COLLECTED = REPO / "tests" / "data" / "collected"


def make(*args):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def test_make_collect_of_failed_runs_exits_2_and_says_the_clis_exit_1_and_what_it_means(tmp_path):
    output = tmp_path / "out"
    shutil.copytree(COLLECTED, output)
    result = make("collect", f"OUTPUT={output}")
    assert result.returncode == 2, result.stderr
    assert "jupyterstream: exit 1 (some runs are not ok: see the summary above and report.html)" in result.stderr


def test_make_run_with_bad_input_exits_2_and_says_the_clis_exit_2_and_what_it_means(tmp_path):
    result = make("run", f"VALUES={tmp_path / 'no-such-values.txt'}", f"OUTPUT={tmp_path / 'out'}")
    assert result.returncode == 2, result.stderr
    assert "no such file" in result.stderr.lower() or "not found" in result.stderr.lower() or \
        "does not exist" in result.stderr.lower(), result.stderr
    assert "jupyterstream: exit 2 (bad input: the message above names the file, line or parameter)" in result.stderr


def test_make_run_with_an_unusable_output_says_the_clis_exit_3(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = make("run", "VALUES=states.txt", f"OUTPUT={blocker / 'out'}")
    assert result.returncode == 2, result.stderr
    assert "jupyterstream: exit 3 (" in result.stderr, result.stderr
