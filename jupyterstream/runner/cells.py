"""A notebook's code cells as Python syntax trees, and the modules they import.

Standard library only: the job side (warm kernels' templates) and the planner (the SSH preflight,
the inputs a notebook names) read cells the same way, from nbformat nodes or plain JSON dicts.
"""

import ast


def code_trees(cells):
    """An ast tree for each code cell that parses; lines that are IPython magics or shell escapes
    (``%``, ``!``) are left out first."""
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else text
        source = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            yield ast.parse(source)
        except SyntaxError:
            continue


def imports(cells):
    """Top-level modules the cells import, in order, each once (jupyterstream itself left out)."""
    return list(dict.fromkeys(top_level(target) for target in import_targets(cells)))


def import_targets(cells):
    """What the cells import, in order, each once, as a template preloads it: ``a.b`` for
    ``import a.b``, and ``a.b:c`` for ``from a.b import c`` (``c`` is loaded as the submodule
    ``a.b.c`` when ``a.b`` has no such name, as Python does). jupyterstream itself is left out."""
    targets = []
    for tree in code_trees(cells):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [a.name for a in node.names if a.name != "*"]
                targets += [f"{node.module}:{name}" for name in names] or [node.module]
    return [t for t in dict.fromkeys(targets) if top_level(t) != "jupyterstream"]


def top_level(target):
    """The top-level package of an import target: ``a`` of ``a.b`` and of ``a.b:c``."""
    return target.split(":")[0].split(".")[0]
