"""A value never runs twice at once, however its jobs are launched or killed: each job (run-one)
takes its value's lock for its whole life and looks at the value's result under it. Real `make run`,
the README's own pipeline, GNU parallel, kernels; the counting notebook logs every start and end of
a value outside OUTPUT, and says OVERLAP when a run starts while another run of its value is alive."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from counting import NOTEBOOK, env, events, make_run, runs_of, start_readme_pipeline
from faultkit import Cli, describe, run_tagged, status_of, tagged_pids, wait_until_gone
from jupyterstream.report.write import collect
from support import REPO

VALUES = ["a", "b", "c", "d"]


def values_file(tmp_path, values=VALUES):
    path = tmp_path / "values.csv"
    path.write_text("value\n" + "".join(f"{v}\n" for v in values))
    return path


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def run_ones(tag):
    """Pids of the tagged run-one processes alive now."""
    found = []
    for pid in tagged_pids(tag):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if len(argv) > 1 and argv[1].endswith(b"run-one"):
                found.append(pid)
        except OSError:
            continue
    return found


def assert_each_ran_ok_exactly_once(count_dir, output, values=VALUES):
    ran = {v: runs_of(lines) for v, lines in events(count_dir).items()}
    assert ran == {v: (1, 1, 0) for v in values}, f"(starts, ends, overlaps) per value: {ran}"
    states = {r.id: r.state for r in collect(output, html=False)}
    assert states == {v: "ok" for v in values}, states


def test_the_readme_pipeline_and_a_run_3_s_later_start_no_value_twice(tmp_path, tag):
    """The README's direct pipeline takes no sweep lock; `make run` on the same OUTPUT 3 s later
    plans the values the pipeline is running. Their jobs wait for them and step aside."""
    counts, output = tmp_path / "counts", tmp_path / "out"
    counts.mkdir()
    environment = env(tag, counts, 3)
    table = values_file(tmp_path)
    pipeline = start_readme_pipeline(table, output, environment, tmp_path / "logs")
    time.sleep(3)
    second = make_run(table, output, environment, tmp_path / "logs")
    assert second.wait(timeout=240) == 0, (tmp_path / "logs" / "make.err").read_text()
    assert pipeline.wait(timeout=240) == 0, (tmp_path / "logs" / "readme.err").read_text()
    assert_each_ran_ok_exactly_once(counts, output)
    said = (tmp_path / "logs" / "make.out").read_text()
    assert "already-ok" in said, said


def test_a_value_whose_run_one_was_sigkilled_is_not_run_beside_its_orphans(tmp_path, tag):
    """SIGKILL of one job's run-one mid-cell: its nbconvert dies with it (a parent-death signal),
    and the next job of the value ends the orphaned kernel before it starts the value again."""
    counts, output = tmp_path / "counts", tmp_path / "out"
    counts.mkdir()
    table = values_file(tmp_path, ["a"])
    args = ["run", NOTEBOOK, table, "--output", output, "--jobs", 1]
    cli = Cli(args, tag, tmp_path / "logs", env=env(tag, counts, 8))
    wait_for(lambda: (counts / "a.log").exists(), 90, "the value to start")
    # The partial notebook is saved before each cell; under load the count may show before the save.
    wait_for(lambda: running_cell(output) == (4, 5), 20, "the partial notebook to say: running cell 4 of 5")
    os.kill(status_of(output, "a")["pid"], signal.SIGKILL)
    assert cli.wait(60) == 1, cli.stderr
    code, _, err = run_tagged(args, tag, tmp_path / "logs", timeout=120, env=env(tag, counts, 0), name="again")
    assert code == 0, err
    lines = events(counts)["a"]
    assert runs_of(lines) == (2, 1, 0), lines
    assert lines[-1].split()[1] == lines[-2].split()[1], f"the end is the new run's own: {lines}"
    assert not wait_until_gone(tag, timeout=5), describe(wait_until_gone(tag, 0))


def test_after_kill_9_of_the_whole_make_run_the_next_make_run_finishes_the_sweep(tmp_path, tag):
    """kill -9 of make's process group (make, the CLI, parallel): the jobs in flight run on as
    orphans. The next `make run` is not refused: its jobs wait for them, run the rest, collect."""
    counts, output = tmp_path / "counts", tmp_path / "out"
    counts.mkdir()
    environment = env(tag, counts, 4)
    table = values_file(tmp_path)
    first = make_run(table, output, environment, tmp_path / "logs", name="first")
    wait_for(lambda: len(events(counts)) >= 2, 120, "two values to start")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert wait_until_gone(tag, timeout=0), "the jobs in flight are expected to outlive the sweep"
    again = make_run(table, output, environment, tmp_path / "logs", name="again")
    assert again.wait(timeout=240) == 0, (tmp_path / "logs" / "again.err").read_text()
    assert_each_ran_ok_exactly_once(counts, output)
    left = wait_until_gone(tag, timeout=10)
    assert not left, describe(left)


def test_an_output_folder_whose_name_starts_with_a_dash_runs_every_job(tmp_path, tag):
    """`make run OUTPUT=-dash`, then `make collect OUTPUT=-dash`: no command may read it as an option."""
    name = f"-dash-{tag}"
    counts = tmp_path / "counts"
    counts.mkdir()
    try:
        run = make_run(values_file(tmp_path, ["a", "b"]), name, env(tag, counts, 0), tmp_path / "logs")
        assert run.wait(timeout=180) == 0, (tmp_path / "logs" / "make.err").read_text()
        assert_each_ran_ok_exactly_once(counts, REPO / name, ["a", "b"])
        (REPO / name / "report.html").unlink()
        again = subprocess.run(["make", "--no-print-directory", "collect", f"OUTPUT={name}"], cwd=REPO,
                               capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and (REPO / name / "report.html").exists(), again.stderr
    finally:
        shutil.rmtree(REPO / name, ignore_errors=True)


def test_a_second_cli_sweep_of_the_same_output_is_refused_while_the_first_runs(tmp_path, tag):
    """Two `jupyterstream run` of one OUTPUT at once would restage each other's inputs: the second is
    refused up front (exit 3, naming the folder), and the first runs every value once."""
    counts, output = tmp_path / "counts", tmp_path / "out"
    counts.mkdir()
    table = values_file(tmp_path, ["a", "b"])
    args = ["run", NOTEBOOK, table, "--output", output, "--jobs", 2]
    first = Cli(args, tag, tmp_path / "logs", env=env(tag, counts, 3))
    wait_for(lambda: events(counts), 90, "a value to start")
    code, _, err = run_tagged(args, tag, tmp_path / "logs", timeout=60, env=env(tag, counts, 3), name="second")
    assert code == 3 and f"{output}: another sweep is running here" in err, err
    assert first.wait(120) == 0, first.stderr
    assert_each_ran_ok_exactly_once(counts, output, ["a", "b"])


def test_a_waiting_job_killed_leaves_the_running_value_running(tmp_path, tag):
    """The README's pipeline launched on a value that a sweep is running: its job waits for the
    value's lock. SIGKILL of that waiting job (parallel logs it, signal 9) must not make the
    collector call the first job, still running, killed; then the first job's result stands."""
    counts, output = tmp_path / "counts", tmp_path / "out"
    counts.mkdir()
    table = values_file(tmp_path, ["a"])
    first = Cli(["run", NOTEBOOK, table, "--output", output, "--jobs", 1], tag, tmp_path / "logs",
                env=env(tag, counts, 15), name="first")
    wait_for(lambda: (counts / "a.log").exists(), 90, "the value to start")
    second = start_readme_pipeline(table, output, env(tag, counts, 15), tmp_path / "logs")
    wait_for(lambda: len(run_ones(tag)) == 2, 60, "the pipeline's job to wait for the value's lock")
    holder = status_of(output, "a")["pid"]
    waiter = [pid for pid in run_ones(tag) if pid != holder]
    os.kill(waiter[0], signal.SIGKILL)
    second.wait(timeout=60)
    assert "\ta" in (output / "joblog.tsv").read_text() or " a " in (output / "joblog.tsv").read_text()
    states = {r.id: (r.state, r.message) for r in collect(output, html=False)}
    assert states["a"][0] == "running", states
    assert first.wait(120) == 0, first.stderr
    assert_each_ran_ok_exactly_once(counts, output, ["a"])


def running_cell(output):
    """(cell, cells) the run's partial notebook says it is running, or None while it cannot be read."""
    try:
        progress = json.loads((output / "runs" / ".a.partial.ipynb").read_text())["metadata"]["jupyterstream"]
    except (OSError, ValueError, KeyError):
        return None
    return progress["execution"]["cell"], progress["execution"]["cells"]
