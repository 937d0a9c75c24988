"""A cache of {key: entry} kept as JSON lines and appended to: a repeat collect that changed 10 of
5,000 entries writes 10 lines, not the whole file again.

The first line is {"cache": NAME, "version": N}; each further line is [key, entry] (a later line
wins; an entry of null removes the key). A line that cannot be read (a collect stopped mid-write)
is skipped, and a file of another name or version is ignored: it is only a cache. The file is
rewritten whole, atomically, when it holds more than twice as many lines as live entries.
"""

from __future__ import annotations

import json
import sys

from ..atomic import write_atomic
from ..errors import OutputError
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def load(path: str | Path, name: str, version: int | str) -> dict:
    """{key: entry} from the cache file at ``path``, or {} when it is missing or not this cache."""
    entries = {}
    try:
        with open(path, encoding="utf-8") as handle:
            if _header(handle.readline()) != {"cache": name, "version": version}:
                return {}
            for line in handle:
                try:
                    key, entry = json.loads(line, object_pairs_hook=_interned)
                except (ValueError, TypeError):
                    continue
                if entry is None:
                    entries.pop(key, None)
                elif isinstance(key, str) and isinstance(entry, dict):
                    entries[key] = entry
    except (OSError, UnicodeDecodeError):
        return {}
    return entries


def save(path: str | Path, name: str, version: int, old: dict, new: dict[str, dict]) -> None:
    """Bring the file from ``old`` (what load gave) to ``new``: append what changed, or rewrite it."""
    changed = [(k, v) for k, v in new.items() if old.get(k) is not v]
    removed = [(k, None) for k in old.keys() - new.keys()]
    if not changed and not removed:
        return
    try:
        lines = _count_lines(path)
        if lines is None or lines + len(changed) + len(removed) > 2 * len(new) + 100:
            body = "".join(_line(k, v) for k, v in new.items())
            write_atomic(path, json.dumps({"cache": name, "version": version}) + "\n" + body, durable=False)
            return
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("".join(_line(k, v) for k, v in changed + removed))
    except (OSError, OutputError):
        pass  # only a cache: the next collect reads or renders everything again


def _interned(pairs):
    """A dict whose keys (and short text values) are shared between entries, not one copy per line:
    5,000 entries of 20 fields hold 100,000 copies of a few dozen names otherwise."""
    return {sys.intern(k): sys.intern(v) if isinstance(v, str) and len(v) < 24 else v for k, v in pairs}


COMPACT = json.JSONEncoder(separators=(",", ":"))  # one encoder: json.dumps with options makes one a call


def _line(key, entry):
    return COMPACT.encode([key, entry]) + "\n"


def _header(line):
    try:
        header = json.loads(line)
    except ValueError:
        return None
    return header if isinstance(header, dict) else None


def _count_lines(path):
    """Lines in the file, or None when it is missing or not ours to append to."""
    try:
        with open(path, "rb") as handle:
            if not handle.readline().startswith(b'{"cache"'):
                return None
            return 1 + sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None


