"""Inputs found in a notebook's code, through the real CLI: what preview says, and the size past
which the sweep asks for INPUTS instead of sending what it found."""

import nbformat

from support import run_cli


def notebook_reading(folder, code):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('state = "CA"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(code)]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "nb.ipynb")
    return folder / "nb.ipynb"


def test_more_than_a_gigabyte_found_in_the_code_asks_for_inputs_and_runs_nothing(tmp_path, values):
    (tmp_path / "nb" / "data").mkdir(parents=True)
    with open(tmp_path / "nb" / "data" / "huge.bin", "wb") as handle:  # sparse: no disk used
        handle.truncate(1_100_000_000)
    notebook = notebook_reading(tmp_path / "nb", 'open("data/huge.bin", "rb").read(10)')
    for command in ("preview", "run"):
        result = run_cli(command, notebook, values("AL"), "-o", tmp_path / "out")
        assert result.returncode == 2, result.stderr
        assert "nb.ipynb: its code names 1.1 GB of files (data/huge.bin), more than the 1.0 GB" in result.stderr
        assert "INPUTS=" in result.stderr
    assert not (tmp_path / "out").exists()
    declared = run_cli("preview", notebook, values("AL"), "-o", tmp_path / "out", "--inputs", "data/huge.bin")
    assert declared.returncode == 0, declared.stderr
    assert "# inputs (declared with INPUTS): data/huge.bin: 1 file, 1.1 GB, copied once per sweep" in declared.stdout
