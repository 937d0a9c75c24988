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


def test_a_notebook_that_imports_modules_beside_it_runs_with_them_warm_or_cold(tmp_path, values):
    # papermill and nbconvert run a notebook in its folder, where `import helpers` finds helpers.py;
    # a run folder must hold them too, found without INPUTS and kept when INPUTS is declared
    folder = tmp_path / "nb"
    (folder / "tools").mkdir(parents=True)
    (folder / "helpers.py").write_text("def twice(x):\n    return 2 * x\n")
    (folder / "tools" / "__init__.py").write_text("")
    (folder / "tools" / "units.py").write_text("KM = 1000\n")
    (folder / "notes.txt").write_text("read me\n")
    notebook = notebook_reading(folder, "import helpers\nfrom tools.units import KM\n"
                                        "print('RESULT', helpers.twice(KM), open('notes.txt').read().strip())")
    preview = run_cli("preview", notebook, values("AL"), "-o", tmp_path / "out")
    assert "helpers.py, tools/: imported by the notebook" in preview.stdout, preview.stdout
    for mode in ("--warm-kernels", "--cold-kernels"):
        out = tmp_path / f"out{mode}"
        result = run_cli("run", notebook, values("AL"), "-o", out, mode)
        assert result.returncode == 0, result.stdout + result.stderr
        text = "".join(o.get("text", "") for c in nbformat.read(out / "runs" / "AL.ipynb", 4).cells
                       for o in c.get("outputs", []))
        assert "RESULT 2000 read me" in text, text
    declared = run_cli("preview", notebook, values("AL"), "-o", tmp_path / "out", "--inputs", "notes.txt")
    assert "# inputs (declared with INPUTS; helpers.py, tools/: imported by the notebook): notes.txt, helpers.py, " \
           "tools/: 4 files" in declared.stdout, declared.stdout


def outputs_text(out, job_id):
    return "".join(o.get("text", "") for c in nbformat.read(out / "runs" / f"{job_id}.ipynb", 4).cells
                   for o in c.get("outputs", []))


def test_files_that_magics_shell_lines_and_a_bash_notebook_name_are_in_the_run_folder(tmp_path, values):
    folder = tmp_path / "nb"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "x.csv").write_text("a\n1\n2\n")
    (folder / "setup.py").write_text("SCALE = 3\n")
    python = notebook_reading(folder, "%run setup.py\nprint('SCALE', SCALE)\n!wc -l < data/x.csv")
    out = tmp_path / "py"
    result = run_cli("run", python, values("AL"), "-o", out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SCALE 3" in outputs_text(out, "AL") and "3" in outputs_text(out, "AL").split("SCALE 3")[1]
    bash = nbformat.v4.new_notebook()
    bash.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    bash.cells = [nbformat.v4.new_code_cell('state="CA"', metadata={"tags": ["parameters"]}),
                  nbformat.v4.new_code_cell('echo "LINES $(wc -l < data/x.csv)"')]
    nbformat.write(bash, folder / "count.ipynb")
    out = tmp_path / "sh"
    result = run_cli("run", folder / "count.ipynb", values("AL"), "-o", out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "LINES 3" in outputs_text(out, "AL")


def test_a_notebook_writes_into_the_folders_beside_it_that_its_code_names(tmp_path, values):
    # beside the notebook `open("figures/summary.txt", "w")` works because figures/ exists: so must it
    # in a run folder, without sending what figures/ already holds
    folder = tmp_path / "nb"
    (folder / "figures").mkdir(parents=True)
    (folder / "figures" / "old.png").write_text("from an earlier run")
    (folder / "results").mkdir()
    notebook = notebook_reading(folder, 'open("figures/summary.txt", "w").write(state)\n'
                                        'open("results/" + state + ".txt", "w").write("done")')
    out = tmp_path / "out"
    result = run_cli("run", notebook, values("AL", "CA"), "-o", out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "empty folders made in each run folder: figures/" in result.stdout + result.stderr
    for state in ("AL", "CA"):
        assert (out / "files" / state / "figures" / "summary.txt").read_text() == state
        assert (out / "files" / state / "results" / f"{state}.txt").read_text() == "done"
        assert not (out / "files" / state / "figures" / "old.png").exists()
    assert sorted(p.name for p in (folder / "figures").iterdir()) == ["old.png"]  # yours, untouched


def test_a_run_overwrites_what_a_run_by_hand_left_in_the_folder_it_writes_to(tmp_path, values):
    folder = tmp_path / "nb"
    (folder / "results").mkdir(parents=True)
    (folder / "results" / "CA.txt").write_text("by hand\n")
    notebook = notebook_reading(folder, 'open(f"results/{state}.txt", "w").write("swept")')
    out = tmp_path / "out"
    result = run_cli("run", notebook, values("CA", "AL"), "-o", out)
    assert result.returncode == 0, result.stdout + result.stderr
    for state in ("CA", "AL"):
        assert (out / "files" / state / "results" / f"{state}.txt").read_text() == "swept"
    assert (folder / "results" / "CA.txt").read_text() == "by hand\n"


def test_a_sweep_over_the_files_its_values_name_has_each_file_in_the_run_folder(tmp_path):
    folder = tmp_path / "nb"
    (folder / "data").mkdir(parents=True)
    for name, rows in (("a.csv", 2), ("b.csv", 5)):
        (folder / "data" / name).write_text("x\n" * rows)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('path = "data/a.csv"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print('ROWS', len(open(path).read().split()))")]
    nbformat.write(nb, folder / "count.ipynb")
    (tmp_path / "files.txt").write_text("data/a.csv\ndata/b.csv\n")
    out = tmp_path / "out"
    result = run_cli("run", folder / "count.ipynb", tmp_path / "files.txt", "--param", "path", "-o", out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "found in the notebook's code and values" in result.stderr
    printed = sorted(line for status in (out / "runs").glob("*.ipynb") for line in outputs_text(out, status.stem).split("\n")
                     if line.startswith("ROWS"))
    assert printed == ["ROWS 2", "ROWS 5"]
