"""report.html: one page of the sections, a top bar, the ledger's data as JSON, our one script
allowed by its hash; escaping helpers for JSON in a script element and links inside OUTPUT."""

import base64
import hashlib
import html
import io
import json
import re

import pytest

from jupyterstream.report import master, render, write as report
from jupyterstream.collect.runs import Run
from jupyterstream.report.escape import inside_href, script_json

PLAN = {"notebook": "nb.ipynb", "values_file": "v.txt", "notebook_sha256": "a" * 64, "values_sha256": "b" * 64}


def page_of(runs, refresh=None):
    return "".join(render.page_chunks(master.page(master.build(PLAN, runs), refresh)))


def test_json_in_a_script_element_cannot_end_it_or_open_a_comment():
    text = script_json({"v": "</script><script>alert(1)</script><!-- \u2028 & >"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"v": "</script><script>alert(1)</script><!-- \u2028 & >"}


@pytest.mark.parametrize("path, href", [("runs/AL.ipynb", "runs/AL.ipynb"), ("runs/New York.ipynb", "runs/New%20York.ipynb"),
                                        ("runs/a/../b.ipynb", "runs/b.ipynb"), ("runs/x#y?.ipynb", "runs/x%23y%3F.ipynb")])
def test_links_inside_the_output_folder_are_kept_percent_encoded(path, href):
    assert inside_href(path) == href


@pytest.mark.parametrize("path", ["javascript:alert(1)", "JavaScript:x", "http://e.example/x", "//e.example/x",
                                  "/etc/passwd", "../secret", "runs/../../x", "runs\\..\\x", "", None, ".", "a\x00b",
                                  "data:text/html,x"])
def test_links_that_leave_the_output_folder_or_name_a_scheme_are_refused(path):
    assert inside_href(path) is None


def test_the_page_allows_only_its_own_script_and_style_by_hash_and_nothing_remote():
    page = page_of([Run("a", "a", {}, state="ok")])
    policy = html.unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1))
    scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    assert len(scripts) == 1 and len(styles) == 1
    digest = lambda text: base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()  # noqa: E731
    assert f"script-src 'sha256-{digest(scripts[0])}'" in policy
    assert f"style-src 'sha256-{digest(styles[0])}'" in policy
    assert "default-src 'none'" in policy and "img-src data: 'self'" in policy and "unsafe" not in policy
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing fetched from anywhere"


def test_the_top_bar_names_every_section_with_its_count():
    runs = [Run("a", "a", {}, state="ok"), Run("b", "b", {}, state="cell-error")]
    nav = re.search(r'<nav class="js-topbar">(.*?)</nav>', page_of(runs)).group(1)
    assert re.findall(r'<a href="#(\w+)">(\w+)(?: <span class="js-count">(\d+)</span>)?</a>', nav) == [
        ("summary", "Summary", ""), ("failures", "Failures", "1"), ("metrics", "Metrics", "0"),
        ("runs", "Runs", "2"), ("gallery", "Gallery", "0"), ("manifest", "Manifest", "")]


def test_the_ledger_data_holds_every_run_and_a_value_cannot_break_out_of_it():
    runs = [Run(f"r{i}", "</script><script>document.title='x'</script>", {}, state="ok") for i in range(300)]
    page = page_of(runs)
    data = re.search(r'<script type="application/json" id="ledger-data">(.*?)</script>', page, re.DOTALL).group(1)
    assert len(json.loads(data)["runs"]) == 300
    assert page.count("<script") == 2


def test_the_page_reloads_itself_only_while_runs_are_pending_or_running(tmp_path):
    assert '<meta http-equiv="refresh" content="5">' in page_of([Run("a", "a", {}, state="running")], refresh=5)
    assert "refresh" not in page_of([Run("a", "a", {}, state="ok")])


def test_collect_with_refresh_writes_it_only_while_the_sweep_is_under_way(tmp_path):
    plan = dict(PLAN, jobs=[{"id": "AL", "label": "AL", "texts": {}, "identity": "i"}])
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "todo.txt").write_text("AL\n")
    report.collect(tmp_path, refresh=3)
    assert 'http-equiv="refresh" content="3"' in (tmp_path / "report.html").read_text()
    (tmp_path / "todo.txt").write_text("")
    report.collect(tmp_path, refresh=3)
    assert "refresh" not in (tmp_path / "report.html").read_text()


