"""A collect that cannot write says so: OUTPUT remounted read-only after a sweep, or one folder the
collector writes into (figures/) on a read-only mount. Either way `collect` exits 3 with
"PATH: cannot be written (Read-only file system)", naming what it could not write, never a
traceback, and the previous report stays byte for byte."""

import subprocess
from pathlib import Path

import pytest

from faultkit import mount_tmpfs, run_tagged
from support import write_lines

NOTEBOOK = Path(__file__).parent / "notebooks" / "many_figures.ipynb"  # 201 small figures a run
REPORT = ("report.html", "master.ipynb", "runs.csv", "metrics.csv")


@pytest.fixture(scope="module")
def swept(tmp_path_factory, module_tag):
    """A sweep of two runs (402 figures: the gallery writes them to figures/) on its own tmpfs."""
    tmp = tmp_path_factory.mktemp("collect-cannot-write")
    mount = tmp / "disk"
    mount.mkdir()
    mount_tmpfs(mount, "size=16m")
    try:
        output = mount / "out"
        code, _, err = run_tagged(["run", NOTEBOOK, write_lines(tmp / "states.txt", "AL", "CA"), "--output", output],
                                  module_tag, tmp / "logs", timeout=240)
        assert code == 0, err
        yield {"tmp": tmp, "mount": mount, "output": output, "tag": module_tag}
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], capture_output=True, timeout=30)


def report_files(output):
    """The bytes of the report's four files."""
    return {name: (output / name).read_bytes() for name in REPORT}


def touch(swept):
    """A run's record changes, so that the next collect renders that run again."""
    (swept["output"] / "status" / "AL.json").touch()


def collect_again(swept, name):
    """`jupyterstream collect` of the sweep."""
    return run_tagged(["collect", swept["output"]], swept["tag"], swept["tmp"] / "logs", timeout=120, name=name)


def remount(mount, mode):
    """Remount the tmpfs read-only or read-write again."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mount)], check=True, capture_output=True, timeout=30)


def test_a_collect_of_an_output_that_became_read_only_exits_3_naming_the_file_and_keeps_the_report(swept):
    output = swept["output"]
    before = report_files(output)
    touch(swept)
    remount(swept["mount"], "ro")
    try:
        code, out, err = collect_again(swept, "read-only")
    finally:
        remount(swept["mount"], "rw")
    assert code == 3, err
    assert "Traceback" not in err + out
    assert "cannot be written (Read-only file system)" in err and str(output) in err, err
    assert report_files(output) == before


def test_a_collect_that_cannot_write_its_figures_exits_3_naming_the_figures_folder(swept):
    output = swept["output"]
    collect_again(swept, "before")
    before = report_files(output)
    figures = output / "figures"
    subprocess.run(["mv", str(figures), str(output / "figures-before")], check=True)
    figures.mkdir()
    mount_tmpfs(figures, "ro,size=1m")
    touch(swept)
    try:
        code, out, err = collect_again(swept, "figures")
    finally:
        subprocess.run(["umount", str(figures)], capture_output=True, timeout=30)
    assert code == 3, err
    assert "Traceback" not in err + out
    assert f"{figures}" in err and "cannot be written (Read-only file system)" in err, err
    assert report_files(output) == before
