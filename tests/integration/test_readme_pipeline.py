"""The README's direct GNU parallel invocation is real: copied out of the README, it runs."""

import re
import subprocess

import nbformat

from support import NOTEBOOKS, REPO, read_status


def readme_pipeline():
    """The bash block of the README section 'GNU parallel, directly'."""
    text = (REPO / "README.md").read_text()
    section = text.split("## GNU parallel, directly", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def test_the_readme_pipeline_runs_a_sweep_and_collects(tmp_path):
    script = readme_pipeline()
    assert "notebooks/births.ipynb states.txt" in script
    output = tmp_path / "out"
    values = tmp_path / "values.txt"
    values.write_text("AL\nDC\n")
    script = script.replace("notebooks/births.ipynb states.txt", f"{NOTEBOOKS / 'echo.ipynb'} {values}")
    script = re.sub(r"(?<![\w/.-])output(?=[/ \n])", str(output), script)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert read_status(output, "AL")["status"] == "ok" and read_status(output, "DC")["status"] == "ok"
    assert (output / "report.html").exists() and len((output / "joblog.tsv").read_text().splitlines()) == 2


def test_the_readme_pipeline_brings_home_a_file_each_run_wrote_above_its_notebook(tmp_path):
    # by hand, run-one is not told the notebook's folder (--mirror): it takes the one the plan recorded
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('state = "CA"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell('open("../x.csv", "w").write(state)\nopen("../../y", "w").write(state)')]
    notebook = tmp_path / "project" / "analysis" / "above.ipynb"
    notebook.parent.mkdir(parents=True)
    nbformat.write(nb, notebook)
    output, values = tmp_path / "out", tmp_path / "values.txt"
    values.write_text("AL\nDC\n")
    script = readme_pipeline().replace("notebooks/births.ipynb states.txt", f"{notebook} {values}")
    script = re.sub(r"(?<![\w/.-])output(?=[/ \n])", str(output), script)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for job in ("AL", "DC"):
        assert (output / "files" / job / "_up" / "x.csv").read_text() == job
        assert (output / "files" / job / "_up" / "_up" / "y").read_text() == job
    assert not {"x.csv", "y"} & {p.name for p in output.iterdir()} and not list((output / ".work").iterdir())
