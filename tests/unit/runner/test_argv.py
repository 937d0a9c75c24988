"""argv: run-one's command line, built by the planner, parsed by the job, read back from the joblog."""

import dataclasses
import json
import shlex
import subprocess

import pytest

from jupyterstream.launch.parallel import Settings, job_command
from jupyterstream.runner.argv import RunOne, parse, read_line
from jupyterstream.runner.outcome import Status, exit_code

# Words a shell, argparse or our own split could misread: quotes, $, ;, newlines, '=', a leading '-',
# the separator itself, an option's name, and nothing at all.
NASTY = ["my folder", "it's", '"q"', "$(touch pwned)", "a;b", "new\nline", "a=b", "-dash", "-", "--", "--sweep",
         "--mirror=x", "", "~/x", "é/ü", "x/run-one", "{}"]
COMMAND = ["python", "-m", "jupyter", "nbconvert", "--", "--sweep", "x", "-"]


def round_trip(job):
    """The job parsed back from its words, and from the shell line parallel logs for it."""
    words = job.words()
    line = shlex.join(["/opt/my python", "bin/run-one"] + words)
    return parse(words), read_line(line)


def assert_round_trips(job):
    parsed, from_line = round_trip(job)
    assert parsed == job
    assert from_line == dataclasses.replace(job, command=[])  # the joblog reader stops at --


@pytest.mark.parametrize("value", NASTY)
@pytest.mark.parametrize("name", ["mirror", "inputs", "sweep", "cwd"])
def test_any_text_of_a_folder_or_sweep_option_comes_back_exactly(name, value):
    assert_round_trips(RunOne("out", "AL", COMMAND, **{"inputs": "in", name: value}))


@pytest.mark.parametrize("value", NASTY)
def test_any_notebook_folder_inside_the_inputs_comes_back_exactly(value):
    assert_round_trips(RunOne("out", "AL", COMMAND, inputs="in", notebook_dir=value))


@pytest.mark.parametrize("folders", [["inputs", "tool"], ["-x", "--", ""], NASTY])
def test_every_folder_to_discard_comes_back_in_order(folders):
    assert_round_trips(RunOne("out", "AL", COMMAND, discard=folders))


@pytest.mark.parametrize("output", [o for o in NASTY if not o.startswith("-")] + ["./-dash"])
@pytest.mark.parametrize("job_id", ["AL", "New-York-3f2a9c1e", "{}", "a b", "x=y", "é"])
def test_any_output_folder_and_job_id_come_back_exactly(output, job_id):
    assert_round_trips(RunOne(output, job_id, COMMAND))


@pytest.mark.parametrize("word", ["-dash", "--", "--sweep"])
def test_an_output_folder_or_job_id_that_reads_as_an_option_is_refused_when_built(word):
    with pytest.raises(ValueError, match="starts with '-'"):
        RunOne(word, "AL", COMMAND).words()
    with pytest.raises(ValueError, match="job id"):
        RunOne("out", word, COMMAND).words()


@pytest.mark.parametrize("fields", [
    {"files_limit": 1}, {"files_limit": 300_000_000}, {"files_limit": 10**15},
    {"job_timeout": 2.5}, {"job_timeout": 60.0}, {"job_timeout": 1_000_000.0}, {"job_timeout": 0.001},
    {"memory_limit": 1}, {"memory_limit": 2 * 1024**3},
    {"attempts": 0}, {"attempts": 1}, {"attempts": -1}, {"attempts": 10},
    {"retryable_only": True}, {"warm_kernels": True}, {"retryable_only": True, "warm_kernels": True},
])
def test_numbers_and_switches_come_back_exactly(fields):
    assert_round_trips(RunOne("out", "AL", COMMAND, **fields))


def test_every_option_at_once_with_nasty_values_comes_back_exactly():
    assert_round_trips(RunOne("my out", "AL", COMMAND, mirror="-m", inputs="--", notebook_dir="a=b",
                              files_limit=5, discard=["-", "tool"], sweep="--sweep", job_timeout=2.5, memory_limit=7,
                              retryable_only=True, warm_kernels=True, cwd="", attempts=1))


def test_a_large_job_timeout_is_written_as_plain_seconds():
    words = RunOne("out", "AL", COMMAND, job_timeout=1_234_567).words()
    assert words[words.index("--job-timeout") + 1] == "1234567"


