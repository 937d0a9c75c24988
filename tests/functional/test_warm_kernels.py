"""Warm kernels: each job's kernel is forked from a template that has imported the notebook's
imports. A warm run must be a fresh run (nothing of an earlier run, its own random numbers, the
backend and options of a cold kernel), fail in the same ways as a cold one, fall back to a cold
kernel by itself (and say why), survive its template being killed, and leave no process behind."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell

from support import CLI, NOTEBOOKS, REPO, read_status
from jupyterstream.runner.warm.control import zombie
from warmkit import importing_notebook, isolation_notebook, processes_mentioning, report_of, write_notebook

FAULTS = {"ok": "ok", "raise": "cell-error", "sleep": "cell-timeout", "die": "dead-kernel", "exit": "stopped-early"}
STEPS = {"dirty": "ok", "check1": "ok", "check2": "ok", "die": "dead-kernel", "sigkill": "dead-kernel"}


def sweep(tmp, notebook, values, *options, warm_dir, param="step", extra_env=None):
    """Run a sweep through the CLI with its templates in ``warm_dir``; the CompletedProcess."""
    (tmp / "values.txt").write_text("".join(f"{v}\n" for v in values))
    env = dict(os.environ, JUPYTERSTREAM_WARM_DIR=str(warm_dir), **(extra_env or {}))
    return subprocess.run([str(CLI), "run", str(notebook), str(tmp / "values.txt"), "--param", param,
                           "--output", str(tmp / "out"), *map(str, options)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def isolation(tmp_path_factory):
    """One warm sweep, one job at a time: a run that leaves a mess, then runs that look for it."""
    tmp = tmp_path_factory.mktemp("warm-isolation")
    notebook = isolation_notebook(tmp / "isolation.ipynb")
    result = sweep(tmp, notebook, STEPS, "--jobs", 1, "--warm-kernels", warm_dir=tmp / "warm")
    cold = tmp_path_factory.mktemp("cold-isolation")
    cold_result = sweep(cold, notebook, ["check1"], "--cold-kernels", warm_dir=tmp / "warm")
    return tmp, result, cold / "out", cold_result


def test_every_warm_run_says_it_had_a_warm_kernel_and_ends_as_a_cold_one_would(isolation):
    tmp, result, _, _ = isolation
    for step, status in STEPS.items():
        record = read_status(tmp / "out", step)
        assert (record["status"], record.get("kernel")) == (status, "warm"), (step, record, result.stderr)


def test_a_cold_run_says_why_it_was_cold(isolation):
    _, _, cold, result = isolation
    record = read_status(cold, "check1")
    assert record["status"] == "ok", result.stderr
    assert record["kernel"].startswith("cold (warm kernels are off")


def test_a_warm_run_sees_nothing_an_earlier_run_left_behind(isolation):
    tmp, _, _, _ = isolation
    dirty = report_of(tmp / "out", "dirty")
    for step in ("check1", "check2"):
        seen = report_of(tmp / "out", step)
        assert not any(seen[k] for k in ("leak_env", "leak_path", "leak_global", "leak_pandas", "leak_stdlib"))
        assert "leaky" not in seen["threads"]
        # each run works in its own run folder (the notebook's folder's path inside it), whatever the
        # run before it did to its working folder
        def kernel_folder(job):
            return str(tmp / "out" / ".work" / job / tmp.relative_to("/"))
        assert seen["cwd"] == kernel_folder(step) and dirty["cwd"] == kernel_folder("dirty")
        assert seen["step_env"] == step and seen["jpy_parent"]
        assert seen["pid"] != dirty["pid"]


def test_numpy_and_random_draw_different_numbers_in_each_warm_run(isolation):
    tmp, _, _, _ = isolation
    reports = [report_of(tmp / "out", step) for step in ("dirty", "check1", "check2")]
    assert len({r["numpy"] for r in reports}) == 3
    assert len({r["random"] for r in reports}) == 3


def test_a_warm_kernel_has_the_backend_options_and_figures_of_a_cold_one(isolation):
    tmp, _, cold, _ = isolation
    warm, cold_report = report_of(tmp / "out", "check1"), report_of(cold, "check1")
    assert (warm["max_columns"], warm["backend"]) == (cold_report["max_columns"], cold_report["backend"])
    assert warm["max_columns"] == 20 and warm["backend"].endswith("backend_inline")
    for output in (tmp / "out", cold):
        nb = json.loads((output / "runs" / "check1.ipynb").read_text())
        assert "image/png" in nb["cells"][-1]["outputs"][-1]["data"]


def test_a_warm_kernel_has_as_many_blas_threads_as_a_cold_one(isolation):
    tmp, _, cold, _ = isolation
    warm, cold_report = report_of(tmp / "out", "check1"), report_of(cold, "check1")
    assert cold_report["blas_threads"] is not None  # numpy's OpenBLAS was found
    assert warm["blas_threads"] == cold_report["blas_threads"]  # the template imported numpy with one


def test_a_job_that_sets_its_blas_threads_still_gets_a_warm_kernel_with_that_many(tmp_path):
    notebook = isolation_notebook(tmp_path / "isolation.ipynb")
    result = sweep(tmp_path, notebook, ["check1"], "--warm-kernels", warm_dir=tmp_path / "warm",
                   extra_env={"OPENBLAS_NUM_THREADS": "2"})
    assert read_status(tmp_path / "out", "check1")["kernel"] == "warm", result.stderr
    assert report_of(tmp_path / "out", "check1")["blas_threads"] == 2


def test_an_openmp_runtime_the_template_loaded_gives_a_warm_kernel_a_cold_kernels_threads(tmp_path):
    # libgomp reads OMP_NUM_THREADS once, when loaded: in the template that is 1 (as scikit-learn's
    # vendored copy would be); the kernel gets the job's count back (here 3), as a cold kernel has it.
    # libgomp comes with R, which `make test` installs.
    library = tmp_path / "lib"
    library.mkdir()
    (library / "openmp_user.py").write_text("import ctypes\nRUNTIME = ctypes.CDLL('libgomp.so.1')\n")
    cells = [new_code_cell('step = "check"', metadata={"tags": ["parameters"]}),
             new_code_cell("import openmp_user\nprint('OPENMP', openmp_user.RUNTIME.omp_get_max_threads())")]
    notebook = write_notebook(tmp_path / "openmp.ipynb", cells)
    env = {"PYTHONPATH": str(library), "OMP_NUM_THREADS": "3"}
    warm, cold = warm_and_cold(tmp_path, notebook, env)
    assert printed(cold, "a", "OPENMP") == "3"
    assert printed(warm, "a", "OPENMP") == "3"


def test_no_template_or_kernel_is_left_after_a_warm_sweep(isolation):
    tmp, _, _, _ = isolation
    assert processes_mentioning(str(tmp / "warm")) == []
    assert processes_mentioning(str(tmp)) == []


def test_each_failure_is_classed_as_with_a_cold_kernel_and_outputs_match(tmp_path):
    warm, cold = tmp_path / "warm-run", tmp_path / "cold-run"
    warm.mkdir(), cold.mkdir()
    for folder, flag in ((warm, "--warm-kernels"), (cold, "--cold-kernels")):
        sweep(folder, NOTEBOOKS / "faults.ipynb", FAULTS, "--jobs", 2, "--cell-timeout", 4, flag,
              param="fault", warm_dir=tmp_path / "warm")
    for fault, status in FAULTS.items():
        records = [read_status(folder / "out", fault) for folder in (warm, cold)]
        assert [r["status"] for r in records] == [status, status], fault
        assert records[0]["kernel"] == "warm"
        cells = [[c.get("outputs") for c in json.loads((f / "out" / "runs" / f"{fault}.ipynb").read_text())["cells"]]
                 for f in (warm, cold)]
        assert cells[0] == cells[1], fault
    assert processes_mentioning(str(tmp_path)) == []


def test_a_template_that_an_import_made_threaded_refuses_and_the_job_runs_cold(tmp_path):
    library = tmp_path / "lib"
    library.mkdir()
    (library / "threadstarter.py").write_text(
        "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n")
    notebook = importing_notebook(tmp_path / "threaded.ipynb", "threadstarter")
    result = sweep(tmp_path, notebook, ["a", "b"], "--warm-kernels", warm_dir=tmp_path / "warm",
                   extra_env={"PYTHONPATH": str(library)})
    for job in ("a", "b"):
        record = read_status(tmp_path / "out", job)
        assert record["status"] == "ok", result.stderr
        assert record["kernel"].startswith("cold (the template has 2 threads")
    assert processes_mentioning(str(tmp_path)) == []


def test_a_warm_kernel_starts_with_the_submodules_the_notebook_imports_already_loaded(tmp_path):
    library = tmp_path / "lib" / "warmpkg"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("")
    for name in ("sub", "other", "unnamed"):
        (library / f"{name}.py").write_text("VALUE = 1\n")
    cells = [new_code_cell('step = "check"', metadata={"tags": ["parameters"]}),
             new_code_cell("import sys\nprint('LOADED', *(f'warmpkg.{n}' in sys.modules for n in ('sub', 'other', 'unnamed')))"),
             new_code_cell("import warmpkg.sub\nfrom warmpkg import other")]
    notebook = write_notebook(tmp_path / "submodules.ipynb", cells)
    env = {"PYTHONPATH": str(tmp_path / "lib")}
    warm, cold = warm_and_cold(tmp_path, notebook, env)
    assert printed(warm, "a", "LOADED") == "True True False"  # what it imports, and no more
    assert printed(cold, "a", "LOADED") == "False False False"


def test_a_warm_kernel_starts_with_the_packages_its_calls_name_by_a_string_already_loaded(tmp_path):
    # importlib.resources.files("pkg") and importlib.import_module("pkg") import pkg, as `import pkg` does
    for name in ("warmdata", "warmplug", "warmdynamic"):
        (tmp_path / "lib" / name).mkdir(parents=True)
        (tmp_path / "lib" / name / "__init__.py").write_text("")
    (tmp_path / "lib" / "warmdata" / "table.csv").write_text("x\n1\n")
    names = "('warmdata', 'warmplug', 'warmdynamic')"
    cells = [new_code_cell('step = "check"', metadata={"tags": ["parameters"]}),
             new_code_cell(f"import sys\nprint('LOADED', *(n in sys.modules for n in {names}))"),
             new_code_cell("from importlib.resources import files\nimport importlib\n"
                           "print('READ', (files('warmdata') / 'table.csv').read_text().split())\n"
                           "plugin = importlib.import_module('warmplug')\n"
                           "dynamic = importlib.import_module('warm' + 'dynamic')")]
    notebook = write_notebook(tmp_path / "named.ipynb", cells)
    env = {"PYTHONPATH": str(tmp_path / "lib")}
    warm, cold = warm_and_cold(tmp_path, notebook, env)
    assert printed(warm, "a", "LOADED") == "True True False"  # a computed name is not guessed
    assert printed(cold, "a", "LOADED") == "False False False"
    assert printed(warm, "a", "READ") == printed(cold, "a", "READ") == "['x', '1']"


def test_a_module_beside_the_notebook_wins_over_the_installed_one_the_template_loaded(tmp_path):
    # A kernel looks in its working folder just before site-packages (IPython puts '' there), so a
    # cold kernel imports the file beside the notebook; the template, which has no working folder on
    # its path, imported the installed package. The warm kernel must forget that one.
    installed = tmp_path / "site-packages"
    for name in ("shadowed", "kept"):
        (installed / name).mkdir(parents=True)
        (installed / name / "__init__.py").write_text("WHERE = 'installed'\n")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "shadowed.py").write_text("WHERE = 'beside the notebook'\n")
    cells = [new_code_cell('step = "check"', metadata={"tags": ["parameters"]}),
             new_code_cell("import sys\nprint('PRELOADED', 'shadowed' in sys.modules, 'kept' in sys.modules)"),
             new_code_cell("import kept, shadowed\nprint('WHERE', shadowed.WHERE, '/', kept.WHERE)")]
    notebook = write_notebook(folder / "shadow.ipynb", cells)
    env = {"PYTHONPATH": str(installed)}
    warm, cold = warm_and_cold(tmp_path, notebook, env)
    assert printed(cold, "a", "WHERE") == "beside the notebook / installed"
    assert printed(warm, "a", "WHERE") == "beside the notebook / installed"
    assert printed(warm, "a", "PRELOADED") == "False True"  # the installed one, forgotten


def test_a_module_beside_the_notebook_does_not_stop_the_template_before_the_installed_imports(tmp_path):
    library = tmp_path / "lib" / "warmlib"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "helpers.py").write_text("import warmlib\nSTEP = 'helper'\n")
    cells = [new_code_cell('step = "check"', metadata={"tags": ["parameters"]}),
             new_code_cell("import sys\nprint('LOADED', 'warmlib' in sys.modules, 'helpers' in sys.modules)"),
             new_code_cell("import helpers\nimport warmlib\nprint('FROM', helpers.STEP, helpers.__file__.startswith(str("
                           "__import__('pathlib').Path.cwd())))")]
    notebook = write_notebook(folder / "local.ipynb", cells)
    warm, cold = warm_and_cold(tmp_path, notebook, {"PYTHONPATH": str(tmp_path / "lib")})
    assert printed(warm, "a", "LOADED") == "True False"  # warmlib preloaded; helpers left to the kernel
    assert printed(cold, "a", "LOADED") == "False False"
    assert printed(warm, "a", "FROM") == printed(cold, "a", "FROM") == "helper True"


def warm_and_cold(tmp_path, notebook, env):
    """Run ``notebook`` for one value warm, then cold; (the warm output, the cold output), once the
    warm run is known to have had a warm kernel."""
    warm = sweep(tmp_path, notebook, ["a"], "--warm-kernels", warm_dir=tmp_path / "warm", extra_env=env)
    assert read_status(tmp_path / "out", "a")["kernel"] == "warm", warm.stderr
    cold_tmp = tmp_path / "cold"
    cold_tmp.mkdir()
    cold = sweep(cold_tmp, notebook, ["a"], "--cold-kernels", warm_dir=tmp_path / "warm", extra_env=env)
    assert cold.returncode == 0, cold.stdout + cold.stderr
    return tmp_path / "out", cold_tmp / "out"


def printed(output, job_id, tag):
    """What a run printed after ``tag`` on its line."""
    nb = json.loads((Path(output) / "runs" / f"{job_id}.ipynb").read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            for line in "".join(out.get("text", "")).splitlines():
                if line.startswith(tag + " "):
                    return line[len(tag) + 1:]
    raise AssertionError(f"{job_id}: printed no {tag} line")


def test_a_template_killed_mid_sweep_loses_no_run_and_a_new_one_serves_the_rest(tmp_path):
    values = ["slow1", "slow2", "slow3"]
    (tmp_path / "values.txt").write_text("".join(f"{v}\n" for v in values))
    env = dict(os.environ, JUPYTERSTREAM_WARM_DIR=str(tmp_path / "warm"))
    run = subprocess.Popen([str(CLI), "run", str(NOTEBOOKS / "faults.ipynb"), str(tmp_path / "values.txt"),
                            "--param", "fault", "--output", str(tmp_path / "out"), "--jobs", "1", "--warm-kernels"],
                           cwd=REPO, env={k: str(v) for k, v in env.items()}, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    killed = _kill_first_template(tmp_path / "warm", deadline=time.time() + 120)
    _, stderr = run.communicate(timeout=300)
    records = [read_status(tmp_path / "out", value) for value in values]
    assert [r["status"] for r in records] == ["ok"] * len(values), stderr
    # the run whose template was killed keeps its kernel; one that asked at that moment may run cold
    assert all(r["kernel"] == "warm" or r["kernel"].startswith("cold (") for r in records), records
    assert records[-1]["kernel"] == "warm", records
    starts = [line for line in template_log_lines(tmp_path / "out") if "ready in" in line]
    assert killed and len(starts) == 2 and str(killed) in starts[0], starts
    assert processes_mentioning(str(tmp_path)) == []


def template_log_lines(output):
    """The lines of the template logs a sweep kept in OUTPUT/logs/templates/."""
    return [line for log in sorted((Path(output) / "logs" / "templates").glob("*.log"))
            for line in log.read_text().splitlines()]


def test_a_warm_sweep_removes_its_template_folders_keeps_their_logs_and_spares_another_sweeps(tmp_path, monkeypatch):
    from jupyterstream.runner.warm import key_folder, template_pids
    from jupyterstream.runner.warm.control import connect, stop_templates

    monkeypatch.setenv("JUPYTERSTREAM_WARM_DIR", str(tmp_path / "warm"))
    other = key_folder("another-sweep", [sys.executable], "python3", [])
    try:
        connect(other, [sys.executable], "another-sweep", [],
                dict(os.environ, PYTHONPATH=str(REPO), JUPYTERSTREAM_WARM_IDLE="600")).close()
        result = sweep(tmp_path, isolation_notebook(tmp_path / "isolation.ipynb"), ["check1", "check2"],
                       "--warm-kernels", warm_dir=tmp_path / "warm")
        assert [read_status(tmp_path / "out", v)["kernel"] for v in ("check1", "check2")] == ["warm"] * 2, result.stderr
        assert [p.name for p in (tmp_path / "warm").iterdir()] == [Path(other).name]
        assert len(template_pids("another-sweep")) == 1  # still running, and its folder still there
        assert len([line for line in template_log_lines(tmp_path / "out") if "ready in" in line]) == 1
    finally:
        stop_templates("another-sweep")
    assert list((tmp_path / "warm").iterdir()) == []  # a folder the user named stays, empty


def _kill_first_template(folder, deadline):
    """SIGKILL the first template that appears under ``folder`` while a kernel of it runs."""
    while time.time() < deadline:
        for pid in _templates(folder):
            if _children(pid):
                os.kill(pid, signal.SIGKILL)
                return pid
        time.sleep(0.1)
    return None


def _templates(folder):
    """Pids of the templates whose info files are under ``folder``."""
    pids = []
    for info in Path(folder).glob("*/info.json"):
        try:
            pids.append(json.loads(info.read_text())["pid"])
        except (OSError, ValueError):
            continue
    return pids


def _children(pid):
    return [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]


def test_jobs_that_ask_at_once_share_one_template(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from jupyterstream.runner.warm import key_folder, template_pids
    from jupyterstream.runner.warm.control import connect, stop_templates

    monkeypatch.setenv("JUPYTERSTREAM_WARM_DIR", str(tmp_path / "warm"))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    folder = key_folder("at-once", [sys.executable], "python3", [])
    try:
        with ThreadPoolExecutor(4) as pool:
            conns = list(pool.map(lambda _: connect(folder, [sys.executable], "at-once", [], env), range(4)))
        assert len(template_pids("at-once")) == 1
        for conn in conns:
            conn.close()
    finally:
        stop_templates("at-once")
    _wait_until(lambda: not processes_mentioning(str(tmp_path)), seconds=30)
    assert processes_mentioning(str(tmp_path)) == []


def test_a_warm_kernel_ends_when_the_nbconvert_that_asked_for_it_is_killed(tmp_path):
    (tmp_path / "values.txt").write_text("sleep\n")
    env = dict(os.environ, JUPYTERSTREAM_WARM_DIR=str(tmp_path / "warm"))
    staged = subprocess.run([str(CLI), "plan", str(NOTEBOOKS / "faults.ipynb"), str(tmp_path / "values.txt"),
                             "--param", "fault", "--output", str(tmp_path / "out")], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert staged.returncode == 0, staged.stderr
    from jupyterstream.launch.parallel import Settings, job_command
    command = job_command(Settings(output=str(tmp_path / "out"), warm=True, sweep="killed"), placeholder="sleep")
    job = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        kernel = _wait_until(lambda: _template_child(tmp_path / "warm"), seconds=120)
        nbconvert = _wait_until(lambda: subprocess.run(["pgrep", "-P", str(job.pid)], capture_output=True,
                                                       text=True).stdout.split(), seconds=30)
        os.kill(int(nbconvert[0]), signal.SIGKILL)
        assert _wait_until(lambda: not os.path.exists(f"/proc/{kernel}") or zombie(kernel), seconds=30)
        job.wait(timeout=60)
        record = read_status(tmp_path / "out", "sleep")
        assert record.get("kernel") == "warm", (record, (tmp_path / "out" / "logs" / "sleep.log").read_text())
    finally:
        job.kill()
        from jupyterstream.runner.warm.control import stop_templates
        os.environ["JUPYTERSTREAM_WARM_DIR"] = str(tmp_path / "warm")
        try:
            stop_templates("killed")
        finally:
            del os.environ["JUPYTERSTREAM_WARM_DIR"]


# What a cell does to its kernel's parent: as a signal name, or `group-NAME` to the parent's process group.
PARENT = """\
import os, signal, time
if step.startswith("SIG"):
    os.kill(os.getppid(), getattr(signal, step))
    time.sleep(10)
