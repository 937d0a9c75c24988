"""A notebook's code cells as Python syntax trees, and the modules they import.

Standard library only: the job side (warm kernels' templates) and the planner (the SSH preflight,
the inputs a notebook names) read cells the same way, from nbformat nodes or plain JSON dicts.
"""

import ast
import importlib.machinery
import keyword
import os


def code_trees(cells):
    """An ast tree for each code cell that parses; lines that are IPython magics or shell escapes
    (``%``, ``!``) are left out first."""
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else text
        source = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
        tree = parse_python(source)
        if tree is not None:
            yield tree


def parse_python(source):
    """The ast tree of some Python source, or None when it is not Python that can be read (a syntax
    error, a NUL character, or nesting too deep for the parser, which runs out of memory on it)."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def imports(cells):
    """Top-level modules the cells import, in order, each once (jupyterstream itself left out)."""
    return list(dict.fromkeys(top_level(target) for target in import_targets(cells)))


def import_targets(cells):
    """What the cells import, in order, each once, as a template preloads it: ``a.b`` for
    ``import a.b``, and ``a.b:c`` for ``from a.b import c`` (``c`` is loaded as the submodule
    ``a.b.c`` when ``a.b`` has no such name, as Python does). A call that imports the module a string
    literal names counts too: ``importlib.import_module("a.b")``, ``importlib.resources.files("a")``
    and the like give ``a.b`` and ``a``. jupyterstream itself is left out."""
    return targets_in(list(code_trees(cells)))


def targets_in(trees):
    """import_targets of parsed code (a module's, say): a list of ast trees."""
    names = _bound_names(trees)
    targets = []
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                listed = [a.name for a in node.names if a.name != "*"]
                targets += [f"{node.module}:{name}" for name in listed] or [node.module]
            elif isinstance(node, ast.Call) and _qualified(node.func, names) in MODULE_NAMING:
                targets += [m for m in [_literal_module(node)] if m]
    return [t for t in dict.fromkeys(targets) if top_level(t) != "jupyterstream"]


# Functions that import the module their first argument names (importlib.resources imports its
# anchor package to find its files; pkgutil.get_data imports the package it reads from).
RESOURCE_FUNCTIONS = ("files", "open_text", "open_binary", "read_text", "read_binary", "path", "contents",
                      "is_resource")
MODULE_NAMING = frozenset(["importlib.import_module", "__import__", "pkgutil.get_data"]
                          + [f"{package}.{name}" for package in ("importlib.resources", "importlib_resources")
                             for name in RESOURCE_FUNCTIONS])
MODULE_KEYWORDS = ("name", "anchor", "package")


def _bound_names(trees):
    """What each name bound by the cells' imports stands for: ``np`` -> ``numpy``, ``files`` ->
    ``importlib.resources.files``; ``__import__`` is the builtin unless an import binds it."""
    names = {"__import__": "__import__"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    names[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for a in node.names:
                    if a.name != "*":
                        names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def _qualified(func, names):
    """The dotted name a call's function stands for (``r.files`` -> ``importlib.resources.files``)."""
    attributes = []
    while isinstance(func, ast.Attribute):
        attributes.insert(0, func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or func.id not in names:
        return None
    return ".".join([names[func.id], *attributes])


def _literal_module(call):
    """The module a module-naming call names with a string literal (not a relative one), or None."""
    given = call.args[:1] or [k.value for k in call.keywords if k.arg in MODULE_KEYWORDS][:1]
    if not given or not isinstance(given[0], ast.Constant) or not isinstance(given[0].value, str):
        return None
    parts = given[0].value.split(".")
    return given[0].value if all(p.isidentifier() and not keyword.iskeyword(p) for p in parts) else None


def top_level(target):
    """The top-level package of an import target: ``a`` of ``a.b`` and of ``a.b:c``."""
    return target.split(":")[0].split(".")[0]


def local_module(name, folder):
    """What of ``folder`` a Python looking there imports as ``name`` (``name/`` for a package with
    ``__init__.py``, ``name.py``, or an extension module), or None."""
    package = os.path.join(folder, name)
    if os.path.isfile(os.path.join(package, "__init__.py")):
        return name + "/"
    for suffix in importlib.machinery.SOURCE_SUFFIXES + importlib.machinery.EXTENSION_SUFFIXES:
        if os.path.isfile(package + suffix):
            return name + suffix
    return None
