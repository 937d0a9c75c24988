"""batchsize: how many values a job runs, from how long this notebook's values take (pure but for reading records)."""

import json
import os

from jupyterstream.launch import batchsize
from jupyterstream.launch.batchsize import size_of, earlier_work


def test_batch_given_is_taken_as_it_is():
    assert size_of(1, 1000, 2, [0.01]) == 1
    assert size_of(7, 10, 2, []) == 7


def test_a_notebook_of_minutes_is_never_batched():
    assert size_of(0, 1000, 2, [90.0, 120.0, 75.0]) == 1


def test_quick_values_are_batched_but_every_slot_keeps_several_batches():
    size = size_of(0, 600, 2, [0.05] * 5)
    assert size == 150  # 300 values a slot (15 s of work), at least BATCHES_PER_SLOT (2) batches a slot
    assert size_of(0, 100_000, 2, [0.001]) == batchsize.MAX_BATCH


def test_a_sweep_whose_share_a_slot_fits_in_one_batch_runs_one_batch_a_slot():
    assert size_of(0, 60, 2, [0.05] * 5) == 30  # 1.5 s of work a slot: one nbconvert each, not two
    assert size_of(0, 61, 2, [0.05] * 5) == 31
    assert size_of(0, 60, 2, [0.5] * 5) == 15  # 15 s a slot: two batches a slot, as before


def test_one_batch_a_slot_is_handed_to_parallel_whole_so_that_it_makes_one_job_a_slot():
    assert batchsize.max_args(29, 58, "2") == 58  # parallel -X spreads 58 as 29 and 29 (with 29: 29, 15, 14)
    assert batchsize.max_args(29, 59, "2") == 29  # more than one batch a slot: batches as they are
    assert batchsize.max_args(10, 30, "") == (30 if 10 * (os.cpu_count() or 1) >= 30 else 10)  # a slot a core
    assert batchsize.max_args(20, 30, "50%") == 20  # slots parallel alone knows: batches as they are
    assert batchsize.max_args(1, 30, "2") == 1


def test_a_batch_holds_about_the_target_of_its_values_own_work():
    assert size_of(0, 10_000, 2, [2.0, 2.0, 2.0]) == int(batchsize.TARGET_SECONDS / 2.0)


def test_few_values_run_one_a_job_and_no_history_asks_for_a_first_wave():
    assert size_of(0, 4, 2, []) == 1
    assert size_of(0, 60, 2, []) is None


def test_earlier_work_is_each_records_time_past_its_kernels_start(tmp_path):
    (tmp_path / "status").mkdir()
    for name, record in {"a": {"status": "ok", "duration": 1.5, "kernel_ready": 0.5},
                         "b": {"status": "running", "duration": 9.0},
                         "c": {"status": "cell-error", "duration": 0.25}}.items():
        (tmp_path / "status" / f"{name}.json").write_text(json.dumps(record))
    (tmp_path / "status" / "d.json").write_text("{not json")
    assert sorted(earlier_work(tmp_path)) == [0.25, 1.0]
    assert earlier_work(tmp_path, ["a"]) == [1.0]


def test_fail_fast_and_ssh_sweeps_run_one_value_a_job_unless_batch_is_given(tmp_path):
    from jupyterstream.launch.parallel import Settings
    from jupyterstream.sweep import batch_for
    assert batch_for(Settings(output=str(tmp_path), fail_fast=3, jobs="2"), 1000) == 1
    assert batch_for(Settings(output=str(tmp_path), fail_fast=3, batch=5, jobs="2"), 1000) == 5
    assert batch_for(Settings(output=str(tmp_path), remote=True, batch=5), 1000) == 1
    assert batch_for(Settings(output=str(tmp_path), jobs="2"), 1000) is None
