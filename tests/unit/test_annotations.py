"""The package's public functions carry type annotations: at least 80% of them, counted from the source,
over every module (none is set apart).

A public function is every ``def`` whose name does not start with ``_``, at module level or in a class
(methods of private classes too). It counts as annotated when its return and every parameter but a
method's ``self``/``cls`` are annotated.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "jupyterstream"
SHARE = 0.80


def public_functions(tree):
    """(function node, whether it is a method) of each public def at module level or in a class."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node, False
        elif isinstance(node, ast.ClassDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ClassDef):
                    yield from ((m, True) for m in inner.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)))


def annotated(node, method):
    """True when the function's return and each of its parameters (but a method's first) are annotated."""
    args = node.args
    params = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    if method and not static and args.posonlyargs + args.args:
        params = params[1:]
    return node.returns is not None and all(p.annotation is not None for p in params)


def counts():
    """{module path below the package: (public functions, annotated ones)}."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        functions = [annotated(node, method) for node, method in public_functions(ast.parse(path.read_text("utf-8")))
                     if not node.name.startswith("_")]
        found[path.relative_to(PACKAGE).as_posix()] = (len(functions), sum(functions))
    return found


def test_at_least_80_percent_of_the_public_functions_are_annotated():
    found = counts()
    total, done = sum(n for n, _ in found.values()), sum(k for _, k in found.values())
    bare = sorted(f"{name} ({n - k})" for name, (n, k) in found.items() if k < n)
    assert total and done / total >= SHARE, (f"{done} of {total} public functions are annotated "
                                             f"({done / total:.0%}, below {SHARE:.0%}); bare ones in: {', '.join(bare)}")


def test_annotations_are_never_evaluated_so_runner_runs_on_the_oldest_python_a_host_may_have():
    """Every module that annotates with ``X | None`` or ``list[str]`` defers its annotations (PEP 563) or
    quotes them: the job side runs on each host's python3, which may be older than ours (3.9)."""
    eager = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        deferred = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" and
                       any(a.name == "annotations" for a in n.names) for n in tree.body)
        for node in ast.walk(tree):
            if deferred or not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            args = node.args
            notes = [a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs if a.annotation] + \
                [node.returns] * (node.returns is not None)
            if any(isinstance(n, ast.BinOp) for note in notes for n in ast.walk(note)):
                eager.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert eager == []