elif step.startswith("group-"):
    os.killpg(os.getpgid(os.getppid()), getattr(signal, step[len("group-"):]))
    time.sleep(10)
print("after", step)
"""
PARENT_STEPS = {"ok1": "ok", "SIGSTOP": "job-timeout", "SIGTERM": "job-error", "ok2": "ok", "SIGKILL": "job-error",
                "ok3": "ok", "SIGINT": "job-error", "SIGHUP": "job-error", "group-SIGTERM": "job-error", "ok4": "ok",
                "ok5": "ok"}


def test_a_cell_that_signals_its_kernels_parent_ends_its_own_run_as_a_cold_one_would_and_no_other(tmp_path):
    # A cold kernel's parent is its job's nbconvert; a warm kernel's must not be the template every
    # job shares: SIGTERM there ended the run ok and another run `interrupted`.
    cells = [new_code_cell('step = "check"', metadata={"tags": ["parameters"]}), new_code_cell(PARENT)]
    notebook = write_notebook(tmp_path / "parent.ipynb", cells)
    records = {}
    for flag in ("--warm-kernels", "--cold-kernels"):
        folder = tmp_path / flag.strip("-")
        folder.mkdir()
        sweep(folder, notebook, PARENT_STEPS, "--jobs", 3, "--job-timeout", 15, flag, warm_dir=tmp_path / "warm")
        records[flag] = {step: read_status(folder / "out", step) for step in PARENT_STEPS}
    warm, cold = records["--warm-kernels"], records["--cold-kernels"]
    for step, status in PARENT_STEPS.items():
        assert (warm[step]["status"], cold[step]["status"]) == (status, status), (step, warm[step], cold[step])
        assert warm[step].get("ename") == cold[step].get("ename"), (step, warm[step], cold[step])
        assert warm[step]["kernel"] == "warm", (step, warm[step])
    # one template served the whole sweep: no signal reached it
    starts = [line for line in template_log_lines(tmp_path / "warm-kernels" / "out") if "ready in" in line]
    assert len(starts) == 1, starts
    assert processes_mentioning(str(tmp_path)) == []


def _template_child(folder):
    for pid in _templates(folder):
        if _children(pid):
            return _children(pid)[0]
    return None


def _wait_until(check, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return check()


def test_the_demo_gives_identical_metrics_and_outputs_with_warm_and_cold_kernels(tmp_path):
    warm, cold = tmp_path / "warm-run", tmp_path / "cold-run"
    warm.mkdir(), cold.mkdir()
    for folder, flag in ((warm, "--warm-kernels"), (cold, "--cold-kernels")):
        result = sweep(folder, REPO / "notebooks" / "births.ipynb", ["DC", "VT"], "--jobs", 2, flag,
                       param="state", warm_dir=tmp_path / "warm")
        assert result.returncode == 0, result.stderr
    assert (warm / "out" / "metrics.csv").read_bytes() == (cold / "out" / "metrics.csv").read_bytes()
    for state in ("DC", "VT"):
        assert read_status(warm / "out", state)["kernel"] == "warm"
        outputs = [[c.get("outputs") for c in json.loads((f / "out" / "runs" / f"{state}.ipynb").read_text())["cells"]]
                   for f in (warm, cold)]
        assert outputs[0] == outputs[1], state
    assert processes_mentioning(str(tmp_path)) == []


def test_a_kernel_that_is_not_started_as_ipykernel_launcher_runs_cold_and_says_why(tmp_path):
    spec = tmp_path / "kernels" / "kernels" / "plainpy"
    spec.mkdir(parents=True)
    launch = "import sys; from ipykernel import kernelapp; kernelapp.launch_new_instance()"
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", launch, "-f", "{connection_file}"], "display_name": "plain", "language": "python"}))
    notebook = importing_notebook(tmp_path / "plain.ipynb", "os")
    nb = json.loads(notebook.read_text())
    nb["metadata"]["kernelspec"] = {"name": "plainpy", "display_name": "plain", "language": "python"}
    notebook.write_text(json.dumps(nb))
    result = sweep(tmp_path, notebook, ["a"], "--warm-kernels", warm_dir=tmp_path / "warm",
                   extra_env={"JUPYTER_PATH": str(tmp_path / "kernels")})
    record = read_status(tmp_path / "out", "a")
    assert record["status"] == "ok", result.stderr
    assert record["kernel"].startswith("cold (the kernelspec does not start ipykernel"), record["kernel"]


def test_a_kernelspec_that_names_its_own_provisioner_gets_it_and_runs_cold(tmp_path):
    # a provisioner installed as jupyter_client finds them: an entry point of an installed distribution
    library = tmp_path / "lib"
    (library / "recording_provisioner-1.0.dist-info").mkdir(parents=True)
    (library / "recording_provisioner-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: recording-provisioner\nVersion: 1.0\n")
    (library / "recording_provisioner-1.0.dist-info" / "entry_points.txt").write_text(
        "[jupyter_client.kernel_provisioners]\nrecording-provisioner = recording_provisioner:RecordingProvisioner\n")
    (library / "recording_provisioner.py").write_text(
        "import os\nfrom jupyter_client.provisioning import LocalProvisioner\n\n"
        "class RecordingProvisioner(LocalProvisioner):\n"
        "    async def launch_kernel(self, cmd, **kwargs):\n"
        "        open(os.environ['PROVISIONER_MARK'], 'a').write('launched\\n')\n"
        "        return await super().launch_kernel(cmd, **kwargs)\n")
    spec = tmp_path / "kernels" / "kernels" / "recorded"
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "recorded",
        "language": "python", "metadata": {"kernel_provisioner": {"provisioner_name": "recording-provisioner"}}}))
    notebook = importing_notebook(tmp_path / "recorded.ipynb", "os")
    nb = json.loads(notebook.read_text())
    nb["metadata"]["kernelspec"] = {"name": "recorded", "display_name": "recorded", "language": "python"}
    notebook.write_text(json.dumps(nb))
    mark = tmp_path / "mark"
    result = sweep(tmp_path, notebook, ["a"], "--warm-kernels", warm_dir=tmp_path / "warm",
                   extra_env={"JUPYTER_PATH": str(tmp_path / "kernels"), "PYTHONPATH": str(library),
                              "PROVISIONER_MARK": str(mark)})
    record = read_status(tmp_path / "out", "a")
    assert record["status"] == "ok", result.stderr
    assert mark.read_text() == "launched\n"
    assert record["kernel"] == "cold (the kernelspec names its own kernel provisioner, recording-provisioner)"


@pytest.mark.parametrize("flag, said", [("--warm-kernels", "# kernels: warm"), ("--cold-kernels", "# kernels: cold")])
def test_preview_says_which_kernels_the_sweep_will_use(tmp_path, flag, said):
    (tmp_path / "values.txt").write_text("ok\n")
    result = subprocess.run([str(CLI), "preview", str(NOTEBOOKS / "faults.ipynb"), str(tmp_path / "values.txt"),
                             "--param", "fault", "--output", str(tmp_path / "out"), flag], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(said)
    commands = [line for line in result.stdout.splitlines() if "run-one" in line]
    assert commands and all(("--warm-kernels" in line) == (flag == "--warm-kernels") for line in commands)


def test_make_preview_says_which_and_warm_0_turns_them_off(tmp_path):
    (tmp_path / "values.txt").write_text("ok\n")
    common = [f"NOTEBOOK={NOTEBOOKS / 'faults.ipynb'}", f"VALUES={tmp_path / 'values.txt'}", "PARAM=fault",
              f"OUTPUT={tmp_path / 'out'}"]
    said = {}
    for warm in ("0", "1"):
        result = subprocess.run(["make", "--no-print-directory", "preview", f"WARM={warm}", *common], cwd=REPO,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        said[warm] = result.stdout.splitlines()[0]
    assert said["0"].startswith("# kernels: cold") and said["1"].startswith("# kernels: warm")
