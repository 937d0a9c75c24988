"""record: what a notebook calls to record a metric (display=False: no IPython needed)."""

import importlib
import json
import math

import pytest

from jupyterstream.runner.record import MIME_TYPE, _plain, record


class Scalar:
    """Quacks like a numpy scalar: .item() and ndim 0."""

    ndim = 0

    def __init__(self, value):
        self.value = value

    def item(self):
        return self.value


class Array(Scalar):
    ndim = 1


def test_record_returns_the_payload_with_name_and_value():
    assert record("peak_year", 1990, display=False) == {"name": "peak_year", "value": 1990}


def test_record_is_exported_by_the_package():
    import jupyterstream

    assert jupyterstream.record is importlib.import_module("jupyterstream.runner.record").record
    assert MIME_TYPE.startswith("application/") and MIME_TYPE.endswith("+json")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_are_recorded_as_none(value):
    assert record("x", value, display=False)["value"] is None


def test_nested_lists_tuples_and_dicts_are_made_plain_json():
    value = [1, (2.5, math.nan), {"a": [math.inf, "s"], 3: None}, [[-math.inf]]]
    plain = _plain(value)
    assert plain == [1, [2.5, None], {"a": [None, "s"], "3": None}, [[None]]]
    assert json.loads(json.dumps(plain, allow_nan=False)) == plain


def test_scalar_like_values_are_unwrapped_with_item():
    assert _plain(Scalar(7)) == 7
    assert _plain(Scalar(math.nan)) is None
    assert _plain([Scalar(1.5), {"k": Scalar(True)}]) == [1.5, {"k": True}]


def test_array_like_values_are_not_unwrapped():
    array = Array(1)
    assert _plain(array) is array


@pytest.mark.parametrize("value", ["text", "", True, False, None, 0, -1.5, 10 ** 20])
def test_plain_values_are_kept(value):
    assert record("x", value, display=False)["value"] == value


@pytest.mark.parametrize("name", ["", None, 3, b"x"])
def test_name_must_be_a_non_empty_string(name):
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        record(name, 1, display=False)


@pytest.mark.parametrize("value", [object(), {1, 2}, b"bytes", [object()]])
def test_a_value_that_is_not_json_is_refused(value):
    with pytest.raises(TypeError):
        record("x", value, display=False)


def test_payload_is_strict_json():
    payload = record("x", {"a": [math.nan, 1.0]}, display=False)
    assert json.dumps(payload, allow_nan=False) == '{"name": "x", "value": {"a": [null, 1.0]}}'
