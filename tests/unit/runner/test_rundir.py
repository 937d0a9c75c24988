"""A run's own folder: inputs linked in, what the run writes brought home whole, within a limit."""

import json
import os
from pathlib import Path

import pytest

from jupyterstream.launch.mirror import copy_sparse, mirror
from jupyterstream.launch.inputs import Inputs
from jupyterstream.runner.rundir import LISTED, MissingInputs, RunFolder, manifest_path


@pytest.fixture
def cache(tmp_path):
    """A host's copy of the inputs: shared.csv at the root, the notebook's folder nb/ with data/x.csv."""
    root = tmp_path / "cache"
    (root / "nb" / "data").mkdir(parents=True)
    (root / "nb" / "data" / "x.csv").write_text("a\n1\n")
    (root / "shared.csv").write_text("k\n7\n")
    return root


def test_the_kernels_folder_sees_the_inputs_at_their_relative_paths(tmp_path, cache):
    folder = RunFolder(tmp_path / "out", "AL", str(cache), "nb")
    cwd = folder.make()
    assert Path(os.path.join(cwd, "data", "x.csv")).read_text() == "a\n1\n"
    assert Path(os.path.join(cwd, "..", "shared.csv")).read_text() == "k\n7\n"
    assert os.path.islink(os.path.join(cwd, "data", "x.csv")) and not os.path.islink(os.path.join(cwd, "data"))


def test_what_a_run_wrote_comes_home_and_its_links_do_not(tmp_path, cache):
    folder = RunFolder(tmp_path / "out", "AL", str(cache), "nb")
    cwd = folder.make()
    Path(os.path.join(cwd, "out.csv")).write_text("AL\n")
    Path(os.path.join(cwd, "data", "new.csv")).write_text("new")
    os.unlink(os.path.join(cwd, "data", "x.csv"))  # replaced, not written through: the run's own now
    Path(os.path.join(cwd, "data", "x.csv")).write_text("mine")
    Path(os.path.join(cwd, "..", "above.txt")).write_text("up")
    os.makedirs(os.path.join(cwd, "__pycache__"))
    Path(os.path.join(cwd, "__pycache__", "m.pyc")).write_text("")
    record = folder.bring_home({"status": "ok"})
    home = tmp_path / "out" / "files" / "AL"
    assert record["files"] == [{"name": "_up/above.txt", "size": 2}, {"name": "data/new.csv", "size": 3},
                               {"name": "data/x.csv", "size": 4}, {"name": "out.csv", "size": 3}]
    assert record["files_count"] == 4 and record["files_bytes"] == 12 and record["status"] == "ok"
    assert (home / "out.csv").read_text() == "AL\n" and (home / "_up" / "above.txt").read_text() == "up"
    assert (cache / "nb" / "data" / "x.csv").read_text() == "a\n1\n"
    assert not os.path.exists(folder.root) and sorted(os.listdir(tmp_path / "out" / "files")) == ["AL"]


def test_a_rerun_replaces_the_files_of_the_run_before_it_whole(tmp_path):
    first = RunFolder(tmp_path / "out", "AL")
    Path(os.path.join(first.make(), "old.txt")).write_text("old")
    first.bring_home({"status": "ok"})
    second = RunFolder(tmp_path / "out", "AL")
    Path(os.path.join(second.make(), "new.txt")).write_text("new")
    second.bring_home({"status": "ok"})
    assert os.listdir(tmp_path / "out" / "files" / "AL") == ["new.txt"]


def test_files_over_the_limit_stay_behind_and_an_ok_run_says_so(tmp_path):
    folder = RunFolder(tmp_path / "out", "AL", limit=100)
    cwd = folder.make()
    Path(os.path.join(cwd, "big.bin")).write_bytes(b"x" * 150)
    record = folder.bring_home({"status": "ok"})
    assert record["status"] == "job-error" and folder.refused
    assert "150 B" in record["message"] and "big.bin" in record["message"] and "FILES_LIMIT" in record["message"]
    assert record["files"] == [] and record["files_bytes"] == 150
    assert not (tmp_path / "out" / "files" / "AL").exists()


