"""Figures of every library, as a person sees them: a real sweep drawing with matplotlib, plotly,
altair and bokeh through `make run`, its report opened in headless Chromium with the network refused
(every host name unresolvable, every connection sent to a counting proxy on loopback), and charts
opened interactive in their sandboxed frames; hostile charts run nothing outside the sandbox and
fetch nothing. Screenshots go to the test's own temporary folder."""

import hashlib
import http.server
import json
import subprocess
import threading

import nbformat
import pytest

from cdp import Browser
from jupyterstream.report.write import collect
from support import NOTEBOOKS, REPO

WEB = ("file:", "data:", "blob:", "about:")


class Counting(http.server.BaseHTTPRequestHandler):
    """The proxy every connection of the browser goes to: it answers nothing and counts everything."""

    hits = []

    def handle_one_request(self):
        self.raw_requestline = self.rfile.readline(65537)
        if self.raw_requestline:
            self.hits.append(self.raw_requestline.decode("latin-1").strip())
        self.close_connection = True


@pytest.fixture(scope="module")
def proxy():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser(proxy, tmp_path):
    # No name resolves, and every connection, loopback included, goes to the counting proxy.
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-quic", "--window-size=1280,2000",
             f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             f"--proxy-server=http://{proxy}", "--proxy-bypass-list=<-loopback>"]
    Counting.hits.clear()
    chromium = Browser(flags)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """The figure-libraries notebook swept over two values by `make run`."""
    tmp = tmp_path_factory.mktemp("figures-browser")
    (tmp / "values.csv").write_text("label,scale\nfirst,1\nsecond,5\n")
    result = subprocess.run(["make", "--no-print-directory", "run", f"NOTEBOOK={NOTEBOOKS / 'figure_libraries.ipynb'}",
                             f"VALUES={tmp / 'values.csv'}", f"OUTPUT={tmp / 'out'}", "JOBS=2"],
                            cwd=REPO, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    return tmp / "out"


def assert_offline(browser, proxy, blocked=()):
    """The pages asked for nothing but local files and data (the browser's own record of every request
    of every page and frame), but for ``blocked`` URLs, which the viewer's policy stopped before they
    left; and none of the addresses they name reached the proxy."""
    requests = browser.requests()
    assert any(url.startswith("file:") for url, _ in requests), "the record holds the pages' own requests"
    assert [url for url, why in requests if not url.startswith(WEB) and why != "csp"] == []
    assert sorted(url for url, why in requests if why == "csp") == sorted(blocked)
    # Chromium's own background traffic (updates, time) also goes to the proxy: only ours counts.
    assert [hit for hit in Counting.hits if proxy in hit or ".invalid" in hit] == []


def test_the_report_shows_every_library_s_figures_decoded_with_the_network_refused(swept, browser, proxy, tmp_path):
    page = browser.open((swept / "report.html").as_uri())
    browser.wait_for(page, "document.readyState === 'complete'")
    # Lazy images below the fold would never load in a screenshot: ask for all of them now.
    browser.evaluate(page, "document.querySelectorAll('img').forEach(function (i) { i.loading = 'eager'; })")
    browser.wait_for(page, "Array.from(document.images).every(function (i) { return i.complete; })")
    widths = browser.evaluate(page, "Array.from(document.querySelectorAll('#gallery img')).map(function (i) "
                                    "{ return [i.alt, i.naturalWidth]; })")
    assert len(widths) == 10 and all(width > 0 for _, width in widths), widths
    assert browser.evaluate(page, "document.querySelectorAll('#gallery .js-note').length") == 0, "nothing failed"
    shot = browser.screenshot(page, tmp_path / "report-figures.png")
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 50_000
    assert_offline(browser, proxy)


def open_interactive(browser, swept, cell):
    """Open the first interactive link of a gallery cell's tiles; (page session, frame session)."""
    report = browser.open((swept / "report.html").as_uri())
    browser.wait_for(report, "document.readyState === 'complete'")
    link = browser.evaluate(report, f"document.querySelector('#gallery figure a.js-open[href]') && "
                                    f"Array.from(document.querySelectorAll('#gallery h3')).filter(function (h) "
                                    f"{{ return h.textContent.indexOf('Cell {cell}:') === 0; }})[0]"
                                    f".nextElementSibling.querySelector('a.js-open').href")
    assert link and link.startswith("file:"), link
    page = browser.open(link)
    state = browser.wait_for(page, "document.body && document.body.getAttribute('data-state') !== 'ready' && "
                                   "document.body.getAttribute('data-state')")
    frames = browser.frames()
    assert frames, "the viewer runs in its own (sandboxed, out-of-process) frame"
    return page, frames[-1], state


def test_a_plotly_figure_opened_interactive_is_drawn_in_its_sandbox_with_the_network_refused(swept, browser, proxy,
                                                                                           tmp_path):
    page, frame, state = open_interactive(browser, swept, 4)
    assert state == "drawn"
    assert browser.evaluate(frame, "document.querySelectorAll('.main-svg').length") >= 1
    assert browser.evaluate(frame, "document.querySelector('.gtitle').textContent").startswith("plotly ")
    assert browser.evaluate(frame, "window.origin") == "null", "an opaque origin: no allow-same-origin"
    assert browser.evaluate(frame, "(function () { try { return parent.document.title; } "
                                   "catch (e) { return 'blocked'; } })()") == "blocked"
    browser.screenshot(page, tmp_path / "plotly-interactive.png")
    assert_offline(browser, proxy)


def test_an_altair_chart_opened_interactive_is_drawn_by_the_packaged_vega_with_the_network_refused(swept, browser, proxy):
    _, frame, state = open_interactive(browser, swept, 5)
    assert state == "drawn"
    assert browser.evaluate(frame, "document.querySelectorAll('svg .mark-rect path').length") == 3, "three bars"
    assert_offline(browser, proxy)


def test_a_bokeh_figure_opened_interactive_is_drawn_by_the_packaged_bokehjs_with_the_network_refused(swept, browser,
                                                                                                    proxy):
    _, frame, state = open_interactive(browser, swept, 6)
    assert state == "drawn"
    # BokehJS draws into shadow roots: its canvas is found through them.
    assert browser.evaluate(frame, "(function found(node) { return !!node.querySelector('canvas') || "
                                   "Array.from(node.querySelectorAll('*')).some(function (e) "
                                   "{ return e.shadowRoot && found(e.shadowRoot); }); })(document)")
    assert_offline(browser, proxy)


def test_the_viewer_draws_only_a_plain_json_object_from_the_page_that_framed_it(swept, browser, proxy, tmp_path):
    [viewer] = swept.glob("figures/viewer-plotly-*.html")
    (tmp_path / viewer.name).write_bytes(viewer.read_bytes())
    (tmp_path / "host.html").write_text(f"<!DOCTYPE html><iframe id='v' sandbox='allow-scripts' src='{viewer.name}'>"
                                        "</iframe>")
    page = browser.open((tmp_path / "host.html").as_uri())
    browser.evaluate(page, "window.said = []; window.addEventListener('message', function (e) "
                           "{ if (e.data.state !== 'ready') window.said.push(e.data.state); })")
    browser.wait_for(page, "document.readyState === 'complete'")
    post = "document.getElementById('v').contentWindow.postMessage({}, '*')".format
    chart = "{data: [{type: 'bar', x: [1], y: [2]}]}"
    for message in ("'a string'", "[1, 2]", "{spec: 'text'}", "{spec: [1]}", f"{{spec: {chart}, when: new Date()}}",
                    f"{{spec: {chart}, blob: new Blob(['x'])}}", "{spec: {data: [{x: new Map()}]}}"):
        browser.evaluate(page, post(message))
    browser.evaluate(page, "new Promise(function (done) { setTimeout(done, 1000); })")
    assert browser.evaluate(page, "window.said") == [], "nothing but a plain JSON object is drawn"
    browser.evaluate(page, post(f"{{spec: {chart}}}"))
    assert browser.wait_for(page, "window.said.length && window.said") == ["drawn"]
    assert_offline(browser, proxy)


# --- hostile charts -----------------------------------------------------------------------------

PLOTLY_HOSTILE = {"data": [{"type": "bar", "x": ["<img src=x onerror=\"document.title='owned'\">",
                                                 "<script>document.title='owned'</script>"], "y": [1, 2],
                            "hovertext": ["<a href='javascript:document.title=1'>x</a>", "b"]}],
                  "layout": {"title": {"text": "<a href=\"javascript:parent.document.title='owned'\">click</a>"},
                             "images": [{"source": "http://example.invalid/logo.png", "x": 0, "y": 1}]}}


def vega_hostile(proxy):
    """Two vega-lite specs: one whose data and point images come from URLs, one whose expression
    tries to reach the page that frames it."""
    schema = "https://vega.github.io/schema/vega-lite/v5.json"
    fetching = {"$schema": schema, "data": {"url": f"http://{proxy}/data.csv"}, "mark": "image",
                "encoding": {"x": {"field": "a", "type": "quantitative"}, "url": {"value": f"http://{proxy}/img.png"}}}
    reaching = {"$schema": schema, "data": {"values": [{"a": 1}]}, "mark": "point",
                "params": [{"name": "reach", "expr": "window.parent.document.title"}],
                "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    return fetching, reaching


def hostile_output(folder, proxy):
    """An OUTPUT holding one collected run whose charts are hostile."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("# outputs as a run left them")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data) for data in (
        {"application/vnd.plotly.v1+json": PLOTLY_HOSTILE},
        *({"application/vnd.vegalite.v5+json": spec} for spec in vega_hostile(proxy)))]
    nb.cells = [cell]
    (folder / "runs").mkdir(parents=True)
    (folder / "status").mkdir()
    nbformat.write(nb, folder / "runs" / "AL.ipynb")
    sha = hashlib.sha256((folder / "runs" / "AL.ipynb").read_bytes()).hexdigest()
    (folder / "status" / "AL.json").write_text(json.dumps({"status": "ok", "job": "AL", "notebook": "runs/AL.ipynb",
                                                           "notebook_sha256": sha, "identity": "i"}))
    (folder / "plan.json").write_text(json.dumps({
        "notebook": "n.ipynb", "values_file": "v.txt", "notebook_sha256": "", "values_sha256": "",
        "jobs": [{"id": "AL", "texts": {"state": "AL"}, "identity": "i", "label": "AL"}]}))
    collect(folder)
    return folder


def test_hostile_charts_opened_interactive_run_nothing_outside_the_sandbox_and_fetch_nothing(proxy, browser, tmp_path):
    folder = hostile_output(tmp_path / "out", proxy)
    report = browser.open((folder / "report.html").as_uri())
    browser.wait_for(report, "document.readyState === 'complete'")
    links = browser.evaluate(report, "Array.from(document.querySelectorAll('a.js-open'))"
                                     ".map(function (a) { return a.href; })")
    assert len(links) == 3
    title = browser.evaluate(report, "document.title")
    states = []
    for link in links:
        page = browser.open(link)
        states.append(browser.wait_for(page, "document.body && ['drawn', 'failed', 'closed'].indexOf(document.body"
                                             ".getAttribute('data-state')) >= 0 && document.getElementById('state').textContent"))
        assert browser.evaluate(page, "document.title").endswith(" figure"), "the opener's title is its own"
        assert browser.evaluate(page, "document.querySelectorAll('script, img, a').length") == 2, "its data and script"
        frame = browser.frames()[-1]
        assert browser.evaluate(frame, "document.querySelectorAll('script').length") == 2, "the library and ours"
        handlers = "document.querySelectorAll('[onerror], [onload], a[href^=javascript]').length"
        assert browser.evaluate(frame, handlers) == 0
        assert browser.evaluate(frame, "document.title") == ""
    assert states[0].startswith("drawn"), "plotly draws the strings as text"
    assert "nothing is fetched here" in states[1], states[1]
    assert states[2].startswith("failed") and "window" in states[2], states[2]
    assert browser.evaluate(report, "document.title") == title
    # plotly asks for its layout's remote image; the viewer's policy (img-src data: blob:) stops it.
    assert_offline(browser, proxy, blocked=["http://example.invalid/logo.png"])
