"""Shared fixtures. Helpers live in support.py (imported as `support`: the name `tests` is taken
by a package that the demo's data package installs)."""

import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import write_lines  # noqa: E402

# A shell without job control starts a background command (`make test &`) with SIGINT ignored, and
# every process it starts inherits that: a sweep these tests stop with Ctrl-C would not stop. Tests
# that press Ctrl-C need the disposition a terminal gives, so the suite restores it for its children.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def values(tmp_path):
    """Write a one-value-a-line file in tmp_path: values("AL", "CA") -> its path."""
    return lambda *lines, name="values.txt": write_lines(tmp_path / name, *lines)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    """Tests see the environment a new user has: no user-wide site packages or kernel path."""
    monkeypatch.setenv("PYTHONNOUSERSITE", "1")
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
