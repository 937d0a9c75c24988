"""A values file's rows (one job's parameter texts each) and the checks every kind of file shares."""

from __future__ import annotations

import keyword
import os
from dataclasses import dataclass, field
from typing import Iterable

from ..errors import ValuesError


@dataclass(frozen=True)
class Row:
    """One job's parameter texts, with the line of the values file it came from.

    A row of a YAML or JSON file also holds each value as the file types it (``typed``); a row that
    gathers values from several places (a grid, a YAML mapping) knows each one's file and line.
    """

    line: int
    texts: dict
    typed: dict = field(default_factory=dict)
    places: dict = field(default_factory=dict)

    def place(self, name: str, path: str | os.PathLike) -> tuple[str, int]:
        """The (file, line) the value of ``name`` came from; ``path`` for a row of one plain file."""
        return self.places.get(name, (str(path), self.line))

    def origin(self, path: str | os.PathLike) -> str:
        """Where the whole row came from, for a message: 'line 3', or 'a.txt:3 × b.txt:1' for a grid."""
        files = {file for file, _ in self.places.values()}
        if len(files) <= 1:
            return f"line {self.line}"
        return " × ".join(f"{file}:{line}" for file, line in dict.fromkeys(self.places.values()))


def check_name(name: str, where: str) -> None:
    """Raise unless ``name`` can be a Python parameter name."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValuesError(where, None, f"{name!r} is not a valid parameter name: use a Python identifier that is not a keyword")


def check_duplicates(path: str | os.PathLike, rows: Iterable[Row], what: str = "each value (or row) may appear once") -> None:
    """Raise at the first row whose texts repeat an earlier row's."""
    seen = {}
    for row in rows:
        key = tuple(sorted(row.texts.items()))
        if key in seen:
            raise ValuesError(path, row.line, f"duplicate of line {seen[key]}: {what}")
        seen[key] = row.line
