"""planned: one job's shape, the same made by the planner, kept in plan.json and read back by the collector."""

import json

from jupyterstream.launch.plan import build_plan, plan_record
from jupyterstream.runner.planned import Job


def test_a_planned_job_read_back_from_plan_json_has_its_id_values_identity_and_label(make_notebook, write_file):
    plan = build_plan(make_notebook("state = 'CA'\nk = 1\n"), [write_file("v.txt", "AL\nNew York\n")],
                      constants=None)
    for made, kept in zip(plan.jobs, json.loads(json.dumps(plan_record(plan)))["jobs"]):
        back = Job.from_record(kept)
        assert (back.id, back.line, back.texts, back.values, back.identity) == \
            (made.id, made.line, made.texts, made.values, made.identity)
        assert back.label() == made.label() and back.record() == kept


def test_a_label_kept_in_plan_json_wins_over_the_values_and_a_record_without_one_shows_its_id():
    assert Job.from_record({"id": "AL", "texts": {"state": "AL", "k": "2"}, "label": "AL"}).label() == "AL"
    assert Job.from_record({"id": "AL-3f2a", "texts": {"state": "AL"}}).label() == "AL-3f2a"
    assert Job("x", texts={"state": "AL", "k": "2"}, constants=("k",)).label() == "AL"


def test_no_module_stands_a_job_in_with_a_namespace_or_reads_plan_json_jobs_as_dicts():
    from pathlib import Path
    package = Path(__file__).resolve().parents[3] / "jupyterstream"
    found = [str(p.relative_to(package)) for p in package.rglob("*.py")
             if "SimpleNamespace" in p.read_text(encoding="utf-8") or 'job["id"]' in p.read_text(encoding="utf-8")]
    assert found == []
