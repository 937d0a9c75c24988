"""failfast.py: the FAIL_FAST limit as given, the failures counted by group, and the note a stopped sweep leaves."""

import pytest

from jupyterstream.collect import failfast
from jupyterstream.collect.triage import key_text
from jupyterstream.errors import ArgumentError


@pytest.mark.parametrize("given, limit", [(None, 0), ("", 0), (" ", 0), ("3", 3), (" 12 ", 12), (1, 1)])
def test_a_limit_is_a_whole_number_of_one_or_more_and_nothing_means_none(given, limit):
    assert failfast.limit_of(given) == limit


@pytest.mark.parametrize("given", ["0", 0, "-1", -2, "three", "2.5", 2.5, True, "1e3"])
def test_zero_a_negative_a_fraction_or_a_word_is_a_named_error(given):
    with pytest.raises(ArgumentError, match=r"^fail_fast: .* a whole number of 1 or more"):
        failfast.limit_of(given, "fail_fast")


def test_the_group_reaching_the_limit_stops_once_and_other_groups_do_not_count_with_it():
    stops = []
    counter = failfast.Counter(2, lambda: stops.append(counter.reached))
    counter.add("a", "cell-error", {"ename": "KeyError", "cell_index": 3})
    counter.add("b", "cell-error", {"ename": "ValueError", "cell_index": 3})
    counter.add("c", "ok", None)
    counter.add("d", "dead-kernel", {"cell_index": 3})
    assert stops == [] and counter.reached is None
    counter.add("e", "cell-error", {"ename": "KeyError", "cell_index": 3})
    counter.add("f", "cell-error", {"ename": "KeyError", "cell_index": 3})
    assert stops == ["cell-error/KeyError/cell-3"] and counter.counts["cell-error/KeyError/cell-3"] == 3


def test_a_job_tried_again_counts_once_as_its_last_attempt_ended():
    counter = failfast.Counter(2, lambda: None)
    counter.add("a", "transport-failed")
    counter.add("a", "transport-failed")
    assert counter.reached is None
    counter.add("a", "ok")
    assert counter.counts == {"transport-failed": 0}


def test_keys_are_short_stable_and_safe_on_a_command_line():
    assert key_text("cell-error", "KeyError", 3) == "cell-error/KeyError/cell-3"
    assert key_text("dead-kernel", "", 7) == "dead-kernel/cell-7"
    assert key_text("job-timeout") == "job-timeout"
    assert key_text("cell-error", "my error; rm -rf $HOME", 0) == "cell-error/my-error-rm--rf-HOME/cell-0"


def test_the_note_is_written_read_back_and_cleared(tmp_path):
    counter = failfast.Counter(3, lambda: None)
    for job in "abcd":
        counter.add(job, "cell-error", {"ename": "KeyError", "cell_index": 3})
    failfast.write_note(tmp_path, "S1", counter, 8)
    note = failfast.read_note(tmp_path)
    assert (note["group"], note["limit"], note["failed"], note["not_started"]) == ("cell-error/KeyError/cell-3", 3, 4, 8)
    assert "FAIL_FAST=3" in failfast.describe(note) and "8 jobs not started" in failfast.describe(note)
    failfast.clear_note(tmp_path)
    assert failfast.read_note(tmp_path) is None
    (tmp_path / failfast.NOTE).write_text("[1, 2]")
    assert failfast.read_note(tmp_path) is None
