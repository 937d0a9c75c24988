"""make preview SLURM=1 outside an allocation: the batch script make submit would write, then the sweep
it runs, each job a job step. Runs nothing (no Slurm needed)."""

import os
import subprocess

from support import NOTEBOOKS, REPO


def preview_slurm(tmp_path, notebook, values, *variables):
    """`make preview SLURM=1` of ``notebook`` over ``values`` (lines) outside any allocation; its output lines."""
    path = tmp_path / "values.txt"
    path.write_text("".join(f"{v}\n" for v in values))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    done = subprocess.run(["make", "--no-print-directory", "preview", "SLURM=1", f"NOTEBOOK={NOTEBOOKS / notebook}",
                           f"VALUES={path}", f"OUTPUT={tmp_path / 'out'}", *variables],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines(), path


def test_make_preview_slurm_1_prints_the_batch_script_and_the_srun_per_job_lines(tmp_path):
    lines, values = preview_slurm(tmp_path, "echo.ipynb", ["a", "b"], "NODES=2", "TASKS=6", "CPUS=2")
    assert "#SBATCH --nodes=2" in lines and "#SBATCH --ntasks=6" in lines and "#SBATCH --cpus-per-task=2" in lines
    run = next(line for line in lines if line.startswith("exec "))
    assert " run " in run and "--slurm on" in run and str(values) in run
    sweep = next(line for line in lines if " --joblog " in line and not line.startswith("#"))  # the sweep's parallel line
    assert "--jobs 6" in sweep and " srun --exact -N1 -n1 -c 2 " in sweep
    assert sum(line.startswith("srun --exact -N1 -n1 -c 2 ") for line in lines) == 2
    assert not (tmp_path / "out" / "submit.sbatch").exists()  # a preview writes nothing


def test_the_batch_scripts_run_line_gives_constants_and_fail_fast_again_and_leaves_defaults_out(tmp_path):
    lines, values = preview_slurm(tmp_path, "typed.ipynb", ["a"], "PARAM=code", "P=n=2", "FAIL_FAST=3")
    run = next(line for line in lines if line.startswith("exec "))
    assert "--set n=2" in run and "--fail-fast 3" in run
    assert "--files-limit" not in run and "--memory-limit" not in run  # the make defaults are the run's own
    assert run.endswith(f"-- {NOTEBOOKS / 'typed.ipynb'} {values}")
