"""The README's direct GNU parallel invocation is real: copied out of the README, it runs."""

import re
import subprocess

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
