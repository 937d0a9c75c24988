"""A values file's rows (one job's parameter texts each) and the checks every kind of file shares."""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field

from ..errors import ValuesError, place
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


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

    def place(self, name: str, path: object) -> tuple:
        """The (file, line) the value of ``name`` came from; ``path`` (its str()) for a row of one plain file."""
        return self.places.get(name, (str(path), self.line))

    def origin(self, path: str | Path) -> str:
        """Where the whole row came from, for a message: 'line 3', or 'a.txt:3 × b.txt:1' for a grid."""
        spots = list(dict.fromkeys(self.places.values()))
        if len({file for file, _ in spots}) <= 1 and not any(isinstance(line, str) or not line for _, line in spots):
            return f"line {self.line}"
        return " × ".join(place(file, line) for file, line in spots)


def check_name(name: str, where: str) -> None:
    """Raise unless ``name`` can be a Python parameter name."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValuesError(where, None, f"{name!r} is not a valid parameter name: use a Python identifier that is not a keyword")


def check_duplicates(path: str | Path, rows: list[Row], what: str = "each value (or row) may appear once") -> None:
    """Raise at the first row whose texts repeat an earlier row's."""
    seen = {}
    for row in rows:
        key = tuple(sorted(row.texts.items()))
        if key in seen:
            raise ValuesError(path, row.line, f"duplicate of line {seen[key]}: {what}")
        seen[key] = row.line
