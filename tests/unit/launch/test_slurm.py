"""slurm and submit: an allocation read from Slurm's variables, the srun words, the batch script (pure:
nothing is run; tests/integration/test_slurm.py runs them against a real cluster)."""

import shlex

import pytest

from jupyterstream.errors import SetupError
from jupyterstream.launch import slurm, submit
from jupyterstream.launch.parallel import Settings, job_command, parallel_argv

IN_JOB = {"SLURM_JOB_ID": "42", "SLURM_NTASKS": "8", "SLURM_JOB_NODELIST": "c[01-02]", "SLURM_JOB_PARTITION": "short"}


def test_outside_an_allocation_auto_places_nothing_and_on_is_a_named_error():
    assert slurm.decide("auto", {}) is None
    with pytest.raises(SetupError, match=r"not inside a Slurm allocation \(SLURM_JOB_ID is not set\)"):
        slurm.decide("1", {})


def test_off_places_nothing_even_inside_an_allocation():
    assert slurm.decide("0", IN_JOB) is None


@pytest.mark.parametrize("env, tasks", [
    ({"SLURM_NTASKS": "8"}, 8),
    ({"SLURM_TASKS_PER_NODE": "2(x3),1"}, 7),
    ({"SLURM_JOB_NUM_NODES": "3"}, 3),
    ({}, 1),
])
def test_the_job_slots_are_the_allocations_tasks(env, tasks):
    assert slurm.tasks_of(env) == tasks


def test_each_job_runs_as_one_task_on_one_node_with_the_cpus_per_task():
    found = slurm.allocation(dict(IN_JOB, SLURM_CPUS_PER_TASK="4"))
    assert found.srun() == ["srun", "--exact", "-N1", "-n1", "-c", "4"]
    assert found.facts() == {"job_id": "42", "nodes": "c[01-02]", "partition": "short", "tasks": 8, "cpus_per_task": 4}


def test_memory_asked_per_node_is_shared_by_the_steps_rather_than_taken_whole_by_each():
    assert slurm.allocation(dict(IN_JOB, SLURM_MEM_PER_NODE="16000")).srun()[-1] == "--mem=0"
    assert "--mem=0" not in slurm.allocation(dict(IN_JOB, SLURM_MEM_PER_CPU="2000")).srun()


def test_inside_an_allocation_the_per_job_command_is_srun_then_run_one_as_a_list():
    allocation, settings = slurm.place(Settings(output="out", slurm="auto", warm=False), IN_JOB)
    assert allocation is not None
    command = job_command(settings)
    assert command[:4] == ["srun", "--exact", "-N1", "-n1"] and command[5].endswith("run-one")
    argv = parallel_argv(settings)
    assert argv[argv.index("--jobs") + 1] == "8"
    assert "--sshloginfile" not in argv and "--transferfile" not in argv  # OUTPUT is shared: nothing travels


def test_jobs_given_by_the_user_win_over_the_task_count():
    _, settings = slurm.place(Settings(output="out", jobs="2", warm=False), IN_JOB)
    assert settings.jobs == "2"


def test_slurm_and_ssh_servers_together_are_refused_when_slurm_is_required():
    with pytest.raises(SetupError, match="choose one"):
        slurm.place(Settings(remote=True, slurm="on"), IN_JOB)
    assert slurm.place(Settings(remote=True, slurm="auto"), IN_JOB)[0] is None


def test_warm_kernels_are_refused_where_slurm_ends_what_a_step_leaves_running():
    assert "ends what a job step leaves running" in slurm.warm_refused("proctrack/cgroup")
    assert slurm.warm_refused("proctrack/linuxproc") == ""


def test_a_bad_slurm_mode_says_what_it_takes():
    with pytest.raises(ValueError, match="give auto"):
        slurm.mode_of("maybe")


def test_the_batch_script_asks_for_what_the_request_says_and_runs_the_sweep(tmp_path):
    request = submit.Request(nodes=2, tasks=8, cpus=2, time="1:00:00", partition="short", account="lab",
                             extra="--mem=8G --mail-type END")
    text = submit.batch_script(request, ["/venv/bin/jupyterstream", "run", "--slurm", "on", "--", "nb.ipynb", "a b.txt"],
                               tmp_path / "out")
    directives = [line for line in text.splitlines() if line.startswith("#SBATCH")]
    assert directives == ["#SBATCH --job-name=jupyterstream", "#SBATCH --nodes=2", "#SBATCH --ntasks=8",
                          "#SBATCH --cpus-per-task=2", "#SBATCH --time=1:00:00", "#SBATCH --partition=short",
                          "#SBATCH --account=lab", f"#SBATCH --output={tmp_path / 'out'}/slurm-%j.out",
                          "#SBATCH --mem=8G", "#SBATCH --mail-type END"]
    assert text.splitlines()[-1] == "exec " + shlex.join(["/venv/bin/jupyterstream", "run", "--slurm", "on", "--",
                                                          "nb.ipynb", "a b.txt"])


def test_tasks_not_given_and_not_known_from_sinfo_is_a_named_error_when_submitting(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no sinfo here
    with pytest.raises(SetupError, match="give TASKS=N"):
        submit.with_tasks(submit.Request(nodes=2))
    assert submit.with_tasks(submit.Request(nodes=2), required=False).tasks == 2
