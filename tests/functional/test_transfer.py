"""The one rsync per host that sends a sweep's inputs, with real rsync to this machine (the `:`
host): it counts what it sent, sends nothing the second time, and mirrors deletions."""

import os

from jupyterstream.launch import transfer


def test_a_second_send_moves_nothing_and_a_removed_input_goes_from_the_host_too(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    source = tmp_path / "copy"
    (source / "data").mkdir(parents=True)
    (source / "data" / "x.csv").write_text("a\n1\n")
    (source / "y.csv").write_text("y" * 1000)
    first, = transfer.send(str(source), [":"], tmp_path / "out", wrapper="ssh")
    assert (first.error, first.files, first.volume, first.total_files, first.total) == ("", 2, 1004, 2, 1004)
    there = tmp_path / "home" / transfer.HOST_CACHE / transfer.cache_key(tmp_path / "out")
    assert (there / "data" / "x.csv").read_text() == "a\n1\n"
    assert os.path.expanduser(transfer.host_folder(tmp_path / "out")) == str(there)
    again, = transfer.send(str(source), [":"], tmp_path / "out", wrapper="ssh")
    assert (again.files, again.volume, again.total_files) == (0, 0, 2)
    assert "up to date (2 files, 1.0 kB), nothing sent" in again.describe()
    (source / "y.csv").unlink()
    (source / "data" / "x.csv").write_text("a\n2\n")  # same size: rsync goes by size and modification time
    later = (source / "data" / "x.csv").stat().st_mtime + 5
    os.utime(source / "data" / "x.csv", (later, later))
    dry, = transfer.send(str(source), [":"], tmp_path / "out", wrapper="ssh", dry_run=True)
    assert "has 0 of 1 file; would send 1 file, 4 B" in dry.describe(dry_run=True)
    transfer.send(str(source), [":"], tmp_path / "out", wrapper="ssh")
    assert sorted(p.name for p in there.rglob("*")) == ["data", "x.csv"]


def test_a_host_that_cannot_be_reached_is_named_with_rsyncs_own_words(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(transfer, "AT_ONCE", 1)  # one host after the other: the answers stay in order
    wrapper = tmp_path / "no-ssh"
    wrapper.write_text("#!/bin/sh\necho 'ssh: connect to host nowhere: Connection refused' >&2\nexit 255\n")
    wrapper.chmod(0o755)
    (tmp_path / "copy").mkdir()
    here, failed = transfer.send(str(tmp_path / "copy"), [":", "nowhere"], tmp_path / "out", wrapper=wrapper)
    assert here.host == ":" and here.error == ""
    assert failed.error.startswith("rsync exited 255") and "Connection refused" in failed.error
    assert "nowhere" in failed.describe() and "FAILED" in failed.describe()
