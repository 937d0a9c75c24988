"""No chart hangs the collect: a sweep of a notebook drawing plotly, bokeh and vega-lite charts, on a
machine whose browser is missing, never answers, or crashes, and with a spec that keeps its
renderer busy for minutes. Real kernels, real GNU parallel, real vl-convert and kaleido; the
browsers that fail are real programs standing in for Chromium. Every drawing ends within the time
limit, its tile says why and what fixes it, nothing the collect started is left running, and a
chart that this machine could not draw is drawn at the next collect once the browser is back."""

import os
import re
import shutil
import signal
import time
from pathlib import Path

import nbformat
import pytest

import faultkit

NOTEBOOK = Path(__file__).parent / "notebooks" / "charts.ipynb"
PLOTLY, BOKEH, SMALL, HEAVY = 3, 4, 5, 6  # cells of the executed run (after injected-parameters)
LIMIT = 20  # JUPYTERSTREAM_DRAW_TIMEOUT for these tests: the heavy chart takes minutes
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def tiles(output):
    """{cell index: html of its one tile} from master.ipynb's gallery."""
    master = nbformat.read(output / "master.ipynb", as_version=4)
    [cell] = [c for c in master.cells if c.get("id") == "gallery"]
    html = "".join(o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {}))
    found = {}
    for part in re.split(r"<h3>Cell ", html)[1:]:
        [found[int(part.split(":", 1)[0])]] = re.findall(r"<figure.*?</figure>", part, flags=re.S)
    return found


def drawn(tile):
    """True when a tile shows a picture (a PNG data URI), not a note."""
    return 'src="data:image/png;base64,' in tile and "could not render" not in tile


def kept(output, suffix):
    """The names of figures/*.SUFFIX (the drawings, and the reasons kept for the charts without one)."""
    return sorted(p.name for p in (output / "figures").glob(f"*{suffix}"))


def path_without_chromium(tmp):
    """A PATH holding every program of this machine's PATH but the browsers."""
    folder = tmp / "bin-without-chromium"
    folder.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        for entry in os.scandir(directory) if os.path.isdir(directory) else ():
            if entry.name not in BROWSERS and not (folder / entry.name).exists():
                (folder / entry.name).symlink_to(entry.path)
    return str(folder)


def fake_browser(tmp, body):
    """A program standing in for Chromium: a shell script that records its PID, then runs ``body``."""
    script = tmp / "browser"
    script.write_text(f"#!/bin/sh\necho $$ >> {tmp / 'pids'}\n{body}\n")
    script.chmod(0o755)
    return str(script)


def collect(output, tag, tmp, name, **env):
    """`jupyterstream collect OUTPUT` with ``env``; (exit code, seconds, stderr), nothing left running."""
    started = time.monotonic()
    code, _, err = faultkit.run_tagged(["collect", output], tag, tmp / "logs", timeout=240, name=name,
                                       env=faultkit.tagged_env(tag, JUPYTERSTREAM_DRAW_TIMEOUT=LIMIT, **env))
    seconds = time.monotonic() - started
    left = faultkit.wait_until_gone(tag, 5)
    assert not left, faultkit.describe(left)
    return code, seconds, err


@pytest.fixture(scope="module")
def swept(tmp_path_factory, module_tag):
    """The charts notebook swept over one value by `jupyterstream run`, on a machine without a
    browser (BROWSER_PATH names a program that does not exist): (output, exit code, seconds, stderr)."""
    tmp = tmp_path_factory.mktemp("charts")
    (tmp / "values.txt").write_text("a\n")
    env = faultkit.tagged_env(module_tag, BROWSER_PATH="/nonexistent", JUPYTERSTREAM_DRAW_TIMEOUT=LIMIT)
    started = time.monotonic()
    code, _, err = faultkit.run_tagged(["run", NOTEBOOK, tmp / "values.txt", "--output", tmp / "out",
                                        "--param", "label", "--jobs", "1"], module_tag, tmp / "logs",
                                       timeout=300, env=env)
    seconds = time.monotonic() - started
    left = faultkit.wait_until_gone(module_tag, 5)
    assert not left, faultkit.describe(left)
    return tmp / "out", code, seconds, err


@pytest.fixture
def copy(swept, tmp_path):
    """A copy of the swept output, to collect again under other faults."""
    shutil.copytree(swept[0], tmp_path / "out", symlinks=True)
    return tmp_path / "out"


def test_without_a_browser_the_sweep_returns_and_each_chart_that_needs_one_says_how_to_install_it(swept):
    output, code, seconds, err = swept
    assert code == 0, err  # every run is ok: the exit status of any report
    assert "Traceback" not in err
    found = tiles(output)
    for cell, kind in ((PLOTLY, "plotly"), (BOKEH, "bokeh")):
        assert f"{kind} figure, cell {cell}: could not render: no Chromium: BROWSER_PATH=/nonexistent is not a " \
               "program: point BROWSER_PATH at Chromium, or unset it" in found[cell]
    assert drawn(found[SMALL])
    assert f"vega-lite figure, cell {HEAVY}: could not render: drawing it took longer than {LIMIT} s, so it " \
           "was stopped: it is tried once more at the next collect" in found[HEAVY]
    # this machine's problems, and a first time limit, are tried again at the next collect
    assert len(kept(output, ".retry")) == 3 and kept(output, ".err") == [] and len(kept(output, ".png")) == 1


