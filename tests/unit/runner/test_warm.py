"""Warm kernels, the parts that need no kernel: the import list, the flag, the private folder,
the kernel field, what a refusing template says (runner/warm/)."""

import fcntl
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from jupyterstream.launch import servers
from jupyterstream.launch.parallel import Settings, job_command
from jupyterstream.runner.outcome import CWD_ENV, KERNEL_NOTE_ENV, TOKEN_ENV, WARM_ENV
from jupyterstream.runner.cells import top_level
from jupyterstream.runner.warm import NotWarm, base_folder, control, key_folder
from jupyterstream.runner.warm.jobside import OFF, kernel_field, notebook_imports, prepare

REPO = Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((REPO / "tests" / "notebooks").glob("*.ipynb")) + [REPO / "notebooks" / "births.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_template_preloads_the_same_imports_the_ssh_preflight_finds(path):
    nb = nbformat.read(str(path), as_version=4)
    targets = notebook_imports(json.loads(path.read_text())["cells"])
    tops = list(dict.fromkeys(top_level(t) for t in targets))
    assert tops == servers.notebook_imports(nb)


def test_imports_keep_the_notebooks_order_skip_magics_and_leave_out_jupyterstream():
    cells = [{"cell_type": "code", "source": ["%matplotlib inline\n", "import pandas as pd, os.path\n"]},
             {"cell_type": "markdown", "source": "import nothing"},
             {"cell_type": "code", "source": "from jupyterstream import record\nfrom .local import x\nimport numpy"},
             {"cell_type": "code", "source": "def broken(:\n  import never"}]
    assert notebook_imports(cells) == ["pandas", "os.path", "numpy"]


def test_the_template_preloads_the_submodules_a_notebook_names():
    cells = [{"cell_type": "code", "source": "import matplotlib.pyplot as plt\nfrom importlib.resources import files"},
             {"cell_type": "code", "source": "from os import path, sep\nfrom json import *\nfrom jupyterstream.x import y"}]
    assert notebook_imports(cells) == ["matplotlib.pyplot", "importlib.resources:files", "os:path", "os:sep", "json"]


def test_a_call_that_imports_a_module_named_by_a_string_literal_preloads_it():
    cells = [{"cell_type": "code", "source": "import importlib, importlib.resources as res, pkgutil\n"
                                             "from importlib import import_module as load, resources\n"
                                             "from importlib.resources import files"},
             {"cell_type": "code", "source": "importlib.import_module('plug.ins')\nres.files('data_a')\n"
                                             "resources.read_text('data_b', 'x.txt')\nfiles(anchor='data_c')\n"
                                             "pkgutil.get_data('data_d', 'x')\n__import__('legacy')\n"
                                             "importlib.resources.files('data_e')"},
             {"cell_type": "code", "source": "load('.relative', 'pkg')\nload(name)\nload(f'x{y}')\n"
                                             "load('not a module')\nopen('file.txt')\nother.files('nope')\n"
                                             "files('jupyterstream')"}]
    assert [t for t in notebook_imports(cells) if not t.startswith("importlib") and t != "pkgutil"] == \
        ["plug.ins", "data_a", "data_b", "data_c", "data_d", "legacy", "data_e"]


def test_a_name_bound_to_something_else_is_not_taken_for_a_module_naming_call():
    cells = [{"cell_type": "code", "source": "from mylib import files\nimport os as importlib\n"
                                             "files('table')\nimportlib.import_module('nothing')"}]
    assert notebook_imports(cells) == ["mylib:files", "os"]


def test_a_from_import_loads_the_submodule_only_when_the_package_has_no_such_name():
    script = ("import sys\nfrom jupyterstream.runner.warm.template import load\n"
              "load('xml:dom'); load('os:path'); load('json:dumps')\n"
              "print('xml.dom' in sys.modules)\n"
              "try:\n    load('json:nothing_here')\nexcept ImportError as exc:\n    print('ImportError', exc.name)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.split() == ["True", "ImportError", "json.nothing_here"]


@pytest.mark.parametrize("user_set, seen, after", [(None, "24", "None"), ("28", "28", "28")])
def test_the_template_imports_with_a_short_blas_spin_unless_the_user_chose_one(tmp_path, user_set, seen, after):
    # OpenBLAS reads it once, at import: a kernel's BLAS threads then spin 2^24 cycles, not 2^28, when idle
    (tmp_path / "envspy.py").write_text("import os\nSEEN = os.environ.get('OPENBLAS_THREAD_TIMEOUT')\n")
    script = ("import os\nfrom jupyterstream.runner.warm.template import preload\nprint(preload(['envspy']))\n"
              "import envspy\nprint(envspy.SEEN, os.environ.get('OPENBLAS_THREAD_TIMEOUT'))\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(REPO)])
    if user_set:
        env["OPENBLAS_THREAD_TIMEOUT"] = user_set
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.stdout.splitlines() == ["(['envspy'], None)", f"{seen} {after}"], result.stderr


def test_the_template_imports_with_one_blas_thread_even_when_the_job_asks_for_more(tmp_path):
    (tmp_path / "envspy.py").write_text("import os\nSEEN = os.environ.get('OPENBLAS_NUM_THREADS')\n")
    script = ("import os\nfrom jupyterstream.runner.warm.template import preload\npreload(['envspy'])\n"
              "import envspy\nprint(envspy.SEEN, os.environ.get('OPENBLAS_NUM_THREADS'))\n")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="3", PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO)]))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.stdout.split() == ["1", "3"], result.stderr  # the job's 3 is what its kernels get back


