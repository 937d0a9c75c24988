"""Just enough of R's syntax to read a parameters cell: tokens, statements, and literal values.

Only literals are understood (strings, numbers, TRUE/FALSE, NULL, Inf/NaN, ``c(...)`` and ``list(...)``
of literals); anything else is "not a literal", which the caller reports as such.
"""

from __future__ import annotations

import math
import re

from ...errors import NotebookError
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

TOKEN = re.compile(r"""
    (?P<space>[ \t\f\r]+|\#[^\n]*)
  | (?P<newline>\n|;)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<number>0[xX][0-9a-fA-F]+[Li]?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[Li]?)
  | (?P<name>(?:[^\W\d_]|\.(?![0-9]))[\w.]*|`(?:[^`\\]|\\.)*`)
  | (?P<op><<-|->>|<-|->|%[^%\n]*%|==|!=|<=|>=|&&|\|\||.)
""", re.VERBOSE | re.DOTALL)
CONTINUES = {"<-", "<<-", "->", "->>", "=", "+", "-", "*", "/", "^", "&", "|", "&&", "||", "~",
             "<", ">", "<=", ">=", "==", "!=", "!", ":", "$", "@"}
OPENS, CLOSES = "([{", ")]}"
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a", "f": "\f", "v": "\v",
           "\\": "\\", '"': '"', "'": "'", "`": "`", " ": " ", "\n": "\n"}
NAMED = {"TRUE": True, "T": True, "FALSE": False, "F": False, "NULL": None,
         "Inf": math.inf, "NaN": math.nan}
NOT_LITERAL = object()


def tokens(source: str, path: str | Path) -> list[tuple]:
    """[(kind, text, line)] of an R source, comments and blanks left out."""
    found, line, at = [], 1, 0
    while at < len(source):
        if source[at] in "\"'" and not TOKEN.match(source, at).group("string"):
            raise NotebookError(path, f"the 'parameters' cell is not valid R: a string opened on line {line} "
                                "is never closed")
        match = TOKEN.match(source, at)
        if match.lastgroup != "space":
            found.append((match.lastgroup, match.group(), line))
        line += match.group().count("\n")
        at = match.end()
    return found


def statements(toks: list[tuple]) -> list[list]:
    """Split tokens into top-level statements, the way R's parser ends one at a newline or ';'."""
    result, current, depth = [], [], 0
    for kind, text, line in toks:
        if kind == "newline" and depth == 0:
            if current and (text == ";" or not _continues(current[-1])):
                result.append(current)
                current = []
            continue
        if kind == "newline":
            continue
        depth += (text in OPENS) - (text in CLOSES) if kind == "op" else 0
        current.append((kind, text, line))
    return result + ([current] if current else [])


def _continues(token):
    """Whether a line ending in ``token`` goes on on the next line (it ends in a binary operator)."""
    kind, text, _ = token
    return kind == "op" and (text in CONTINUES or text.startswith("%") and len(text) > 1)


def unquote(text: str) -> str:
    """The value of an R string literal (or a backquoted name)."""
    body, out, at = text[1:-1], [], 0
    while at < len(body):
        char = body[at]
        if char != "\\":
            out.append(char)
            at += 1
            continue
        escape = re.match(r"x[0-9a-fA-F]{1,2}|u\{[0-9a-fA-F]{1,4}\}|u[0-9a-fA-F]{1,4}|"
                          r"U\{[0-9a-fA-F]{1,8}\}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|.", body[at + 1:], re.DOTALL)
        code = escape.group()
        at += 1 + len(code)
        if code[0] in "xuU" and len(code) > 1:
            out.append(chr(int(code[1:].strip("{}"), 16)))
        elif code[0] in "01234567":
            out.append(chr(int(code, 8)))
        else:
            out.append(ESCAPES.get(code, code))
    return "".join(out)


def number(text: str) -> float:
    """The value of an R number: ``10L`` is an int, ``10`` and ``1.5`` are floats (R's doubles)."""
    if text.endswith("i"):
        return NOT_LITERAL
    integer = text.endswith("L")
    body = text.rstrip("L")
    value = float(int(body, 16)) if body[:2].lower() == "0x" else float(body)
    return int(value) if integer and value.is_integer() else value


def literal(toks: list[tuple]) -> object:
    """The Python value of a whole token list that is one R literal, else NOT_LITERAL."""
    try:
        value, end = _value(toks, 0)
    except (IndexError, ValueError, OverflowError):
        return NOT_LITERAL
    return value if end == len(toks) else NOT_LITERAL


def _value(toks, at):
    kind, text, _ = toks[at]
    if kind == "string":
        return unquote(text), at + 1
    if kind == "number":
        return number(text), at + 1
    if text in ("-", "+") and toks[at + 1][0] in ("number", "name"):
        value, end = _value(toks, at + 1)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return NOT_LITERAL, end
        return (-value if text == "-" else value), end
    if kind == "name" and text in ("c", "list") and toks[at + 1][1] == "(":
        return _call(text, toks, at + 2)
    if kind == "name" and text in NAMED:
        return NAMED[text], at + 1
    return NOT_LITERAL, at + 1


def _call(function, toks, at):
    """``c(...)``/``list(...)`` of literals: a list, or a dict when every item is named."""
    items, names = [], []
    while toks[at][1] != ")":
        name = None
        if toks[at][0] in ("name", "string") and toks[at + 1][1] == "=":
            name, at = unquote(toks[at][1]) if toks[at][1][0] in "`\"'" else toks[at][1], at + 2
        value, at = _value(toks, at)
        if value is NOT_LITERAL:
            return NOT_LITERAL, len(toks) + 1
        items.append(value)
        names.append(name)
        if toks[at][1] == ",":
            at += 1
        elif toks[at][1] != ")":
            return NOT_LITERAL, len(toks) + 1
    if function == "c" and not items:
        return None, at + 1
    if items and all(names):
        return dict(zip(names, items)), at + 1
    if function == "c" and any(isinstance(item, (list, dict)) for item in items):
        return NOT_LITERAL, len(toks) + 1
    return items, at + 1
