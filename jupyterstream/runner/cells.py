"""A notebook's code cells read as Python, and the modules they import.

Standard library only: the job side (warm kernels' templates) and the planner (the SSH preflight,
the inputs a notebook names) read cells the same way, from nbformat nodes or plain JSON dicts.
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import keyword
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def parsed_cells(cells: list[dict]) -> list:
    """A Parsed for each code cell that parses; lines that are IPython magics or shell escapes
    (``%``, ``!``) are left out first."""
    found = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else text
        code = parsed("\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))))
        if code is not None:
            found.append(code)
    return found


class Parsed:
    """Python source read once, kept as plain data (not its syntax tree, whose million objects a
    remembered notebook would make every garbage collection visit), in ast.walk's order:

    ``imports``: ``(name, asname)`` for ``import name as asname``, ``(module + ":" + name, asname)`` for
    ``from module import name as asname`` (nothing for ``from module import *``);
    ``events``: ``("import", target)`` as import_targets gives it, or ``("call", chain, module)``: a call's
    function as a dotted chain of names (``("r", "files")``; None when it is not one) and the module
    its first argument names with a string literal (or None);
    ``strings``: every string constant; ``written``: those in the file a call writes (see WRITERS).
    """

    def __init__(self, tree):
        self.imports, self.events, self.strings, self.written = [], [], [], []
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.strings.append(node.value)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    self.imports.append((a.name, a.asname))
                    self.events.append(("import", a.name))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                listed = [a for a in node.names if a.name != "*"]
                self.imports += [(f"{node.module}:{a.name}", a.asname) for a in listed]
                self.events += [("import", f"{node.module}:{a.name}") for a in listed] or [("import", node.module)]
            elif isinstance(node, ast.Call):
                self.events.append(("call", _chain(node.func), _literal_module(node)))
                self.written += _strings_in(_written_file(node))


# Calls that write the file their first argument names (pandas, matplotlib, numpy, plotly...), and
# methods that write the file the object they are called on names (Path("out.txt").write_text(...)).
WRITERS = frozenset(["to_csv", "to_parquet", "to_excel", "to_json", "to_pickle", "to_feather", "to_html", "to_latex",
                     "to_markdown", "to_stata", "to_hdf", "to_xml", "to_orc", "savefig", "imsave", "savetxt", "savez",
                     "savez_compressed", "write_html", "write_image"])
PATH_WRITERS = frozenset(["write_text", "write_bytes"])
FILE_KEYWORDS = ("path", "path_or_buf", "fname", "file", "excel_writer", "buf")


def _written_file(call):
    """The expression naming the file a call writes, or None when it does not write one:
    ``df.to_csv(f"output/{state}.csv")``, ``savefig(...)``, ``open(path, "w")`` (not ``"r+"``),
    ``Path("out.txt").write_text(...)``."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name in PATH_WRITERS and isinstance(func, ast.Attribute):
        return func.value
    if name not in WRITERS and name != "open":
        return None
    first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in FILE_KEYWORDS), None)
    if name in WRITERS:
        return first
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax") \
            and "+" not in mode.value:
        return first
    return None


