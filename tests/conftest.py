"""Shared fixtures. Helpers live in support.py (imported as `support`: the name `tests` is taken
by a package that the demo's data package installs)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import write_lines  # noqa: E402


@pytest.fixture
def values(tmp_path):
    """Write a one-value-a-line file in tmp_path: values("AL", "CA") -> its path."""
    return lambda *lines, name="values.txt": write_lines(tmp_path / name, *lines)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    """Tests see the environment a new user has: no user-wide site packages or kernel path."""
    monkeypatch.setenv("PYTHONNOUSERSITE", "1")
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
