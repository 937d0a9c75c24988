"""What a notebook calls to record a metric: a display output with our own MIME type.

    from jupyterstream import record
    record("peak_year", 1990)

The collector reads these outputs from the executed notebook's JSON; it needs no kernel and never
scrapes printed text. Numbers, strings, booleans, None, lists, tuples, sets and dicts (and numpy
values and arrays) are kept as they are; a value no chart or JSON reader can take as a number is kept as text: NaN and infinities
('nan', 'inf'), an integer too big for a float, a complex number, bytes (their repr), and nesting
deeper than MAX_DEPTH. The collector applies the same rule to whatever a notebook holds.
"""

from __future__ import annotations

import json
import math

MIME_TYPE = "application/vnd.jupyterstream.metric+json"
MAX_DEPTH = 50


def record(name: bytes | int | str | None, value: object, display: bool = True) -> dict:
    """Record ``value`` under ``name`` in this run's notebook; returns the payload."""
    if not isinstance(name, str) or not name:
        raise TypeError("record(name, value): name must be a non-empty string")
    value = plain(value, strict=True)
    json.dumps(value, allow_nan=False)
    payload = {"name": name, "value": value}
    if display:
        from IPython.display import display as show

        show({MIME_TYPE: payload, "text/plain": f"{name} = {_short(value)}"}, raw=True)
    return payload


def plain(value: object, strict: bool = False, depth: int = 0) -> object:
    """``value`` as plain JSON that any reader takes safely (see the module's docstring). numpy
    scalars are unwrapped. Any other object is refused with TypeError when ``strict``, else its type
    name is kept as text."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()
    elif hasattr(value, "tolist") and callable(value.tolist) and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy arrays, pandas Series
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if _fits_a_float(value) else _int_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, complex):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return repr(bytes(value))
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return _container(value, strict, depth)
    if strict:
        raise TypeError(f"record(name, value): a {type(value).__name__} is not a value jupyterstream can record: "
                        "give a number, string, boolean, None, or a list or dict of them")
    return f"<{type(value).__name__}>"


def _container(value, strict, depth):
    if depth >= MAX_DEPTH:
        return f"<{type(value).__name__} nested more than {MAX_DEPTH} deep>"
    if isinstance(value, dict):
        return {str(k): plain(v, strict, depth + 1) for k, v in value.items()}
    items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
    return [plain(v, strict, depth + 1) for v in items]


def _fits_a_float(number):
    try:
        float(number)
    except OverflowError:
        return False
    return True


def _int_text(number):
    """An integer as text; past Python's limit on converting integers to text, its size instead."""
    try:
        return str(number)
    except ValueError:
        digits = int(number.bit_length() * math.log10(2)) + 1
        return f"{'-' if number < 0 else ''}an integer of about {digits} digits"


def _short(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