def test_the_readme_pipelines_hand_written_line_parses_with_the_defaults():
    line = ("parallel --will-cite --joblog +output/joblog.tsv --jobs 2 --termseq TERM,5000,KILL,25 "
            ".venv/bin/python bin/run-one output {} -- .venv/bin/python -m jupyter nbconvert --to notebook "
            "--execute --output-dir output/runs --output .{}.partial output/inputs/{}.ipynb")
    job = read_line(line)
    assert job == RunOne("output", "{}")
    assert parse(shlex.split(line)[10:]).command[:3] == [".venv/bin/python", "-m", "jupyter"]


def test_every_settings_sweep_gives_a_line_the_job_parses_back_to_those_settings():
    for fields in ({}, {"remote": True}, {"remote": True, "shared_fs": True}):
        settings = Settings(output="out", sweep="S-1", job_timeout=2.5, inputs=True, notebook_dir="nb",
                            notebook_folder="/p/nb dir", files_limit=9, memory_limit=8, retries=3, warm=True, **fields)
        job = parse(job_command(settings, placeholder="AL")[2:])
        assert (job.job_id, job.sweep, job.job_timeout, job.notebook_dir) == ("AL", "S-1", 2.5, "nb"), fields
        assert (job.mirror, job.files_limit, job.memory_limit, job.warm_kernels) == ("/p/nb dir", 9, 8, True), fields
        assert job.retryable_only == settings.remote and job.command[-1].endswith("inputs/AL.ipynb"), fields


def test_a_slurm_job_steps_line_is_read_back_past_its_srun_words():
    settings = Settings(output="out", sweep="S-1", srun=("srun", "--exact", "-N1", "-n1", "-c", "2", "--mem=0"))
    line = shlex.join(job_command(settings, placeholder="AL"))
    assert line.startswith("srun --exact") and read_line(line) == RunOne("out", "AL", sweep="S-1", warm_kernels=True)


def test_a_command_missing_after_the_separator_is_refused_with_the_usage(capsys):
    with pytest.raises(SystemExit) as stopped:
        parse(["out", "AL"])
    assert stopped.value.code == 2 and "give the nbconvert command after --" in capsys.readouterr().err


@pytest.mark.parametrize("line", ["echo hi", "bin/run-one out", "bin/run-one 'open", "bin/run-one out -- x",
                                  "bin/run-one out AL --files-limit many -- x", "bin/run-one out AL --sweep"])
def test_a_line_that_runs_no_readable_run_one_reads_as_none(line):
    assert read_line(line) is None


def test_an_option_a_newer_run_one_wrote_is_passed_over_when_reading_the_joblog():
    assert read_line("bin/run-one out AL --sweep S --newer -- x") == RunOne("out", "AL", sweep="S")


def test_a_local_job_of_an_output_folder_named_like_an_option_reads_its_inputs_option(tmp_path, monkeypatch):
    """OUTPUT=-dash with inputs: run-one used to refuse `--inputs -dash/input-files` (exit 2, every job)."""
    monkeypatch.chdir(tmp_path)
    words = job_command(Settings(output="-dash", inputs=True, warm=False), placeholder="AL")
    assert "--inputs=-dash/input-files" in words
    done = subprocess.run(words, capture_output=True, text=True, timeout=60)
    assert "expected one argument" not in done.stderr and done.returncode == exit_code(Status.JOB_ERROR), done.stderr
    record = json.loads((tmp_path / "-dash" / "status" / "AL.json").read_text())
    assert record["status"] == Status.JOB_ERROR.value and "inputs/AL.ipynb" in record["message"]  # nothing was planned


def test_a_batchs_ids_come_back_in_order_from_the_job_and_the_joblog():
    batch = RunOne("out", "AL", ["jupyter"], also=["CA", "NY"], sweep="s1")
    words = batch.words()
    assert words[:4] == ["out", "AL", "CA", "NY"]
    assert parse(words).job_ids == ["AL", "CA", "NY"]
    read = read_line("python bin/run-one " + shlex.join(words))
    assert (read.job_ids, read.sweep) == (["AL", "CA", "NY"], "s1")


def test_a_batch_id_that_reads_as_an_option_is_refused_when_built():
    with pytest.raises(ValueError, match="job id '-x'"):
        RunOne("out", "AL", ["jupyter"], also=["-x"]).words()
