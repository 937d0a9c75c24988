"""Promise 3: a sweep stopped at a random moment -- Ctrl-C, SIGTERM, SIGKILL of the CLI alone, or a
machine crash (SIGKILL of every process at once) -- resumes: running `jupyterstream run` again
until it exits 0 leaves every value ok, and no value that was already ok ran again (the notebook
appends one character per execution to a counter file per value). No temporary or half-written
file is ever read as a result, and nothing the sweep started is left running.

The delays come from a fixed seed, so a failure reproduces."""

import hashlib
import os
import random
import signal
import time

import pytest

from faultkit import Cli, counts, describe, kill_tagged, leftovers, plan_jobs, run_tagged, status_of, \
    wait_until_gone
from jupyterstream.report.write import collect
from support import NOTEBOOKS

pytestmark = pytest.mark.slow

VALUES = ["slow1", "fast1", "fast2", "fast3", "slow2", "fast4", "fast5", "fast6"]  # slow*: a 5 s cell


def delay_for(scenario):
    """A random but fixed moment, between the first kernels starting and the sweep's end."""
    return random.Random(f"{scenario}-20260601").uniform(2.0, 9.0)


def new_sweep(tmp_path, tag):
    """A sweep of the faults notebook over VALUES, not started yet."""
    counter = tmp_path / "counts"
    counter.mkdir()
    table = tmp_path / "values.csv"
    table.write_text("fault,counter_dir\n" + "".join(f"{v},{counter}\n" for v in VALUES))
    output = tmp_path / "out"
    args = ["run", NOTEBOOKS / "faults.ipynb", table, "--output", output, "--jobs", 2]
    return {"args": args, "output": output, "counter": counter, "tag": tag, "logs": tmp_path / "logs"}


@pytest.fixture
def sweep(tmp_path, tag):
    return new_sweep(tmp_path, tag)


def by_value(output):
    """{value: job id}."""
    return {j["texts"]["fault"]: j["id"] for j in plan_jobs(output)}


def verified_ok(output):
    """Values whose status is ok AND whose notebook is whole (matches the hash in its record)."""
    found = set()
    for value, job_id in by_value(output).items():
        record = status_of(output, job_id)
        if record and record["status"] == "ok":
            data = (output / "runs" / f"{job_id}.ipynb").read_bytes()
            assert hashlib.sha256(data).hexdigest() == record["notebook_sha256"], f"{value}: half-written result"
            found.add(value)
    return found


def resume(sweep, tries=3):
    """Run again until exit 0; return how many runs it took."""
    for attempt in range(1, tries + 1):
        code, _, err = run_tagged(sweep["args"], sweep["tag"], sweep["logs"], timeout=150, name=f"rerun{attempt}")
        if code == 0:
            return attempt
    raise AssertionError(f"still not exit 0 after {tries} runs:\n{err}")


def assert_resumed_exactly(sweep, ok_before, tidy=True):
    """Every value ends ok with a whole notebook; each value that was ok before ran exactly once.
    ``tidy``: no temporary or partial file is left (after a crash one may be, if a write was cut
    off at the wrong millisecond; it is never read, which the states above show)."""
    output = sweep["output"]
    executed = counts(sweep["counter"])
    assert verified_ok(output) == set(VALUES)
    again = {v: n for v, n in executed.items() if v in ok_before and n != 1}
    assert not again, f"values that were already ok ran again: {again}"
    assert set(executed) == set(VALUES)
    runs = {r.id: r.state for r in collect(output, html=False)}
    assert set(runs.values()) == {"ok"}
    if tidy:
        assert leftovers(output) == [], "temporary or partial files left behind"


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_a_sweep_interrupted_at_a_random_moment_resumes_without_running_any_ok_value_again(sweep, how):
    cli = Cli(sweep["args"], sweep["tag"], sweep["logs"])
    time.sleep(delay_for(how))
    if how == "ctrl-c":  # a terminal sends SIGINT to the whole foreground process group
        os.killpg(cli.pid, signal.SIGINT)
    else:  # kill, a scheduler's preemption
        cli.signal(signal.SIGTERM)
    code = cli.wait(90)
    assert code == 130, cli.stderr
    assert "Traceback" not in cli.stderr
    left = wait_until_gone(sweep["tag"], timeout=15)
    assert not left, f"still running after the sweep stopped:\n{describe(left)}"
    output = sweep["output"]
    ok_before = verified_ok(output)
    states = {r.id: r.state for r in collect(output, html=False)}
    assert set(states.values()) <= {"ok", "interrupted", "pending", "missing"}, states
    assert len(ok_before) < len(VALUES)
    resume(sweep)
    assert_resumed_exactly(sweep, ok_before)


