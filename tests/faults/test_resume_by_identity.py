"""Promise 4: resume goes by each job's identity (the notebook's code + the job's own values), never
by line numbers or parallel's sequence numbers. Reordering, editing, removing and adding rows of
the values file runs exactly the new and the unfinished values; a notebook saved again with other
outputs or metadata changes nothing; a change to its code makes every result stale."""

import json
import shutil

import pytest

from faultkit import counts, plan_jobs, run_tagged, status_of
from jupyterstream.report.write import collect
from support import NOTEBOOKS


def table(path, counter, *faults):
    path.write_text("fault,counter_dir\n" + "".join(f"{f},{counter}\n" for f in faults))
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory, module_tag):
    """One finished sweep of four values (one fails), shared by the tests below in file order: each
    leaves the folder as a user would, and the next starts from there."""
    tmp_path, tag = tmp_path_factory.mktemp("resume"), module_tag
    counter = tmp_path / "counts"
    counter.mkdir()
    notebook = tmp_path / "faults.ipynb"
    shutil.copy(NOTEBOOKS / "faults.ipynb", notebook)
    output = tmp_path / "out"

    def cli(*args, name="cli"):
        return run_tagged([*args], tag, tmp_path / "logs", timeout=150, name=name)

    first = table(tmp_path / "first.csv", counter, "alpha", "beta", "raise", "gamma")
    code, _, err = cli("run", notebook, first, "-o", output, "--jobs", 2, name="first")
    assert code == 1, err  # 'raise' fails
    return {"tmp": tmp_path, "counter": counter, "notebook": notebook, "output": output, "cli": cli}


def ids(output, *faults):
    by_value = {j["texts"]["fault"]: j["id"] for j in plan_jobs(output)}
    return {by_value[f] for f in faults}


def test_an_edited_reordered_values_file_runs_exactly_the_new_and_unfinished_values(setup):
    output, counter = setup["output"], setup["counter"]
    assert counts(counter) == {"alpha": 1, "beta": 1, "raise": 1, "gamma": 1}
    # Reordered; beta edited to beta2; alpha removed; delta added; gamma (ok) and raise (failed) kept.
    second = table(setup["tmp"] / "second.csv", counter, "delta", "gamma", "raise", "beta2")
    code, out, err = setup["cli"]("plan", setup["notebook"], second, "-o", output, name="plan")
    assert code == 0, err
    assert set(out.split()) == ids(output, "delta", "raise", "beta2")
    code, _, err = setup["cli"]("run", setup["notebook"], second, "-o", output, "--jobs", 2, name="second")
    assert code == 1, err
    assert "4 jobs, 3 to run (1 already ok: kept)" in err
    assert counts(counter) == {"alpha": 1, "beta": 1, "gamma": 1, "raise": 2, "delta": 1, "beta2": 1}
    states = {r.label: r.state for r in collect(output, html=False)}
    assert states == {"fault=delta, counter_dir=" + str(counter): "ok",
                      "fault=gamma, counter_dir=" + str(counter): "ok",
                      "fault=raise, counter_dir=" + str(counter): "cell-error",
                      "fault=beta2, counter_dir=" + str(counter): "ok"}


def test_saving_the_notebook_again_with_other_outputs_and_metadata_reruns_nothing(setup):
    notebook, output = setup["notebook"], setup["output"]
    nb = json.loads(notebook.read_text())
    nb["metadata"]["widgets"] = {"state": {}}
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.99"}
    for number, cell in enumerate(nb["cells"]):
        cell["id"] = f"renamed-{number}"
        cell["metadata"]["collapsed"] = True
        if cell["cell_type"] == "code":
            cell["execution_count"] = number + 40
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["stale output\n"]}]
    notebook.write_text(json.dumps(nb, indent=2))
    first = setup["tmp"] / "first.csv"
    code, out, err = setup["cli"]("plan", notebook, first, "-o", output, name="plan")
    assert code == 0, err
    assert set(out.split()) == ids(output, "raise")  # only the unfinished one
    assert (output / "todo.txt").read_text().split() == out.split()


def test_a_change_to_the_notebooks_code_makes_every_result_stale_and_plans_them_all_again(setup):
    notebook, output = setup["notebook"], setup["output"]
    nb = json.loads(notebook.read_text())
    nb["cells"][-1]["source"] = "record('fault', fault)\nprint('finished, differently')"
    notebook.write_text(json.dumps(nb))
    first = setup["tmp"] / "first.csv"
    code, out, err = setup["cli"]("plan", notebook, first, "-o", output, name="plan")
    assert code == 0, err
    assert set(out.split()) == ids(output, "alpha", "beta", "raise", "gamma")
    states = {r.id: r.state for r in collect(output, html=False)}
    assert set(states.values()) == {"stale"}, states
    # The old results stay readable until they are replaced.
    for job_id in states:
        assert status_of(output, job_id) is not None and (output / "runs" / f"{job_id}.ipynb").exists()
