"""What a notebook reads: inputs declared with INPUTS or found in its code, under one root."""

import pytest

from jupyterstream.launch import inputs as inputs_module
from jupyterstream.errors import InputsError
from jupyterstream.launch.inputs import inputs_for, parse_size, string_literals

from ..helpers import notebook


@pytest.fixture
def project(tmp_path):
    """tmp/analysis/{nb's folder, data/x.csv, data/y.csv, notes.txt}, tmp/shared.csv, tmp/out/."""
    (tmp_path / "analysis" / "data").mkdir(parents=True)
    (tmp_path / "analysis" / "data" / "x.csv").write_text("a\n1\n")
    (tmp_path / "analysis" / "data" / "y.csv").write_text("b\n2\n")
    (tmp_path / "analysis" / "notes.txt").write_text("not read")
    (tmp_path / "shared.csv").write_text("k\n7\n")
    (tmp_path / "out").mkdir()
    return tmp_path


def found(project, *cells):
    return inputs_for(project / "analysis" / "nb.ipynb", notebook("state = 'CA'\n", *cells), [], project / "out")


def test_files_the_code_names_in_string_literals_are_found(project):
    got = found(project, 'pd.read_csv("data/x.csv")', "open('notes-missing.txt')")
    assert got.paths == ["data/x.csv"] and got.found
    assert got.files == [("data/x.csv", 4)] and got.notebook_dir == "."


def test_a_folder_named_by_a_path_expression_or_an_f_string_is_found_whole(project):
    for code in ('Path("data") / "x.csv"', 'f"data/{state}.csv"', 'os.path.join("data", name)'):
        got = found(project, code)
        assert got.paths == ["data/"], code
        assert [name for name, _ in got.files] == ["data/x.csv", "data/y.csv"]


def test_an_input_above_the_notebooks_folder_moves_the_root_up_and_the_notebook_down(project):
    got = found(project, 'pd.read_csv("data/x.csv")', 'pd.read_csv("../shared.csv")')
    assert got.root == str(project) and got.notebook_dir == "analysis"
    assert [name for name, _ in got.files] == ["analysis/data/x.csv", "shared.csv"]


def test_the_notebooks_folder_a_folder_above_it_and_the_output_are_never_found(project):
    (project / "analysis" / "out").mkdir()
    got = inputs_for(project / "analysis" / "nb.ipynb", notebook("state = 'CA'\n", 'x = (".", "..", "../", "out", "/etc/hostname", "")'),
                     [], project / "analysis" / "out")
    assert got.paths == [] and got.files == []
    assert "none" in got.describe()


def test_declared_inputs_replace_what_the_code_names(project):
    nb = notebook("state = 'CA'\n", 'pd.read_csv("data/x.csv")')
    got = inputs_for(project / "analysis" / "nb.ipynb", nb, ["notes.txt", "../shared.csv"], project / "out")
    assert got.paths == ["notes.txt", "../shared.csv"] and not got.found
    assert [name for name, _ in got.files] == ["analysis/notes.txt", "shared.csv"]


def test_a_declared_input_that_is_missing_or_absolute_is_refused_by_name(project):
    nb = notebook()
    with pytest.raises(InputsError, match=r"INPUTS: data/z.csv: no such file or folder"):
        inputs_for(project / "analysis" / "nb.ipynb", nb, ["data/z.csv"], project / "out")
    with pytest.raises(InputsError, match="relative to the notebook's folder"):
        inputs_for(project / "analysis" / "nb.ipynb", nb, [str(project / "shared.csv")], project / "out")
    with pytest.raises(InputsError, match="one above it"):
        inputs_for(project / "analysis" / "nb.ipynb", nb, [".."], project / "out")


def test_found_inputs_over_the_limit_ask_for_inputs_to_be_declared(project, monkeypatch):
    monkeypatch.setattr(inputs_module, "FOUND_LIMIT", 5)
    with pytest.raises(InputsError, match=r"nb.ipynb: its code names 8 B of files \(data/\).*INPUTS="):
        found(project, 'Path("data")')
    declared = inputs_for(project / "analysis" / "nb.ipynb", notebook(), ["data/"], project / "out")
    assert declared.total == 8  # declared inputs are sent whatever their size


