"""Figures drawn by plotly, altair (vega-lite), bokeh and raw vega-lite specs reach the gallery as
static images, drawn offline by the collector, once per distinct spec; a chart that cannot be drawn
is a named tile; drawing fetches nothing from the network."""

import base64
import hashlib
import http.server
import io
import json
import os
import re
import subprocess
import sys
import threading

import nbformat
import pytest
from PIL import Image

from jupyterstream.report.figures import drawn
from jupyterstream.report.write import collect
from support import NOTEBOOKS, run_cli

KINDS = ("png", "plotly", "vega-lite", "bokeh", "vega-lite")


def gallery_tiles(output):
    """{cell index: [html of each tile]} from master.ipynb's gallery section."""
    master = nbformat.read(output / "master.ipynb", as_version=4)
    [cell] = [c for c in master.cells if c.get("id") == "gallery"]
    html = "".join(o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {}))
    tiles = {}
    for part in re.split(r"<h3>Cell ", html)[1:]:
        tiles[int(part.split(":", 1)[0])] = re.findall(r"<figure.*?</figure>", part, flags=re.S)
    return tiles


def label(tile):
    """The value a tile is labelled with."""
    return re.sub(r"<[^>]+>", "", re.search(r"<figcaption><a [^>]*>(.*?)</a>", tile).group(1))


def decoded_size(tile):
    """(width, height) of the image a tile embeds as a data URI."""
    data = re.search(r'src="data:image/[a-z+]+;base64,([^"]+)"', tile).group(1)
    with Image.open(io.BytesIO(base64.b64decode(data))) as image:
        return image.size


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """The figure-libraries notebook swept over two values, collected."""
    tmp = tmp_path_factory.mktemp("figures")
    (tmp / "values.csv").write_text("label,scale\nfirst,1\nsecond,5\n")
    result = run_cli("run", NOTEBOOKS / "figure_libraries.ipynb", tmp / "values.csv", "--output", tmp / "out",
                     "--jobs", "2", timeout=600)
    assert result.returncode == 0, result.stderr
    return tmp / "out"


def test_every_library_draws_a_static_image_in_the_gallery_aligned_by_cell_and_labelled(swept):
    tiles = gallery_tiles(swept)
    assert sorted(tiles) == [3, 4, 5, 6, 7]  # after the injected-parameters cell
    for cell, found in tiles.items():
        assert [label(t) for t in found] == ["label=first, scale=1", "label=second, scale=5"], cell
        for tile in found:
            width, height = decoded_size(tile)
            assert width > 50 and height > 50, (cell, tile[:200])


def test_each_distinct_chart_is_drawn_once_and_a_repeat_collect_draws_nothing(swept):
    folder = swept / drawn.FOLDER
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.*")}
    # 2 runs x (plotly, altair, bokeh, vega-lite), every spec distinct: 8 drawings, no failures; 8
    # openers, and a viewer for plotly, one for vega and one for bokeh; and the 2 matplotlib images,
    # kept by their content so that a later sweep's report can show them as they were
    assert sorted(name.rsplit(".", 1)[1] for name in before) == ["html"] * 11 + ["png"] * 10
    (swept / ".report-pieces.json").unlink()  # render every piece again: still nothing is drawn again
    collect(swept)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.*")} == before


def test_each_chart_a_packaged_library_can_draw_links_an_opener_holding_its_spec_as_data(swept):
    tiles = gallery_tiles(swept)
    links = {cell: [re.findall(r'href="(figures/[0-9a-f]{16}\.html)"', t) for t in found] for cell, found in tiles.items()}
    assert all(len(found) == 1 for cell in (4, 5, 6, 7) for found in links[cell])
    assert links[3] == [[], []], "matplotlib: nothing to open"
    page = (swept / links[4][1][0]).read_text()
    assert "sandbox='allow-scripts'" in page and "allow-same-origin" not in page
    assert '"title":{"text":"plotly second"' in page.replace(" ", "") or "plotly second" in page
    [plotly_viewer] = swept.glob("figures/viewer-plotly-*.html")
    [vega_viewer] = swept.glob("figures/viewer-vega-*.html")
    [bokeh_viewer] = swept.glob("figures/viewer-bokeh-*.html")
    for viewer in (plotly_viewer, vega_viewer, bokeh_viewer):
        csp = re.search(r"Content-Security-Policy' content=\"([^\"]+)\"", viewer.read_text()[:2000]).group(1)
        assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "img-src data: blob:;" in csp
        assert "http" not in csp and "unsafe-eval" not in csp and "script-src 'sha256-" in csp


