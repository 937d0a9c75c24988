"""Sweeps placed by a real Slurm: a two-node cluster on 127.0.0.1 (tests/slurm.py), started and stopped
by these tests. Both nodes share this machine's filesystem, as a cluster's nodes share one."""

import csv
import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from support import NOTEBOOKS, REPO, CLI
from slurm import LoopbackCluster

pytestmark = pytest.mark.slurm
SLOW = [f"slow{i}" for i in range(1, 9)]  # each sleeps 5 s (tests/notebooks/faults.ipynb)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """n1 and n2, two CPUs each: four job slots in an allocation of both."""
    cluster = LoopbackCluster(tmp_path_factory.mktemp("slurm") / "cluster").start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(autouse=True)
def nodes_in_service(cluster):
    """Each test starts with both nodes idle: one Slurm drained in a test before ("Kill task failed")
    is returned to service, and a job of a test before has ended."""
    cluster.resume_drained()
    cluster.wait_idle(timeout=120)


def slow_values(folder, names=SLOW):
    """A values file of slow faults.ipynb values that count their runs in folder/counts/."""
    counts = folder / "counts"
    counts.mkdir(exist_ok=True)
    path = folder / "slow.csv"
    path.write_text("fault,counter_dir\n" + "".join(f"{name},{counts}\n" for name in names))
    return path


def runs_of(output):
    """runs.csv as {job id: row}."""
    with open(Path(output) / "runs.csv", newline="") as handle:
        return {row["job"]: row for row in csv.DictReader(handle)}


def counts(folder):
    """How many times each value's notebook started, by job id."""
    return {p.stem: len(p.read_text()) for p in (folder / "counts").glob("*.count")}


def fault(job_id):
    """The fault value of a job id (slow3_-tmp-...-6747ee6e is slow3)."""
    return job_id.split("_")[0]


