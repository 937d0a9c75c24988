"""Preview shows the exact commands and runs nothing; both timeouts are recorded as timeouts."""

import json
import shlex

from support import NOTEBOOKS, REPO, read_status, run_cli


def test_preview_prints_the_parallel_line_and_one_nbconvert_line_per_job_and_runs_nothing(tmp_path, values):
    output = tmp_path / "out"
    result = run_cli("preview", NOTEBOOKS / "echo.ipynb", values("AL", "New York", "DC"), "-o", output,
                     "--cell-timeout", 30, "--job-timeout", 60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # the line starts with the TMPDIR that run-one gives the kernels back (parallel's --tmpdir replaces it)
    sweep = [line for line in lines if " parallel --will-cite " in line and not line.startswith("#")]
    assert len(sweep) == 1 and "--timeout 60" in sweep[0] and "--joblog" in sweep[0]
    assert sweep[0].startswith("JUPYTERSTREAM_TMPDIR=")
    jobs = [line for line in lines if "nbconvert" in line and line not in sweep]
    assert len(jobs) == 3
    for line in jobs:
        words = shlex.split(line)
        assert words[words.index("nbconvert") + 1:][:3] == ["--to", "notebook", "--execute"]
        assert "--ExecutePreprocessor.timeout=30" in words
    assert not output.exists()


def test_make_preview_runs_nothing(tmp_path, values):
    import subprocess

    output = tmp_path / "out"
    result = subprocess.run(["make", "--no-print-directory", "preview", f"NOTEBOOK={NOTEBOOKS / 'echo.ipynb'}",
                             f"VALUES={values('AL', 'CA')}", f"OUTPUT={output}"],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("jupyter nbconvert --to notebook --execute") == 3
    assert not output.exists()


def test_a_job_past_its_job_timeout_is_recorded_as_job_timeout_and_keeps_its_partial(tmp_path, values):
    output = tmp_path / "out"
    result = run_cli("run", NOTEBOOKS / "faults.ipynb", values("sleep", "ok"), "--param", "fault",
                     "-o", output, "--job-timeout", 8)
    assert result.returncode == 1
    record = read_status(output, "sleep")
    assert record["status"] == "job-timeout" and record["exit_code"] == 3
    assert 8 <= record["duration"] < 20
    nb = json.loads((output / "runs" / "sleep.ipynb").read_text())
    assert "".join(nb["cells"][2]["outputs"][0]["text"]) == "started sleep\n"
    assert read_status(output, "ok")["status"] == "ok"
    joblog = (output / "joblog.tsv").read_text().splitlines()
    assert len(joblog) == 2
