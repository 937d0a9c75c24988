"""What a notebook calls to record a metric: a display output with our own MIME type.

    from jupyterstream import record
    record("peak_year", 1990)

The collector reads these outputs from the executed notebook's JSON; it needs no kernel and never
scrapes printed text. Values must be JSON: numbers, strings, booleans, None, lists and dicts.
"""

import json
import math

MIME_TYPE = "application/vnd.jupyterstream.metric+json"


def record(name, value, display=True):
    """Record ``value`` under ``name`` in this run's notebook; returns the payload."""
    if not isinstance(name, str) or not name:
        raise TypeError("record(name, value): name must be a non-empty string")
    value = _plain(value)
    json.dumps(value, allow_nan=False)
    payload = {"name": name, "value": value}
    if display:
        from IPython.display import display as show

        show({MIME_TYPE: payload, "text/plain": f"{name} = {value!r}"}, raw=True)
    return payload


def _plain(value):
    """Turn numpy scalars and similar into plain Python values; NaN and infinities into None."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