def test_master_carries_each_chart_s_spec_as_the_run_produced_it_and_its_drawing(swept):
    master = nbformat.read(swept / "master.ipynb", as_version=4)
    nbformat.validate(master)
    [cell] = [c for c in master.cells if c.get("id") == "charts"]
    assert [o.metadata["jupyterstream"]["cell"] for o in cell.outputs] == [4, 5, 6, 7] * 2
    run = nbformat.read(swept / cell.outputs[0].metadata["jupyterstream"]["run"].join(["runs/", ".ipynb"]), 4)
    plotly = [o for o in run.cells[4].outputs if "application/vnd.plotly.v1+json" in o.get("data", {})][0]
    assert cell.outputs[0].data["application/vnd.plotly.v1+json"] == plotly.data["application/vnd.plotly.v1+json"]
    for output in cell.outputs:
        assert output.data["image/png"] and output.data["text/plain"]
        assert not {"text/html", "application/javascript"} & set(output.data), "never a run's HTML or script"
    kinds = [sorted(k for k in o.data if k not in ("image/png", "text/plain")) for o in cell.outputs[:4]]
    assert kinds[0] == ["application/vnd.plotly.v1+json"] and kinds[2] == []
    assert re.fullmatch(r"application/vnd\.vegalite\.v\d\+json", kinds[1][0]) and kinds[1] == kinds[1][:1]
    assert kinds[3] == ["application/vnd.vegalite.v5+json"]


def test_the_summary_counts_figures_by_kind(swept):
    master = nbformat.read(swept / "master.ipynb", as_version=4)
    [cell] = [c for c in master.cells if c.get("id") == "summary"]
    summary = "".join(o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {}))
    assert "Figures: 10 (4 vega-lite, 2 png, 2 plotly, 2 bokeh)." in summary


class Counting(http.server.BaseHTTPRequestHandler):
    """Counts every request made to it: drawing a chart must make none."""

    hits = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"a,b\n1,2\n")

    def log_message(self, *args):
        pass


def hostile_notebook(path, url):
    """A run's outputs: charts that would fetch ``url`` or run code if they were drawn naively."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    vega_url = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "data": {"url": f"{url}/data.csv"},
                "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    plotly_html = {"data": [{"type": "bar", "x": ["<img src=x onerror=alert(1)>"], "y": [1]}],
                   "layout": {"title": {"text": "<a href='javascript:alert(1)'>click</a>"},
                              "images": [{"source": f"{url}/logo.png", "x": 0, "y": 1}]}}
    bokeh_js = ("const docs_json = {\"d\": {\"roots\": [{\"type\": \"object\", \"name\": \"CustomJS\", "
                "\"id\": \"p1\", \"attributes\": {\"code\": \"document.title = 'pwned'\"}}]}};\n"
                "const render_items = [{\"docid\": \"d\", \"roots\": {\"p1\": \"x\"}, \"root_ids\": [\"p1\"]}];")
    outputs = [{"application/vnd.vegalite.v5+json": vega_url}, {"application/vnd.plotly.v1+json": plotly_html},
               {"application/javascript": bokeh_js, "application/vnd.bokehjs_exec.v0+json": ""}]
    cell = nbformat.v4.new_code_cell("# outputs as a run left them")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data) for data in outputs]
    nb.cells = [cell]
    nbformat.write(nb, path)


def test_charts_that_would_fetch_or_run_code_are_drawn_offline_or_named_and_nothing_is_fetched(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        output = tmp_path / "out"
        (output / "runs").mkdir(parents=True)
        hostile_notebook(output / "runs" / "AL.ipynb", url)
        data = (output / "runs" / "AL.ipynb").read_bytes()
        (output / "status").mkdir()
        (output / "status" / "AL.json").write_text(json.dumps({
            "status": "ok", "job": "AL", "notebook": "runs/AL.ipynb",
            "notebook_sha256": hashlib.sha256(data).hexdigest(), "identity": "i"}))
        (output / "plan.json").write_text(json.dumps({
            "notebook": "n.ipynb", "values_file": "v.txt", "notebook_sha256": "", "values_sha256": "",
            "jobs": [{"id": "AL", "texts": {"state": "AL"}, "identity": "i", "label": "AL"}]}))
        collect(output)
    finally:
        server.shutdown()
        server.server_close()
    assert Counting.hits == []
    [tiles] = gallery_tiles(output).values()
    assert "vega-lite figure, cell 0: could not render" in tiles[0] and "External data url not allowed" in tiles[0]
    assert decoded_size(tiles[1])[0] > 50  # plotly drawn, its remote image left out
    assert "bokeh figure, cell 0: could not render: it holds CustomJS code" in tiles[2]
    page = (output / "report.html").read_text()
    assert "onerror=alert" not in page and "javascript:alert" not in page and "document.title" not in page


class Proxy(http.server.BaseHTTPRequestHandler):
    """A proxy that answers nothing and records the first line of every request it is sent."""

    hits = []

    def handle_one_request(self):
        line = self.rfile.readline(65537)
        if line:
            self.hits.append(line.decode("latin-1").strip())
        self.close_connection = True


def test_drawing_a_plotly_figure_sends_nothing_to_the_network_not_even_the_browser_s_own_traffic(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    # Chromium honours these: whatever kaleido's browser would fetch reaches this proxy instead.
    env = dict(os.environ, http_proxy=proxy, https_proxy=proxy, all_proxy=proxy, no_proxy="")
    code = ("import sys; from jupyterstream.report.figures import draw; sys.stdout.buffer.write(draw.static_png('plotly', "
            "{'data': [{'type': 'bar', 'x': [1, 2], 'y': [3, 1]}], 'layout': {'title': {'text': 'a $x^2$ title'}}}))")
    try:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0 and done.stdout[:8] == b"\x89PNG\r\n\x1a\n", done.stderr[-500:]
    assert Proxy.hits == [], "kaleido's page asked a CDN for MathJax, or its browser phoned home"