def test_a_failed_run_over_the_limit_keeps_its_own_failure(tmp_path):
    folder = RunFolder(tmp_path / "out", "AL", limit=1)
    Path(os.path.join(folder.make(), "a")).write_text("ab")
    record = folder.bring_home({"status": "cell-error", "ename": "ValueError"})
    assert record["status"] == "cell-error" and "over the limit" in record["files_problem"]


def test_a_host_without_the_inputs_folder_is_named(tmp_path):
    with pytest.raises(MissingInputs, match="is not on this host"):
        RunFolder(tmp_path / "out", "AL", str(tmp_path / "nowhere")).make()


def test_a_notebook_folder_that_leads_out_of_the_run_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="leads out"):
        RunFolder(tmp_path / "out", "AL", None, "../..")
    with pytest.raises(ValueError, match="leads out"):  # a notebook's folder deeper than its path
        RunFolder(tmp_path / "out", "AL", None, "a/b", mirror="/b")


def test_the_kernels_folder_has_the_notebooks_whole_path_so_dotdot_walks_up_through_the_same_names(tmp_path, cache):
    folder = RunFolder(tmp_path / "out", "AL", str(cache), "nb", mirror="/home/me/project/nb")
    cwd = folder.make()
    assert cwd == os.path.join(folder.root, "home", "me", "project", "nb")
    assert Path(os.path.join(cwd, "..", "nb", "data", "x.csv")).read_text() == "a\n1\n"  # out and back in
    assert Path(os.path.join(cwd, "..", "shared.csv")).read_text() == "k\n7\n"  # the inputs' root, above
    assert Path(os.path.join(cwd, "..", "..", "project", "shared.csv")).read_text() == "k\n7\n"


def test_files_written_one_and_two_folders_above_the_kernels_come_home_under_up(tmp_path):
    folder = RunFolder(tmp_path / "out", "AL", mirror="/home/me/nb")
    cwd = folder.make()
    Path(os.path.join(cwd, "..", "x.csv")).write_text("one up")
    Path(os.path.join(cwd, "..", "..", "y")).write_text("two up")
    record = folder.bring_home({"status": "ok"})
    assert [f["name"] for f in record["files"]] == ["_up/_up/y", "_up/x.csv"]
    home = tmp_path / "out" / "files" / "AL"
    assert (home / "_up" / "x.csv").read_text() == "one up" and (home / "_up" / "_up" / "y").read_text() == "two up"
    assert os.listdir(tmp_path / "out" / ".work") == [] and sorted(os.listdir(tmp_path / "out")) == [".work", "files"]


def test_a_record_names_at_most_listed_files_and_says_where_the_full_list_is(tmp_path):
    folder = RunFolder(tmp_path / "out", "AL")
    cwd = folder.make()
    for n in range(LISTED + 5):
        Path(os.path.join(cwd, f"f{n:05d}.txt")).write_text("x" * (n % 3))
    record = folder.bring_home({"status": "ok"})
    assert len(record["files"]) == LISTED and record["files_count"] == LISTED + 5
    assert record["files_list"] == "status/AL.files.jsonl"
    listed = [json.loads(line) for line in (tmp_path / "out" / record["files_list"]).read_text().splitlines()]
    assert listed[:LISTED] == record["files"] and len(listed) == LISTED + 5
    assert listed[-1] == {"name": f"f{LISTED + 4:05d}.txt", "size": (LISTED + 4) % 3}
    assert sum(f["size"] for f in listed) == record["files_bytes"]


def test_a_rerun_with_few_files_lists_them_all_and_leaves_no_full_list_behind(tmp_path):
    first = RunFolder(tmp_path / "out", "AL")
    cwd = first.make()
    for n in range(LISTED + 1):
        Path(os.path.join(cwd, f"f{n}")).write_text("")
    first.bring_home({"status": "ok"})
    assert os.path.exists(manifest_path(tmp_path / "out", "AL"))
    second = RunFolder(tmp_path / "out", "AL")
    Path(os.path.join(second.make(), "only.txt")).write_text("1")
    record = second.bring_home({"status": "ok"})
    assert record["files"] == [{"name": "only.txt", "size": 1}] and "files_list" not in record
    assert not os.path.exists(manifest_path(tmp_path / "out", "AL"))


