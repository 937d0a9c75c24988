"""The report as a person sees it: rendered by headless Chromium, with a screenshot, no console
errors, and the summary, the run ledger, the failure triage and the gallery on the page."""

import re
import shutil
import subprocess

import pytest

from support import NOTEBOOKS, run_cli

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0"]


def chromium():
    """The browser make test installs (Debian's chromium)."""
    path = shutil.which("chromium")
    assert path, "chromium is missing: `make test` installs it (apt-get install chromium)"
    return path


def render(page, tmp_path, *extra):
    """Run headless Chromium on a page; return (stdout, console lines)."""
    result = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra,
                             page.as_uri()], capture_output=True, text=True, timeout=120)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    (tmp / "values.txt").write_text("AL\nfail-CA\nNY\n<script>alert(1)</script>\n")
    result = run_cli("run", NOTEBOOKS / "figure.ipynb", tmp / "values.txt", "-o", tmp / "out")
    assert result.returncode == 1, result.stderr
    return tmp / "out" / "report.html"


def test_the_report_renders_with_no_console_errors_and_shows_every_section(report, tmp_path):
    dom, console = render(report, tmp_path, "--dump-dom")
    assert console == []
    for heading in ("Runs", "Failures", "Metrics", "Gallery", "Manifest"):
        assert re.search(rf"<h2[^>]*>{heading}", dom), heading
    assert "4 runs: 3 ok, 1 failed" in dom
    assert "cell error: ValueError at cell 2 (1 run)" in dom
    assert len(re.findall(r"<figure[^>]*><img [^>]*src=\"data:image/png;base64,", dom)) == 3
    assert 'title="click to sort"' in dom  # our sorting script ran
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and "<script>alert(1)</script>" not in dom


def test_a_screenshot_of_the_report_is_a_real_picture(report, tmp_path):
    shot = tmp_path / "report.png"
    render(report, tmp_path, "--window-size=1280,2000", f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
