"""viewer: the page that opens a chart interactive holds its spec as data only; each viewer inlines its
library once, allows exactly its own scripts by hash and no network."""

import base64
import hashlib
import json
import re

from jupyterstream.report.figures import drawn, viewer
from jupyterstream.collect.figspec import KIND_MIME

HOSTILE = {"data": [{"type": "bar", "x": ["</script><script>alert(1)</script>", "<!--"], "y": [1, 2]}],
           "layout": {"title": {"text": "\u2028<img src=x onerror=alert(2)>"}}}


def scripts(page):
    """The inline scripts of a page, and the hashes its policy allows."""
    csp = re.search(r"Content-Security-Policy' content=\"([^\"]+)\"", page).group(1)
    allowed = set(re.findall(r"'sha256-([^']+)'", csp))
    bodies = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    return csp, allowed, bodies


def digest(text):
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def test_an_opener_holds_the_spec_as_json_data_that_no_string_can_break_out_of():
    page = viewer.opener_page("plotly", HOSTILE, "viewer-plotly-1.html")
    data = re.search(r"<script type='application/json' id='spec'>(.*?)</script>", page, flags=re.S).group(1)
    assert json.loads(data) == HOSTILE
    assert "<script>alert" not in page and "<img" not in page and "<!--" not in page
    csp, allowed, bodies = scripts(page)
    assert [digest(b) for b in bodies] == list(allowed), "only our opener.js runs"
    assert "frame-src 'self'" in csp and "default-src 'none'" in csp
    assert "sandbox='allow-scripts'" in page and "allow-same-origin" not in page


def test_a_viewer_allows_its_library_and_its_own_script_by_hash_and_no_network():
    page = viewer.viewer_page("plotly", "window.Plotly = {};")
    csp, allowed, bodies = scripts(page)
    assert len(bodies) == 2 and {digest(b) for b in bodies} == allowed
    for directive in ("default-src 'none'", "connect-src 'none'", "img-src data: blob:;", "frame-src 'none'",
                      "form-action 'none'"):
        assert directive in csp
    assert "unsafe-eval" not in csp and "http" not in csp


def test_openers_are_written_once_per_distinct_spec_and_a_viewer_once_per_library(tmp_path, monkeypatch):
    monkeypatch.setattr(viewer, "_library_script", lambda library: f"window.{library} = 1;")
    charts = [drawn.Chart(KIND_MIME["plotly"], HOSTILE), drawn.Chart(KIND_MIME["plotly"], HOSTILE),
              drawn.Chart(KIND_MIME["vega-lite"], {"mark": "bar"}), drawn.Chart(KIND_MIME["bokeh"], "")]
    viewer.write_openers(tmp_path, charts)
    names = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert names[:2] == sorted([f"{charts[0].key}.html", f"{charts[2].key}.html"])
    assert [n.split("-")[:3] for n in names[2:]] == [["viewer", lib, viewer._version(viewer.PACKAGES[lib])]
                                                     for lib in ("plotly", "vega")]
    assert "viewer-vega-" in (tmp_path / "figures" / f"{charts[2].key}.html").read_text()


def test_a_chart_whose_spec_cannot_be_read_gets_no_opener(tmp_path):
    chart = drawn.Chart(KIND_MIME["plotly"], "{not json")
    viewer.write_openers(tmp_path, [chart])
    assert chart.problem and not (tmp_path / "figures").exists()
