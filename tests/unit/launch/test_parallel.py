"""parallel: the GNU parallel argv and the per-job command template (pure: nothing is run)."""

import os
import shlex
import subprocess
import sys

import pytest

from jupyterstream.launch import parallel
from jupyterstream.collect.joblog import job_of
from jupyterstream.launch.parallel import Settings, command_line, job_command, parallel_argv


def template(argv):
    """The job template words of a parallel argv: everything from the python that runs run-one."""
    start = argv.index(shlex.quote(parallel.show(parallel.RUN_ONE)))
    return argv[start - 1:]


def as_parallel_runs_it(argv, job_id):
    """What the shell runs for one job: parallel joins the template words and puts the id for {}."""
    return shlex.split(" ".join(template(argv)).replace("{}", job_id))


def option(argv, name):
    return argv[argv.index(name) + 1]


def test_argv_starts_with_parallel_and_its_fixed_options():
    argv = parallel_argv(Settings(output="out", jobs="4"))
    assert argv[:2] == ["parallel", "--will-cite"]
    assert option(argv, "--jobs") == "4"
    assert option(argv, "--halt") == "never"
    assert option(argv, "--termseq") == f"TERM,{parallel.TERM_GRACE_MS},KILL,25"


@pytest.mark.parametrize("output", ["out", "out/", "out//"])
def test_joblog_appends_with_plus_to_joblog_tsv_in_the_output(output):
    assert option(parallel_argv(Settings(output=output)), "--joblog") == "+out/joblog.tsv"


def test_joblog_path_with_spaces_is_one_unquoted_argv_word():
    assert option(parallel_argv(Settings(output="my out")), "--joblog") == "+my out/joblog.tsv"


