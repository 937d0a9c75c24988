"""Fixtures for the fault-injection tests: a tag for every process a test starts, killed (by PID)
when the test ends, whatever state it left them in."""

import pytest

import faultkit


@pytest.fixture
def tag():
    """A fresh process tag; every tagged process still alive at teardown is SIGKILLed by PID."""
    value = faultkit.new_tag()
    yield value
    faultkit.kill_tagged(value)


@pytest.fixture(scope="module")
def module_tag():
    """The same, for module-scoped sweeps."""
    value = faultkit.new_tag()
    yield value
    faultkit.kill_tagged(value)
