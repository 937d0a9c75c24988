"""Python cells read the way IPython runs them (magics and shell escapes turned into Python), every
simple assignment bound to its names, and the comments inspect shows beside them."""

from __future__ import annotations

import ast
import functools
import io
import tokenize
import warnings
from dataclasses import dataclass

NO_LITERAL = object()
# Cell magics that run their body as Python: the body is what defines the names.
PYTHON_BODY_MAGICS = ("capture", "time", "timeit", "prun")


@dataclass(frozen=True)
class Binding:
    """One name a cell assigns: its literal value (or NO_LITERAL), its source text, and the first and
    last lines of the assignment."""

    name: str
    value: object
    text: str
    line: int
    end: int


def transform(source: str) -> str:
    """The cell as the Python IPython would run (``!ls`` and ``%env`` become calls)."""
    return _transformer().transform_cell(source)


@functools.lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def parse(source: str) -> tuple[object, str, str]:
    """(ast.Module, the Python IPython runs, the cell's own text of it) of a cell; a Python-bodied
    cell magic is read as its body. Raises SyntaxError (or ValueError for a NUL character), also for
    code nested too deeply for Python's parser (which raises MemoryError or RecursionError)."""
    try:
        return _parse(source)
    except (MemoryError, RecursionError):
        raise SyntaxError("it is nested too deeply for Python to read") from None


def _parse(source):
    with warnings.catch_warnings():
        # Warnings about the user's code (IPython's about odd line breaks, Python's SyntaxWarning)
        # are for the run to show, not for reading the cell.
        warnings.simplefilter("ignore")
        try:  # IPython runs valid Python as it is: importing IPython is needed only for the rest
            return ast.parse(source), source, source
        except (SyntaxError, ValueError):
            python = transform(source)
            tree = ast.parse(python)
    body = _cell_magic_body(tree)
    return _parse(body) if body is not None else (tree, python, source)


def as_written(binding: Binding, python: str, source: str) -> tuple:
    """(text, comment) of a binding as the cell has it: ``!ls`` rather than the call IPython turns it
    into, and the comment IPython leaves inside that call; comment None when the line is plain Python."""
    lines = source.splitlines()
    if "get_ipython()" not in binding.text or len(lines) != len(python.splitlines()):
        return binding.text, None
    text, _, comment = lines[binding.line - 1].partition("=")[2].partition(" #")
    return text.strip() or binding.text, comment.lstrip("#").strip()


def _cell_magic_body(tree):
    """The body of ``%%capture`` and friends, which IPython runs as Python; else None."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "run_cell_magic" and len(call.args) == 3):
        return None
    try:
        magic, _, body = (ast.literal_eval(arg) for arg in call.args)
    except ValueError:
        return None
    return body if magic in PYTHON_BODY_MAGICS else None


def bindings(tree: object, source: str) -> list:
    """Every name the cell's top-level simple assignments bind, in order."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                found += _bind(target, node.value, source, (node.lineno, node.end_lineno))
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            found += _bind(node.target, node.value, source, (node.lineno, node.end_lineno))
    return found


def _bind(target, value, source, lines):
    if isinstance(target, ast.Name):
        return [Binding(target.id, _literal(value), ast.get_source_segment(source, value) or "", *lines)]
    if not isinstance(target, (ast.Tuple, ast.List)):
        return []  # an attribute or an item: no name of the cell's own
    if isinstance(value, (ast.Tuple, ast.List)) and _fits(target.elts, value.elts):
        return _unpack(target.elts, value.elts, source, lines)
    return [Binding(name, NO_LITERAL, ast.get_source_segment(source, value) or "", *lines)
            for name in _names(target)]


def _fits(targets, values):
    starred = sum(isinstance(t, ast.Starred) for t in targets)
    no_starred_values = not any(isinstance(v, ast.Starred) for v in values)
    return no_starred_values and (len(targets) == len(values) if not starred else
                                  starred == 1 and len(values) >= len(targets) - 1)


def _unpack(targets, values, source, lines):
    star = next((i for i, t in enumerate(targets) if isinstance(t, ast.Starred)), None)
    if star is None:
        return [b for t, v in zip(targets, values) for b in _bind(t, v, source, lines)]
    after = len(targets) - star - 1
    middle = values[star:len(values) - after]
    found = [b for t, v in zip(targets[:star], values) for b in _bind(t, v, source, lines)]
    gathered = targets[star].value
    if isinstance(gathered, ast.Name):  # its list has no text of its own in the cell: give its items'
        items = ", ".join(ast.get_source_segment(source, v) or "" for v in middle)
        found.append(Binding(gathered.id, _literal(ast.List(elts=middle, ctx=ast.Load())), f"[{items}]", *lines))
    found += [b for t, v in zip(targets[star + 1:], values[len(values) - after:]) for b in _bind(t, v, source, lines)]
    return found


def _names(target):
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NO_LITERAL


def comments(source: str) -> dict:
    """{line number: the text of the comment on that line}."""
    found = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found
