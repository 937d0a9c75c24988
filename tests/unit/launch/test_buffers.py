"""buffers: where GNU parallel buffers job output (a folder of the sweep's own, on a filesystem no run
writes to), and the TMPDIR that run-one gives the kernels back."""

import os
import stat
import tempfile

from jupyterstream.launch import buffers
from jupyterstream.launch.parallel import Settings, command_line, parallel_argv
from jupyterstream.runner import job


def test_parallels_buffers_go_to_a_private_folder_of_the_sweep_apart_from_output_and_tmpdir(tmp_path):
    assert os.stat("/dev/shm").st_dev != os.stat(tmp_path).st_dev, "this machine has /dev/shm on another filesystem"
    path = buffers.folder(tmp_path / "out", "20261206T120000-abc123")
    try:
        assert os.stat(path).st_dev not in {os.stat(tmp_path).st_dev, os.stat(tempfile.gettempdir()).st_dev}
        assert os.path.basename(path) == "20261206T120000-abc123"
        base = os.lstat(os.path.dirname(path))
        assert base.st_uid == os.getuid() and stat.S_IMODE(base.st_mode) == 0o700
    finally:
        buffers.remove(path)
    assert not os.path.exists(path)


def test_with_no_memory_filesystem_apart_the_buffers_go_to_output_scratch_and_stay(tmp_path, monkeypatch):
    beside = tmp_path / "memory"  # on OUTPUT's own filesystem: no use
    beside.mkdir()
    monkeypatch.setattr(buffers, "MEMORY", (str(beside),))
    path = buffers.folder(tmp_path / "out", "sweep")
    assert path == os.path.join(tmp_path / "out", ".scratch") and os.path.isdir(path)
    buffers.remove(path)
    assert os.path.isdir(path), "OUTPUT/.scratch/ holds the collector's spools too"


def test_a_preview_names_the_folder_without_making_it(tmp_path, monkeypatch):
    monkeypatch.setattr(buffers, "MEMORY", (str(tmp_path / "memory"),))
    assert buffers.folder(tmp_path / "out", "sweep", make=False) == os.path.join(tmp_path / "out", ".scratch")
    assert not (tmp_path / "out").exists()


def test_parallel_buffers_in_the_folder_it_is_given_and_by_default_in_output_scratch():
    argv = parallel_argv(Settings(output="out"))
    assert argv[argv.index("--tmpdir") + 1] == "out/.scratch"
    argv = parallel_argv(Settings(output="out"), tmpdir="/dev/shm/jupyterstream-0/s")
    assert argv[argv.index("--tmpdir") + 1] == "/dev/shm/jupyterstream-0/s"


def test_the_printed_sweep_line_hands_the_kernels_the_tmpdir_it_was_started_with(monkeypatch):
    monkeypatch.setenv("TMPDIR", "/scratch/my tmp")
    line = command_line(parallel_argv(Settings(output="out")), Settings(output="out"))
    assert line.startswith("JUPYTERSTREAM_TMPDIR='/scratch/my tmp' parallel ")
    monkeypatch.delenv("TMPDIR")
    line = command_line(parallel_argv(Settings(output="out")), Settings(output="out"))
    assert line.startswith("JUPYTERSTREAM_TMPDIR='' parallel ")


def test_run_one_gives_the_job_back_the_sweeps_tmpdir_in_place_of_parallels(monkeypatch):
    monkeypatch.setenv("TMPDIR", "/dev/shm/jupyterstream-0/sweep")  # what parallel's --tmpdir set
    monkeypatch.setenv("JUPYTERSTREAM_TMPDIR", str(os.path.dirname(__file__)))
    monkeypatch.setattr(tempfile, "tempdir", None)
    job._sweeps_tmpdir()
    assert os.environ["TMPDIR"] == os.path.dirname(__file__) and "JUPYTERSTREAM_TMPDIR" not in os.environ
    assert tempfile.gettempdir() == os.path.dirname(__file__)


def test_run_one_unsets_tmpdir_when_the_sweep_was_started_without_one(monkeypatch):
    monkeypatch.setenv("TMPDIR", "/dev/shm/jupyterstream-0/sweep")
    monkeypatch.setenv("JUPYTERSTREAM_TMPDIR", "")
    monkeypatch.setattr(tempfile, "tempdir", None)
    job._sweeps_tmpdir()
    assert "TMPDIR" not in os.environ


def test_run_one_over_ssh_keeps_its_hosts_own_tmpdir(monkeypatch):
    monkeypatch.setenv("TMPDIR", "/host/tmp")
    monkeypatch.delenv("JUPYTERSTREAM_TMPDIR", raising=False)
    job._sweeps_tmpdir()
    assert os.environ["TMPDIR"] == "/host/tmp"
