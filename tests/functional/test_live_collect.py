"""`make collect` during a sweep: runs show as pending, running or done, and a repeat collect
re-reads only the runs whose files changed."""

import subprocess
import sys
import time
from pathlib import Path

from jupyterstream.collect import runs as collector
from jupyterstream.report.write import collect
from support import NOTEBOOKS, REPO


def test_collect_mid_sweep_shows_running_and_pending_runs_then_fills_in(tmp_path, values, monkeypatch):
    output = tmp_path / "out"
    sweep = subprocess.Popen([str(Path(sys.executable).parent / "jupyterstream"), "run", NOTEBOOKS / "faults.ipynb",
                              values("slow1", "slow2", "slow3", "ok"), "--param", "fault", "-o", output,
                              "--jobs", "2"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        states = {}
        while time.time() < deadline:
            if (output / "plan.json").exists():
                states = {r.id: r.state for r in collect(output, html=False)}
                if "running" in states.values():
                    break
            time.sleep(0.3)
        assert "running" in states.values() and "pending" in states.values(), states
        assert sweep.wait(timeout=120) == 0
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait()
    calls = []
    real = collector.summarize
    monkeypatch.setattr(collector, "summarize", lambda *a, **k: calls.append(a[1].id) or real(*a, **k))
    assert {r.state for r in collect(output, html=False)} == {"ok"}
    calls.clear()
    collect(output, html=False)
    assert calls == []
    (output / "status" / "slow2.json").touch()
    collect(output, html=False)
    assert calls == ["slow2"]


def test_collect_watch_follows_a_sweep_and_stops_reloading_the_page_when_it_is_done(tmp_path, values):
    output = tmp_path / "out"
    command = str(Path(sys.executable).parent / "jupyterstream")
    sweep = subprocess.Popen([command, "run", NOTEBOOKS / "faults.ipynb", values("slow1", "slow2", "ok"),
                              "--param", "fault", "-o", output, "--jobs", "1"],
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = None
    try:
        deadline = time.time() + 60
        while not (output / "todo.txt").exists() and time.time() < deadline:
            time.sleep(0.2)
        with open(tmp_path / "watch.log", "w") as log:
            watcher = subprocess.Popen([command, "collect", output, "--watch", "1"], cwd=REPO,
                                       stdout=subprocess.DEVNULL, stderr=log)
        live = False
        while watcher.poll() is None and time.time() < deadline + 120:
            page = output / "report.html"
            live = live or (page.exists() and 'http-equiv="refresh" content="1"' in page.read_text())
            time.sleep(0.3)
        assert sweep.wait(timeout=120) == 0 and watcher.wait(timeout=60) == 0, (tmp_path / "watch.log").read_text()
    finally:
        for process in (sweep, watcher):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert live, "while runs were pending or running, the page reloaded itself"
    page = (output / "report.html").read_text()
    assert "refresh" not in page and "3 runs: 3 ok" in page
    assert "3 runs, 0 pending or running" in (tmp_path / "watch.log").read_text()