def test_jobs_default_to_one_per_core(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert option(parallel_argv(Settings()), "--jobs") == "3"
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert option(parallel_argv(Settings()), "--jobs") == "1"


def test_no_timeout_option_without_a_job_timeout():
    argv = parallel_argv(Settings(job_timeout=0))
    assert "--timeout" not in argv and "--job-timeout" not in argv


@pytest.mark.parametrize("seconds, text", [(90, "90"), (90.0, "90"), (2.5, "2.5"), (3600, "3600")])
def test_job_timeout_goes_to_parallel_timeout_and_to_run_one(seconds, text):
    argv = parallel_argv(Settings(job_timeout=seconds))
    assert option(argv, "--timeout") == text
    assert option(argv, "--job-timeout") == text
    assert argv.index("--timeout") < next(i for i, w in enumerate(argv) if "run-one" in w)


@pytest.mark.parametrize("seconds", [1_000_000, 1_234_567])
def test_a_large_job_timeout_is_written_as_plain_seconds(seconds):
    assert option(parallel_argv(Settings(job_timeout=seconds)), "--timeout") == str(seconds)


def test_dry_run_only_when_asked():
    assert "--dry-run" in parallel_argv(Settings(), dry_run=True)
    assert "--dry-run" not in parallel_argv(Settings())


def test_parallel_never_draws_its_own_bar_our_progress_line_does():
    assert "--bar" not in parallel_argv(Settings())


def test_options_come_before_the_job_template():
    argv = parallel_argv(Settings(job_timeout=5), dry_run=True)
    first = argv.index(template(argv)[0])
    assert all(argv.index(o) < first for o in ("--joblog", "--jobs", "--timeout", "--dry-run"))


def test_placeholder_is_left_bare_for_parallel_to_quote():
    argv = parallel_argv(Settings(output="out"))
    with_braces = [w for w in template(argv) if "{}" in w]
    assert with_braces == ["{}", ".{}.partial", "out/inputs/{}.ipynb"]


def test_job_template_runs_run_one_with_output_and_job_id_then_nbconvert():
    words = job_command(Settings(output="out", python="py"))
    assert words[:4] == ["py", parallel.show(parallel.RUN_ONE), "out", "{}"]
    rest = words[words.index("--") + 1:]
    assert rest[:6] == ["py", "-m", "jupyter", "nbconvert", "--to", "notebook"]
    assert "--execute" in rest and "--ExecutePreprocessor.shutdown_kernel=immediate" in rest
    assert rest[-5:] == ["--output-dir", "out/runs", "--output", ".{}.partial", "out/inputs/{}.ipynb"]


def test_job_template_uses_the_current_python_by_default():
    assert job_command(Settings())[0] == parallel.show(sys.executable)


def test_job_template_takes_another_placeholder():
    words = job_command(Settings(output="o"), placeholder="AL")
    assert "{}" not in " ".join(words) and words[3] == "AL" and words[-1] == "o/inputs/AL.ipynb"


def test_cell_timeout_only_when_set():
    assert not [w for w in job_command(Settings()) if "ExecutePreprocessor.timeout" in w]
    assert "--ExecutePreprocessor.timeout=600" in job_command(Settings(cell_timeout=600.0))


@pytest.mark.parametrize("cell_timeout", [30, 600.0])
def test_cell_timeout_is_accepted_by_nbconverts_execute_preprocessor(cell_timeout):
    assert timeout_trait_value(cell_timeout) == int(cell_timeout)


def test_fractional_cell_timeout_is_accepted_by_nbconverts_execute_preprocessor():
    assert timeout_trait_value(2.5) is not None


def timeout_trait_value(cell_timeout):
    """Parse the template's timeout option the way nbconvert's command line does (no kernel)."""
    from nbconvert.preprocessors import ExecutePreprocessor
    from traitlets.config import Application

    class App(Application):
        classes = [ExecutePreprocessor]

    words = [w for w in job_command(Settings(cell_timeout=cell_timeout)) if "ExecutePreprocessor.timeout" in w]
    app = App()
    app.parse_command_line(words)
    return ExecutePreprocessor(config=app.config).timeout


@pytest.mark.parametrize("output", ["out", "my out", "it's", "$HOME/x", "a;b", "new\nline", "-o"])
def test_each_job_runs_exactly_the_template_words_with_its_id(output):
    settings = Settings(output=output, python="/opt/my python/bin/python", cell_timeout=30, job_timeout=60)
    argv = parallel_argv(settings)
    expected = [w.replace("{}", "New-York-3f2a9c1e") for w in job_command(settings)]
    assert as_parallel_runs_it(argv, "New-York-3f2a9c1e") == expected


@pytest.mark.parametrize("output", ["out", "my out", "x/run-one"])
def test_joblog_command_of_a_job_gives_back_its_id(output):
    argv = parallel_argv(Settings(output=output))
    assert job_of(" ".join(template(argv)).replace("{}", "AL")) == ("AL", None)


def test_sweep_id_follows_the_job_id_and_is_read_back_from_the_joblog_command():
    argv = parallel_argv(Settings(output="out", sweep="20261128T0800-ab12"))
    words = as_parallel_runs_it(argv, "AL")
    assert words[2:6] == ["out", "AL", "--sweep", "20261128T0800-ab12"]
    assert job_of(shlex.join(words)) == ("AL", "20261128T0800-ab12")


def test_command_line_is_one_copy_pasteable_shell_line():
    argv = parallel_argv(Settings(output="my out", python="py"))
    assert shlex.split(command_line(argv)) == argv


def test_show_gives_paths_below_the_current_folder_relative(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    assert parallel.show(tmp_path / "sub" / "x") == os.path.join("sub", "x")
    assert parallel.show("/elsewhere/x") == "/elsewhere/x"
    assert parallel.show(str(tmp_path) + "-sibling/x") == str(tmp_path) + "-sibling/x"


def test_over_ssh_each_job_ships_its_folder_returns_its_results_and_cleans_up():
    argv = parallel_argv(Settings(output="out", remote=True, retries=3, remote_python="/opt/py"))
    assert option(argv, "--sshloginfile") == "sshlogins.txt"
    assert option(argv, "--ssh") == os.path.abspath(os.path.join("out", "ssh-wrapper"))
    assert option(argv, "--retries") == "3"
    assert "--controlmaster" not in argv  # the ssh wrapper shares one connection per host itself
    assert option(argv, "--workdir") == "..." and option(argv, "--transferfile") == "ship/{}/./"
    assert [argv[i + 1] for i, word in enumerate(argv) if word == "--return"] == ["."]  # one rsync back
    assert "--cleanup" in argv and "--jobs" not in argv  # slots come from the sshloginfile
    assert parallel.parallel_cwd(Settings(output="out", remote=True)) == "out"


def test_over_ssh_the_job_runs_the_shipped_runner_with_relative_paths_in_its_work_folder():
    words = job_command(Settings(output="out", remote=True, remote_python="/opt/py"), placeholder="AL")
    assert words[:4] == ["/opt/py", "tool/bin/run-one", ".", "AL"]
    assert "--cwd" not in words  # the kernel runs in a run folder of its own (runner/rundir.py)
    # what was sent with the job is removed when it ends, so that only results go back
    assert [words[i + 1] for i, w in enumerate(words) if w == "--discard"] == ["inputs", "tool"]
    assert "--retryable-only" in words
    assert words[words.index("--config") + 1] == "tool/jupyterstream/runner/nbconvert_config.py"
    assert words[-1] == "./inputs/AL.ipynb"


def test_on_a_shared_filesystem_nothing_travels_and_the_kernel_runs_in_a_run_folder():
    argv = parallel_argv(Settings(output="out", remote=True, shared_fs=True))
    assert not {"--transferfile", "--return", "--cleanup", "--workdir", "--rsync-opts"} & set(argv)
    words = job_command(Settings(output="out", remote=True, shared_fs=True), placeholder="AL")
    assert words[2] == os.path.abspath("out") and "--cwd" not in words
    assert parallel.parallel_cwd(Settings(output="out", remote=True, shared_fs=True)) is None


def test_on_this_machine_the_kernel_runs_in_a_run_folder_and_reads_nothing_over_ssh():
    assert "--cwd" not in job_command(Settings(output="out"))
    assert "--retryable-only" not in job_command(Settings(output="out"))


def test_inputs_are_linked_from_this_machines_copy_here_and_the_hosts_own_copy_over_ssh():
    def inputs(**fields):
        words = job_command(Settings(output="out", inputs=True, notebook_dir="nb", **fields), placeholder="AL")
        assert words[words.index("--notebook-dir") + 1] == "nb"
        return words[words.index("--inputs") + 1]
    assert inputs() == os.path.join("out", "input-files")
    assert inputs(remote=True, shared_fs=True) == os.path.abspath(os.path.join("out", "input-files"))
    over_ssh = inputs(remote=True)
    assert over_ssh.startswith("~/.jupyterstream/input-files/") and over_ssh == inputs(remote=True)
    assert "--inputs" not in job_command(Settings(output="out"))


def test_every_job_is_told_the_notebooks_folder_to_mirror_in_its_run_folder_with_or_without_inputs():
    for fields in ({}, {"inputs": True}, {"remote": True}, {"remote": True, "shared_fs": True}):
        words = job_command(Settings(output="out", notebook_folder="/p/binder/cli-simple", **fields), placeholder="AL")
        assert words[words.index("--mirror") + 1] == "/p/binder/cli-simple", fields
    assert "--mirror" not in job_command(Settings(output="out"))  # the hand-written pipeline's default


def test_a_runs_files_come_back_in_the_one_return_rsync_and_before_its_status_record():
    opts = parallel.RSYNC_OPTS
    assert opts.index('--include="/files/***"') < opts.index('--include="/status/***"')
    assert sorted(parallel.RESULT_FOLDERS)[-1] == "status"  # rsync sends in name order: the record last
    words = job_command(Settings(output="out", files_limit=300_000_000))
    assert words[words.index("--files-limit") + 1] == "300000000"


def test_a_job_over_ssh_makes_seven_ssh_calls_and_one_on_a_shared_filesystem():
    # send (mkdir, rsync), run, one return, --cleanup (two rm and the work folder's rm -rf)
    assert parallel.ssh_calls_per_job(Settings(remote=True)) == 7
    assert parallel.ssh_calls_per_job(Settings(remote=True, shared_fs=True)) == 1
    assert parallel.ssh_calls_per_job(Settings()) == 0


def rsync_passes(tmp_path, tree, *, opts=parallel.RSYNC_OPTS):
    """Which files of ``tree`` ({relative path: text}) a local rsync with our options copies."""
    source, target = tmp_path / "source", tmp_path / "target"
    for name, text in tree.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    target.mkdir()
    subprocess.run(f"cd {shlex.quote(str(source))} && rsync {opts} . {shlex.quote(str(target))}",
                   shell=True, check=True)
    return sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())


def test_the_return_filter_lets_results_and_the_jobs_own_files_pass_and_nothing_else(tmp_path):
    # (the options go through a shell here, as parallel hands them to one)
    tree = {"runs/AL.ipynb": "nb", "status/AL.json": "{}", "logs/AL.log": "log", "tool/bin/run-one": "x",
            "inputs/AL.ipynb": "in", "scratch.csv": "written by the notebook", "plan.json": "{}",
            "figures/a.png": "png", "deep/runs/x": "no"}
    assert rsync_passes(tmp_path, tree) == ["inputs/AL.ipynb", "logs/AL.log", "runs/AL.ipynb",
                                            "status/AL.json", "tool/bin/run-one"]


def test_batch_1_gives_the_one_value_a_job_lines():
    argv = parallel_argv(Settings(output="out", batch=1))
    assert argv == parallel_argv(Settings(output="out"))
    assert "-X" not in argv and "--max-args" not in argv
    assert option(template(argv), "--output") == ".{}.partial"


def test_a_batch_hands_each_job_several_ids_and_names_each_output_after_its_input():
    argv = parallel_argv(Settings(output="out", batch=8, job_timeout=10))
    assert option(argv, "--max-args") == "8" and "-X" in argv
    assert option(argv, "--timeout") == "90"  # a backstop: run-one holds each value to 10 s
    assert shlex.split(option(template(argv), "--output")) == [".{notebook_name}.partial"]


def test_a_sweep_of_one_batch_a_slot_gives_parallel_all_its_values_and_keeps_the_timeout_of_a_batch():
    argv = parallel_argv(Settings(output="out", batch=29, max_args=58, job_timeout=10))
    assert option(argv, "--max-args") == "58" and "-X" in argv
    assert option(argv, "--timeout") == "300"  # a job holds at most a batch (29 values), never 58


def test_jobs_over_ssh_are_never_batched():
    argv = parallel_argv(Settings(output="out", batch=8, remote=True))
    assert "-X" not in argv and "--max-args" not in argv
