"""Sweeps over SSH against real sshd servers on 127.0.0.1, started and stopped by these tests.
Each host alias has its own sshd; jobs run in a fresh work folder per job, so nothing is shared."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import NOTEBOOKS, REPO, run_cli
from sshd import LoopbackHosts

pytestmark = pytest.mark.ssh


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    """alpha and beta are up; gamma is down. On beta, matplotlib cannot be imported (for preflight);
    on slowshell, the login shell takes 0.3 s to start (every ssh call pays it)."""
    folder = tmp_path_factory.mktemp("sshd")
    shim = folder / "shim" / "matplotlib"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('matplotlib is not installed on this host')\n")
    servers = LoopbackHosts(folder / "hosts", names=("alpha", "beta", "slowshell"),
                            env={"beta": {"PYTHONPATH": str(shim.parent)}}, bashrc={"slowshell": "sleep 0.3\n"}).start()
    try:
        yield servers
        # every sweep and check closed the connections it shared (none is left waiting to expire)
        deadline = time.time() + 10
        while shared_connections() and time.time() < deadline:
            time.sleep(0.2)
        assert shared_connections() == []
    finally:
        servers.stop()


def shared_connections():
    """PIDs of ssh processes that hold a shared connection of ours open (ssh's mux masters)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes().startswith(b"ssh: /tmp/jupyterstream-ssh-"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def server_file(tmp_path, *logins):
    path = tmp_path / "servers.txt"
    path.write_text("# test servers\n" + "".join(f"{login}\n" for login in logins))
    return path


def remote_run(hosts, tmp_path, notebook, values, *logins, extra=(), **kwargs):
    """`jupyterstream run` over the given sshlogins with the venv's Python on the hosts."""
    return run_cli("run", notebook, values, "-o", tmp_path / "out", "--servers", len(logins),
                   "--servers-file", server_file(tmp_path, *logins), "--ssh", hosts.ssh_command,
                   "--remote-python", sys.executable, *extra, **kwargs)


def statuses(output):
    """{job id: status record} of every run that came back."""
    return {p.stem: json.loads(p.read_text()) for p in (output / "status").glob("*.json")}


def parallel_workdirs(*homes):
    """The per-job work folders parallel left under ~/.parallel/tmp of these home folders."""
    found = set()
    for home in homes:
        tmp = Path(home) / ".parallel" / "tmp"
        found |= {p for p in tmp.iterdir() if p.is_dir() and p.name != "sshlogin"} if tmp.exists() else set()
    return found


def test_the_check_leaves_no_shared_connection_open(hosts, tmp_path):
    result = run_cli("check-servers", NOTEBOOKS / "echo.ipynb", "--servers", 2, "--servers-file",
                     server_file(tmp_path, "alpha", "beta"), "--ssh", hosts.ssh_command,
                     "--remote-python", sys.executable, "-o", tmp_path / "chk")
    assert result.returncode == 0, result.stdout + result.stderr
    deadline = time.time() + 10
    while shared_connections() and time.time() < deadline:
        time.sleep(0.2)
    assert shared_connections() == []


def test_a_sweep_over_two_hosts_returns_every_result_and_names_each_host(hosts, tmp_path, values):
    # echo.ipynb plus a cell that records the folder its kernel ran in
    nb = json.loads((NOTEBOOKS / "echo.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": "record('cwd', os.getcwd())"})
    notebook = tmp_path / "where.ipynb"
    notebook.write_text(json.dumps(nb))
    before = parallel_workdirs(Path.home())
    result = remote_run(hosts, tmp_path, notebook, values("AL", "CA", "NY", "DC"), "1/alpha", "1/beta")
    assert result.returncode == 0, result.stderr
    output = tmp_path / "out"
    assert sorted(statuses(output)) == ["AL", "CA", "DC", "NY"]
    assert all(s["status"] == "ok" for s in statuses(output).values())
    assert sorted(p.name for p in (output / "runs").glob("*.ipynb")) == ["AL.ipynb", "CA.ipynb", "DC.ipynb", "NY.ipynb"]
    with open(output / "runs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["host"] for row in rows} == {"alpha", "beta"}
    with open(output / "metrics.csv", newline="") as handle:
        where = {row["job"]: row["metrics.cwd"] for row in csv.DictReader(handle)}
    # each kernel ran in its own run folder (.work/ID, holding the notebook's folder's path) in its
    # job's work folder under its host's home, and none is left behind
    for row in rows:
        row["cwd"] = where[row["job"]]
        workdir = Path(row["cwd"]).parents[len(tmp_path.parts)]
        assert Path(row["cwd"]).relative_to(workdir) == Path(".work", row["job"], tmp_path.relative_to("/"))
        assert workdir.parent == hosts.home(row["host"]) / ".parallel" / "tmp", row
        assert not workdir.exists()
    assert len({row["cwd"] for row in rows}) == 4
    assert "--sshloginfile" in result.stderr and "--return" in result.stderr
    assert parallel_workdirs(Path.home()) == before
    assert parallel_workdirs(hosts.home("alpha"), hosts.home("beta")) == set()
    assert not (output / "ship").exists()


def test_a_shared_filesystem_sweep_runs_in_place_without_transfers(hosts, tmp_path, values):
    result = remote_run(hosts, tmp_path, NOTEBOOKS / "echo.ipynb", values("AL", "CA"), "1/alpha", "1/beta",
                        extra=["--shared-fs"])
    assert result.returncode == 0, result.stderr
    assert "--transferfile" not in result.stderr and "--sshloginfile" in result.stderr
    assert {s["status"] for s in statuses(tmp_path / "out").values()} == {"ok"}


def test_nasty_values_round_trip_over_ssh_and_nothing_else_runs(hosts, tmp_path):
    marker = tmp_path / "pwned"
    nasty = [f"$(touch {marker})", f"'; touch {marker}; '", f"`touch {marker}`", 'a "quoted" \\ value',
             "line\nbreak", "\u00e9t\u00e9 \U0001f600", f"; touch {marker}"]
    table = tmp_path / "nasty.csv"
    with open(table, "w", newline="") as handle:
        csv.writer(handle).writerows([["state"], *([v] for v in nasty)])
    result = remote_run(hosts, tmp_path, NOTEBOOKS / "echo.ipynb", table, "1/alpha", "1/beta")
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    for job in plan["jobs"]:
        nb = json.loads((tmp_path / "out" / "runs" / f"{job['id']}.ipynb").read_text())
        printed = "".join(nb["cells"][-1]["outputs"][-1]["text"])
        assert printed == repr(job["texts"]["state"]) + "\n"
    assert not marker.exists()


def test_a_down_host_is_left_out_with_a_warning_and_the_sweep_completes(hosts, tmp_path, values):
    result = remote_run(hosts, tmp_path, NOTEBOOKS / "echo.ipynb", values("AL", "CA", "NY"), "1/gamma", "1/alpha")
    assert result.returncode == 0, result.stderr
    assert "gamma" in result.stderr and "FAILED" in result.stderr and "leaving out gamma" in result.stderr
    assert {s["status"] for s in statuses(tmp_path / "out").values()} == {"ok"}


def test_strict_servers_refuses_to_run_when_a_host_fails_the_check(hosts, tmp_path, values):
    result = remote_run(hosts, tmp_path, NOTEBOOKS / "echo.ipynb", values("AL"), "1/gamma", "1/alpha",
                        extra=["--strict-servers"])
    assert result.returncode == 3 and "failed the check" in result.stderr
    assert not (tmp_path / "out" / "runs").exists()


def test_a_host_that_dies_mid_job_costs_only_a_retry_and_no_result_is_lost_or_doubled(tmp_path, values):
    pair = LoopbackHosts(tmp_path / "pair", names=("epsilon", "delta"), down=()).start()
    try:
        sweep = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterstream"), "run", NOTEBOOKS / "faults.ipynb",
             values("slow1", "slow2", "slow3", "slow4"), "--param", "fault", "-o", tmp_path / "out",
             "--servers", "2", "--servers-file", server_file(tmp_path, "1/epsilon", "1/delta"),
             "--ssh", pair.ssh_command, "--remote-python", sys.executable],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline and not (tmp_path / "out" / "ship").exists():
            time.sleep(0.1)
        time.sleep(3)
        pair.kill("delta")
        _, err = sweep.communicate(timeout=240)
    finally:
        pair.stop()
    assert sweep.returncode == 0, err
    records = statuses(tmp_path / "out")
    assert sorted(records) == ["slow1", "slow2", "slow3", "slow4"]
    assert all(r["status"] == "ok" for r in records.values())
    # parallel logs only the last attempt of a retried job: one row per job, all ending on epsilon,
    # and the retried ones sent their files twice (once to delta, once to epsilon).
    rows = [line.split("\t") for line in (tmp_path / "out" / "joblog.tsv").read_text().splitlines()]
    assert sorted(row[0] for row in rows) == ["1", "2", "3", "4"]
    assert {row[1] for row in rows} == {"epsilon"}
    sent = [int(row[4]) for row in rows]
    assert max(sent) > min(sent), rows
    with open(tmp_path / "out" / "runs.csv", newline="") as handle:
        assert {row["host"] for row in csv.DictReader(handle)} == {"epsilon"}
    assert len(list((tmp_path / "out" / "runs").glob("*.ipynb"))) == 4


def processes_in(*folders):
    """PIDs of processes whose working folder is below one of these folders (on loopback "hosts",
    the remote jobs and their kernels)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:
                continue
            if any(cwd == str(f) or cwd.startswith(f"{f}/") for f in folders):
                found.append(int(entry.name))
    return found


def test_sigterm_stops_the_remote_jobs_keeps_what_finished_and_a_rerun_does_the_rest(hosts, tmp_path, values):
    homes = (hosts.home("alpha"), hosts.home("beta"))
    output = tmp_path / "out"
    table = values("ok", "sleep", "slow1")
    command = [str(Path(sys.executable).parent / "jupyterstream"), "run", NOTEBOOKS / "faults.ipynb", table,
               "--param", "fault", "-o", output, "--servers", "2",
               "--servers-file", server_file(tmp_path, "1/alpha", "1/beta"), "--ssh", hosts.ssh_command,
               "--remote-python", sys.executable]
    sweep = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline and not (output / "status" / "ok.json").exists():
            time.sleep(0.1)
        while time.time() < deadline and len(processes_in(*homes)) < 2:  # sleep and slow1 are running
            time.sleep(0.1)
        assert processes_in(*homes), "no remote job was running"
        assert shared_connections(), "the jobs do not share a connection per host"
        sweep.send_signal(signal.SIGTERM)
        _, err = sweep.communicate(timeout=60)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 130, err
    deadline = time.time() + 15
    while processes_in(*homes) and time.time() < deadline:
        time.sleep(0.2)
    assert processes_in(*homes) == [], "remote jobs still running after the sweep was stopped"
    kept = statuses(output)
    assert kept["ok"]["status"] == "ok" and kept.get("sleep", {}).get("status") != "ok"
    with open(output / "runs.csv", newline="") as handle:
        first = {row["job"]: row for row in csv.DictReader(handle)}
    # parallel logs no row for a job it stops on SIGTERM, and over SSH the job's own record stays on
    # its host: once the sweep is over, the report counts it as not run (as it does jobs that never
    # started), never as pending or running
    assert first["sleep"]["status"] == "missing", first["sleep"]
    # again: ok is kept as it is, slow1 runs to the end, sleep runs into the job timeout
    again = remote_run(hosts, tmp_path, NOTEBOOKS / "faults.ipynb", table, "1/alpha", "1/beta",
                       extra=["--param", "fault", "--job-timeout", "10"])
    assert again.returncode == 1, again.stderr
    after = statuses(output)
    assert after["ok"] == kept["ok"]
    assert after["slow1"]["status"] == "ok"
    # a job stopped over SSH sends nothing back; the report tells its timeout from the joblog
    with open(output / "runs.csv", newline="") as handle:
        rows = {row["job"]: row for row in csv.DictReader(handle)}
    assert rows["sleep"]["status"] == "job-timeout" and "job timeout of 10 s" in rows["sleep"]["message"]
    deadline = time.time() + 15  # a server's warm-kernel template ends once idle (5 s)
    while processes_in(*homes) and time.time() < deadline:
        time.sleep(0.2)
    assert processes_in(*homes) == []


def test_fail_fast_over_ssh_counts_here_as_results_come_home_and_stops_starting_jobs(hosts, tmp_path, values):
    names = [f"key{i}" for i in range(1, 9)]
    result = remote_run(hosts, tmp_path, NOTEBOOKS / "groups.ipynb", values(*names), "1/alpha",
                        extra=("--param", "kind", "--fail-fast", 2, "--cold-kernels"))
    came_back = statuses(tmp_path / "out")
    assert 2 <= len(came_back) <= 3, (sorted(came_back), result.stderr)
    assert {record["status"] for record in came_back.values()} == {"cell-error"}
    assert "2 runs failed as cell-error/KeyError/cell-3" in result.stderr
    with open(tmp_path / "out" / "runs.csv", newline="") as handle:
        assert sum(row["status"] == "missing" for row in csv.DictReader(handle)) == 8 - len(came_back)


def test_preflight_names_the_host_and_what_is_missing(hosts, tmp_path):
    result = run_cli("check-servers", NOTEBOOKS / "figure.ipynb", "--servers", 2, "--servers-file",
                     server_file(tmp_path, "alpha", "beta"), "--ssh", hosts.ssh_command,
                     "--remote-python", sys.executable, "-o", tmp_path / "chk")
    assert result.returncode == 1
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert " ok " in lines["alpha"] and f"{os.cpu_count()} cores" in lines["alpha"]
    assert "FAILED" in lines["beta"] and "cannot import: matplotlib" in lines["beta"]
    assert "not installed on this host" in lines["beta"]


def test_preflight_warns_of_a_slow_login_shell_and_what_it_costs_each_job(hosts, tmp_path):
    result = run_cli("check-servers", NOTEBOOKS / "echo.ipynb", "--servers", 2, "--servers-file",
                     server_file(tmp_path, "alpha", "slowshell"), "--ssh", hosts.ssh_command,
                     "--remote-python", sys.executable, "-o", tmp_path / "chk")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    fast, slow = (float(lines[h].split("login shell ")[1].split()[0]) for h in ("alpha", "slowshell"))
    assert fast < 0.3 <= slow
    warning = lines["jupyterstream:"]
    assert "on slowshell takes up to" in warning and "alpha" not in warning and "a job makes 7" in warning


def test_preflight_says_when_remote_python_has_no_jupyter(hosts, tmp_path):
    bare = "/usr/bin/python3"  # Debian's own Python: no nbconvert, no ipykernel
    assert subprocess.run([bare, "-c", "import nbconvert"], capture_output=True).returncode != 0
    result = run_cli("check-servers", NOTEBOOKS / "echo.ipynb", "--servers", 1, "--servers-file",
                     server_file(tmp_path, "alpha"), "--ssh", hosts.ssh_command,
                     "--remote-python", bare, "-o", tmp_path / "chk")
    assert result.returncode == 1
    assert f"{bare} has no nbconvert" in result.stdout and f"{bare} has no ipykernel" in result.stdout


def test_preflight_names_a_missing_kernel(hosts, tmp_path):
    nb = json.loads((NOTEBOOKS / "echo.ipynb").read_text())
    nb["metadata"]["kernelspec"]["name"] = "julia-1.9"
    path = tmp_path / "julia.ipynb"
    path.write_text(json.dumps(nb))
    result = run_cli("check-servers", path, "--servers", 1, "--servers-file", server_file(tmp_path, "alpha"),
                     "--ssh", hosts.ssh_command, "--remote-python", sys.executable, "-o", tmp_path / "chk")
    assert result.returncode == 1 and "kernel 'julia-1.9' not found" in result.stdout


def test_preflight_resolves_a_kernel_named_python_as_jupyter_does(hosts, tmp_path):
    nb = json.loads((NOTEBOOKS / "echo.ipynb").read_text())
    nb["metadata"]["kernelspec"]["name"] = "python"
    path = tmp_path / "python.ipynb"
    path.write_text(json.dumps(nb))
    result = run_cli("check-servers", path, "--servers", 1, "--servers-file", server_file(tmp_path, "alpha"),
                     "--ssh", hosts.ssh_command, "--remote-python", sys.executable, "-o", tmp_path / "chk")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not found" not in result.stdout


def test_preview_over_servers_prints_the_sshlogin_line_and_runs_nothing(tmp_path, values):
    result = run_cli("preview", NOTEBOOKS / "echo.ipynb", values("AL", "CA"), "-o", tmp_path / "out",
                     "--servers", 2, "--servers-file", server_file(tmp_path, "4/user@host1.invalid", "host2.invalid"))
    assert result.returncode == 0, result.stderr
    first = [line for line in result.stdout.splitlines() if "parallel " in line][0]
    assert "--sshloginfile sshlogins.txt" in first and "--transferfile" in first and "--return" in first
    assert result.stdout.count("tool/bin/run-one") == 3
    assert not (tmp_path / "out").exists()
