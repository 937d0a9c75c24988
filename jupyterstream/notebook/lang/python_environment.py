"""The environment variables Python code reads by a constant name, found without running it:
``os.environ["x"]``, ``os.environ.get("x")``, ``os.getenv("x")``, ``"x" in os.environ``, also
through ``import os as o`` and ``from os import environ, getenv``."""

from __future__ import annotations

import ast

ENVIRON_METHODS = ("get", "setdefault", "pop")


class _Aliases:
    """The names under which a notebook's code reaches ``os``, ``os.environ`` and ``os.getenv``."""

    def __init__(self, nodes):
        self.os, self.environ, self.getenv = {"os"}, set(), set()
        for node in nodes:
            if isinstance(node, ast.Import):
                self.os.update(a.asname or "os" for a in node.names if a.name == "os")
            elif isinstance(node, ast.ImportFrom) and node.module == "os":
                for alias in node.names:
                    if alias.name in ("environ", "getenv"):
                        getattr(self, alias.name).add(alias.asname or alias.name)


def reads(trees: list) -> list:
    """The names read from the environment by constant, over several parsed cells, first seen first."""
    nodes = [node for tree in trees for node in ast.walk(tree)]
    aliases = _Aliases(nodes)
    found = {}
    for node in nodes:
        name = _read_by(node, aliases)
        if name is not None:
            found.setdefault(name, None)
    return list(found)


def _read_by(node, aliases):
    """The constant name ``node`` reads from the environment, or None."""
    if isinstance(node, ast.Subscript) and _is_environ(node.value, aliases):
        return _text(node.slice)
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr in ENVIRON_METHODS and _is_environ(func.value, aliases)
                or _is_getenv(func, aliases)):
            return _text(node.args[0])
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
        if _is_environ(node.comparators[0], aliases):
            return _text(node.left)
    return None


def _is_environ(node, aliases):
    if isinstance(node, ast.Name):
        return node.id in aliases.environ
    return (isinstance(node, ast.Attribute) and node.attr == "environ"
            and isinstance(node.value, ast.Name) and node.value.id in aliases.os)


def _is_getenv(node, aliases):
    if isinstance(node, ast.Name):
        return node.id in aliases.getenv
    return (isinstance(node, ast.Attribute) and node.attr == "getenv"
            and isinstance(node.value, ast.Name) and node.value.id in aliases.os)


def _text(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