def _strings_in(node):
    return [] if node is None else [n.value for n in ast.walk(node)
                                    if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _chain(func):
    """A call's function as a tuple of names (``importlib.resources.files``), or None."""
    attributes = []
    while isinstance(func, ast.Attribute):
        attributes.insert(0, func.attr)
        func = func.value
    return (func.id, *attributes) if isinstance(func, ast.Name) else None


@functools.lru_cache(maxsize=2048)
def parsed(source: bytes | str) -> Parsed | None:
    """The Parsed of some Python source, or None when it cannot be read (see parse_python).
    Remembered: the planner reads the same cells for several things. Callers must not change it."""
    tree = parse_python(source)
    return None if tree is None else Parsed(tree)


def parse_python(source: bytes | str) -> object:
    """The ast tree of some Python source, or None when it is not Python that can be read (a syntax
    error, a NUL character, or nesting too deep for the parser, which runs out of memory on it)."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def imports(cells: list[dict]) -> list:
    """Top-level modules the cells import, in order, each once (jupyterstream itself left out)."""
    return list(dict.fromkeys(top_level(target) for target in import_targets(cells)))


def import_targets(cells: list[dict]) -> list:
    """What the cells import, in order, each once, as a template preloads it: ``a.b`` for
    ``import a.b``, and ``a.b:c`` for ``from a.b import c`` (``c`` is loaded as the submodule
    ``a.b.c`` when ``a.b`` has no such name, as Python does). A call that imports the module a string
    literal names counts too: ``importlib.import_module("a.b")``, ``importlib.resources.files("a")``
    and the like give ``a.b`` and ``a``. jupyterstream itself is left out."""
    return targets_in(parsed_cells(cells))


def targets_in(codes: list) -> list:
    """import_targets of parsed code (a module's, say): a list of Parsed."""
    names = _bound_names(codes)
    targets = []
    for code in codes:
        for event in code.events:
            if event[0] == "import":
                targets.append(event[1])
            elif event[2] and _qualified(event[1], names) in MODULE_NAMING:
                targets.append(event[2])
    return [t for t in dict.fromkeys(targets) if top_level(t) != "jupyterstream"]


# Functions that import the module their first argument names (importlib.resources imports its
# anchor package to find its files; pkgutil.get_data imports the package it reads from).
RESOURCE_FUNCTIONS = ("files", "open_text", "open_binary", "read_text", "read_binary", "path", "contents",
                      "is_resource")
MODULE_NAMING = frozenset(["importlib.import_module", "__import__", "pkgutil.get_data"]
                          + [f"{package}.{name}" for package in ("importlib.resources", "importlib_resources")
                             for name in RESOURCE_FUNCTIONS])
MODULE_KEYWORDS = ("name", "anchor", "package")


def _bound_names(codes):
    """What each name bound by the cells' imports stands for: ``np`` -> ``numpy``, ``files`` ->
    ``importlib.resources.files``; ``__import__`` is the builtin unless an import binds it."""
    names = {"__import__": "__import__"}
    for code in codes:
        for target, asname in code.imports:
            module, _, name = target.partition(":")
            if name:
                names[asname or name] = f"{module}.{name}"
            else:
                names[asname or module.split(".")[0]] = module if asname else module.split(".")[0]
    return names


def _qualified(chain, names):
    """The dotted name a call's function stands for (``r.files`` -> ``importlib.resources.files``)."""
    if not chain or chain[0] not in names:
        return None
    return ".".join([names[chain[0]], *chain[1:]])


def _literal_module(call):
    """The module a module-naming call names with a string literal (not a relative one), or None."""
    given = call.args[:1] or [k.value for k in call.keywords if k.arg in MODULE_KEYWORDS][:1]
    if not given or not isinstance(given[0], ast.Constant) or not isinstance(given[0].value, str):
        return None
    parts = given[0].value.split(".")
    return given[0].value if all(p.isidentifier() and not keyword.iskeyword(p) for p in parts) else None


def top_level(target: str) -> str:
    """The top-level package of an import target: ``a`` of ``a.b`` and of ``a.b:c``."""
    return target.split(":")[0].split(".")[0]


def local_module(name: str, folder: str | Path) -> str | None:
    """What of ``folder`` a Python looking there imports as ``name`` (``name/`` for a package with
    ``__init__.py``, ``name.py``, or an extension module), or None."""
    package = os.path.join(folder, name)
    if os.path.isfile(os.path.join(package, "__init__.py")):
        return name + "/"
    for suffix in importlib.machinery.SOURCE_SUFFIXES + importlib.machinery.EXTENSION_SUFFIXES:
        if os.path.isfile(package + suffix):
            return name + suffix
    return None