def test_the_warm_flag_reaches_run_one_only_when_asked():
    assert "--warm-kernels" in job_command(Settings(warm=True))
    assert "--warm-kernels" not in job_command(Settings(warm=False))
    assert Settings().warm  # on by default (WARM=1)
    command = job_command(Settings(warm=True))
    assert command.index("--warm-kernels") < command.index("--")


def test_run_one_tells_nbconvert_the_imports_sweep_and_what_is_the_jobs_own(tmp_path):
    staged = tmp_path / "job.ipynb"
    staged.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "import numpy"}],
                                  "metadata": {"jupyterstream": {"environment": {"state": "CA"}}}}))
    env = {}
    prepare(env, staged, "sweep-1", str(tmp_path / "note"))
    settings = json.loads(env[WARM_ENV])
    assert settings["imports"] == ["numpy"] and settings["sweep"] == "sweep-1"
    assert {"state", TOKEN_ENV} <= set(settings["job_vars"])
    assert env[KERNEL_NOTE_ENV] == str(tmp_path / "note")


def test_the_template_is_not_asked_for_the_modules_in_the_kernels_working_folder(tmp_path):
    # `import helpers` (helpers.py beside the notebook, in its run folder) would stop the template
    # before pandas; the kernel imports it from its folder, as a cold kernel does
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "helpers.py").write_text("")
    (tmp_path / "run" / "tools").mkdir()
    (tmp_path / "run" / "tools" / "__init__.py").write_text("")
    staged = tmp_path / "job.ipynb"
    staged.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "import helpers\nfrom tools import x\n"
                                                                           "import pandas"}]}))
    env = {CWD_ENV: str(tmp_path / "run")}
    prepare(env, staged, "sweep-1", str(tmp_path / "note"))
    assert json.loads(env[WARM_ENV])["imports"] == ["pandas"]


def test_the_kernel_field_says_cold_when_off_and_reads_the_managers_note_once(tmp_path):
    note = tmp_path / "note"
    assert kernel_field(False, note).startswith("cold (warm kernels are off") and kernel_field(False, note) == OFF
    assert kernel_field(True, note) is None  # no kernel started: nothing to say
    note.write_text("cold (the template has 2 threads)\n")
    assert kernel_field(True, note) == "cold (the template has 2 threads)"
    assert not note.exists()


