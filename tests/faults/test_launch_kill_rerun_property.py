"""A property over random histories: start a sweep (by the CLI or by the README's own pipeline),
SIGKILL a random process of it (the CLI or the pipeline's shell, GNU parallel, a run-one, an
nbconvert, a kernel), wait for it to end or start the next sweep beside it, collect, maybe again;
then rerun until the sweep exits 0. Whatever happened:
- no value ever had two runs alive at once (the counting notebook's OVERLAP),
- a value that was ok never starts again, and every value ends ok: each finished ok exactly once,
- every status record and ok notebook the collector reads is whole (its hash matches),
- no process of any of these sweeps is left (found by their environment tag; killed by PID).
Examples are few (each is a few real sweeps) and derandomized, so a failure reproduces."""

import hashlib
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import faultkit
from counting import NOTEBOOK, env, events, runs_of, start_readme_pipeline
from faultkit import Cli, describe, kill_tagged, run_tagged, wait_until_gone
from jupyterstream.report.write import collect
from jupyterstream.runner import status

pytestmark = pytest.mark.slow

VALUES = ["a", "b", "c"]
SECONDS = 2.0  # each run's middle cell: long enough for the runs of two sweeps to meet
VICTIMS = ["launcher", "parallel", "run-one", "nbconvert", "kernel", "nothing"]
# (launched by, what is SIGKILLed, seconds after the launch, which of its kind, wait for it to end)
STEP = st.tuples(st.sampled_from(["cli", "readme"]), st.sampled_from(VICTIMS),
                 st.floats(min_value=1.0, max_value=6.0), st.integers(min_value=0, max_value=7), st.booleans())


def kind_of(pid):
    """Which process of a sweep this is, from its command line."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    text = b" ".join(words)
    for kind, needle in (("run-one", b"bin/run-one"), ("kernel", b"ipykernel_launcher"),
                         ("nbconvert", b"nbconvert"), ("parallel", b"/parallel")):
        if needle in text:
            return kind
    return None


def kill_one(tag, victim, launcher, pick):
    """SIGKILL one process of the kind ``victim`` (the ``pick``-th of them, by PID), if one is alive."""
    if victim == "nothing":
        return
    if victim == "launcher":
        pids = [launcher.pid]
    else:
        pids = sorted(p for p in faultkit.tagged_pids(tag) if kind_of(p) == victim)
    if pids:
        try:
            os.kill(pids[pick % len(pids)], signal.SIGKILL)
        except ProcessLookupError:
            pass


def start(how, place, tag, name):
    """Start a sweep by the CLI or by the README's pipeline; return something with .pid and .wait."""
    environment = env(tag, place["counts"], SECONDS)
    if how == "readme":
        return start_readme_pipeline(place["values"], place["output"], environment, place["logs"] / name)
    return Cli(["run", NOTEBOOK, place["values"], "--output", place["output"], "--jobs", 2], tag,
               place["logs"], env=environment, name=name).process


def whole(output):
    """Values whose record is ok and whose notebook matches its hash; fails on any half-written record."""
    found = set()
    for value in VALUES:
        record = status.read(output, value)  # raises ValueError on a half-written record
        if record and record["status"] == "ok":
            data = (output / "runs" / f"{value}.ipynb").read_bytes()
            assert hashlib.sha256(data).hexdigest() == record["notebook_sha256"], f"{value}: half-written result"
            found.add(value)
    return found


def starts(place):
    return {v: runs_of(lines)[0] for v, lines in events(place["counts"]).items()}


def check_step(place, ok_since):
    """After a step: nothing overlapped, ok values did not start again, results are whole, collect works."""
    logs = events(place["counts"])
    assert not any(runs_of(lines)[2] for lines in logs.values()), f"two runs of a value at once: {logs}"
    counted = starts(place)
    for value, count in ok_since.items():
        assert counted.get(value) == count, f"{value} started again after it was ok: {logs}"
    for value in whole(place["output"]) - set(ok_since):
        ok_since[value] = counted.get(value)
    if (place["output"] / "plan.json").exists():
        states = {r.id: r.state for r in collect(place["output"], html=False)}
        assert "corrupt" not in states.values(), states


def history(steps, tag, place):
    ok_since, launchers = {}, []
    for number, (how, victim, delay, pick, wait) in enumerate(steps):
        launchers.append(start(how, place, tag, f"step{number}"))
        time.sleep(delay)
        kill_one(tag, victim, launchers[-1], pick)
        if wait:
            launchers[-1].wait(timeout=120)
        check_step(place, ok_since)
    for launcher in launchers:
        launcher.wait(timeout=150)
    check_step(place, ok_since)
    for attempt in range(3):
        code, _, err = run_tagged(["run", NOTEBOOK, place["values"], "--output", place["output"], "--jobs", 2],
                                  tag, place["logs"], timeout=150, env=env(tag, place["counts"], SECONDS),
                                  name=f"rerun{attempt}")
        if code == 0:
            break
    assert code == 0, err
    left = wait_until_gone(tag, timeout=60)
    assert not left, f"left running:\n{describe(left)}"
    check_step(place, ok_since)
    assert whole(place["output"]) == set(VALUES)
    assert all(count is not None for count in ok_since.values()) and set(ok_since) == set(VALUES)


@settings(max_examples=2, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=2))
@example(steps=[("readme", "nothing", 2.5, 0, False), ("cli", "run-one", 2.0, 0, True)])
@example(steps=[("cli", "launcher", 2.5, 0, True), ("readme", "kernel", 1.0, 0, True)])
def test_any_history_of_launches_kills_and_reruns_ends_with_every_value_ok_exactly_once(steps):
    tag = faultkit.new_tag()
    root = Path(tempfile.mkdtemp(prefix="js-property-"))
    place = {"values": root / "values.csv", "output": root / "out", "counts": root / "counts", "logs": root / "logs"}
    place["counts"].mkdir()
    place["values"].write_text("value\n" + "".join(f"{v}\n" for v in VALUES))
    try:
        history(steps, tag, place)
    finally:
        kill_tagged(tag)
    shutil.rmtree(root, ignore_errors=True)
