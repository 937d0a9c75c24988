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
    modules = []
    for tree in code_trees(cells):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules += [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.append(node.module.split(".")[0])
    return [m for m in dict.fromkeys(modules) if m != "jupyterstream"]
