"""runner/lock.py: a value's lock, shared with a child, held until the last holder ends."""

import subprocess
import sys

from jupyterstream.runner.lock import JobLock, is_held


def test_a_second_taker_waits_and_the_lock_frees_when_its_holder_closes(tmp_path):
    first, second = JobLock(tmp_path, "AL"), JobLock(tmp_path, "AL")
    assert first.try_take()
    first.claim("pid=1 token=AL-1-abc")
    assert not second.try_take() and is_held(tmp_path, "AL")
    seen = []
    assert not second.take(timeout=0.5, on_wait=seen.append)
    assert seen == ["pid=1 token=AL-1-abc"]
    first.close()
    assert second.take(timeout=5) and second.previous_token() == "AL-1-abc"
    second.close()
    assert not is_held(tmp_path, "AL")


def test_a_child_that_inherited_the_lock_holds_it_after_its_parent_let_go(tmp_path):
    lock = JobLock(tmp_path, "AL")
    assert lock.try_take()
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE,
                             pass_fds=(lock.fileno(),))
    lock.close()
    try:
        assert is_held(tmp_path, "AL")
    finally:
        child.communicate(b"", timeout=30)
    assert not is_held(tmp_path, "AL")