def test_string_literals_skip_magics_and_long_or_multiline_text():
    nb = notebook("state = 'CA'\n", "%matplotlib inline\nx = 'a.csv'\ny = '''two\nlines'''", "z = 'b' * 3\n" + "w = '" + "x" * 400 + "'")
    assert string_literals(nb) == ["CA", "a.csv", "b"]


@pytest.mark.parametrize("text, size", [("300MB", 300_000_000), ("1.5G", 1_500_000_000), ("2GiB", 2 * 2 ** 30),
                                        ("500000", 500_000), ("0", 0), ("", 0), (" 10 kb ", 10_000)])
def test_sizes_are_read_as_users_write_them(text, size):
    assert parse_size(text) == size


def test_a_size_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="'3 apples' is not a size"):
        parse_size("3 apples")


def test_modules_beside_the_notebook_that_it_imports_are_inputs_even_when_inputs_are_declared(project):
    folder = project / "analysis"
    (folder / "helpers.py").write_text("X = 1\n")
    (folder / "pkg" / "sub").mkdir(parents=True)
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "sub" / "__init__.py").write_text("")
    got = found(project, "import helpers, os\nfrom pkg.sub import thing\nimport data  # a folder, not a package")
    assert got.paths == ["helpers.py", "pkg/"] and got.modules == ["helpers.py", "pkg/"]
    assert [name for name, _ in got.files] == ["helpers.py", "pkg/__init__.py", "pkg/sub/__init__.py"]
    assert got.describe().startswith("inputs (helpers.py, pkg/: imported by the notebook): helpers.py, pkg/: 3 files")
    declared = inputs_for(folder / "nb.ipynb", notebook("import helpers"), ["notes.txt"], project / "out")
    assert declared.paths == ["notes.txt", "helpers.py"] and declared.modules == ["helpers.py"]


def test_a_module_the_code_both_names_and_imports_is_sent_once(project):
    (project / "analysis" / "helpers.py").write_text("X = 1\n")
    got = found(project, "import helpers\nprint(open('helpers.py').read())")
    assert got.paths == ["helpers.py"] and got.modules == ["helpers.py"] and got.files == [("helpers.py", 6)]


def test_files_named_on_magic_and_shell_lines_are_found(project):
    (project / "analysis" / "setup.py").write_text("Y = 1\n")
    got = found(project, "%run setup.py\nprint(Y)", "!wc -l data/x.csv notes-missing.txt",
                "%%bash\nsort --output=out.txt 'notes.txt'")
    assert got.paths == ["data/x.csv", "notes.txt", "setup.py"]


def test_an_r_notebook_whose_code_is_not_python_still_has_its_quoted_files_found(project):
    nb = notebook('state <- "CA"\n', 'library(dplyr)\nd <- read.csv(file.path("data", "x.csv")) %>% filter(a > 0)',
                  "f <- function(x) { readLines('notes.txt') }")
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    got = inputs_for(project / "analysis" / "nb.ipynb", nb, [], project / "out")
    assert got.paths == ["data/", "notes.txt"]


def test_a_bash_notebooks_words_name_its_files(project):
    nb = notebook('state="CA"\n', "wc -l data/x.csv < notes.txt | tee result.txt")
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    got = inputs_for(project / "analysis" / "nb.ipynb", nb, [], project / "out")
    assert got.paths == ["data/x.csv", "notes.txt"]


def test_a_glob_pattern_names_the_folder_it_searches_or_its_matches_beside_the_notebook(project):
    (project / "analysis" / "a.csv").write_text("1\n")
    (project / "analysis" / "b.csv").write_text("2\n")
    got = found(project, 'files = glob.glob("data/*.csv")', 'more = sorted(Path(".").glob("*.csv"))',
                'glob.glob("[0-9]*.none")')
    assert got.paths == ["a.csv", "b.csv", "data/"]


