"""plan.json walked from the file, a job a line, rather than held: what a big sweep's collect reads."""

import json
import tracemalloc

import pytest

from jupyterstream.collect import planfile
from jupyterstream.errors import OutputError
from jupyterstream.launch.plan import build_plan, plan_record, stage
from jupyterstream.report import write as report

from ..helpers import notebook, save


def planned(tmp_path, count, name="out"):
    """An output folder of ``count`` values planned and staged, none run yet."""
    values = tmp_path / f"{name}.txt"
    values.write_text("".join(f"v{i:05d}\n" for i in range(count)))
    output = tmp_path / name
    plan = build_plan(save(notebook(), tmp_path / "nb.ipynb"), values)
    stage(plan, output)
    return output, plan


def test_the_plan_s_jobs_are_walked_from_the_file_as_often_as_asked_and_are_the_plan_s_own(tmp_path):
    output, plan = planned(tmp_path, 30)
    loaded = planfile.load(output)
    assert isinstance(loaded["jobs"], planfile.StreamedJobs) and len(loaded["jobs"]) == 30
    record = json.loads(json.dumps(plan_record(plan)))
    assert list(loaded["jobs"]) == record["jobs"] and list(loaded["jobs"]) == record["jobs"]
    assert {k: v for k, v in loaded.items() if k != "jobs"} == {k: v for k, v in record.items() if k != "jobs"}


@pytest.mark.parametrize("indent", [None, 1])
def test_a_plan_json_of_another_shape_is_read_whole(tmp_path, indent):
    """One line (hand-written), or indented as plan.json was before it had a job a line."""
    plan = {"notebook": "n.ipynb", "values_file": "v.txt", "jobs": [{"id": "A", "texts": {"x": "1"}}, {"id": "B"}]}
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=indent) + "\n")
    assert planfile.load(tmp_path) == plan


@pytest.mark.parametrize("cut", [-3, -40])
def test_a_plan_json_cut_short_is_corrupt_and_says_to_plan_again(tmp_path, cut):
    output, _ = planned(tmp_path, 5)
    text = (output / "plan.json").read_text()
    (output / "plan.json").write_text(text[:cut])
    with pytest.raises(OutputError, match=r"plan\.json: corrupt \(.*\): run 'make run' again to rewrite it"):
        planfile.load(output)


def peak_of_collect(output):
    """Peak traced memory (bytes) of one whole collect with HTML, above what was held before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        report.collect(output)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_a_collect_of_five_times_the_planned_runs_holds_little_more_memory(tmp_path):
    """None run yet (a big sweep's first collects): the collector held each job of plan.json, 950 bytes
    a run of this plan; walked from the file, the plan costs nothing a run."""
    small, _ = planned(tmp_path, 1000, "small")
    large, _ = planned(tmp_path, 5000, "large")
    report.collect(small)  # templates compiled, modules imported: not part of either figure
    extra = peak_of_collect(large) - peak_of_collect(small)
    assert extra < 4000 * 400, f"a collect held {extra / 4000:.0f} bytes more a planned run"
