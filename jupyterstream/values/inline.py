"""Values given on the command line: GNU parallel's ':::' groups (the values themselves) and '::::'
files, read with values files into one list of rows (several sources: a grid); and papermill's
``-p NAME VALUE`` constants, given to every job.

A ':::' group's words are read as the lines of a one-value-a-line file are: text, converted to the
type of the parameter's default (``06`` stays "06" for a str). A message names the group and the
value: "':::' group 2, value 3: ...".
"""

from __future__ import annotations

import hashlib
import json
import keyword
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import grid
from . import read as values
from ..errors import ParameterError, ValuesError, place
from .rows import Row, check_name

GROUP, FILES = ":::", "::::"
SHOWN = 5  # words of a group that plan.json's "values_file" (the report's title) shows


@dataclass(frozen=True)
class Group:
    """The words after one ':::' on the command line (``number`` counts the ':::' groups from 1)."""

    number: int
    words: tuple

    def __str__(self):
        return f"{GROUP!r} group {self.number}"

    def shown(self) -> str:
        """The group as the command line had it, shortened: '::: AL CA ... (51 values)'."""
        more = f" ... ({len(self.words)} values)" if len(self.words) > SHOWN else ""
        return " ".join((GROUP,) + self.words[:SHOWN]) + more

    def rows(self, name: str) -> list[Row]:
        """One row per word, each knowing its place ("value 3")."""
        rows, seen = [], {}
        for number, word in enumerate(self.words, start=1):
            _check_word(self, number, word)
            if word in seen:
                raise ValuesError(self, f"value {number}", f"{word!r} repeats value {seen[word]}: each value may "
                                  "appear once")
            seen[word] = number
            rows.append(Row(number, {name: word}, places={name: (str(self), f"value {number}")}))
        return rows


def _check_word(group, number, word):
    if not word.strip(" \t"):
        raise ValuesError(group, f"value {number}", "an empty value: give a value, or leave the word out")
    for char in word:
        if unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029":
            raise ValuesError(group, f"value {number}", f"{word!r} contains the control character "
                              f"U+{ord(char):04X}: a value on the command line cannot carry it; use a quoted CSV field")


@dataclass
class Values:
    """A sweep's rows and what they were made from: its name for people, its hash, its grid's shape."""

    rows: list
    where: str
    sha256: str
    grid: str = ""


def split(words: list[str]) -> list:
    """The command line's VALUES words as sources: files (Path) before any ':::', then a Group per
    ':::' and a Path per file after a '::::' (as GNU parallel reads them)."""
    sources, mode, groups = [], "files", 0
    for word in list(words) + [None]:
        if word in (GROUP, FILES, None):
            _check_not_empty(mode, sources, groups)
            if word == GROUP:
                groups += 1
                sources.append(Group(groups, ()))
            mode = {GROUP: "group", FILES: "marked files", None: "end"}[word]
            if word == FILES:
                sources.append(FILES)  # a marker, dropped once its files are known
        elif mode == "group":
            sources[-1] = Group(groups, sources[-1].words + (word,))
        else:
            sources.append(Path(word))
    return [s for s in sources if s != FILES]


def _check_not_empty(mode, sources, groups):
    if mode == "group" and not sources[-1].words:
        raise ValuesError(sources[-1], None, f"no values after {GROUP!r}: give at least one "
                          f"({GROUP} AL CA), or leave the {GROUP!r} out")
    if mode == "marked files" and sources[-1] == FILES:
        raise ValuesError(repr(FILES), None, f"no file after {FILES!r}: name at least one values file "
                          f"({FILES} states.txt), or leave the {FILES!r} out")


def read(sources: list | Values | Path, param: tuple[str, ...] | str = "state") -> Values:
    """The Values of a values file, of several sources (files and Groups: their grid), or of a
    ready-made Values (Python's, see pyvalues.py), which is returned as it is."""
    if isinstance(sources, Values):
        return sources
    sources = [Path(sources)] if isinstance(sources, (str, os.PathLike)) else \
        [s if isinstance(s, Group) else Path(s) for s in sources]
    if not sources:
        raise ValuesError("VALUES", None, f"no values given: name a values file, or give the values after "
                          f"{GROUP!r} (several of either make a grid)")
    feed = iter(_names(param, sources))
    with values.no_cycle_collection():
        per_source = [_read(s, next(feed) if _one_column(s) else None) for s in sources]
        rows = per_source[0] if len(sources) == 1 else grid.of_files(sources, per_source)
    where = " × ".join(s.shown() if isinstance(s, Group) else str(s) for s in sources)
    return Values(rows, where, _digest(sources), grid.describe(rows) if len(sources) > 1 else "")