def test_the_template_folder_is_made_private(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERSTREAM_WARM_DIR", str(tmp_path / "warm"))
    folder = base_folder()
    assert os.stat(folder).st_mode & 0o777 == 0o700
    assert os.stat(key_folder("s", ["python3"], "python3", ["numpy"])).st_mode & 0o777 == 0o700


def test_a_template_folder_others_can_read_is_refused_with_its_path(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv("JUPYTERSTREAM_WARM_DIR", str(shared))
    with pytest.raises(NotWarm, match=f"{shared} is not a folder only this user can read"):
        base_folder()


def test_templates_differ_by_sweep_interpreter_and_imports(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERSTREAM_WARM_DIR", str(tmp_path / "warm"))
    base = key_folder("s", ["python3"], "python3", ["numpy"])
    assert base == key_folder("s", ["python3"], "python3", ["numpy"])
    others = {key_folder("t", ["python3"], "python3", ["numpy"]), key_folder("s", ["python3", "-X", "dev"], "python3", ["numpy"]),
              key_folder("s", ["python3"], "python3", ["pandas"])}
    assert base not in others and len(others) == 3


def test_run_one_and_the_collector_side_never_import_jupyter_for_warm_kernels():
    code = ("import sys; import jupyterstream.runner.job, jupyterstream.runner.warm.jobside, "
            "jupyterstream.runner.warm.control; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jupyter_client', 'ipykernel', 'zmq')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.strip() == "[]"


def _ended_template_folder(base, name, age):
    folder = base / name
    folder.mkdir(mode=0o700)
    for file in ("lock", "log", "info.json"):
        (folder / file).write_text("")
    then = time.time() - age
    for path in (*folder.iterdir(), folder):
        os.utime(path, (then, then))
    return folder


def test_an_ended_templates_folder_is_removed_after_an_hour_and_kept_before(tmp_path):
    old = _ended_template_folder(tmp_path, "old", 2 * 3600)
    recent = _ended_template_folder(tmp_path, "recent", 60)
    assert control.prune(str(tmp_path)) == 1
    assert not old.exists() and recent.exists()


def test_a_template_folder_whose_lock_is_held_is_never_removed(tmp_path):
    held = _ended_template_folder(tmp_path, "held", 2 * 3600)
    with open(held / "lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert control.prune(str(tmp_path)) == 0
    assert held.exists()


def test_a_template_folder_whose_template_answers_is_never_removed(tmp_path):
    live = _ended_template_folder(tmp_path, "live", 2 * 3600)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(live / "sock"))
        server.listen(1)
        then = time.time() - 2 * 3600
        os.utime(live / "sock", (then, then), follow_symlinks=False)
        os.utime(live, (then, then))
        assert control.prune(str(tmp_path)) == 0
    assert live.exists()


def test_a_sweeps_end_removes_only_the_template_folders_its_jobs_made_and_keeps_their_logs(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERSTREAM_WARM_DIR", str(tmp_path / "warm"))
    mine = Path(key_folder("mine", ["python3"], "python3", []))
    (mine / "log").write_text("template 1: ready in 0.3 s\n")
    starting = Path(key_folder("mine", ["python3"], "python3", ["numpy"]))  # a job is starting a template there
    other = Path(key_folder("other", ["python3"], "python3", []))
    with open(starting / "lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert control.remove_folders("mine", str(tmp_path / "logs")) == 1
    assert not mine.exists() and starting.exists() and other.exists()
    assert (tmp_path / "logs" / f"mine-{mine.name}.log").read_text() == "template 1: ready in 0.3 s\n"
    assert (tmp_path / "warm").exists()  # a folder the user named is never removed


def test_the_shared_template_folder_goes_with_the_last_sweep_that_used_it_and_comes_back(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERSTREAM_WARM_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    base = tmp_path / f"jupyterstream-warm-{os.getuid()}"
    key_folder("first", ["python3"], "python3", [])
    key_folder("second", ["python3"], "python3", [])
    control.remove_folders("first")
    assert [p.name for p in base.iterdir()] == [Path(key_folder("second", ["python3"], "python3", [])).name]
    control.remove_folders("second")
    assert not base.exists()
    again = Path(key_folder("third", ["python3"], "python3", []))
    assert again.is_dir() and os.stat(base).st_mode & 0o777 == 0o700
