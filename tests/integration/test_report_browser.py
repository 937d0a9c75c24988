"""The report as a person sees it, rendered by headless Chromium: every section and our script on
a real sweep; hostile runs whose payloads would change the title or the page if anything of theirs
ever ran (inline and in thumbnail mode, every link followed, each run's detail panel opened); and
screenshots at 51 and 5,000 runs, kept in screenshots/ (not in git) to be looked at."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import reportkit
from jupyterstream.report import write as report
from support import NOTEBOOKS, REPO, run_cli

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000"]
SHOTS = REPO / "screenshots"


def chromium():
    """The browser make test installs (Debian's chromium)."""
    path = shutil.which("chromium")
    assert path, "chromium is missing: `make test` installs it (apt-get install chromium)"
    return path


def render(url, tmp_path, *extra):
    """Run headless Chromium on a page (a path, or a file URL with a #fragment); (stdout, console lines)."""
    url = url.as_uri() if isinstance(url, Path) else url
    result = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, url],
                            capture_output=True, text=True, timeout=180)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


class Dom(HTMLParser):
    """Elements, attributes and the title of a dumped DOM."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.attributes, self.title, self._in_title = [], [], None, False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self._in_title = tag == "title" and self.title is None  # the page's, not a chart mark's
        if self._in_title:
            self.title = ""

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def assert_untouched(dom_text, title):
    """Nothing a run carried ran: the title is ours, no marker, no handler, no script but ours."""
    dom = Dom(dom_text)
    assert dom.title == title and "owned!" not in dom_text and "data-owned" not in dom_text
    assert dom.tags.count("script") == 2, "our JSON data and our script, nothing else"
    for tag, name, value in dom.attributes:
        assert not name.startswith("on"), (tag, name, value)
        if name in ("href", "src", "action", "formaction", "xlink:href"):
            assert not re.match(r"\s*[a-z][a-z0-9+.-]*:", value, re.IGNORECASE) or value.startswith("data:image/"), \
                (tag, name, value)
    return dom


# --- a real sweep -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    (tmp / "values.txt").write_text("AL\nfail-CA\nNY\n<script>alert(1)</script>\n")
    result = run_cli("run", NOTEBOOKS / "figure.ipynb", tmp / "values.txt", "-o", tmp / "out")
    assert result.returncode == 1, result.stderr
    return tmp / "out" / "report.html"


def test_the_report_renders_with_no_console_errors_and_shows_every_section(swept, tmp_path):
    dom, console = render(swept, tmp_path, "--dump-dom")
    assert console == []
    for heading in ("Runs", "Failures", "Metrics", "Gallery", "Manifest"):
        assert re.search(rf"<h2[^>]*>{heading}", dom), heading
    assert "4 runs: 3 ok, 1 failed" in dom
    assert "cell error: ValueError at cell 2 (1 run)" in dom
    assert "raise ValueError(f'cannot draw {state}')" in dom, "the failing cell's source"
    assert len(re.findall(r"<figure[^>]*><img [^>]*src=\"data:image/png;base64,", dom)) == 3
    assert 'title="click to sort"' in dom and "1–4 of 4 runs" in dom, "our ledger script ran"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and "<script>alert(1)</script>" not in dom


def test_a_run_s_detail_panel_shows_its_parameters_error_figures_and_links(swept, tmp_path):
    plan = json.loads((swept.parent / "plan.json").read_text())
    failed = next(j["id"] for j in plan["jobs"] if j["label"] == "fail-CA")
    dom, console = render(f"{swept.as_uri()}#run-{failed}", tmp_path, "--dump-dom")
    panel = re.search(r'<aside id="detail" class="js-detail">(.*?)</aside>', dom, re.DOTALL)
    assert console == [] and panel, "the panel is open (not hidden)"
    text = panel.group(1)
    assert "<h2>fail-CA</h2>" in text and "ValueError: cannot draw fail-CA" in text
    assert f'href="runs/{failed}.ipynb"' in text and f'href="logs/{failed}.log"' in text
    ok = next(j["id"] for j in plan["jobs"] if j["label"] == "AL")
    dom, _ = render(f"{swept.as_uri()}#run-{ok}", tmp_path, "--dump-dom")
    panel = re.search(r'<aside id="detail" class="js-detail">(.*?)</aside>', dom, re.DOTALL).group(1)
    assert "<h3>Parameters</h3>" in panel and "<h3>Metrics</h3>" in panel and 'src="data:image/png;base64,' in panel


# --- hostile runs -------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["inline", "thumbnails"])
def hostile(request, tmp_path_factory):
    """A report of hostile runs: figures inline, or over 200 figures (thumbnails and linked files)."""
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}") / "out"
    each = 1 if request.param == "inline" else 30  # 8 runs with readable notebooks: 240 figures
    reportkit.output_folder(folder, reportkit.hostile_runs(each), notebook=reportkit.PAYLOADS[1],
                            values_file=f"[pwn](javascript:{reportkit.RUN}).txt")
    report.collect(folder)
    return folder, request.param


def title_of(folder):
    plan = json.loads((folder / "plan.json").read_text())
    return f"{plan['notebook']} over {plan['values_file']}"


def test_nothing_a_hostile_run_carries_runs_in_the_report(hostile, tmp_path):
    folder, mode = hostile
    dom, console = render(folder / "report.html", tmp_path, "--dump-dom")
    assert console == [], "not even a blocked attempt: nothing of a run's is a script or a handler"
    assert_untouched(dom, title_of(folder))
    assert reportkit.PAYLOADS[0].replace("<", "&lt;").replace(">", "&gt;")[:40] in dom, "shown as text"
    assert ("figures/thumbs/" in dom) == (mode == "thumbnails")


def test_each_hostile_run_s_detail_panel_shows_its_payloads_as_text(hostile, tmp_path):
    folder, _ = hostile
    for job in ("h1", "h3", "h5"):
        dom, console = render(f"{(folder / 'report.html').as_uri()}#run-{job}", tmp_path, "--dump-dom")
        assert console == []
        assert_untouched(dom, title_of(folder))
        assert '<aside id="detail" class="js-detail">' in dom, "the panel opened"


def test_every_link_the_report_holds_stays_inside_the_output_and_opens_safely(hostile, tmp_path):
    folder, mode = hostile
    dom = Dom(render(folder / "report.html", tmp_path, "--dump-dom")[0])
    data = json.loads(re.search(r'id="ledger-data">(.*?)</script>', (folder / "report.html").read_text(), re.DOTALL)[1])
    targets = {value for _, name, value in dom.attributes if name in ("href", "src") and not value.startswith(("#", "data:"))}
    targets |= {row[key] for row in data["runs"] for key in ("n", "L") if row.get(key)}
    assert targets, "the report links its runs' files"
    opened = 0
    for target in sorted(targets):
        path = (folder / unquote(urlsplit(target).path)).resolve()
        assert path.is_relative_to(folder.resolve()) and path.is_file(), target
        if path.suffix in (".svg", ".html", ".htm", ".xml"):
            page, console = render(path, tmp_path, "--dump-dom")
            assert "owned!" not in page and "data-owned" not in page and console == [], target
            assert "<script" not in page and "foreignObject" not in page and "javascript:" not in page
            opened += 1
    # Inline, figures are data: URIs in <img> (no link); with thumbnails, the one hostile SVG is a
    # file, cleaned, written once under its content hash.
    assert opened == (1 if mode == "thumbnails" else 0)


# --- screenshots --------------------------------------------------------------------------------


def screenshot(page, name, tmp_path, size="1280,2600"):
    """A PNG of the page in screenshots/ (ignored by git), checked to be a real picture."""
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / name
    shot.unlink(missing_ok=True)
    render(page, tmp_path, f"--window-size={size}", f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    return shot


def test_a_screenshot_of_the_51_state_report_and_a_run_s_panel(tmp_path):
    folder = reportkit.output_folder(tmp_path / "states", reportkit.states_runs())
    report.collect(folder)
    dom, console = render(folder / "report.html", tmp_path, "--dump-dom")
    assert console == [] and dom.count("js-tilemap") == 3, "a tile map for each metric that is not constant"
    assert "all 51 runs: 1968" in dom
    screenshot(folder / "report.html", "report-51.png", tmp_path)
    screenshot(f"{(folder / 'report.html').as_uri()}#run-TX", "report-51-panel.png", tmp_path, "1280,900")


def test_a_screenshot_of_the_5000_run_report(tmp_path):
    folder = reportkit.output_folder(tmp_path / "many", reportkit.many_runs(5000, reportkit.png(7)))
    report.collect(folder)
    size = (folder / "report.html").stat().st_size
    assert size < 25_000_000, size
    dom, console = render(folder / "report.html", tmp_path, "--dump-dom")
    assert console == [] and "1–25 of 5000 runs" in dom
    screenshot(folder / "report.html", "report-5000.png", tmp_path)
