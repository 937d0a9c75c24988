"""A kernel the out-of-memory killer ends is named so ("killed for lack of memory while cell 2 ran,
at 400 MB"), warm and cold; a kernel that SIGKILLs itself stays a plain dead kernel. The sweep runs in
a memory cgroup of its own with a 500 MB limit (as root, as the fault suite mounts its tmpfs), so the
machine's own memory is never at stake."""

import os
import subprocess
import time
from pathlib import Path

import pytest

from support import CLI, REPO, read_status, write_lines
from memorykit import memory_notebook

LIMIT = 500 * 10 ** 6


@pytest.fixture
def cgroup(tmp_path):
    """A memory cgroup with a 500 MB limit (no swap); removed once its processes have gone."""
    v1 = Path("/sys/fs/cgroup/memory")
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    own = next((line.split(":", 2)[2] for line in lines if line.split(":")[1] == ("memory" if v1.exists() else "")))
    folder = (v1 if v1.exists() else Path("/sys/fs/cgroup")) / own.lstrip("/") / f"jstest-{os.getpid()}-{tmp_path.name}"
    try:
        folder.mkdir()
    except OSError as exc:
        if os.geteuid() != 0:
            pytest.skip(f"a memory cgroup of its own needs root (CI and make test run as root): {exc}")
        raise
    limits = ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes") if v1.exists() else ("memory.max", "memory.swap.max")
    for name in limits:
        if (folder / name).exists():
            (folder / name).write_text(str(LIMIT if name != "memory.swap.max" else 0))
    yield folder
    deadline = time.time() + 20
    while (folder / "cgroup.procs").read_text().strip() and time.time() < deadline:
        time.sleep(0.1)
    folder.rmdir()


@pytest.mark.parametrize("kernels", ["--warm-kernels", "--cold-kernels"])
def test_a_kernel_the_out_of_memory_killer_ended_is_named_so_and_the_others_are_untouched(tmp_path, cgroup, kernels):
    notebook = memory_notebook(tmp_path / "memory.ipynb")
    values = write_lines(tmp_path / "values.txt", 1, 800, -1)  # -1: the kernel SIGKILLs itself, memory low
    procs = cgroup / "cgroup.procs"
    result = subprocess.run([str(CLI), "run", str(notebook), str(values), "--param", "mb", "--output",
                             str(tmp_path / "out"), "--jobs", "1", kernels], cwd=REPO, capture_output=True, text=True,
                            timeout=300, preexec_fn=lambda: procs.write_text(str(os.getpid())))
    out = tmp_path / "out"
    ids = {path.stem for path in (out / "status").glob("*.json")}
    suicide_id = next(i for i in ids if i not in ("1", "800"))  # "-1" gets an id of its own (a leading dash)
    killed, suicide = read_status(out, "800"), read_status(out, suicide_id)
    assert killed["status"] == "dead-kernel", (killed, result.stderr)
    assert killed["message"].startswith("killed for lack of memory while cell 2 ran, at "), killed
    assert 250 < killed["max_rss_mb"] < LIMIT / 10 ** 6
    assert suicide["status"] == "dead-kernel" and "lack of memory" not in suicide.get("message", ""), suicide
    assert read_status(out, "1")["status"] == "ok"
