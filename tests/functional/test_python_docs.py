"""docs/python.md is true: its notebook is built from its own cells, and every example runs as
written (Python blocks in order, in one namespace; the notebook block in a real kernel; the shell
lines through the real CLI and make), printing what its `# ->` comments say."""

import contextlib
import io
import os
import re
import subprocess
import sys

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from support import REPO

DOC = REPO / "docs" / "python.md"
BLOCK = re.compile(r"(?:<!-- (?P<mark>[^>]*?) -->\n)?```(?P<lang>\w+)\n(?P<code>.*?)```", re.S)


def blocks(mark=None, lang="python"):
    """The code of the doc's blocks of ``lang`` with that marker comment (None: without one)."""
    return [m["code"] for m in BLOCK.finditer(DOC.read_text()) if m["lang"] == lang and m["mark"] == mark]


def write_analysis(folder):
    """analysis.ipynb as the doc shows it: its parameters cell and the cell after it."""
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    [parameters] = blocks("cell of analysis.ipynb, tagged parameters")
    [body] = blocks("cell of analysis.ipynb")
    nb.cells = [new_code_cell(parameters, metadata={"tags": ["parameters"]}), new_code_cell(body)]
    nbformat.write(nb, str(folder / "analysis.ipynb"))


def promised(code):
    """What the block's `# ->` comments say it prints (up to a trailing ' ...')."""
    return [c.split(" ...")[0] for c in re.findall(r"# -> (.*)$", code, re.M)]


def test_every_python_example_runs_and_prints_what_it_says(tmp_path, monkeypatch):
    write_analysis(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for code in blocks():
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 (the doc's own examples)
        for text in promised(code):
            assert text in printed.getvalue(), (text, printed.getvalue())
    assert namespace["result"].counts == {"ok": 2}


def test_the_notebook_example_runs_in_a_real_kernel_and_shows_a_table(tmp_path):
    write_analysis(tmp_path)
    [code] = blocks("in a notebook")
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_code_cell(code)]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    [result] = [o for o in nb.cells[0].outputs if o.output_type == "execute_result"]
    assert "<table>" in result.data["text/html"] and "3 runs</b>: 3 ok" in result.data["text/html"]


def test_the_shell_examples_run_through_the_cli_and_make(tmp_path):
    write_analysis(tmp_path)
    [script] = blocks(lang="bash")
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}")
    for line in script.strip().splitlines():
        if line.startswith("make "):  # make runs in the repository, with the doc's folder made absolute
            line = line.replace("NOTEBOOK=analysis.ipynb", f"NOTEBOOK={tmp_path / 'analysis.ipynb'}")
            line = line.replace("OUTPUT=make-out", f"OUTPUT={tmp_path / 'make-out'}")
            where = REPO
        else:
            where = tmp_path
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", line], cwd=where, env=env, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, (line, result.stderr)
    for folder in ("cli", "cli-grid", "make-out"):
        assert (tmp_path / folder / "report.html").is_file()
    outputs = nbformat.read(str(tmp_path / "make-out" / "runs" / "AL.ipynb"), 4).cells[-1].outputs
    assert "AL 1990 2.0 5.99\n" in [o.get("text") for o in outputs]
