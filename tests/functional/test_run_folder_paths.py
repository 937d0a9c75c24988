"""Relative paths in a run folder mean what they mean beside the notebook: a file written above the
notebook's folder comes home under _up/, one per run, and '../folder-name/x' comes back in. Through
the real CLI: real kernels (warm and cold), real GNU parallel."""

import json
import os

import nbformat
import pytest

from support import read_status, run_cli

WRITES_ABOVE = '''with open("../x.csv", "w") as handle:
    handle.write(f"{state},1\\n")
with open("../../y", "w") as handle:
    handle.write(state)'''

OUT_AND_BACK = '''import os
print("READ", open(os.path.join('..', 'cli-simple', 'simple_input.txt')).read().strip())'''


def write_notebook(path, code):
    """A notebook with a parameters cell and one code cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('state = "CA"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(code)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def printed(output, job_id):
    """Everything the run's cells printed."""
    nb = nbformat.read(output / "runs" / f"{job_id}.ipynb", 4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("kernels", ["--warm-kernels", "--cold-kernels"])
def test_a_file_written_above_the_run_folder_comes_home_under_up_for_each_run(tmp_path, values, kernels):
    notebook = write_notebook(tmp_path / "project" / "analysis" / "nb.ipynb", WRITES_ABOVE)
    output = tmp_path / "out"
    result = run_cli("run", notebook, values("AL", "CA"), "-o", output, "--jobs", "2", kernels)
    assert result.returncode == 0, result.stderr
    for job in ("AL", "CA"):
        home = output / "files" / job
        assert (home / "_up" / "x.csv").read_text() == f"{job},1\n"
        assert (home / "_up" / "_up" / "y").read_text() == job
        assert [f["name"] for f in read_status(output, job)["files"]] == ["_up/_up/y", "_up/x.csv"]
    # nothing a run wrote lands outside its own run folder, nor beside the notebook
    assert not (output / ".work").exists() or os.listdir(output / ".work") == []
    assert not {"x.csv", "y"} & set(os.listdir(output))
    assert sorted(os.listdir(tmp_path / "project")) == ["analysis"]
    assert sorted(os.listdir(tmp_path / "project" / "analysis")) == ["nb.ipynb"]


@pytest.mark.parametrize("declared", [(), ("--inputs", "simple_input.txt"),
                                      ("--inputs", "../cli-simple/simple_input.txt")])
def test_a_path_out_of_the_notebooks_folder_and_back_in_reads_the_file_beside_it(tmp_path, values, declared):
    # papermill's own binder/cli-simple/pm_example.ipynb reads os.path.join('..', 'cli-simple', ...)
    notebook = write_notebook(tmp_path / "binder" / "cli-simple" / "pm_example.ipynb", OUT_AND_BACK)
    (notebook.parent / "simple_input.txt").write_text("hello from beside the notebook\n")
    output = tmp_path / "out"
    result = run_cli("run", notebook, values("AL"), "-o", output, *declared)
    assert result.returncode == 0, result.stderr
    assert read_status(output, "AL")["status"] == "ok"
    assert "READ hello from beside the notebook" in printed(output, "AL")


def test_a_run_with_more_files_than_its_record_lists_names_every_one_in_its_full_list(tmp_path, values):
    code = ('import os\nos.makedirs("many")\n'
            'for n in range(1005):\n    open(f"many/{n:04d}.txt", "w").write("x" * (n % 2))')
    notebook = write_notebook(tmp_path / "nb" / "many.ipynb", code)
    output = tmp_path / "out"
    result = run_cli("run", notebook, values("AL"), "-o", output)
    assert result.returncode == 0, result.stderr
    record = read_status(output, "AL")
    assert (record["files_count"], len(record["files"]), record["files_bytes"]) == (1005, 1000, 502)
    assert record["files_list"] == "status/AL.files.jsonl"
    every = [json.loads(line) for line in (output / record["files_list"]).read_text().splitlines()]
    assert [f["name"] for f in every] == [f"many/{n:04d}.txt" for n in range(1005)]
    assert every[:1000] == record["files"] and len(os.listdir(output / "files" / "AL" / "many")) == 1005
