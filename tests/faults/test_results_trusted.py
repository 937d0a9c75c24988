"""Promise: what the collector shows is what really happened, and what it cannot trust runs again.
An ok run whose notebook was re-saved (as Jupyter does when someone opens it) or truncated is run
again; the collect index never keeps a state that depends on live processes, so after a crash the
runs that were in flight show as killed; a notebook edited after its sweep makes `collect` alone show
the old results as stale. Real kernels, real GNU parallel, the faults notebook with its counter."""

import json
import shutil
import time

import nbformat

from faultkit import Cli, counts, kill_tagged, plan_jobs, run_tagged, status_of
from jupyterstream.collect import cachefile, runs as collector
from jupyterstream.report.write import collect
from support import NOTEBOOKS


def new_sweep(tmp_path, tag, *values, jobs=2):
    """The faults notebook (copied, so a test may edit it) over ``values``, not started yet."""
    counter = tmp_path / "counts"
    counter.mkdir()
    notebook = tmp_path / "faults.ipynb"
    shutil.copy(NOTEBOOKS / "faults.ipynb", notebook)
    table = tmp_path / "values.csv"
    table.write_text("fault,counter_dir\n" + "".join(f"{v},{counter}\n" for v in values))
    output = tmp_path / "out"
    args = ["run", notebook, table, "--output", output, "--jobs", jobs]
    return {"args": args, "output": output, "counter": counter, "notebook": notebook, "tag": tag,
            "logs": tmp_path / "logs"}


def run(sweep, name):
    return run_tagged(sweep["args"], sweep["tag"], sweep["logs"], timeout=180, name=name)


def ids(output):
    return {j["texts"]["fault"]: j["id"] for j in plan_jobs(output)}


def states(output):
    by_id = {r.id: r.state for r in collect(output, html=False)}
    return {value: by_id[job_id] for value, job_id in ids(output).items()}


def test_an_ok_run_whose_notebook_was_resaved_or_truncated_runs_again_and_ends_ok(tmp_path, tag):
    sweep = new_sweep(tmp_path, tag, "alpha", "beta", "gamma")
    code, _, err = run(sweep, "first")
    assert code == 0, err
    output, job = sweep["output"], ids(sweep["output"])
    resaved = output / "runs" / f"{job['alpha']}.ipynb"
    nbformat.write(nbformat.read(resaved, as_version=4), resaved)  # what Jupyter does on open and save
    truncated = output / "runs" / f"{job['beta']}.ipynb"
    truncated.write_bytes(truncated.read_bytes()[:500])
    assert states(output) == {"alpha": "corrupt", "beta": "corrupt", "gamma": "ok"}
    code, _, err = run(sweep, "again")
    assert code == 0, err
    assert "3 jobs, 2 to run (1 already ok: kept)" in err, err
    assert f"jupyterstream: {job['alpha']} runs again, its ok result cannot be trusted: results corrupt: the " \
           "notebook does not match its status record (it was re-saved, truncated or replaced after the run)" in err, err
    assert f"jupyterstream: {job['beta']} runs again, its ok result cannot be trusted: results corrupt" in err, err
    assert counts(sweep["counter"]) == {"alpha": 2, "beta": 2, "gamma": 1}
    assert states(output) == {"alpha": "ok", "beta": "ok", "gamma": "ok"}


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.2)


def test_after_a_crash_following_a_mid_sweep_collect_the_next_collect_shows_killed_not_running_or_pending(
        tmp_path, tag):
    sweep = new_sweep(tmp_path, tag, "sleep", "later1", "later2", jobs=1)  # 'sleep': a 120 s cell
    cli = Cli(sweep["args"], sweep["tag"], sweep["logs"])
    output = sweep["output"]
    wait_for(lambda: (output / "plan.json").exists() and
             (status_of(output, ids(output)["sleep"]) or {}).get("status") == "running", 120, "the first job")
    assert states(output) == {"sleep": "running", "later1": "pending", "later2": "pending"}
    assert not kill_tagged(sweep["tag"]), "some processes survived SIGKILL"  # a machine crash
    cli.wait(10)
    after = states(output)
    assert after["sleep"] == "killed", after
    assert not {"running", "pending"} & set(after.values()), after
    index = cachefile.load(output / collector.INDEX, "collect-index", collector.INDEX_VERSION)
    assert not {e["run"]["state"] for e in index.values()} & {"running", "pending", "killed", "missing"}


def test_after_the_notebook_is_edited_collect_alone_shows_the_old_results_as_stale(tmp_path, tag):
    sweep = new_sweep(tmp_path, tag, "alpha")
    code, _, err = run(sweep, "first")
    assert code == 0, err
    output = sweep["output"]
    assert states(output) == {"alpha": "ok"}
    nb = json.loads(sweep["notebook"].read_text())
    nb["cells"][-1]["source"] = "record('fault', fault)\nprint('finished, differently')"
    sweep["notebook"].write_text(json.dumps(nb))
    code, _, err = run_tagged(["collect", output], sweep["tag"], sweep["logs"], timeout=120, name="collect")
    assert code == 1 and "1 runs: 1 stale" in err, err
    assert "the notebook changed since this result" in err
    # Editing it back (outputs and metadata may differ: only the code counts) makes the result current again.
    nb["cells"][-1]["source"] = json.loads((NOTEBOOKS / "faults.ipynb").read_text())["cells"][-1]["source"]
    nb["metadata"]["widgets"] = {}
    sweep["notebook"].write_text(json.dumps(nb))
    assert states(output) == {"alpha": "ok"}
