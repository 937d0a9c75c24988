"""outcome.reconcile: the one place a run's outcome is decided, from its status record, its joblog
row, the check of its executed notebook, the plan's identity, whether it is queued, whether its
runner lives and whether the notebook was edited since the plan."""

import pytest

from jupyterstream.runner.outcome import EXIT_CODES, NOT_RUN, TRANSIENT, WAITING, Check, Outcome, Status, reconcile, superseded

SWEEP = "20250101T000000-aaaa"
WHOLE = (Check.WHOLE, "")


def record(state="ok", **extra):
    return {"status": state, "identity": "id-1", "sweep": SWEEP, "host": "vm", "pid": 42, "message": "", **extra}


def row(code="0", signal_="0", sweep=SWEEP, runtime="2.0", timeout=None, host=":"):
    return {"Exitval": code, "Signal": signal_, "sweep": sweep, "JobRuntime": runtime, "job_timeout": timeout,
            "Host": host, "attempts": 1}


@pytest.mark.parametrize("state", list(EXIT_CODES))
def test_a_finished_record_with_its_whole_notebook_is_what_the_job_recorded(state):
    outcome = reconcile(record(state, message="said"), notebook=WHOLE, identity="id-1")
    assert outcome == Outcome(Status(state), "said") and isinstance(outcome.status, Status)


def test_a_record_that_cannot_be_read_is_corrupt_whatever_else_is_known():
    outcome = reconcile(None, record_problem="corrupt status record: x", logrow=row(), queued=True)
    assert outcome == (Status.CORRUPT, "corrupt status record: x")


@pytest.mark.parametrize("queued, state", [(True, Status.PENDING), (False, Status.MISSING)])
def test_no_record_is_pending_when_a_live_sweep_queued_it_else_missing(queued, state):
    assert reconcile(None, queued=queued).status is state


@pytest.mark.parametrize("check", [Check.MISMATCH, Check.DAMAGED])
def test_a_notebook_that_cannot_be_trusted_makes_any_run_corrupt(check):
    for state in ("ok", "cell-error"):
        assert reconcile(record(state), notebook=(check, "why"), identity="id-1") == (Status.CORRUPT, "why")


@pytest.mark.parametrize("check", [Check.ABSENT, Check.UNREADABLE])
def test_a_missing_notebook_makes_an_ok_run_results_missing_and_a_failed_one_keeps_its_class(check):
    assert reconcile(record("ok"), notebook=(check, "gone"), identity="id-1") == (Status.RESULTS_MISSING, "gone")
    assert reconcile(record("cell-error"), notebook=(check, "gone"), identity="id-1") == (Status.CELL_ERROR, "gone")


def test_a_result_of_another_identity_is_stale_and_one_without_an_identity_is_not():
    assert reconcile(record(), notebook=WHOLE, identity="id-2").status is Status.STALE
    assert reconcile(record(identity=None), notebook=WHOLE, identity="id-2").status is Status.OK


def test_a_result_made_before_the_notebook_was_edited_is_stale_but_a_live_run_still_shows_running():
    outcome = reconcile(record(), notebook=WHOLE, identity="id-1", edited=True)
    assert outcome.status is Status.STALE and "notebook changed" in outcome.message
    assert reconcile(record("running"), identity="id-1", edited=True, alive=True).status is Status.RUNNING


def test_a_running_record_is_running_while_its_runner_lives_or_cannot_be_checked_and_killed_once_it_is_gone():
    assert reconcile(record("running"), identity="id-1", alive=True).status is Status.RUNNING
    assert reconcile(record("running"), identity="id-1", alive=None).status is Status.RUNNING
    outcome = reconcile(record("running"), identity="id-1", alive=False)
    assert outcome.status is Status.KILLED and "pid 42" in outcome.message


def test_a_running_record_whose_job_parallel_saw_end_is_killed():
    outcome = reconcile(record("running"), logrow=row("-1", "9"), identity="id-1", alive=None)
    assert outcome.status is Status.KILLED and "exit -1, signal 9" in outcome.message


def test_a_running_record_whose_runner_is_alive_stays_running_whatever_job_was_logged_since():
    # the row is another job of the value (one that waited for its lock and was killed)
    for logrow in (row("-1", "9"), dict(row("0"), sweep="20990101T000000-bbbb")):
        assert reconcile(record("running"), logrow=logrow, identity="id-1", alive=True).status is Status.RUNNING


@pytest.mark.parametrize("logrow, without_record, over_a_running_one", [
    (row("255", host="node1"), Status.TRANSPORT_FAILED, Status.TRANSPORT_FAILED),
    (row("-1", "15", runtime="10.0", timeout="10"), Status.JOB_TIMEOUT, Status.JOB_TIMEOUT),
    (row("-1", "15", runtime="3.0", timeout="10"), Status.INTERRUPTED, Status.INTERRUPTED),
    (row("0"), Status.RESULTS_MISSING, Status.KILLED),
])
def test_a_newer_joblog_row_than_the_record_is_told_by_what_parallel_saw(logrow, without_record, over_a_running_one):
    newer = dict(logrow, sweep="20260101T000000-bbbb")
    assert superseded(record(), newer) and superseded(None, newer)
    assert reconcile(None, logrow=newer).status is without_record
    assert reconcile(record("running"), logrow=newer, identity="id-1", alive=None).status is over_a_running_one
    assert reconcile(record("running"), logrow=newer, identity="id-1", alive=False).status is over_a_running_one


def test_a_joblog_row_of_the_records_own_sweep_does_not_override_the_record():
    assert not superseded(record(), row("1"))
    assert reconcile(record("cell-error"), logrow=row("1"), notebook=WHOLE, identity="id-1").status \
        is Status.CELL_ERROR


def test_the_transient_states_are_the_ones_that_depend_on_live_processes():
    assert set(TRANSIENT) == {"running", "pending", "missing", "killed"}


def test_a_stopped_job_whose_older_ok_record_is_all_that_is_here_lost_its_results():
    newer = row("-1", "15", sweep="20260101T000000-bbbb")
    assert reconcile(record("ok"), logrow=newer, notebook=WHOLE, identity="id-1").status is Status.RESULTS_MISSING


def test_a_waiting_run_is_pending_or_running_and_a_run_not_run_may_also_be_missing():
    assert {s for s in Status if s.waiting} == {Status.PENDING, Status.RUNNING}
    assert {s for s in Status if s.not_run} == {Status.PENDING, Status.RUNNING, Status.MISSING}
    assert "pending" in WAITING and "missing" in NOT_RUN - WAITING
