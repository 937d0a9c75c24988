"""A run that fills a disk does not take the sweep down. TMPDIR is an 8 MB tmpfs; one of four runs
writes 12 MB into tempfile.gettempdir(). GNU parallel buffers job output in a folder of the sweep's
own on another filesystem (buffers.py) and the collector spools in OUTPUT/.scratch/, so the other
three runs end ok, as if nothing happened, and see the TMPDIR the sweep was started with; the fourth
fails with "No space left on device" in the report and runs.csv; the report is written; exit 1, no
traceback. The same holds for a run that fills OUTPUT's disk from its working folder for a while."""

import csv
import json
import subprocess
import tempfile
from pathlib import Path

import pytest

from faultkit import fill, mount_tmpfs, plan_jobs, run_tagged, status_of, tagged_env
from jupyterstream.report.write import collect
from support import write_lines

NOTEBOOK = Path(__file__).parent / "notebooks" / "fills_a_disk.ipynb"  # prints $TMPDIR; writes fill_mb MB there


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, module_tag):
    """Four runs, the third filling an 8 MB TMPDIR; unmounted at the end."""
    tmp = tmp_path_factory.mktemp("full-tmpdir")
    tmpdir = tmp / "tmpdir"
    tmpdir.mkdir()
    mount_tmpfs(tmpdir, "size=8m")
    try:
        values = write_lines(tmp / "values.csv", "name,fill_mb", "a,0", "b,0", "c,12", "d,0")
        output = tmp / "out"
        code, out, err = run_tagged(["run", NOTEBOOK, values, "--output", output, "--jobs", 2], module_tag,
                                    tmp / "logs", env=tagged_env(module_tag, TMPDIR=tmpdir), timeout=240)
        ids = {j["texts"]["name"]: j["id"] for j in plan_jobs(output)}
        states = {name: (status_of(output, job_id) or {}).get("status") for name, job_id in ids.items()}
        yield {"output": output, "tmpdir": tmpdir, "code": code, "out": out, "err": err, "states": states,
               "ids": ids}
    finally:
        subprocess.run(["umount", "--lazy", str(tmpdir)], capture_output=True, timeout=30)


def printed(output, job_id):
    """What a run's notebook printed."""
    nb = json.loads((output / "runs" / f"{job_id}.ipynb").read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def test_the_other_runs_end_ok_and_the_one_that_filled_tmpdir_fails_saying_so(sweep):
    assert sweep["code"] == 1, sweep["err"]
    assert "Traceback" not in sweep["err"] + sweep["out"], sweep["err"]
    assert "Output is incomplete" not in sweep["err"], "GNU parallel stopped: its buffers were in TMPDIR"
    assert sweep["states"] == {"a": "ok", "b": "ok", "c": "cell-error", "d": "ok"}, sweep["states"]
    record = status_of(sweep["output"], sweep["ids"]["c"])
    assert "No space left on device" in record["evalue"], record


def test_the_report_and_runs_csv_are_written_and_name_the_full_disk(sweep):
    output = sweep["output"]
    with open(output / "runs.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["status"] for row in rows) == ["cell-error", "ok", "ok", "ok"], rows
    (failed,) = [row for row in rows if row["status"] != "ok"]
    assert "No space left on device" in failed["error"], failed
    assert "No space left on device" in (output / "report.html").read_text(encoding="utf-8")
    assert (output / "master.ipynb").exists()


def test_every_kernel_was_given_the_tmpdir_the_sweep_was_started_with(sweep):
    for job_id in sweep["ids"].values():
        assert printed(sweep["output"], job_id).splitlines()[0] == str(sweep["tmpdir"])
    assert (sweep["tmpdir"] / "fill-c").stat().st_size > 7 * 2 ** 20, "the run should have filled TMPDIR"



def test_a_collect_whose_tmpdir_is_full_to_the_last_byte_still_writes_the_report(sweep, monkeypatch):
    """The collector's spools are in OUTPUT/.scratch/: a TMPDIR that filled up after the collector
    chose it (as in `run`, whose collect comes after the jobs) is no concern of the collect's."""
    output = sweep["output"]
    fill(sweep["tmpdir"])
    monkeypatch.setattr(tempfile, "tempdir", str(sweep["tmpdir"]))  # chosen while there was room
    (output / "status" / f"{sweep['ids']['a']}.json").touch()  # rendered again, through the spools
    before = (output / "report.html").stat().st_mtime_ns
    runs = collect(output)
    assert sorted(run.state for run in runs) == ["cell-error", "ok", "ok", "ok"]
    assert (output / "report.html").stat().st_mtime_ns > before


def test_a_run_that_fills_outputs_disk_for_a_while_fails_alone(tmp_path, tag):
    """OUTPUT on a 16 MB tmpfs; one run writes 40 MB into its working folder (inside OUTPUT), keeps
    the disk full for 3 s, then frees it: parallel, which looks at its buffers' disk many times a
    second, must not be buffering there."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount_tmpfs(disk, "size=16m")
    try:
        values = write_lines(tmp_path / "values.csv", "name,fill_mb,into,hold", "a,0,here,0", "b,0,here,0",
                             "c,40,here,3", "d,0,here,0")
        output = disk / "out"
        code, out, err = run_tagged(["run", NOTEBOOK, values, "--output", output, "--jobs", 1], tag,
                                    tmp_path / "logs", timeout=240)
        ids = {j["texts"]["name"]: j["id"] for j in plan_jobs(output)}
        states = {name: (status_of(output, job_id) or {}).get("status") for name, job_id in ids.items()}
        assert code == 1 and "Traceback" not in err + out, err
        assert "Output is incomplete" not in err, "GNU parallel stopped: its buffers were on OUTPUT's disk"
        assert states == {"a": "ok", "b": "ok", "c": "cell-error", "d": "ok"}, states
        assert "No space left on device" in status_of(output, ids["c"])["evalue"]
        assert (output / "report.html").exists() and (output / "runs.csv").exists()
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], capture_output=True, timeout=30)
