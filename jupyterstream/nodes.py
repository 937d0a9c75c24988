"""The nodes a YAML or JSON values file is read into: Scalar, Seq and Map, each with its line.

A scalar keeps two readings: its text as written (what a CSV field would hold, for a parameter whose
default gives the type) and its value as the file types it (for a parameter whose default gives none).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scalar:
    """One value: its text as written and its value as the file types it."""

    text: str
    value: object
    line: int


@dataclass(frozen=True)
class Seq:
    """A list of nodes."""

    items: list
    line: int


@dataclass(frozen=True)
class Map:
    """A mapping: (key, value) pairs, each key a Scalar that appears once."""

    pairs: list
    line: int


def plain(node):
    """A node as plain Python data, typed as the file types it."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Seq):
        return [plain(item) for item in node.items]
    return {key.value: plain(value) for key, value in node.pairs}


def kind_of(node):
    """What a node is, in words for an error message."""
    return {Scalar: "a single value", Seq: "a list", Map: "a mapping"}[type(node)]
