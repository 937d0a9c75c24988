"""Read a YAML values file into nodes, typing plain scalars by the YAML 1.2 core schema.

PyYAML's own loaders follow YAML 1.1, where `no` is False, `07` is 7 but `08` is '08', and `12:30` is
750: a values file must not change a value behind its author's back. So every scalar is read as text
(BaseLoader) and a plain one is typed here by the YAML 1.2 core schema, for the parameters whose
notebook default gives no type; the others convert the text exactly as a CSV field.
"""

from __future__ import annotations

import re

import yaml

from ..errors import ValuesError
from .nodes import Map, Scalar, Seq
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

REPEAT_LIMIT = 100_000  # aliases can make a small YAML file stand for an enormous one

# The YAML 1.2 core schema (yaml.org/spec/1.2.2, 10.3.2): what a plain scalar is when it is not text.
CORE = re.compile(r"""
    (?P<null> null|Null|NULL|~|) | (?P<true> true|True|TRUE) | (?P<false> false|False|FALSE)
  | (?P<int> [-+]?[0-9]+) | (?P<oct> 0o[0-7]+) | (?P<hex> 0x[0-9a-fA-F]+)
  | (?P<float> [-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)
  | (?P<inf> [-+]?\.(?:inf|Inf|INF)) | (?P<nan> \.(?:nan|NaN|NAN))""", re.VERBOSE)
MAKE = {"null": lambda t: None, "true": lambda t: True, "false": lambda t: False, "int": int,
        "oct": lambda t: int(t[2:], 8), "hex": lambda t: int(t[2:], 16), "float": float,
        "inf": lambda t: float(t.replace(".", "", 1)), "nan": lambda t: float("nan")}


def core_value(text: str) -> bool | float | str | None:
    """A plain YAML scalar's value by the YAML 1.2 core schema; text that is nothing else stays text."""
    match = CORE.fullmatch(text)
    return MAKE[match.lastgroup](text) if match else text


PLAIN_TAG = "!jupyterstream/plain"  # marks plain scalars without a tag, which we type ourselves
STR_TAG, SEQ_TAG, MAP_TAG = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))


class _Loader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # libyaml's parser when PyYAML has it
    """PyYAML's parser without its YAML 1.1 typing: every scalar is text, plain ones are marked."""

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool] | bool) -> str:
        """Tag a plain untagged scalar as ours; everything else as BaseLoader does."""
        if kind is yaml.ScalarNode and implicit[0]:
            return PLAIN_TAG
        return super().resolve(kind, value, implicit)


def load(path: str | Path, text: str) -> Map | Scalar | Seq | None:
    """The file's single YAML document as nodes (None when it is empty)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ValuesError(path, mark.line + 1 if mark else None,
                          f"not valid YAML: {_problem(exc)}: fix the file there") from None
    except yaml.YAMLError as exc:
        raise ValuesError(path, None, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise ValuesError(path, None, "nested too deeply to be a values file: flatten it") from None
    try:
        return None if node is None else _YamlWalk(path).node(node)
    except RecursionError:
        raise ValuesError(path, None, "nested too deeply to be a values file: flatten it") from None


def _problem(exc):
    """PyYAML's problem, with its context ('while parsing a flow sequence') after it."""
    if exc.problem and exc.context:
        return f"{exc.problem} ({exc.context})"
    return exc.problem or exc.context


class _YamlWalk:
    """Turns composed YAML nodes into ours, refusing what a values file cannot mean."""

    def __init__(self, path):
        self.path, self.seen, self.open, self.repeats = path, set(), set(), 0

    def node(self, node: object) -> Map | Scalar | Seq:
        """One YAML node (and what it holds) as a Scalar, Seq or Map."""
        line, key = node.start_mark.line + 1, id(node)
        if key in self.seen:
            self.repeats += 1
            if self.repeats > REPEAT_LIMIT or key in self.open:
                raise ValuesError(self.path, line, "an alias here contains itself or repeats too much to be "
                                  "a list of values: write the values out")
        self.seen.add(key)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, line)
        if node.tag not in (SEQ_TAG, MAP_TAG):
            raise ValuesError(self.path, line, f"the YAML tag {node.tag!r} is not read here: remove it")
        self.open.add(key)  # the containers being read: an alias to one of them is a loop
        try:
            if isinstance(node, yaml.SequenceNode):
                return Seq([self.node(item) for item in node.value], line)
            return self.mapping(node, line)
        finally:
            self.open.discard(key)

    def scalar(self, node: object, line: int) -> Scalar:
        """A scalar: plain ones typed by the YAML 1.2 core schema, quoted or !!str ones text."""
        if node.tag == PLAIN_TAG:
            return Scalar(node.value, core_value(node.value), line)
        if node.tag != STR_TAG:
            raise ValuesError(self.path, line, f"the YAML tag {node.tag!r} is not read here: write the value "
                              "plainly (3, true) or quoted to keep it as text ('3')")
        return Scalar(node.value, node.value, line)

    def mapping(self, node: object, line: int) -> Map:
        """A mapping whose keys are scalars, each key once."""
        pairs, seen = [], set()
        for key_node, value_node in node.value:
            key = self.node(key_node)
            if not isinstance(key, Scalar):
                raise ValuesError(self.path, key.line, "a mapping key here is a list or mapping: keys are names")
            if key.text in seen:
                raise ValuesError(self.path, key.line, f"the key {key.text!r} appears twice in the mapping "
                                  f"of line {line}: keep one")
            seen.add(key.text)
            pairs.append((key, self.node(value_node)))
        return Map(pairs, line)