def test_this_machines_copy_is_read_only_kept_when_unchanged_and_pruned(tmp_path):
    (tmp_path / "src" / "data").mkdir(parents=True)
    (tmp_path / "src" / "data" / "x.csv").write_text("x")
    (tmp_path / "src" / "y.csv").write_text("yy")
    both = Inputs(str(tmp_path / "src"), ".", ["data/", "y.csv"], [("data/x.csv", 1), ("y.csv", 2)])
    assert mirror(both, tmp_path / "out") == (2, 3)
    copy = tmp_path / "out" / "input-files"
    assert (copy / "y.csv").read_text() == "yy" and not os.stat(copy / "y.csv").st_mode & 0o222
    assert mirror(both, tmp_path / "out") == (0, 0)
    assert mirror(Inputs(str(tmp_path / "src"), ".", ["y.csv"], [("y.csv", 2)]), tmp_path / "out") == (0, 0)
    assert sorted(os.listdir(copy)) == ["y.csv"]


def test_the_folders_run_folders_need_are_kept_empty_in_the_copy_and_pruned_when_unwanted(tmp_path):
    (tmp_path / "src" / "figures").mkdir(parents=True)
    (tmp_path / "src" / "y.csv").write_text("yy")
    wanted = Inputs(str(tmp_path / "src"), ".", ["y.csv"], [("y.csv", 2)], folders=["figures", "out/deep"])
    mirror(wanted, tmp_path / "out")
    copy = tmp_path / "out" / "input-files"
    assert (copy / "figures").is_dir() and (copy / "out" / "deep").is_dir()
    run = RunFolder(tmp_path / "out", "AL", copy)
    assert os.path.isdir(os.path.join(run.make(), "out", "deep"))
    mirror(Inputs(str(tmp_path / "src"), ".", ["y.csv"], [("y.csv", 2)]), tmp_path / "out")
    assert sorted(os.listdir(copy)) == ["y.csv"]


def test_a_sparse_input_stays_sparse_in_the_copy(tmp_path):
    source = tmp_path / "big.bin"
    with open(source, "wb") as handle:
        handle.seek(50_000_000)
        handle.write(b"end")
    copy_sparse(source, tmp_path / "copy.bin")
    assert (tmp_path / "copy.bin").stat().st_size == 50_000_003
    assert (tmp_path / "copy.bin").read_bytes()[-3:] == b"end"
    assert os.stat(tmp_path / "copy.bin").st_blocks * 512 < 1_000_000


def test_a_run_that_writes_through_an_input_link_is_not_ok_and_names_the_input(tmp_path, cache):
    folder = RunFolder(tmp_path / "out", "AL", str(cache), "nb")
    cwd = folder.make()
    with open(os.path.join(cwd, "data", "x.csv"), "a") as handle:  # through the link, into the shared copy
        handle.write("2\n")
    record = folder.bring_home({"status": "ok"})
    assert record["status"] == "job-error"
    assert record["message"].startswith(f"it wrote into its input {os.path.join('data', 'x.csv')}, which every run")
    assert record["files"] == []  # the link is not a file of its own


def test_without_mirror_the_folder_the_plan_recorded_is_mirrored_when_it_is_on_this_host(tmp_path):
    (tmp_path / "proj" / "nb").mkdir(parents=True)
    here, planned = RunFolder(tmp_path / "out", "AL"), tmp_path / "proj" / "nb"
    assert here.make(planned=str(planned)) == os.path.join(here.root, *planned.parts[1:])
    elsewhere = RunFolder(tmp_path / "out", "CA")  # a host where the plan's folder is not: named as before
    assert elsewhere.make(planned=str(tmp_path / "gone")) == elsewhere.root
