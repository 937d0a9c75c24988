"""A value's text converted to the type its parameter's default gives; inferred by papermill's
command-line rules when the default gives no type."""

from __future__ import annotations

import ast

from ..errors import ParameterError
from .lang.python_source import NO_LITERAL
from ..runner.outcome import ENV_LIMIT, env_can_hold


class _FromEnvironment:
    """The default of a name a notebook without a parameters cell reads from the environment."""

    def __repr__(self):
        return "<read from the environment>"


FROM_ENVIRONMENT = _FromEnvironment()
INFERRED = "inferred"
INFERENCE_RULE = "the value decides: an integer, a float, True/False, None, or else the text"


def convert(name: str, text: str, default: object) -> object:
    """Convert a value's text to the type of the parameter's default (or infer one, see ``infer``)."""
    if default is FROM_ENVIRONMENT:
        return _environment_text(name, text)
    kind = type(default)
    try:
        if kind is str:
            return text
        if default is None and text.strip() in ("", "None"):
            return None
        if default is NO_LITERAL or default is None:
            return infer(text)
        if kind is bool:
            return _to_bool(text)
        if kind in (int, float):
            return kind(text.strip())
        if kind in (list, tuple, dict, set):
            value = ast.literal_eval(text)
            if isinstance(value, kind):
                return value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    raise ParameterError(f"{text!r} is not a valid {kind.__name__} for parameter {name!r} "
                         f"(its default in the notebook is {default!r})")


def infer(text: str) -> bool | float | str | None:
    """papermill's rules for ``-p NAME TEXT``: exactly True, False or None; else an int; else a
    float; else the text itself (so '06' gives 6, '1_000' 1000 and 'nan' a float)."""
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    for kind in (int, float):
        try:
            return kind(text)
        except (ValueError, OverflowError):
            continue
    return text


def type_name(default: object) -> str:
    """What a parameter's values become: the default's type, or INFERRED when it gives none."""
    if default is FROM_ENVIRONMENT:
        return "str (environment)"
    return INFERRED if default is None or default is NO_LITERAL else type(default).__name__


def _to_bool(text):
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValueError(text)


def _environment_text(name, text):
    """A value for a notebook that reads it from the environment: the text, if a variable can hold it."""
    if not env_can_hold(text):
        raise ParameterError(f"the value for {name!r} cannot reach the notebook: it reads {name!r} from the "
                             "environment, and an environment variable cannot hold a NUL character or "
                             f"{ENV_LIMIT // 1000} kB or more; tag a cell 'parameters' that defines {name!r} "
                             "so that the value arrives in the injected cell instead")
    return text