def test_the_files_and_modules_a_local_module_names_are_found_too(project):
    folder = project / "analysis"
    (folder / "helpers.py").write_text("import os\nimport lookups\nTABLE = open('notes.txt').read()\n")
    (folder / "lookups.py").write_text("import pandas\nPATH = '../shared.csv'\n")
    (folder / "unused.py").write_text("X = 'data/x.csv'\n")
    got = found(project, "import helpers")
    assert got.modules == ["helpers.py", "lookups.py"]
    assert got.paths == ["../shared.csv", "notes.txt", "helpers.py", "lookups.py"]
    assert got.root == str(project)


def test_a_folder_the_code_writes_a_missing_file_into_is_made_empty_in_every_run_folder(project):
    folder = project / "analysis"
    (folder / "figures").mkdir()
    (folder / "figures" / "old.png").write_text("from an earlier run")
    (folder / "results").mkdir()
    got = found(project, 'fig.savefig("figures/AL.png")', 'df.to_csv("results/by_year/AL.csv")',
                'open("nowhere/x.txt", "w")', 'open("./top.txt", "w")')
    assert got.paths == [] and got.files == []
    assert got.folders == ["figures", "results"] and got.present
    assert got.describe() == "inputs: none; empty folders made in each run folder: figures/, results/"


def test_every_folder_below_a_folder_input_is_kept_even_when_empty(project):
    (project / "analysis" / "data" / "empty" / "deeper").mkdir(parents=True)
    got = found(project, 'os.listdir("data")')
    assert got.paths == ["data/"] and got.folders == ["data", "data/empty", "data/empty/deeper"]
    assert got.describe().endswith("; empty folders made in each run folder: data/empty/")


def test_a_path_the_code_only_writes_to_is_an_empty_folder_not_an_input(project):
    # a run by hand left figures/CA.png and output/CA.csv: they are outputs, not inputs; sending them
    # would make each run's own write go through a read-only link
    folder = project / "analysis"
    for name in ("figures/CA.png", "output/CA.csv", "logs/run.txt", "keep/a.txt"):
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text("from a run by hand")
    got = found(project, 'fig.savefig(f"figures/{state}.png", dpi=80)', 'df.to_csv(path_or_buf=f"output/{state}.csv")',
                'open("logs/run.txt", "a").write("x")', 'Path("keep/a.txt").write_text("new")',
                'open("keep/a.txt").read()', 'pd.read_csv("data/x.csv")')
    assert got.paths == ["data/x.csv", "keep/a.txt"]
    assert got.folders == ["figures", "logs", "output"]  # keep/ comes with its file


def test_files_the_values_name_are_found_for_a_sweep_over_files(project):
    folder = project / "analysis"
    for i in range(12):
        (folder / "data" / f"part{i:02}.csv").write_text("p\n")
    values = [f"data/part{i:02}.csv" for i in range(12)] + ["CA", "data/missing.csv", "x" * 400]
    got = inputs_for(folder / "nb.ipynb", notebook("path = 'data/x.csv'\n", "pd.read_csv(path)"), [], project / "out",
                     values)
    assert got.paths == ["data/part00.csv", "data/part01.csv", "data/part02.csv", "data/part03.csv", "data/part04.csv",
                         "data/part05.csv", "data/part06.csv", "data/part07.csv", "data/part08.csv", "data/part09.csv",
                         "data/part10.csv", "data/part11.csv", "data/x.csv"]
    assert got.describe().startswith("inputs (found in the notebook's code and values; declare them with INPUTS=...): "
                                     "data/part00.csv, ")
    assert ", ... (13 in all): 13 files" in got.describe()
    declared = inputs_for(folder / "nb.ipynb", notebook(), ["notes.txt"], project / "out", values)
    assert declared.paths == ["notes.txt"] and not declared.in_values


def test_the_modules_the_inputs_hold_are_named_for_the_ssh_check_to_leave_out(project):
    (project / "analysis" / "helpers.py").write_text("X = 1\n")
    (project / "src" / "mylib").mkdir(parents=True)
    (project / "src" / "mylib" / "__init__.py").write_text("")
    got = found(project, "import sys\nsys.path.append('../src')\nimport helpers, mylib, pandas")
    assert got.paths == ["../src/", "helpers.py"] and got.shipped == ["helpers", "mylib"]