def submit(cluster, output, values, *extra, notebook=NOTEBOOKS / "faults.ipynb"):
    """`jupyterstream submit` over both nodes; returns the job id it prints."""
    done = subprocess.run([str(CLI), "submit", str(notebook), str(values), "-o", str(output), "--nodes", "2",
                           "--tasks", "4", *extra], cwd=REPO, env=cluster.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wait_for_running(output, count, timeout=90, host=None):
    """Wait until ``count`` runs (on ``host``, when given) have a status record saying running, and their
    notebook has started (counted its run: tests/notebooks/faults.ipynb)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        running = []
        for path in Path(output, "status").glob("*.json"):
            try:
                record = json.loads(path.read_text())
            except ValueError:
                continue
            started = (Path(output).parent / "counts" / f"{fault(record['job'])}.count").exists()
            if record.get("status") == "running" and host in (None, record.get("host")) and started:
                running.append(record["job"])
        if len(running) >= count:
            return running
        time.sleep(0.2)
    raise TimeoutError(f"fewer than {count} runs running after {timeout} s")


def test_a_sweep_inside_salloc_spreads_over_both_nodes_and_each_run_names_its_node(cluster, tmp_path):
    values = tmp_path / "values.txt"
    values.write_text("".join(f"v{i}\n" for i in range(8)))
    output = tmp_path / "out"
    done = cluster.run("salloc", "-N2", "-n4", str(CLI), "run", str(NOTEBOOKS / "echo.ipynb"), str(values), "-o",
                       str(output), "--slurm", "on", cwd=REPO, timeout=240)
    assert done.returncode == 0, done.stderr
    assert "each job is a job step (srun --exact -N1 -n1), 4 at a time" in done.stderr
    runs = runs_of(output)
    assert {r["status"] for r in runs.values()} == {"ok"}
    assert {r["host"] for r in runs.values()} == {"n1", "n2"}
    # one warm template per node, though both nodes share this machine's TMPDIR
    kernels = {json.loads((output / "status" / f"{job}.json").read_text()).get("kernel") for job in runs}
    assert kernels == {"warm"}
    facts = json.loads((output / "slurm.json").read_text())["jobs"]
    assert [(f["nodes"], f["partition"], f["tasks"]) for f in facts] == [("n[1-2]", "debug", 4)]
    assert re.search(r"Slurm job</td><td>\d+</td><td>nodes n\[1-2\], partition debug", (output / "report.html").read_text())


def test_slurm_on_outside_an_allocation_is_a_named_error(cluster, tmp_path):
    values = tmp_path / "values.txt"
    values.write_text("a\n")
    done = subprocess.run([str(CLI), "run", str(NOTEBOOKS / "echo.ipynb"), str(values), "-o", str(tmp_path / "out"),
                           "--slurm", "1"], cwd=REPO, env=cluster.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert "not inside a Slurm allocation (SLURM_JOB_ID is not set)" in done.stderr
    assert "Traceback" not in done.stderr


def test_make_submit_runs_the_sweep_to_completion_then_a_second_submit_runs_nothing(cluster, tmp_path):
    values = tmp_path / "values.txt"
    values.write_text("a\nb\nc\nd\ne\n")
    output = tmp_path / "out"
    done = subprocess.run(["make", "--no-print-directory", "submit", f"NOTEBOOK={NOTEBOOKS / 'echo.ipynb'}", f"VALUES={values}",
                           f"OUTPUT={output}", "NODES=2", "TASKS=4", "TIME=10:00"], cwd=REPO, env=cluster.env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip().splitlines()[-1]
    assert job_id.isdigit(), done.stdout
    assert f"make watch OUTPUT={output}" in done.stderr
    script = (output / "submit.sbatch").read_text()
    assert "#SBATCH --nodes=2" in script and "#SBATCH --ntasks=4" in script and "#SBATCH --time=10:00" in script
    assert cluster.wait_job(job_id, timeout=240) == "COMPLETED", (output / f"slurm-{job_id}.out").read_text()
    runs = runs_of(output)
    assert {r["status"] for r in runs.values()} == {"ok"} and len(runs) == 5
    assert {r["host"] for r in runs.values()} <= {"n1", "n2"}
    again = submit(cluster, output, values, notebook=NOTEBOOKS / "echo.ipynb")
    assert cluster.wait_job(again, timeout=240) == "COMPLETED"
    assert "5 jobs, 0 to run (5 already ok: kept)" in (output / f"slurm-{again}.out").read_text()


def test_a_node_that_fails_mid_sweep_leaves_its_runs_in_a_named_class_and_they_run_again_once(cluster, tmp_path):
    output = tmp_path / "out"
    values = slow_values(tmp_path)
    job_id = submit(cluster, output, values)
    try:
        lost = wait_for_running(output, 2, host="n2")
        cluster.kill_node("n2")
        state = cluster.wait_job(job_id, timeout=120, until_not="RUNNING")
        collected = subprocess.run([str(CLI), "collect", str(output)], cwd=REPO, capture_output=True, text=True,
                                   timeout=120)
    finally:
        cluster.restart_node("n2")
    first = runs_of(output)
    assert collected.returncode == 1
    for job in lost:
        assert first[job]["status"] in ("killed", "interrupted"), first[job]
        assert first[job]["host"] == "n2"
    done_ok = {job for job, row in first.items() if row["status"] == "ok"}
    if state == "PENDING":  # the cluster requeued the job (JobRequeue=1, Slurm's default): it runs again by itself
        final = cluster.wait_job(job_id, timeout=240)
    else:
        final = cluster.wait_job(submit(cluster, output, values), timeout=240)
    assert final == "COMPLETED", (output / f"slurm-{job_id}.out").read_text()
    assert {r["status"] for r in runs_of(output).values()} == {"ok"}
    ran = counts(tmp_path)
    assert all(ran[fault(job)] == 1 for job in done_ok), ran  # an ok value never runs again
    assert all(ran[fault(job)] == 2 for job in lost), ran      # a lost one runs once more


def test_scancel_leaves_running_values_interrupted_the_rest_missing_and_a_resubmit_finishes(cluster, tmp_path):
    output = tmp_path / "out"
    values = slow_values(tmp_path)
    job_id = submit(cluster, output, values)
    running = wait_for_running(output, 4)
    refused = subprocess.run([str(CLI), "submit", str(NOTEBOOKS / "faults.ipynb"), str(values), "-o", str(output),
                              "--nodes", "2", "--tasks", "4"], cwd=REPO, env=cluster.env, capture_output=True, text=True)
    assert refused.returncode == 3 and f"Slurm job {job_id} of this output folder is still RUNNING" in refused.stderr
    assert cluster.run("scancel", job_id).returncode == 0
    cluster.wait_job(job_id, timeout=120)
    collected = subprocess.run([str(CLI), "collect", str(output)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert collected.returncode == 1
    runs = runs_of(output)
    assert {runs[job]["status"] for job in running} == {"interrupted"}, runs
    assert {runs[job]["status"] for job in runs if job not in running} == {"missing"}, runs
    again = submit(cluster, output, values)
    assert cluster.wait_job(again, timeout=240) == "COMPLETED", (output / f"slurm-{again}.out").read_text()
    assert {r["status"] for r in runs_of(output).values()} == {"ok"}
    ran = counts(tmp_path)
    again_ran = {fault(job) for job in running}
    assert all(ran[name] == (2 if name in again_ran else 1) for name in SLOW), ran
