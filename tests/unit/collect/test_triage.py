"""triage.groups: runs that are not ok, grouped by class, error name and failing cell."""

from jupyterstream.collect import triage
from jupyterstream.collect.runs import Run


def run(job_id, state, ename=None, cell=None, **extra):
    failure = {"cell_index": cell, "ename": ename, "evalue": "v", "traceback": ["t"]}
    if ename is None and cell is None:
        failure = {}
    return Run(job_id, job_id, {}, state=state, failure=failure, **extra)


def test_ok_runs_make_no_group():
    assert triage.groups([run("a", "ok"), run("b", "ok")]) == []
    assert triage.groups([]) == []


def test_runs_with_the_same_class_error_and_cell_share_a_group_in_run_order():
    runs = [run("a", "cell-error", "KeyError", 4), run("b", "ok"), run("c", "cell-error", "KeyError", 4)]
    [group] = triage.groups(runs)
    assert (group.kind, group.ename, group.cell) == ("cell-error", "KeyError", 4)
    assert [r.id for r in group.runs] == ["a", "c"]
    assert group.sample.id == "a"


def test_a_different_error_name_cell_or_class_makes_a_different_group():
    runs = [run("a", "cell-error", "KeyError", 4), run("b", "cell-error", "KeyError", 5),
            run("c", "cell-error", "ValueError", 4), run("d", "cell-timeout", "KeyError", 4)]
    assert len(triage.groups(runs)) == 4


def test_three_hundred_runs_failing_the_same_way_are_one_group():
    runs = [run(f"r{i}", "cell-error", "KeyError", 4) for i in range(300)]
    [group] = triage.groups(runs)
    assert len(group.runs) == 300 and group.title == "cell error: KeyError at cell 4 (300 runs)"


def test_groups_follow_the_class_order_then_the_biggest_group_first():
    runs = [run("m", "missing"), run("p", "pending"), run("t", "transport-failed"), run("j", "job-timeout"),
            run("v1", "cell-error", "ValueError", 2),
            run("k1", "cell-error", "KeyError", 4), run("k2", "cell-error", "KeyError", 4),
            run("d", "dead-kernel"), run("c", "corrupt")]
    kinds = [(g.kind, g.ename) for g in triage.groups(runs)]
    assert kinds == [("cell-error", "KeyError"), ("cell-error", "ValueError"), ("job-timeout", ""),
                     ("dead-kernel", ""), ("transport-failed", ""), ("corrupt", ""), ("pending", ""),
                     ("missing", "")]


def test_groups_of_the_same_size_in_a_class_are_ordered_by_error_name_then_cell():
    runs = [run("a", "cell-error", "ZeroDivisionError", 1), run("b", "cell-error", "KeyError", 9),
            run("c", "cell-error", "KeyError", 3)]
    assert [(g.ename, g.cell) for g in triage.groups(runs)] == [("KeyError", 3), ("KeyError", 9),
                                                                ("ZeroDivisionError", 1)]


def test_a_state_the_triage_does_not_know_comes_last_under_its_own_name():
    groups = triage.groups([run("x", "exploded"), run("m", "missing")])
    assert [g.title for g in groups] == ["not run (1 run)", "exploded (1 run)"]


def test_titles_name_the_class_error_cell_and_count():
    assert triage.groups([run("a", "cell-error", "KeyError", 4), run("b", "cell-error", "KeyError", 4)])[0].title \
        == "cell error: KeyError at cell 4 (2 runs)"
    assert triage.groups([run("a", "job-timeout")])[0].title == "job timeout (1 run)"
    assert triage.groups([run("a", "cell-timeout", cell=0)])[0].title == "cell timeout at cell 0 (1 run)"
    assert triage.groups([run("a", "transport-failed")])[0].title == "transport failure (1 run)"


def test_every_failed_status_of_a_job_has_a_class_name():
    from jupyterstream.runner import status

    for state in status.FAILED:
        assert state in triage.CLASSES, state
