"""atomic.write_atomic: a reader sees the old content or the new, never half of it."""

import os
import stat

import pytest

from jupyterstream import atomic
from jupyterstream.errors import OutputError


def test_write_atomic_writes_utf8_text(tmp_path):
    path = tmp_path / "f.txt"
    atomic.write_atomic(path, "é \U0001F600\n")
    assert path.read_bytes() == "é \U0001F600\n".encode("utf-8")


def test_write_atomic_replaces_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "f.txt"
    atomic.write_atomic(path, "old")
    atomic.write_atomic(str(path), "new")
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["f.txt"]


def test_write_atomic_gives_the_mode_the_umask_allows(tmp_path):
    path = tmp_path / "f.txt"
    atomic.write_atomic(path, "x")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~atomic.UMASK


def test_a_failed_write_is_an_output_error_and_keeps_the_old_content(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    atomic.write_atomic(path, "old")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device") as info:
        atomic.write_atomic(path, "new")
    assert str(path) in str(info.value) and "earlier results are untouched" in str(info.value)
    assert info.value.exit_code == 3
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]


def test_an_interrupted_write_is_reraised_and_keeps_the_old_content(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    atomic.write_atomic(path, "old")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(path, "new")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]


def test_a_text_that_cannot_be_encoded_is_reraised_and_leaves_nothing(tmp_path):
    path = tmp_path / "f.txt"
    with pytest.raises(UnicodeEncodeError):
        atomic.write_atomic(path, "lone \ud800")
    assert os.listdir(tmp_path) == []


def test_a_missing_folder_is_an_output_error(tmp_path):
    with pytest.raises(OutputError):
        atomic.write_atomic(tmp_path / "missing" / "f.txt", "x")
