"""Escaping text taken from a run (values, names, messages) for the HTML in markdown cells."""

import html
import re

# Control characters XML cannot hold (an SVG chart is XML); tab, newline and CR are handled below.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(value):
    """Escape for HTML inside a markdown cell: no tags, no MathJax ($, backslash), no raw line breaks
    (a blank line would end the HTML block a markdown cell is in), no XML-invalid characters."""
    text = html.escape(CONTROL.sub("\ufffd", str(value)), quote=True)
    text = text.replace("$", "&#36;").replace("\\", "&#92;")
    return text.replace("\r", "&#13;").replace("\n", "&#10;")
