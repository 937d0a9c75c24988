"""The nodes a YAML or JSON values file is read into: Scalar, Seq and Map, each with its line.

A scalar keeps two readings: its text as written (what a CSV field would hold, for a parameter whose
default gives the type) and its value as the file types it (for a parameter whose default gives none).
"""

from __future__ import annotations

class _Node:
    """A node with slots: a values file of 100,000 entries makes nearly a million of them."""

    __slots__ = ()

    def __init__(self, *fields):
        for name, value in zip(self.__slots__, fields):
            setattr(self, name, value)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(repr(getattr(self, n)) for n in self.__slots__)})"


class Scalar(_Node):
    """One value: its text as written, its value as the file types it, its line."""

    __slots__ = ("text", "value", "line")

    def __init__(self, text, value, line):
        self.text, self.value, self.line = text, value, line


class Seq(_Node):
    """A list of nodes, and the line it starts on."""

    __slots__ = ("items", "line")


class Map(_Node):
    """A mapping: (key, value) pairs, each key a Scalar that appears once; the line it starts on."""

    __slots__ = ("pairs", "line")


def plain(node: Map | Scalar | Seq) -> object:
    """A node as plain Python data, typed as the file types it."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Seq):
        return [plain(item) for item in node.items]
    return {key.value: plain(value) for key, value in node.pairs}


def kind_of(node: Scalar) -> str:
    """What a node is, in words for an error message."""
    return {Scalar: "a single value", Seq: "a list", Map: "a mapping"}[type(node)]