def test_watch_collects_until_no_run_is_pending_or_running(tmp_path):
    plan = dict(PLAN, jobs=[{"id": "AL", "label": "AL", "texts": {}, "identity": "i"}])
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "todo.txt").write_text("AL\n")
    naps = []

    def sleep(seconds):  # the sweep "finishes" during the second wait
        naps.append(seconds)
        if len(naps) == 2:
            (tmp_path / "todo.txt").write_text("")

    runs = report.watch(tmp_path, 2, sleep=sleep, clock=Clock(0.5))
    assert naps == [1.5, 1.5] and [r.state for r in runs] == ["missing"]
    assert "refresh" not in (tmp_path / "report.html").read_text()


class Clock:
    """A monotonic clock on which each collect takes ``step`` seconds (it is read once before and once
    after each)."""

    def __init__(self, step):
        self.now, self.step, self.reads = 0.0, step, 0

    def __call__(self):
        self.reads += 1
        if self.reads % 2 == 0:
            self.now += self.step
        return self.now


def test_a_collect_longer_than_the_watch_period_says_so_and_the_next_one_starts_when_it_ends(tmp_path):
    plan = dict(PLAN, jobs=[{"id": "AL", "label": "AL", "texts": {}, "identity": "i"}])
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "todo.txt").write_text("AL\n")
    naps, log = [], io.StringIO()

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            (tmp_path / "todo.txt").write_text("")

    report.watch(tmp_path, 2, log=log, sleep=sleep, clock=Clock(3.0))
    lines = log.getvalue().splitlines()
    assert naps == [0.0, 0.0], "never a negative wait, and never a second collect started beside one running"
    assert all("the collect took 3.0 s, longer than WATCH=2: the next starts now" in line for line in lines[:2])
    assert "longer than" not in lines[2] and lines[2].endswith("0 pending or running")


def test_cached_pieces_are_rendered_again_when_the_code_that_renders_them_changes(tmp_path, monkeypatch):
    from jupyterstream.collect import cachefile
    from jupyterstream.report import pieces

    plan = dict(PLAN, jobs=[{"id": "AL", "label": "AL", "texts": {}, "identity": "i"}])
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "status").mkdir()
    (tmp_path / "status" / "AL.json").write_text(json.dumps({"status": "cell-error", "job": "AL", "identity": "i"}))
    report.collect(tmp_path)
    assert list(cachefile.load(tmp_path / pieces.CACHE, "report-pieces", pieces._version())) == ["AL"]
    monkeypatch.setattr(pieces, "_version", lambda: "another version of the templates")
    rendered = []
    monkeypatch.setattr(pieces, "_render", lambda *args: rendered.append(args[1].id) or
                        {"row": "<tr></tr>", "json": "{}", "tiles": [], "charts": ""})
    report.collect(tmp_path)
    assert rendered == ["AL"]


def test_a_repeat_collect_reads_no_chart_again_from_a_run_that_did_not_change(tmp_path, monkeypatch):
    from jupyterstream.report.figures import chartcells
    from ..helpers import executed

    spec = {"data": [{"type": "bar", "x": [1, 2], "y": [3, 4]}], "layout": {}}
    jobs = []
    for job in ("AL", "CA"):
        data = (json.dumps(executed({1: [("application/vnd.plotly.v1+json", spec)]})) + "\n").encode()
        (tmp_path / "runs").mkdir(exist_ok=True)
        (tmp_path / "status").mkdir(exist_ok=True)
        (tmp_path / "runs" / f"{job}.ipynb").write_bytes(data)
        (tmp_path / "status" / f"{job}.json").write_text(json.dumps({
            "status": "ok", "job": job, "identity": job, "notebook": f"runs/{job}.ipynb",
            "notebook_sha256": hashlib.sha256(data).hexdigest()}))
        jobs.append({"id": job, "label": job, "texts": {}, "identity": job})
    (tmp_path / "plan.json").write_text(json.dumps(dict(PLAN, jobs=jobs)))
    report.collect(tmp_path)
    first = json.loads((tmp_path / "master.ipynb").read_text())
    read = []
    original = chartcells.run_outputs
    monkeypatch.setattr(chartcells, "run_outputs", lambda output, run, images: read.append(run.id) or
                        original(output, run, images))
    report.collect(tmp_path)
    assert read == []
    again = json.loads((tmp_path / "master.ipynb").read_text())
    charts = [c for c in again["cells"] if c.get("id") == "charts"]
    assert charts == [c for c in first["cells"] if c.get("id") == "charts"] and len(charts[0]["outputs"]) == 2
