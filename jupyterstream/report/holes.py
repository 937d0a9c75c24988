"""Placeholders for text too large to hold: a section is rendered around a marker, and the marker is
replaced by chunks read from a spool file while the page (or the notebook's JSON) is written.

A marker holds a random nonce made for each collect, so no text taken from a run can forge one.
"""

from __future__ import annotations

import json
import re
import secrets

from markupsafe import Markup

from ..atomic import drop, scratch_file
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


class Holes:
    """Markers, each standing for a function that yields the text to put in its place."""

    def __init__(self):
        self.nonce = secrets.token_hex(12)
        self.fills, self.brackets = [], {}
        # a raw marker is a JSON string standing for JSON text: it is replaced quotes and all
        self.pattern = re.compile(f'"@raw-{self.nonce}-([0-9]+)@"|@hole-{self.nonce}-([0-9]+)@')

    def mark(self, spool: Spool) -> Markup:
        """A marker (markup) for the text of ``spool`` (a Spool: closed with the holes)."""
        self.fills.append(spool)
        return Markup(f"@hole-{self.nonce}-{len(self.fills) - 1}@")

    def mark_raw(self, spool: Spool, brackets: str = "[]") -> str:
        """A marker for JSON written as it is: ``spool``'s text (JSON values separated by commas)
        between ``brackets``. Put the marker where a JSON value goes; it is a string until filled."""
        self.fills.append(spool)
        self.brackets[len(self.fills) - 1] = brackets
        return f"@raw-{self.nonce}-{len(self.fills) - 1}@"

    def expand(self, chunks: list[str] | Iterator, as_json: bool = False) -> Iterator:
        """``chunks`` with each marker replaced by its text (JSON-string-escaped with ``as_json``, for
        a marker inside a JSON string; a raw marker's text as it is)."""
        for chunk in chunks:
            if self.nonce not in chunk:
                yield chunk
                continue
            parts = self.pattern.split(chunk)
            for i in range(0, len(parts), 3):
                yield parts[i]
                if i + 2 < len(parts):
                    yield from self._fill(parts[i + 1], parts[i + 2], as_json)

    def _fill(self, raw, hole, as_json):
        if raw is not None:
            opening, closing = self.brackets[int(raw)]
            yield opening
            yield from self.fills[int(raw)].chunks()
            yield closing
            return
        for text in self.fills[int(hole)].chunks():
            yield json.dumps(text, ensure_ascii=False)[1:-1] if as_json else text

    def text(self, markup: str | Markup) -> Markup:
        """``markup`` with its markers filled in, as one string (for small pages and the tests)."""
        return Markup("".join(self.expand([str(markup)])))

    def value(self, marker: str) -> list[dict]:
        """The JSON value a raw marker stands for (for the in-memory build and the tests)."""
        return json.loads("".join(self.expand([json.dumps(marker)], as_json=True)))

    def close(self) -> None:
        """Drop every spool the markers stand for."""
        for spool in self.fills:
            spool.close()


class Spool:
    """Text written to a temporary file as it is made (in OUTPUT/.scratch/ when given ``output``),
    and read back in blocks."""

    def __init__(self, output=None):
        self.file = scratch_file(output, text=True)
        self.empty = True

    def write(self, text: str) -> None:
        """Add text."""
        self.file.write(text)
        self.empty = False

    def handle(self) -> object:
        """The text file itself, for a writer that writes many small pieces (csv.writer): a call less
        a piece than write()."""
        self.empty = False
        return self.file

    def chunks(self) -> Iterator[str]:
        """Everything written, in blocks of about 1 MB."""
        self.file.flush()
        self.file.seek(0)
        return iter(lambda: self.file.read(1 << 20), "")

    def close(self) -> None:
        """Drop the text."""
        drop(self.file)