def _one_column(source):
    return isinstance(source, Group) or values._format(source) == "lines"


def _read(source, name):
    if isinstance(source, Group):
        check_name(name, f"{source}: PARAM")
        return source.rows(name)
    return values._read_file(source, name)


def _names(param, sources):
    """One --param name per one-column source, in order."""
    names = param.split() if isinstance(param, str) else [n for p in param for n in p.split()]
    one_column = [s for s in sources if _one_column(s)]
    if one_column and len(names) != len(one_column):
        raise ValuesError("PARAM", None, f"{len(names)} parameter name(s) ({' '.join(names) or 'none'}) for "
                          f"{len(one_column)} one-column values file(s) or {GROUP!r} group(s) "
                          f"({', '.join(map(str, one_column))}): give one name per one-column file or group, "
                          "in the same order (PARAM=\"state year\", or --param state --param year)")
    return names


def _digest(sources):
    """A file's sha256 (a group's: of its words); for several, the sha256 of their sha256s in order."""
    digests = [hashlib.sha256(json.dumps(s.words).encode() if isinstance(s, Group) else _bytes(s)).hexdigest()
               for s in sources]
    return digests[0] if len(digests) == 1 else hashlib.sha256(" ".join(digests).encode()).hexdigest()


def _bytes(path):
    try:
        return path.read_bytes()
    except OSError as exc:  # read a moment ago: gone since
        raise ValuesError(path, None, f"cannot be read: {exc.strerror}") from None


@dataclass(frozen=True)
class Constants:
    """Values given to every job (``-p NAME VALUE``, or Python's ``parameters``): texts, the values
    Python gave (``typed``, as a YAML file's), and where each came from."""

    texts: dict = field(default_factory=dict)
    typed: dict = field(default_factory=dict)
    places: dict = field(default_factory=dict)
    source: str = "-p"


def constants(pairs: list[tuple], source: str = "-p") -> Constants:
    """Constants from (name, text) pairs; a name must be an identifier and may come once."""
    texts, places = {}, {}
    for name, text in pairs:
        if not name.isidentifier() or name in ("True", "False", "None") or keyword.iskeyword(name):
            raise ParameterError(f"{source} {name!r}: {name!r} is not a valid parameter name: use a Python "
                                 f"identifier that is not a keyword ({source} alpha 0.5)")
        if name in texts:
            raise ParameterError(f"{source} {name}: given twice ({texts[name]!r}, then {text!r}): give each "
                                 "constant once")
        texts[name], places[name] = text, (f"{source} {name}", None)
    return Constants(texts, {}, places, source)


def set_pairs(words: list[str], source: str = "--set") -> list[tuple]:
    """(name, text) pairs of NAME=VALUE words (what make's P='k=2 alpha=0.5' passes)."""
    pairs = []
    for word in words:
        name, equals, text = word.partition("=")
        if not equals:
            raise ParameterError(f"{source} {word!r}: no '=' in it: write NAME=VALUE (P='k=2 alpha=0.5')")
        pairs.append((name.strip(), text))
    return pairs


def with_constants(row: Row, given: Constants, where: str) -> Row:
    """``row`` with the constants added, each value keeping its own place; refuses a name both give."""
    if not given.texts:
        return row
    both = [n for n in given.texts if n in row.texts]
    if both:
        file, line = row.place(both[0], where)
        raise ValuesError(given.places[both[0]][0], None, f"{both[0]!r} is given both as a constant and in the "
                          f"values ({place(file, line)}): give it in one place only")
    places = {n: row.place(n, where) for n in row.texts}
    return Row(row.line, {**row.texts, **given.texts}, {**row.typed, **given.typed}, {**places, **given.places})
