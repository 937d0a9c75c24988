"""runner/layout.py: one place names every job file of the output folder, for both sides."""

from jupyterstream.runner import lock, status
from jupyterstream.runner.layout import Layout


def test_each_job_file_has_its_place_in_the_output_folder():
    layout = Layout("out")
    assert [layout.input("a"), layout.run("a"), layout.partial("a"), layout.status("a"), layout.log("a"),
            layout.kernel_note("a"), layout.lock("a")] == [
        "out/inputs/a.ipynb", "out/runs/a.ipynb", "out/runs/.a.partial.ipynb", "out/status/a.json",
        "out/logs/a.log", "out/logs/.a.kernel", "out/locks/a.lock"]


def test_without_an_output_folder_the_paths_are_relative_as_status_records_hold_them():
    assert (Layout().run("a"), Layout().log("a")) == ("runs/a.ipynb", "logs/a.log")


def test_the_status_record_and_the_lock_are_where_the_layout_says():
    assert status.path_for("out", "a") == Layout("out").status("a")
    assert lock.path_for("out", "a") == Layout("out").lock("a")
