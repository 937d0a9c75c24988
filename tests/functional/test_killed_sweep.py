"""A sweep whose own process is SIGKILLed: GNU parallel and its jobs go on as orphans. A new sweep in
the same folder must not start them a second time, and once they end, runs what is left."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import NOTEBOOKS, REPO, descendants, kill_all, run_cli


def counts(folder):
    return {p.stem: len(p.read_text()) for p in folder.glob("*.count")}


def lock_free(output):
    with open(output / ".sweep.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False


def test_a_killed_sweep_is_not_run_twice_and_the_next_sweep_finishes_the_rest(tmp_path):
    counter = tmp_path / "counts"
    counter.mkdir()
    table = tmp_path / "v.csv"
    table.write_text("fault,counter_dir\n" + "".join(f"{f},{counter}\n" for f in ("slow1", "slow2", "ok")))
    output = tmp_path / "out"
    cli = [str(Path(sys.executable).parent / "jupyterstream"), "run", str(NOTEBOOKS / "faults.ipynb"), str(table),
           "-o", str(output), "--jobs", "2"]
    first = subprocess.Popen(cli, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and len(list((output / "status").glob("*.json"))) < 2:
            time.sleep(0.1)
        orphans = descendants(first.pid)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        refused = run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output)
        assert refused.returncode == 3 and "a sweep is still running here" in refused.stderr
        deadline = time.time() + 120
        while time.time() < deadline and not lock_free(output):
            time.sleep(0.5)
        assert lock_free(output), "the orphaned sweep did not end"
    finally:
        kill_all(orphans if "orphans" in locals() else [])
    again = run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output)
    assert again.returncode == 0, again.stderr
    assert counts(counter) == {"slow1": 1, "slow2": 1, "ok": 1}
