"""cachefile: {key: entry} as JSON lines, appended to; damaged lines and other caches ignored."""

import json

from jupyterstream.collect import cachefile


def lines(path):
    return path.read_text().splitlines()


def test_entries_saved_are_loaded_back(tmp_path):
    path = tmp_path / "c.jsonl"
    cachefile.save(path, "c", 1, {}, {"a": {"x": 1}, "b": {"y": [2]}})
    assert cachefile.load(path, "c", 1) == {"a": {"x": 1}, "b": {"y": [2]}}
    assert json.loads(lines(path)[0]) == {"cache": "c", "version": 1}


def test_a_repeat_save_appends_only_what_changed_and_what_went(tmp_path):
    path = tmp_path / "c.jsonl"
    entries = {f"k{i}": {"v": i} for i in range(200)}
    cachefile.save(path, "c", 1, {}, entries)
    old = cachefile.load(path, "c", 1)
    new = dict(old, k3={"v": "changed"})
    del new["k4"]
    before = len(lines(path))
    cachefile.save(path, "c", 1, old, new)
    assert lines(path)[before:] == ['["k3",{"v":"changed"}]', '["k4",null]']
    assert cachefile.load(path, "c", 1) == new


def test_nothing_changed_writes_nothing(tmp_path):
    path = tmp_path / "c.jsonl"
    cachefile.save(path, "c", 1, {}, {"a": {"x": 1}})
    stamp = path.stat().st_mtime_ns
    old = cachefile.load(path, "c", 1)
    cachefile.save(path, "c", 1, old, dict(old))
    assert path.stat().st_mtime_ns == stamp


def test_a_file_that_grew_twice_its_entries_is_rewritten_whole(tmp_path):
    path = tmp_path / "c.jsonl"
    cachefile.save(path, "c", 1, {}, {"a": {"n": 0}})
    for n in range(1, 120):
        old = cachefile.load(path, "c", 1)
        cachefile.save(path, "c", 1, old, {"a": {"n": n}})
    assert len(lines(path)) < 110 and cachefile.load(path, "c", 1) == {"a": {"n": 119}}


def test_a_line_cut_short_by_a_stopped_collect_is_skipped(tmp_path):
    path = tmp_path / "c.jsonl"
    cachefile.save(path, "c", 1, {}, {"a": {"x": 1}})
    with open(path, "a") as handle:
        handle.write('["b", {"x": 2}]\n["a", {"x": 99')
    assert cachefile.load(path, "c", 1) == {"a": {"x": 1}, "b": {"x": 2}}


def test_another_cache_or_version_or_no_file_is_empty(tmp_path):
    path = tmp_path / "c.jsonl"
    cachefile.save(path, "c", 1, {}, {"a": {"x": 1}})
    assert cachefile.load(path, "c", 2) == {} and cachefile.load(path, "other", 1) == {}
    assert cachefile.load(tmp_path / "missing", "c", 1) == {}
    path.write_bytes(b"\xff\xfe not text")
    assert cachefile.load(path, "c", 1) == {}


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path):
    (tmp_path / "c.jsonl").mkdir()
    cachefile.save(tmp_path / "c.jsonl", "c", 1, {}, {"a": {"x": 1}})
