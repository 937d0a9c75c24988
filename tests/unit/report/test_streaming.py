"""The pieces of a streamed collect: markers filled from spool files (holes), runs kept on disk
(runspool), totals gathered a run at a time (tally), and when the thumbnail pool is used."""

import json
import os

import pytest

from jupyterstream.collect import cachefile
from jupyterstream.report.figures import gallery
from jupyterstream.report import write as report, tally
from jupyterstream.collect.runs import Run
from jupyterstream.report.holes import Holes, Spool
from jupyterstream.collect.spool import RunSpool

from ..collect.test_collect_memory import write_runs


def spool_of(text):
    spool = Spool()
    spool.write(text)
    return spool


def test_a_marker_is_filled_from_its_spool_as_html_or_as_json_string_text():
    holes, text = Holes(), 'a "quoted" <b>\n\\'
    page = f"<p>{holes.mark(spool_of(text))}</p>"
    assert "".join(holes.expand([page])) == f"<p>{text}</p>"
    encoded = json.dumps({"html": page}, ensure_ascii=False)
    assert json.loads("".join(holes.expand([encoded], as_json=True))) == {"html": f"<p>{text}</p>"}
    holes.close()


def test_text_from_a_run_cannot_forge_a_marker():
    holes, other = Holes(), Holes()
    forged = str(other.mark(spool_of("x")))   # a marker of another collect: another nonce
    holes.mark(spool_of("secret"))
    assert "".join(holes.expand([forged + "@hole-0-0@"])) == forged + "@hole-0-0@"
    holes.close()
    other.close()


def test_spooled_runs_are_a_sequence_made_again_from_disk_on_each_access():
    spool = RunSpool()
    for name in ("AL", "CA", "TX"):
        run = Run(name, name, {"state": name}, state="ok", metrics={"m": 1.5})
        spool.add(cachefile._line(name, {"key": [name], "run": vars(run)}).encode())
    assert len(spool) == 3 and [r.id for r in spool] == ["AL", "CA", "TX"]
    assert spool[-1].metrics == {"m": 1.5} and [r.id for r in spool[:2]] == ["AL", "CA"]
    assert spool.entry(1)[1] == ["CA"] and spool[0] is not spool[0]
    with pytest.raises(IndexError):
        spool[3]


def test_a_tally_keeps_only_the_first_runs_of_a_failure_group_but_counts_them_all():
    runs = [Run(f"r{i}", f"v{i}", {}, state="cell-error", notebook=f"runs/r{i}.ipynb",
                failure={"cell_index": 2, "ename": "KeyError"}) for i in range(tally.LIST_LIMIT + 30)]
    [group] = tally.of(runs).ordered_groups()
    assert group.size == tally.LIST_LIMIT + 30 and len(group.runs) == tally.LIST_LIMIT
    assert group.sample is runs[0] and group.title == f"cell error: KeyError at cell 2 ({tally.LIST_LIMIT + 30} runs)"


def test_a_tally_keeps_each_numeric_metric_as_the_charts_read_it():
    runs = [Run("a", "AL", {}, metrics={"m": 3, "t": "text"}), Run("b", "CA", {}, metrics={"m": float("nan")}),
            Run("c", "TX", {}, metrics={"m": True}), Run("d", "NY", {}, metrics={"m": -2.5})]
    counted = tally.of(runs)
    assert counted.numeric("m") == [("AL", 3.0), ("NY", -2.5)] and list(counted.names) == ["m", "t"]
    assert counted.links(["NY", "XX"]) == {"NY": "#run-d"} and counted.states_map()


def test_collect_returns_its_runs_from_a_spool_and_they_match_a_second_collect(tmp_path):
    output = write_runs(tmp_path / "out", 30)
    first = report.collect(output)
    again = report.collect(output)
    assert isinstance(first, RunSpool) and len(first) == 30
    assert [(r.id, r.state, r.metrics, r.failure) for r in first] == [(r.id, r.state, r.metrics, r.failure) for r in again]


@pytest.mark.parametrize("figures, cores, load, workers", [(10, 2, 0.0, 1), (400, 1, 0.0, 1), (400, 2, 0.5, 2),
                                                           (400, 2, 1.2, 1), (400, 2, 9.0, 1), (400, 8, 3.0, 6)])
def test_the_thumbnail_pool_is_used_only_for_many_figures_on_idle_cores(monkeypatch, figures, cores, load, workers):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert gallery.pool_size(figures) == workers


def test_a_raw_marker_becomes_the_json_list_it_stands_for_inside_a_streamed_notebook():
    holes, charts, text = Holes(), Spool(), Spool()
    charts.write('{"a": 1},{"b": "<script>"}')
    text.write('say "hi"\n')
    doc = {"outputs": holes.mark_raw(charts), "source": str(holes.mark(text)), "other": "@raw-0@"}
    streamed = "".join(holes.expand(json.JSONEncoder(indent=1).iterencode(doc), as_json=True))
    assert json.loads(streamed) == {"outputs": [{"a": 1}, {"b": "<script>"}], "source": 'say "hi"\n',
                                    "other": "@raw-0@"}
    assert holes.value(doc["outputs"]) == [{"a": 1}, {"b": "<script>"}]
    holes.close()