@pytest.fixture(scope="module")
def crashed(tmp_path_factory, module_tag):
    """A sweep with every one of its processes SIGKILLed at once (a power cut, an OOM-killed node):
    the CLI, parallel, each run-one, nbconvert and kernel. Shared by the two tests below, in order."""
    sweep = new_sweep(tmp_path_factory.mktemp("crash"), module_tag)
    cli = Cli(sweep["args"], sweep["tag"], sweep["logs"])
    time.sleep(delay_for("crash"))
    assert not kill_tagged(sweep["tag"]), "some processes survived SIGKILL"
    cli.wait(10)
    sweep["ok_before"] = verified_ok(sweep["output"])
    return sweep


def test_after_a_crash_collect_says_which_runs_were_killed_not_running(crashed):
    """Their records still say 'running' and parallel died before writing their joblog rows; the
    runners' pids are gone, so the collector must not show them as running."""
    states = {r.id: r.state for r in collect(crashed["output"], html=False)}
    assert "running" not in states.values(), states
    assert "killed" in states.values(), states


def test_after_a_crash_the_next_run_finishes_the_rest_and_reruns_nothing_that_was_ok(crashed):
    output = crashed["output"]
    in_flight = [v for v, j in by_value(output).items() if (status_of(output, j) or {}).get("status") == "running"]
    assert in_flight, "the crash should have caught at least one job mid-run"
    resume(crashed)
    assert_resumed_exactly(crashed, crashed["ok_before"], tidy=False)


@pytest.mark.parametrize("target", ["cli", "process-group"])
def test_sigkill_of_the_cli_leaves_orphans_that_finish_and_no_value_runs_twice(sweep, target):
    """SIGKILL of `jupyterstream run` alone: GNU parallel and its jobs become orphans and carry on to
    the end of the sweep (nobody collects after them). SIGKILL of its process group also kills
    parallel, but not the jobs in flight (parallel gives each job its own process group): they
    finish as orphans, and the jobs not yet started wait for the next run. A second run started
    meanwhile must not start any value a second time."""
    cli = Cli(sweep["args"], sweep["tag"], sweep["logs"])
    time.sleep(delay_for(f"kill-{target}"))
    if target == "cli":
        cli.signal(signal.SIGKILL)
    else:
        os.killpg(cli.pid, signal.SIGKILL)
    cli.wait(10)
    assert wait_until_gone(sweep["tag"], timeout=0), "jobs in flight are expected to outlive the CLI"
    code, _, err = run_tagged(sweep["args"], sweep["tag"], sweep["logs"], timeout=150, name="meanwhile")
    assert "Traceback" not in err
    if code != 0:  # refused while the orphans run: it must say so, naming the folder
        assert code == 3 and str(sweep["output"]) in err, err
    left = wait_until_gone(sweep["tag"], timeout=120)
    assert not left, describe(left)
    executed = counts(sweep["counter"])
    assert all(n == 1 for n in executed.values()), f"values that ran twice: {executed}"
    if target == "cli":
        assert executed == {v: 1 for v in VALUES}, f"the orphaned parallel finishes the sweep: {executed}"
    ok_before = verified_ok(sweep["output"])
    assert ok_before == set(executed), "every orphan that ran finished with a whole, ok result"
    resume(sweep)
    assert_resumed_exactly(sweep, ok_before)
