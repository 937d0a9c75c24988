"""Promise 6: places a sweep must write to that cannot be written -- OUTPUT below a regular file
(which even root cannot create), OUTPUT on a read-only filesystem, a HOME where GNU parallel
cannot keep ~/.parallel, a TMPDIR that is no writable folder for the kernels, a job's own log -- give a
clear error up front (exit 3, naming the place, no traceback) and start no job; a failure inside a
job is reported as what it is."""

import subprocess

import pytest

from faultkit import mount_tmpfs, run_tagged, tagged_env
from jupyterstream.report.write import collect
from support import NOTEBOOKS


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    """A read-only tmpfs, unmounted at the end."""
    mount = tmp_path_factory.mktemp("ro") / "mnt"
    mount.mkdir()
    mount_tmpfs(mount, "ro,size=1m")
    yield mount
    subprocess.run(["umount", str(mount)], capture_output=True, timeout=30)


def place(kind, tmp_path, read_only):
    """A folder that cannot be created or written."""
    if kind == "below-a-file":
        (tmp_path / "a-file").write_text("not a folder\n")
        return tmp_path / "a-file" / "sub"
    return read_only / "sub"


def assert_refused_up_front(code, out, err, *fragments):
    assert code == 3, err
    assert "Traceback" not in err + out
    for fragment in fragments:
        assert fragment in err, err
    assert "parallel --will-cite" not in err, "a sweep was started"


@pytest.mark.parametrize("kind", ["below-a-file", "read-only"])
def test_run_with_an_unwritable_output_folder_is_refused_before_any_job(tmp_path, tag, values, read_only, kind):
    output = place(kind, tmp_path, read_only)
    code, out, err = run_tagged(["run", NOTEBOOKS / "echo.ipynb", values("AL"), "--output", output], tag,
                                tmp_path / "logs")
    assert_refused_up_front(code, out, err, str(output))


@pytest.mark.parametrize("kind", ["below-a-file", "read-only"])
def test_plan_with_an_unwritable_output_folder_is_refused_with_a_clear_error(tmp_path, tag, values, read_only, kind):
    output = place(kind, tmp_path, read_only)
    code, out, err = run_tagged(["plan", NOTEBOOKS / "echo.ipynb", values("AL"), "--output", output], tag,
                                tmp_path / "logs")
    assert_refused_up_front(code, out, err, str(output))


@pytest.mark.parametrize("kind", ["below-a-file", "read-only"])
def test_a_home_where_parallel_cannot_keep_its_state_is_refused_before_any_job(tmp_path, tag, values, read_only, kind):
    home = place(kind, tmp_path, read_only)
    env = tagged_env(tag, HOME=home)
    env.pop("PARALLEL_HOME", None)
    output = tmp_path / "out"
    code, out, err = run_tagged(["run", NOTEBOOKS / "echo.ipynb", values("AL"), "--output", output], tag,
                                tmp_path / "logs", env=env)
    assert_refused_up_front(code, out, err, str(home))
    assert not (output / "runs").exists() or not any((output / "runs").iterdir())


def test_a_tmpdir_that_is_not_a_writable_folder_is_refused_before_any_job(tmp_path, tag, values):
    """Each job's kernel is given the TMPDIR the sweep was started with (GNU parallel buffers job
    output in OUTPUT/.scratch/): one that does not exist is refused, not silently replaced by /tmp."""
    tmpdir = tmp_path / "no-such-folder" / "tmp"
    env = tagged_env(tag, TMPDIR=tmpdir)
    output = tmp_path / "out"
    code, out, err = run_tagged(["run", NOTEBOOKS / "echo.ipynb", values("AL", "CA"), "--output", output],
                                tag, tmp_path / "logs", env=env)
    assert_refused_up_front(code, out, err, str(tmpdir), "each job's kernel is given it")
    assert not (output / "runs").exists() or not any((output / "runs").iterdir())


def test_a_job_whose_log_cannot_be_written_is_reported_as_a_job_error_naming_the_log(tmp_path, tag, values):
    output = tmp_path / "out"
    (output / "logs" / "AL.log").mkdir(parents=True)
    code, out, err = run_tagged(["run", NOTEBOOKS / "echo.ipynb", values("AL"), "--output", output], tag,
                                tmp_path / "logs")
    assert code == 1 and "Traceback" not in err
    (run,) = collect(output, html=False)
    assert run.state == "job-error", (run.state, run.message)
    assert "logs/AL.log" in run.message
