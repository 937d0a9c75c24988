"""cachelines: a cachefile.py cache read a line at a time (offsets only) and brought up to date by
appending what changed, or by rewriting it from the old file and a spool."""


from jupyterstream.collect import cachefile, cachelines


def lines(path):
    return path.read_text().splitlines()


def saved(path, entries):
    cachefile.save(path, "c", 1, {}, entries)
    return cachelines.Reader(path, "c", 1)


def test_the_reader_gives_each_key_s_latest_entry_and_forgets_removed_ones(tmp_path):
    path = tmp_path / "c.jsonl"
    cachefile.save(path, "c", 1, {}, {"a": {"x": 1}, "b": {"x": 2}})
    with open(path, "a") as handle:
        handle.write('["a",{"x":3}]\n["b",null]\n')
    reader = cachelines.Reader(path, "c", 1)
    assert reader.entry("a") == {"x": 3} and reader.entry("b") is None and reader.entry("zz") is None
    reader.close()


def test_a_half_written_last_line_is_not_an_entry(tmp_path):
    path = tmp_path / "c.jsonl"
    cachefile.save(path, "c", 1, {}, {"a": {"x": 1}})
    with open(path, "a") as handle:
        handle.write('["a",{"x":')
    reader = cachelines.Reader(path, "c", 1)
    assert reader.entry("a") == {"x": 1}
    reader.close()


def test_a_cache_of_another_name_or_version_reads_as_empty(tmp_path):
    path = tmp_path / "c.jsonl"
    cachefile.save(path, "c", 1, {}, {"a": {"x": 1}})
    for name, version in (("c", 2), ("other", 1)):
        assert cachelines.Reader(path, name, version).where == {}
    assert cachelines.Reader(tmp_path / "missing", "c", 1).entry("a") is None


def test_starts_checks_an_entry_s_first_field_without_parsing_the_line(tmp_path):
    reader = saved(tmp_path / "c.jsonl", {"a": {"tag": "t1", "big": "x" * 100}})
    assert reader.starts("a", "tag", "t1") and not reader.starts("a", "tag", "t2")
    assert not reader.starts("b", "tag", "t1")
    reader.close()


def test_the_writer_appends_only_what_changed_and_what_went(tmp_path):
    path = tmp_path / "c.jsonl"
    reader = saved(path, {f"k{i}": {"v": i} for i in range(200)})
    before = len(lines(path))
    writer = cachelines.Writer(path, "c", 1, reader)
    for i in range(200):
        if i == 3:
            writer.put("k3", {"v": "changed"})
        elif i != 4:
            writer.keep(f"k{i}")
    writer.close()
    reader.close()
    assert lines(path)[before:] == ['["k3",{"v":"changed"}]', '["k4",null]']
    assert cachefile.load(path, "c", 1) == dict({f"k{i}": {"v": i} for i in range(200) if i != 4}, k3={"v": "changed"})


def test_the_writer_rewrites_the_file_in_order_when_stale_lines_would_outnumber_live_ones(tmp_path):
    path = tmp_path / "c.jsonl"
    reader = saved(path, {f"k{i}": {"v": i} for i in range(200)})
    writer = cachelines.Writer(path, "c", 1, reader)
    writer.keep("k5")
    writer.put("new", {"v": "n"})
    writer.keep("k1")
    writer.close()
    reader.close()
    assert lines(path) == ['{"cache": "c", "version": 1}', '["k5",{"v":5}]', '["new",{"v":"n"}]', '["k1",{"v":1}]']


def test_a_writer_discarded_half_way_leaves_the_cache_as_it_was(tmp_path):
    path = tmp_path / "c.jsonl"
    reader = saved(path, {"a": {"v": 1}})
    text = path.read_text()
    writer = cachelines.Writer(path, "c", 1, reader)
    writer.put("a", {"v": 2})
    writer.discard()
    reader.close()
    assert path.read_text() == text
