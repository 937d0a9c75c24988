"""record: what a notebook calls to record a metric (display=False: no IPython needed)."""

import importlib
import json
import math

import pytest

from jupyterstream.runner.record import MAX_DEPTH, MIME_TYPE, plain, record


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


@pytest.mark.parametrize("value, text", [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")])
def test_nan_and_infinities_are_recorded_as_text(value, text):
    assert record("x", value, display=False)["value"] == text


def test_nested_lists_tuples_sets_and_dicts_are_made_plain_json():
    value = [1, (2.5, math.nan), {"a": [math.inf, "s"], 3: None}, [[-math.inf]], {3, 1}]
    made = plain(value)
    assert made == [1, [2.5, "nan"], {"a": ["inf", "s"], "3": None}, [["-inf"]], [1, 3]]
    assert json.loads(json.dumps(made, allow_nan=False)) == made


@pytest.mark.parametrize("value, text", [
    (10 ** 400, "1" + "0" * 400), (-(10 ** 400), "-1" + "0" * 400), (1 + 2j, "(1+2j)"), (b"\x00ab", "b'\\x00ab'"),
    (bytearray(b"z"), "b'z'")])
def test_values_no_json_reader_takes_as_numbers_are_recorded_as_text(value, text):
    assert record("x", value, display=False)["value"] == text


def test_an_integer_past_pythons_text_conversion_limit_is_recorded_as_its_size():
    assert record("x", 10 ** 5000, display=False)["value"] == "an integer of about 5001 digits"


def test_nesting_deeper_than_the_limit_and_a_list_holding_itself_are_cut_short_as_text():
    deep, loop = [], []
    for _ in range(MAX_DEPTH + 10):
        deep = [deep]
    loop.append(loop)
    for value in (deep, loop):
        text = json.dumps(record("x", value, display=False)["value"])
        assert text.endswith(f'"<list nested more than {MAX_DEPTH} deep>"' + "]" * MAX_DEPTH), text[-80:]


def test_scalar_like_values_are_unwrapped_with_item():
    assert plain(Scalar(7)) == 7
    assert plain(Scalar(math.nan)) == "nan"
    assert plain([Scalar(1.5), {"k": Scalar(True)}]) == [1.5, {"k": True}]


def test_array_like_values_become_lists_through_tolist():
    class Vector(Array):
        def tolist(self):
            return [1, 2.5, math.nan]

    assert plain(Vector(0)) == [1, 2.5, "nan"]


@pytest.mark.parametrize("value", ["text", "", True, False, None, 0, -1.5, 10 ** 20])
def test_plain_values_are_kept(value):
    assert record("x", value, display=False)["value"] == value


@pytest.mark.parametrize("name", ["", None, 3, b"x"])
def test_name_must_be_a_non_empty_string(name):
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        record(name, 1, display=False)


@pytest.mark.parametrize("value", [object(), [object()], {"k": object()}])
def test_a_value_that_is_no_number_text_or_container_is_refused_with_what_to_give(value):
    with pytest.raises(TypeError, match="give a number, string, boolean, None"):
        record("x", value, display=False)


def test_payload_is_strict_json():
    payload = record("x", {"a": [math.nan, 1.0]}, display=False)
    assert json.dumps(payload, allow_nan=False) == '{"name": "x", "value": {"a": ["nan", 1.0]}}'
