"""Promise 5: OUTPUT on a full disk (a 2 MB tmpfs, mounted for these tests). Runs that no longer fit
end with an error that names the file and the cause; the runs that fitted stay ok, whole and
readable; nothing truncated is ever read as a result; a collect that cannot write keeps the
previous report. The tests share one disk and run in file order."""

import hashlib
import subprocess
from pathlib import Path

import pytest

from faultkit import fill, kill_tagged, leftovers, mount_tmpfs, plan_jobs, run_tagged, status_of

NOTEBOOK = Path(__file__).parent / "notebooks" / "big_output.ipynb"  # prints size_kb KiB


@pytest.fixture(scope="module")
def disk(tmp_path_factory, module_tag):
    """A 2 MB tmpfs holding OUTPUT, after a sweep that overflowed it; unmounted at the end."""
    tmp = tmp_path_factory.mktemp("full-disk")
    mount = tmp / "disk"
    mount.mkdir()
    mount_tmpfs(mount, "size=2m")
    try:
        values = tmp / "sizes.txt"
        values.write_text("10\n20\n500\n501\n502\n503\n")
        output = mount / "out"
        code, out, err = run_tagged(["run", NOTEBOOK, values, "--param", "size_kb", "--output", output,
                                     "--jobs", 2], module_tag, tmp / "logs", timeout=180)
        states = {j["id"]: (status_of(output, j["id"]) or {}).get("status") for j in plan_jobs(output)}
        yield {"tmp": tmp, "mount": mount, "output": output, "code": code, "stdout": out, "stderr": err,
               "tag": module_tag, "states": states, "ok": {i for i, s in states.items() if s == "ok"}}
    finally:
        kill_tagged(module_tag)
        subprocess.run(["umount", str(mount)], capture_output=True, timeout=30)


def whole(output, job_id):
    """True when the run's notebook is exactly the one its ok status record describes."""
    record = status_of(output, job_id)
    data = (output / "runs" / f"{job_id}.ipynb").read_bytes()
    return hashlib.sha256(data).hexdigest() == record["notebook_sha256"]


def test_runs_that_fit_stay_ok_and_whole_and_the_rest_fail_without_a_traceback(disk):
    output, err = disk["output"], disk["stderr"]
    assert disk["code"] in (1, 3), err  # 1: some runs failed; 3: the final collect could not be written either
    assert "Traceback" not in err and "Traceback" not in disk["stdout"]
    assert "No space left on dev" in err + disk["stdout"]
    states, ok = disk["states"], disk["ok"]
    assert {"10", "20"} <= ok, states
    assert ok != set(states), "the disk should have filled up"
    assert all(whole(output, i) for i in ok), "a truncated notebook is recorded as an ok result"
    for job_id, state in states.items():
        if state != "ok":  # the record could not even say so when the disk was full to the last byte
            assert state in ("job-error", "running"), (job_id, state)
    # A half-written partial notebook may be left behind, but never under a result's name.
    assert all(Path(p).name.startswith(".") for p in leftovers(output))


def test_a_run_that_no_longer_fits_says_which_file_could_not_be_written(disk):
    """With 200 KB free, a run that prints 600 KB: nbconvert itself cannot write the notebook."""
    output = disk["output"]
    fill(disk["mount"], leave=200 * 1024)
    values = disk["tmp"] / "more.txt"
    values.write_text("600\n")
    code, _, err = run_tagged(["run", NOTEBOOK, values, "--param", "size_kb", "--output", output],
                              disk["tag"], disk["tmp"] / "logs", timeout=120, name="more")
    assert code in (1, 3) and "Traceback" not in err, err
    record = status_of(output, "600")
    message = (record or {}).get("message", "")
    assert record and record["status"] == "job-error", record
    # run-one's own writes name their file ("cannot write OUTPUT/runs/X.ipynb: No space left on device")
    assert "No space left on device" in message and str(output / "runs") in message, message
    assert "Traceback" not in message and 'File "' not in message, message


def test_a_collect_that_cannot_write_keeps_the_previous_report_and_every_result(disk):
    output = disk["output"]
    fill(disk["mount"])
    names = ["report.html", "master.ipynb", "runs.csv", "metrics.csv"]
    kept = {n: (output / n).read_bytes() for n in names if (output / n).exists()}
    code, _, err = run_tagged(["collect", output], disk["tag"], disk["tmp"] / "logs", timeout=120, name="collect")
    assert code == 3, err
    assert "No space left on device" in err and str(output) in err and "Traceback" not in err
    assert {n: (output / n).read_bytes() for n in kept} == kept
    assert [p.name for p in output.iterdir() if p.name.endswith(".tmp")] == []
    assert all(whole(output, i) for i in disk["ok"])


def test_a_run_whose_log_cannot_hold_the_reason_on_a_full_disk_still_says_no_space_left(tmp_path):
    """nbconvert fails writing its notebook on a full disk, and the log, on the same disk, cannot hold
    its traceback: the record still names the cause, from the disk's free space."""
    from jupyterstream.runner.job import Job

    mount = tmp_path / "disk"
    mount.mkdir()
    mount_tmpfs(mount, "size=1m")
    try:
        for folder in ("logs", "runs"):
            (mount / folder).mkdir()
        job = Job(str(mount), "AL", [], 0)
        Path(job.log).write_text("[NbConvertApp] Converting notebook inputs/AL.ipynb to notebook\n")
        spared = job._classify(1, None)["message"]
        fill(mount)
        full = job._classify(1, None)["message"]
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, timeout=30)
    assert "No space left on device" not in spared  # with room left, the log's last line is the message
    assert full.startswith("nbconvert exited 1 without writing a readable notebook: cannot write ")
    assert f"{job.partial}: No space left on device" in full
