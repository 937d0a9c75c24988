"""status: the per-job status record (written atomically, read back, trusted by resume)."""

import hashlib
import json
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from jupyterstream import atomic
from jupyterstream.runner import status


@pytest.fixture
def output(tmp_path):
    (tmp_path / "status").mkdir()
    (tmp_path / "runs").mkdir()
    return str(tmp_path)


def job(job_id="AL", identity="id-1"):
    return SimpleNamespace(id=job_id, identity=identity)


def ran(output, state="ok", identity="id-1", job_id="AL"):
    """What a finished job leaves: its executed notebook, and a record that vouches for its bytes."""
    path = Path(output, "runs", f"{job_id}.ipynb")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=True) + "\n")  # as run-one writes it
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    status.write(output, job_id, {"status": state, "identity": identity, "notebook": f"runs/{job_id}.ipynb",
                                  "notebook_sha256": sha})
    return path


def test_write_then_read_round_trips_and_adds_the_schema(output):
    record = {"status": "ok", "identity": "id-1", "duration": 1.5, "message": "é \u2028 \ud800"}
    status.write(output, "AL", record)
    assert status.read(output, "AL") == dict(record, schema=status.SCHEMA)
    assert status.path_for(output, "AL") == os.path.join(output, "status", "AL.json")


def test_written_record_is_ascii_json_and_non_json_values_become_their_repr(output):
    status.write(output, "AL", {"status": "ok", "when": {1, 2}, "text": "é"})
    raw = Path(status.path_for(output, "AL")).read_bytes()
    assert raw.isascii()
    assert json.loads(raw)["when"] == repr({1, 2})


def test_write_replaces_an_older_record_and_leaves_no_temporary_file(output):
    status.write(output, "AL", {"status": "running"})
    status.write(output, "AL", {"status": "ok"})
    assert status.read(output, "AL")["status"] == "ok"
    assert os.listdir(os.path.join(output, "status")) == ["AL.json"]


def test_written_record_is_readable_by_others_as_the_umask_allows(output):
    status.write(output, "AL", {"status": "ok"})
    mode = stat.S_IMODE(os.stat(status.path_for(output, "AL")).st_mode)
    assert mode == 0o666 & ~atomic.UMASK


def test_a_failed_write_keeps_the_old_record_and_removes_its_temporary_file(output, monkeypatch):
    status.write(output, "AL", {"status": "running"})

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        status.write(output, "AL", {"status": "ok"})
    assert status.read(output, "AL")["status"] == "running"
    assert os.listdir(os.path.join(output, "status")) == ["AL.json"]


def test_read_of_a_missing_record_is_none(output):
    assert status.read(output, "AL") is None


@pytest.mark.parametrize("content", [b"", b'{"status": "ok", "ide', b"\xff\xfe", b"not json"])
def test_read_of_a_corrupt_record_raises_value_error(output, content):
    with open(status.path_for(output, "AL"), "wb") as handle:
        handle.write(content)
    with pytest.raises(ValueError, match="corrupt status record"):
        status.read(output, "AL")


@pytest.mark.parametrize("content", ["[]", '"ok"', "{}", '{"identity": "x"}'])
def test_read_of_a_record_without_a_status_field_raises_value_error(output, content):
    with open(status.path_for(output, "AL"), "w") as handle:
        handle.write(content)
    with pytest.raises(ValueError, match="no status field"):
        status.read(output, "AL")


def test_is_done_when_ok_with_the_same_identity_and_the_run_notebook_its_record_vouches_for(output):
    ran(output)
    assert status.is_done(output, job()) and status.why_not_done(output, job()) is None


def test_is_not_done_with_another_identity(output):
    ran(output, identity="id-0")
    assert not status.is_done(output, job())
    assert status.why_not_done(output, job()).startswith("stale")


def test_is_not_done_without_the_run_notebook(output):
    os.unlink(ran(output))
    assert not status.is_done(output, job())
    assert status.why_not_done(output, job()).startswith("results-missing")


@pytest.mark.parametrize("damage", ["re-saved", "truncated", "emptied"])
def test_is_not_done_when_the_ok_notebook_is_no_longer_what_its_record_vouches_for(output, damage):
    path = ran(output)
    if damage == "re-saved":  # what Jupyter does when someone opens the run and saves it
        nbformat.write(nbformat.read(path, as_version=4), path)
    else:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"")
    assert not status.is_done(output, job())
    assert "does not match its status record" in status.why_not_done(output, job())


def test_an_ok_record_that_vouches_for_no_bytes_needs_a_readable_notebook(output):
    status.write(output, "AL", {"status": "ok", "identity": "id-1"})
    open(os.path.join(output, "runs", "AL.ipynb"), "w").close()
    assert not status.is_done(output, job())
    with open(os.path.join(output, "runs", "AL.ipynb"), "w") as handle:
        handle.write('{"cells": []}')
    assert status.is_done(output, job())


@pytest.mark.parametrize("state", status.FAILED + ("running",))
def test_is_not_done_unless_ok(output, state):
    ran(output, state)
    assert not status.is_done(output, job())


def test_is_not_done_without_a_record_or_with_a_corrupt_one(output):
    open(os.path.join(output, "runs", "AL.ipynb"), "w").close()
    assert not status.is_done(output, job())
    with open(status.path_for(output, "AL"), "w") as handle:
        handle.write("{")
    assert not status.is_done(output, job())


def test_exit_codes_are_distinct_ok_is_zero_and_none_is_255():
    codes = list(status.EXIT_CODES.values())
    assert status.EXIT_CODES["ok"] == 0 and len(set(codes)) == len(codes)
    assert 255 not in codes and all(0 <= c < 128 for c in codes)
    assert "ok" not in status.FAILED and set(status.FAILED) | {"ok"} == set(status.EXIT_CODES)
