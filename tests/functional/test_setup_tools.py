"""`make setup`'s system tools (bin/ensure-tools) on a machine that lacks them and cannot install
them (no apt-get on PATH): GNU parallel is required, so setup stops and says the command; Chromium,
which draws the plotly and bokeh charts, is not, so setup says the command and goes on."""

import os
import shutil
import subprocess

from support import REPO

# what the Makefile and bin/ensure-tools run, besides the tools they look for
BASICS = ("bash", "sh", "env", "id", "make", "dirname", "cat")


def path_with(tmp, *programs):
    """A PATH folder holding only these programs of this machine (and no apt-get)."""
    folder = tmp / "bin"
    folder.mkdir()
    for name in (*BASICS, *programs):
        found = shutil.which(name)
        if found:
            (folder / name).symlink_to(found)
    return str(folder)


def tools(tmp, *programs):
    """`make tools` with only ``programs`` (and the basics) on PATH."""
    env = dict(os.environ, PATH=path_with(tmp, *programs))
    env.pop("BROWSER_PATH", None)
    return subprocess.run(["make", "-s", "tools"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_setup_without_chromium_says_the_command_that_installs_it_and_goes_on(tmp_path):
    done = tools(tmp_path, "parallel")
    assert done.returncode == 0, done.stderr
    assert "jupyterstream: missing chromium fonts-liberation: install with: sudo apt-get install " \
           "--no-install-recommends chromium fonts-liberation" in done.stderr
    assert "going on without it" in done.stderr


def test_setup_without_gnu_parallel_stops_and_says_the_command(tmp_path):
    done = tools(tmp_path, "chromium")
    assert done.returncode != 0
    assert "jupyterstream: missing parallel: install with: sudo apt-get install parallel" in done.stderr


def test_setup_with_chromium_says_nothing_about_it(tmp_path):
    done = tools(tmp_path, "parallel", "chromium")
    assert done.returncode == 0 and "chromium" not in done.stderr, done.stderr
