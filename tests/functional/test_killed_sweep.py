"""A sweep whose own process is SIGKILLed: GNU parallel and its jobs go on as orphans. A new sweep in
the same folder, started at once, must not start them a second time: its jobs wait for theirs (the
per-job lock), step aside, and the new sweep ends with every value ok."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import NOTEBOOKS, REPO, descendants, kill_all, run_cli


def counts(folder):
    return {p.stem: len(p.read_text()) for p in folder.glob("*.count")}


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
        again = run_cli("run", NOTEBOOKS / "faults.ipynb", table, "-o", output)
    finally:
        kill_all(orphans if "orphans" in locals() else [])
    assert again.returncode == 0, again.stderr
    assert counts(counter) == {"slow1": 1, "slow2": 1, "ok": 1}
