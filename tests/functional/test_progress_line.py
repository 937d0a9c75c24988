"""The progress of a sweep: one line rewritten in place on a terminal (a real pseudo-terminal), plain
lines in a log; read from the joblog and the status records, with real kernels and GNU parallel."""

import os
import pty
import re
import subprocess

from support import CLI, NOTEBOOKS, REPO, run_cli

ERASE = "\r\x1b[K"


def on_a_terminal(*args):
    """Run the CLI with stdin, stdout and stderr on a new pseudo-terminal; return all it wrote there."""
    master, slave = pty.openpty()
    process = subprocess.Popen([str(CLI), *map(str, args)], stdin=slave, stdout=slave, stderr=slave, cwd=REPO,
                               env=dict(os.environ, COLUMNS="200"))
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every process holding the terminal has gone
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    process.wait(timeout=300)
    return process.returncode, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def test_on_a_terminal_progress_is_one_line_rewritten_in_place_with_the_per_job_lines_above_it(tmp_path):
    code, text = on_a_terminal("run", NOTEBOOKS / "faults.ipynb", "--param", "fault", "--output", tmp_path / "out",
                               "--jobs", "2", ":::", "ok", "slow1", "raise")
    assert code == 1, text
    drawn = [piece.split("\n")[0] for piece in text.split(ERASE)[1:] if piece.strip()]
    assert any(re.fullmatch(r"\d/3 done: .* · \d running, longest slow1 \d+ s( · ETA \d+:\d\d)?", d) for d in drawn)
    assert "3/3 done: 2 ok, 1 failed (cell-error 1)\n" in text
    # each per-job line of run-one's has a line of its own: the progress line was erased before it
    segments = [line.split(ERASE)[-1] for line in text.split("\n")]
    jobs = [s.split()[1] for s in segments if re.fullmatch(r"(ok|cell-error) +\S+ +[\d.]+s +\S+", s)]
    assert sorted(jobs) == ["ok", "raise", "slow1"], text
    assert not [s for s in segments if "done:" in s and re.search(r"(ok|cell-error) {2,}", s)], text
    assert "--bar" not in text and "ETA: " not in text  # parallel's own bar is not drawn


def test_in_a_log_progress_is_plain_lines_with_no_carriage_returns_or_escapes(tmp_path):
    result = run_cli("run", NOTEBOOKS / "faults.ipynb", "--param", "fault", "--output", tmp_path / "out",
                     ":::", "ok", "raise")
    assert result.returncode == 1, result.stderr
    assert "jupyterstream: progress: 2/2 done: 1 ok, 1 failed (cell-error 1)\n" in result.stderr
    assert "\r" not in result.stderr + result.stdout and "\x1b" not in result.stderr + result.stdout
    assert re.search(r"^ok +ok +[\d.]+s", result.stdout, re.MULTILINE)  # run-one's lines, as before
