"""Warm kernels over SSH (a real sshd on 127.0.0.1): the runner shipped to a host starts that host's
template, each job's kernel is forked from it although the job's own copy of the runner is removed
after the job, and the template ends by itself once idle."""

import json
import sys
import time
from pathlib import Path

import pytest

from support import NOTEBOOKS, run_cli
from sshd import LoopbackHosts

pytestmark = pytest.mark.ssh
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "functional"))
from warmkit import processes_mentioning  # noqa: E402


def test_a_warm_sweep_over_ssh_forks_every_kernel_on_the_host_and_leaves_nothing(tmp_path):
    warm = tmp_path / "host-warm"
    hosts = LoopbackHosts(tmp_path / "hosts", names=("omega",), down=(),
                          env={"omega": {"JUPYTERSTREAM_WARM_DIR": str(warm), "JUPYTERSTREAM_WARM_IDLE": "3"}}).start()
    try:
        (tmp_path / "servers.txt").write_text("2/omega\n")
        (tmp_path / "values.txt").write_text("ok\nraise\nslow1\nexit\n")
        result = run_cli("run", NOTEBOOKS / "faults.ipynb", tmp_path / "values.txt", "--param", "fault",
                         "-o", tmp_path / "out", "--servers", 1, "--servers-file", tmp_path / "servers.txt",
                         "--ssh", hosts.ssh_command, "--remote-python", sys.executable, "--warm-kernels")
        records = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "out" / "status").glob("*.json")}
        assert {k: (r["status"], r.get("kernel")) for k, r in records.items()} == {
            "ok": ("ok", "warm"), "raise": ("cell-error", "warm"), "slow1": ("ok", "warm"),
            "exit": ("stopped-early", "warm")}, result.stderr
        assert len(list(warm.glob("*/log"))) == 1  # one template served the sweep on that host
        deadline = time.time() + 30
        while processes_mentioning(str(warm)) and time.time() < deadline:
            time.sleep(0.2)
        assert processes_mentioning(str(warm)) == []
    finally:
        hosts.stop()
