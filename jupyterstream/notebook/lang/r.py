"""Parameters in R (IRkernel): read the defaults of a parameters cell, write an injected cell of R literals.

Defaults become the Python values that carry their type: ``10L`` an int, ``10`` and ``1.5`` floats
(R's doubles), ``TRUE`` a bool, ``NULL`` None, ``c(...)``/``list(...)`` a list (a dict when named).
Written back, an int is ``10L``, a float a double, a list ``c(...)`` when its items share one type
and ``list(...)`` otherwise. Strings are escaped down to ASCII, so no value is ever read as code.
"""

from __future__ import annotations

import math
import re

from ...errors import ParameterError
from . import r_syntax
from .python import NO_LITERAL
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

ASSIGN = ("<-", "=", "<<-")
SYNTACTIC = re.compile(r"(?:[A-Za-z]|\.[A-Za-z._]|\.$)[A-Za-z0-9._]*\Z")
RESERVED = {"if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE", "NULL",
            "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "in"}
SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}
INT_MAX = 2**31 - 1


def read_defaults(source: str, path: str | Path) -> dict:
    """Return {name: default} from an R parameters cell; a default that is not a literal maps to
    NO_LITERAL."""
    defaults = {}
    for statement in r_syntax.statements(r_syntax.tokens(source, path)):
        name, value = _assignment(statement)
        if name is not None:
            defaults[name] = NO_LITERAL if value is r_syntax.NOT_LITERAL else value
    return defaults


def _assignment(statement):
    """(name, value) of ``name <- value``, ``name = value`` or ``value -> name``; else (None, None)."""
    if len(statement) > 2 and statement[0][0] == "name" and statement[1][1] in ASSIGN:
        target, rest = statement[0][1], statement[2:]
    elif len(statement) > 2 and statement[-1][0] == "name" and statement[-2][1] in ("->", "->>"):
        target, rest = statement[-1][1], statement[:-2]
    else:
        return None, None
    name = r_syntax.unquote(target) if target.startswith("`") else target
    return name, r_syntax.literal(rest)


def cell_source(values: dict) -> str:
    """The injected cell: one assignment of an R literal per parameter, never anything else."""
    lines = ["# Parameters injected by jupyterstream"]
    for name, value in values.items():
        try:
            lines.append(assignment(name, literal(value)))
        except ParameterError as exc:
            raise ParameterError(f"parameter {name!r}: {exc}") from None
    return "\n".join(lines) + "\n"


def assignment(name: str, source: str) -> str:
    """``name <- source``; a name R cannot read bare goes in backquotes, or (when it is not printable
    ASCII, which backquotes cannot escape) through ``base::assign`` with the name as a string."""
    if SYNTACTIC.match(name) and name not in RESERVED:
        return f"{name} <- {source}"
    if all(" " <= char <= "~" for char in name):
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + f"` <- {source}"
    return f"base::assign({string(name)}, {source})"


def literal(value: object) -> str:
    """R source that evaluates to ``value``; never anything but a literal."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None:
        return "NULL"
    if isinstance(value, int):
        if abs(value) > INT_MAX:
            raise ParameterError(f"{value} is outside R's integer range (±{INT_MAX}): give it a decimal "
                                 "point (or make the default a double) to pass it as a double")
        return f"{value}L"
    if isinstance(value, float):
        return _double(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, dict):
        if any(str(key) == "" for key in value):
            raise ParameterError(f"{value!r} has an empty key, which an R list cannot take as a name")
        return "list(" + ", ".join(f"{string(str(k))} = {literal(v)}" for k, v in value.items()) + ")"
    if isinstance(value, (list, tuple, set, frozenset)):
        return _vector(list(value))
    raise ParameterError(f"{value!r} ({type(value).__name__}) has no R literal")


def _double(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    # R's own decimal parser is not always correctly rounded; its hexadecimal one is exact.
    text = repr(value)
    return text if len(text.lstrip("-").replace(".", "").split("e")[0].strip("0")) <= 15 else value.hex()


def _vector(items):
    kinds = {type(item) for item in items}
    simple = len(kinds) == 1 and kinds <= {bool, int, float, str}
    return ("c(" if simple else "list(") + ", ".join(literal(item) for item in items) + ")"


def string(text: str) -> str:
    """A double-quoted R string holding exactly ``text``, in printable ASCII only."""
    out = []
    for char in text:
        code = ord(char)
        if char in SHORT:
            out.append(SHORT[char])
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code == 0:
            raise ParameterError("it holds a NUL character, which an R string cannot hold: remove it")
        elif 0xD800 <= code <= 0xDFFF:
            raise ParameterError(f"it holds a lone surrogate (U+{code:04X}), which is no character: "
                                 "fix the values file's encoding")
        else:
            out.append(f"\\u{{{code:04x}}}" if code <= 0xFFFF else f"\\U{{{code:08x}}}")
    return '"' + "".join(out) + '"'
