"""Parameters in bash (bash_kernel): read the defaults of a parameters cell, write an injected cell.

Bash values are text, so a default is its text (``n=10`` gives "10", ``when=$(date)`` gives
"$(date)") and a value reaches the notebook exactly as the values file spells it. Two forms carry a
type: ``declare -i n=10`` an int (checked, written as digits) and ``names=(a b)`` a list (an array).
The injected cell exports each scalar, so the programs a bash notebook runs see the values too,
as they already see them in the environment the job gave the kernel.
"""

from __future__ import annotations

import re
import shlex

from ...errors import NotebookError, ParameterError
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

ASSIGNMENT = re.compile(r"""\s*(?:(declare|typeset|export|readonly|local)((?:\s+-\w+)*)\s+)?
                            ([A-Za-z_][A-Za-z0-9_]*)=(.*)""", re.VERBOSE)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def read_defaults(source: str, path: str | Path) -> dict:
    """Return {name: default} from a bash parameters cell: each default its text, an int for
    ``declare -i``, a list of texts for an array; read-only variables are left out."""
    defaults = {}
    for number, line in enumerate(source.splitlines(), 1):
        match = ASSIGNMENT.match(line)
        if not match:
            continue
        keyword, options, name, raw = match.groups()
        # A read-only variable cannot take an injected value: it is no parameter.
        if keyword != "readonly" and "r" not in (options or ""):
            defaults[name] = _default(raw, "i" in (options or ""), path, number)
    return defaults


def _default(raw, integer, path, number):
    raw = _value_source(raw, path, number)
    if raw.startswith("(") and raw.endswith(")") and not _expands(raw):
        return shlex.split(raw[1:-1])
    words = [] if _expands(raw) else shlex.split(raw)
    text = words[0] if len(words) == 1 else "" if not raw else raw
    if integer and re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return text


def _scan(raw):
    """(index, char, quote) for each character outside a backslash escape; quote is the open quote."""
    quote, escaped = "", False
    for index, char in enumerate(raw):
        if escaped:
            escaped = False
            continue
        if char == "\\" and quote != "'":
            escaped = True
            continue
        yield index, char, quote
        if char in "'\"" and quote in ("", char):
            quote = "" if quote else char


def _value_source(raw, path, number):
    """The value's source up to an unquoted ``;`` or ``#`` comment, without surrounding blanks."""
    for index, char, quote in _scan(raw):
        if not quote and (char == ";" or char == "#" and (index == 0 or raw[index - 1] in " \t")):
            raw = raw[:index]
            break
    try:
        shlex.split(raw)
    except ValueError as exc:
        raise NotebookError(path, f"the 'parameters' cell is not valid bash on line {number}: {exc} "
                            "(a quote is never closed)") from None
    return raw.strip()


def _expands(raw):
    """Whether bash would expand anything in ``raw`` (a ``$`` or a backquote outside single quotes)."""
    return any(char in "$`" and quote != "'" for _, char, quote in _scan(raw))


def cell_source(values: dict) -> str:
    """The injected cell: one exported assignment of a quoted value per parameter, nothing else (and
    first, for values that are text, the removal of any attribute that would evaluate them)."""
    lines = ["# Parameters injected by jupyterstream"]
    texts = [_checked(name) for name, value in values.items()
             if isinstance(value, bool) or not isinstance(value, int)]
    if texts:
        # A variable declared -i evaluates what it is given as arithmetic, and a[$(cmd)] there runs cmd.
        lines.append("declare +i +n " + " ".join(texts))
    for name, value in values.items():
        try:
            if isinstance(value, (list, tuple)):
                lines.append(f"{_checked(name)}=(" + " ".join(quote(_as_text(v)) for v in value) + ")")
            else:
                lines.append(f"export {_checked(name)}={quote(_as_text(value))}")
        except ParameterError as exc:
            raise ParameterError(f"parameter {name!r}: {exc}") from None
    return "\n".join(lines) + "\n"


def _checked(name):
    if not NAME.match(name):
        raise ParameterError(f"parameter {name!r} is not a bash variable name: use letters, digits "
                             "and '_' (not first a digit)")
    return name


def _as_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return value if isinstance(value, str) else repr(value)
    raise ParameterError(f"{value!r} ({type(value).__name__}) cannot be a bash value: give it as text")


def quote(text: str) -> str:
    """Bash source for exactly ``text`` that expands nothing: in single quotes (each ``'`` as ``'\\''``)
    when it is printable ASCII, else in ``$'...'`` with every other byte as ``\\xHH``."""
    if "\x00" in text:
        raise ParameterError("it holds a NUL character, which a bash variable cannot hold: remove it")
    if all(" " <= char <= "~" for char in text):
        return "'" + text.replace("'", "'\\''") + "'"
    # bash_kernel types each cell into an interactive bash: a control character, a tab or a non-ASCII
    # byte would reach readline as an editing key, so none of them is ever written as itself.
    return "$'" + "".join(_escaped(char) for char in text) + "'"


def _escaped(char):
    if " " <= char <= "~" and char not in "\\'!":
        return char
    try:
        return "".join(f"\\x{byte:02x}" for byte in char.encode("utf-8"))
    except UnicodeEncodeError:
        raise ParameterError(f"it holds a lone surrogate (U+{ord(char):04X}), which is no character: "
                             "fix the values file's encoding") from None
