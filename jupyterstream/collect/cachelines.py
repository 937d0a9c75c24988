"""A cachefile.py cache read and written a line at a time, so that a collect of 5,000 runs never holds
all 5,000 entries: the Reader keeps only where each key's latest line starts, and reads that line when
asked; the Writer spools what changed to a temporary file and, at the end, appends it or rewrites the
cache whole (atomically) from the old file and the spool. The file format is cachefile.py's.
"""

from __future__ import annotations

import json
import os
import tempfile
from array import array

from ..atomic import drop, scratch_file
from .cachefile import _header, _line

DECODER = json.JSONDecoder()


class Reader:
    """The latest line of each key of a cache file, read on demand; empty when the file is missing,
    damaged at its header, or of another name or version."""

    def __init__(self, path, name, version):
        self.where, self.lines, self.handle = {}, 0, None
        try:
            handle = open(path, "rb")
        except OSError:
            return
        if _header(handle.readline().decode("utf-8", "replace")) != {"cache": name, "version": version}:
            handle.close()
            return
        self.handle, self.lines, offset = handle, 1, handle.tell()
        for raw in handle:
            self.lines += 1
            key, live = _key_of(raw)
            if key is not None and live:
                self.where[key] = offset
            elif key is not None:
                self.where.pop(key, None)
            offset += len(raw)

    def line(self, key: str) -> bytes | None:
        """The raw line (bytes) of ``key``, or None."""
        offset = self.where.get(key)
        if offset is None:
            return None
        self.handle.seek(offset)
        return self.handle.readline()

    def entry(self, key: str) -> dict | None:
        """The entry of ``key`` (a dict), or None when there is none or its line is damaged."""
        raw = self.line(key)
        try:
            found, entry = json.loads(raw) if raw else (None, None)
        except (ValueError, TypeError):
            return None
        return entry if found == key and isinstance(entry, dict) else None

    def starts(self, key: str, first: str, value: str) -> bool:
        """True when the entry of ``key`` begins with the field ``first`` set to ``value`` (a string):
        a check that reads the line but parses none of it."""
        raw = self.line(key)
        return raw is not None and raw.startswith(_prefix(key, first, value))

    def close(self) -> None:
        """Close the file (entries can no longer be read)."""
        if self.handle is not None:
            self.handle.close()


class Writer:
    """Brings a cache file from what ``reader`` read to the entries kept and put, in their order."""

    def __init__(self, path, name, version, reader):
        self.path, self.header, self.reader = os.fspath(path), {"cache": name, "version": version}, reader
        self.spool = scratch_file(os.path.dirname(self.path) or ".")
        self.keys, self.offsets = [], array("q")   # every live key; its line in the spool, or -1: unchanged

    def keep(self, key: str) -> None:
        """``key``'s entry is unchanged (it stays as the reader found it)."""
        self.keys.append(key)
        self.offsets.append(-1)

    def put(self, key: str, entry: dict | None = None, line: bytes | None = None) -> None:
        """``key`` has a new entry (or its line as ``cachefile._line`` makes it, already encoded)."""
        self.keys.append(key)
        self.offsets.append(self.spool.tell())
        self.spool.write(line if line is not None else _line(key, entry).encode("utf-8"))

    def close(self) -> None:
        """Append what changed and what went, or rewrite the file when stale lines would outnumber live
        ones; an error only leaves the old cache (the next collect renders more)."""
        try:
            live = set(self.keys)
            removed = [k for k in self.reader.where if k not in live]
            changed = sum(offset >= 0 for offset in self.offsets)
            if changed or removed:
                lines = self.reader.lines if self.reader.handle is not None else None
                if lines is None or lines + changed + len(removed) > 2 * len(self.keys) + 100:
                    self._rewrite()
                else:
                    self._append(removed)
        except OSError:
            pass
        finally:
            drop(self.spool)

    def discard(self) -> None:
        """Drop what was spooled, leaving the file as it was (a collect that stopped half-way)."""
        drop(self.spool)

    def _append(self, removed):
        self.spool.seek(0)
        with open(self.path, "ab") as handle:
            _copy(self.spool, handle)
            handle.write("".join(_line(k, None) for k in removed).encode("utf-8"))

    def _rewrite(self):
        directory = os.path.dirname(self.path) or "."
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(self.path)}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write((json.dumps(self.header) + "\n").encode("utf-8"))
                for key, offset in zip(self.keys, self.offsets):
                    if offset >= 0:
                        self.spool.seek(offset)
                        handle.write(self.spool.readline())
                    else:
                        handle.write(self.reader.line(key) or b"")
            os.replace(tmp, self.path)
        except BaseException:
            _unlink(tmp)
            raise


def _key_of(raw):
    """(key, live) of one raw line, or (None, None) when it does not start as a cache line."""
    try:
        text = raw.decode("utf-8")
        key, end = DECODER.raw_decode(text, 1)
    except (UnicodeDecodeError, ValueError):
        return None, None
    if text[:1] != "[" or text[end:end + 1] != "," or not isinstance(key, str) or not text.endswith("\n"):
        return None, None
    return key, not text.startswith("null", end + 1)


def _prefix(key, first, value):
    return json.dumps([key, {first: value}], separators=(",", ":"))[:-2].encode("utf-8")


def _copy(source, target):
    for block in iter(lambda: source.read(1 << 20), b""):
        target.write(block)


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass
