"""Text taken from a run, made safe for the report: HTML text, JSON inside a script element, links."""

from __future__ import annotations

import html
import json
import posixpath
import re
from urllib.parse import quote
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# Control characters XML cannot hold (an inline SVG chart is XML); tab, newline and CR stay.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# What JSON inside <script type="application/json"> must not hold literally: "</script>" or "<!--"
# would end or confuse the element; U+2028/2029 are line ends to older script parsers.
SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def text(value: list[int] | int | str) -> str:
    """A value as plain text: ANSI colour codes and XML-invalid characters replaced."""
    return CONTROL.sub("\ufffd", ANSI.sub("", str(value)))


def esc(value: str) -> str:
    """Escape a value for HTML or SVG text and attributes (quotes included)."""
    return html.escape(text(value), quote=True)


# One encoder and one pattern for every run's row (json.dumps with options makes an encoder a call).
SCRIPT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


def script_json(data: dict) -> str:
    """JSON for a <script type="application/json"> element that no value can break out of."""
    return script_safe(SCRIPT_ENCODER.encode(data))


def script_safe(encoded: str) -> str:
    """JSON text with the characters that could end a <script> element (or a line of it) escaped."""
    return SCRIPT_UNSAFE_RE.sub(lambda m: SCRIPT_UNSAFE[m.group()], encoded) if SCRIPT_UNSAFE_RE.search(encoded) \
        else encoded


def inside_href(path: str | Path | None) -> str | None:
    """A relative link to ``path`` inside OUTPUT, percent-encoded; None when it would leave OUTPUT
    or name a scheme (``javascript:``, ``http:``, ``//host``)."""
    if not isinstance(path, str) or not path or "\\" in path or CONTROL.search(path) or ANSI.search(path):
        return None
    normal = posixpath.normpath(path)
    if normal.startswith(("/", "..")) or normal == "." or ":" in normal.split("/")[0]:
        return None
    return quote(normal, safe="/._-~")