def test_with_no_browser_on_path_the_tile_names_the_one_command_that_installs_it(copy, tmp_path, tag):
    shutil.rmtree(copy / "figures")
    code, seconds, err = collect(copy, tag, tmp_path, "no-path", PATH=path_without_chromium(tmp_path))
    assert code == 0, err
    found = tiles(copy)
    for cell, kind in ((PLOTLY, "plotly"), (BOKEH, "bokeh")):
        assert f"{kind} figure, cell {cell}: could not render: no Chromium on PATH: install it with " \
               "`sudo apt-get install chromium` (or run `make setup` as root)" in found[cell]
    assert drawn(found[SMALL])


def test_a_browser_that_never_answers_is_stopped_at_the_time_limit_with_all_it_started(copy, tmp_path, tag):
    # it starts a child in a session of its own, as Chromium's processes are started
    browser = fake_browser(tmp_path, f"setsid sleep 100000 & echo $! >> {tmp_path / 'pids'}\nexec sleep 100000")
    code, seconds, err = collect(copy, tag, tmp_path, "hang", BROWSER_PATH=browser)
    assert code == 0, err
    assert seconds < LIMIT + 60, "each kind waits for its browser once, in parallel, then gives up"
    found = tiles(copy)
    for cell, kind in ((PLOTLY, "plotly"), (BOKEH, "bokeh")):
        assert f"{kind} figure, cell {cell}: could not render: Chromium ({browser}) did not start within " \
               f"{LIMIT} s: check that `{browser} --headless --dump-dom about:blank` works, or unset " \
               "BROWSER_PATH" in found[cell]
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(pids) >= 2
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or b"sleep" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert len(kept(copy, ".retry")) == 2 and len(kept(copy, ".err")) == 1, "the heavy chart was stopped twice"


def test_a_browser_that_crashes_as_it_starts_is_named_with_what_to_check(copy, tmp_path, tag):
    browser = fake_browser(tmp_path, "kill -SEGV $$")
    code, seconds, err = collect(copy, tag, tmp_path, "crash", BROWSER_PATH=browser)
    assert code == 0, err
    assert seconds < 60
    found = tiles(copy)
    assert f"plotly figure, cell {PLOTLY}: could not render: Chromium ({browser}) did not start " \
           "(BrowserFailedError: The browser seemed to close immediately after starting.)" in found[PLOTLY]
    assert f"bokeh figure, cell {BOKEH}: could not render: Chromium ({browser}) did not start (exit -11)" in found[BOKEH]
    assert len(kept(copy, ".retry")) == 2


def test_once_the_browser_is_back_the_next_collect_draws_what_it_could_not_and_not_a_spec_stopped_twice(
        copy, tmp_path, tag):
    code, _, err = collect(copy, tag, tmp_path, "back")
    assert code == 0, err
    found = tiles(copy)
    assert drawn(found[PLOTLY]) and drawn(found[BOKEH]) and drawn(found[SMALL])
    assert f"drawing it took longer than {LIMIT} s, so it was stopped, twice: it is not tried again (to give it " \
           "more time: set JUPYTERSTREAM_DRAW_TIMEOUT higher, delete figures/" in found[HEAVY]
    assert kept(copy, ".retry") == [] and len(kept(copy, ".err")) == 1 and len(kept(copy, ".png")) == 3
    before = {p.name: p.stat().st_mtime_ns for p in (copy / "figures").iterdir() if p.is_file()}
    code, seconds, err = collect(copy, tag, tmp_path, "again")
    assert code == 0, err
    assert {p.name: p.stat().st_mtime_ns for p in (copy / "figures").iterdir() if p.is_file()} == before
    assert seconds < LIMIT, "nothing is drawn again"


def test_a_drawing_process_that_dies_while_drawing_is_named_and_the_collect_goes_on(copy, tmp_path, tag):
    env = faultkit.tagged_env(tag, BROWSER_PATH="/nonexistent", JUPYTERSTREAM_DRAW_TIMEOUT=120)
    cli = faultkit.Cli(["collect", copy], tag, tmp_path / "logs", env=env, name="oom")
    drawing = wait_for_vega_drawing(tag, timeout=60)
    time.sleep(1)
    os.kill(drawing, signal.SIGKILL)  # what the OOM killer does
    assert cli.wait(60) == 0, cli.stderr
    assert not faultkit.wait_until_gone(tag, 5)
    found = tiles(copy)
    assert f"vega-lite figure, cell {HEAVY}: could not render: the process drawing it died (killed by SIGKILL)" \
        in found[HEAVY]
    assert len(kept(copy, ".err")) == 1, "remembered: a spec that kills its renderer would again"


def wait_for_vega_drawing(tag, timeout):
    """The PID of the drawing process that loaded vl-convert (it is drawing the heavy chart)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in faultkit.tagged_pids(tag):
            try:
                if b"jupyterstream.report.figures.drawpool" in Path(f"/proc/{pid}/cmdline").read_bytes() \
                        and "vl_convert" in Path(f"/proc/{pid}/maps").read_text():
                    return pid
            except OSError:
                continue
        time.sleep(0.1)
    raise AssertionError("no drawing process loaded vl-convert")


def test_the_time_limit_must_be_a_number_of_seconds(copy, tmp_path, tag):
    (copy / ".report-pieces.json").unlink()
    shutil.rmtree(copy / "figures")
    code, _, err = faultkit.run_tagged(["collect", copy], tag, tmp_path / "logs", timeout=120,
                                       env=faultkit.tagged_env(tag, JUPYTERSTREAM_DRAW_TIMEOUT="soon"))
    assert code == 2 and "Traceback" not in err
    assert "JUPYTERSTREAM_DRAW_TIMEOUT='soon' is not a number of seconds above 0" in err
