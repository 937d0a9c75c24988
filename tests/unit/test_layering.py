"""The package's layers, read from its source: each stage imports only the stages below it, the job side
(runner/) only the standard library, only the CLI imports click, and no module imports itself round.

Floors, lowest first: runner/ (shipped whole to every host), then errors.py and atomic.py, notebook/,
values/, launch/, collect/, report/, then sweep.py and results.py, and at the top api.py and cli.py. Every import counts, those
inside functions too: a lazy import is still an arrow.
"""

import ast
import functools
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "jupyterstream"
FLOORS = ["runner", "errors atomic", "notebook", "values", "launch", "collect", "report", "sweep results", "api cli"]
# The package's __init__ stands with runner/ (it travels with it to every host, and every kernel imports it for
# record()); its one arrow upward is the public API, imported inside __getattr__ on first use of run or load.
LAZY = {"": {"api"}}
# The runner modules that run inside Jupyter's own processes, and what each may import besides the
# standard library: nbconvert loads nbconvert_config and keep_partial, and its kernel manager (warm/manager,
# warm/ready); warm/child becomes the kernel; record runs in the kernel, where IPython is.
JUPYTER_SIDE = {"runner.nbconvert_config": {"nbconvert"}, "runner.keep_partial": {"nbconvert", "nbclient"},
                "runner.warm.manager": {"jupyter_client", "traitlets"}, "runner.warm.ready": {"jupyter_client"},
                "runner.warm.child": {"ipykernel"}, "runner.record": {"IPython"}}


def modules(root=PACKAGE):
    """{dotted name below jupyterstream ('' for the package itself): path} of every module."""
    found = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name, path, known):
    """(ours, foreign): the modules of ours that ``name`` imports, and the top-level names of the others."""
    ours, foreign = set(), set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            targets = [f"jupyterstream.{base}".rstrip(".") + f".{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            targets = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "jupyterstream":
                foreign.add(target.split(".")[0])
                continue
            inner = target.split(".")[1:]
            while ".".join(inner) not in known:  # `from . import x` names module x; `from .x import f`, module x
                inner.pop()
            ours.add(".".join(inner))
    return ours - {name}, foreign


@functools.lru_cache(maxsize=None)
def graph(root=PACKAGE):
    """{module: (the modules of ours it imports, the foreign top-level names it imports)}."""
    found = modules(root)
    return {name: imports(name, path, found) for name, path in found.items()}


def floor(name):
    """The floor a module stands on (its index in FLOORS); the package's own __init__ stands on runner's."""
    head = name.split(".")[0]
    if name == "":
        return 0  # shipped with runner/ to every host: it may import nothing else
    return next((i for i, names in enumerate(FLOORS) if head in names.split()), None)


def back_arrows(edges):
    """'a -> b' for every import of a module on a higher floor than the importer's."""
    return sorted(f"{a or '__init__'} -> {b}" for a, (ours, _) in edges.items() for b in ours - LAZY.get(a, set())
                  if floor(b) > floor(a))


def cycles(edges):
    """Each set of modules that import one another round (strongly connected, more than one module)."""
    index, low, stack, found, counter = {}, {}, [], [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        for succ in edges[node][0]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = {stack.pop()}
            while node not in group:
                group.add(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for node in edges:
        if node not in index:
            visit(node)
    return found


def test_every_module_stands_on_a_floor_and_none_imports_a_stage_above_its_own():
    edges = graph()
    assert {"runner.job", "notebook.params", "values.read", "launch.parallel", "collect.runs", "report.write",
            "sweep", "cli"} <= set(edges)
    assert all(floor(name) is not None for name in edges)
    assert back_arrows(edges) == []


def test_no_modules_import_one_another_round():
    assert cycles(graph()) == []


def test_only_the_cli_imports_click():
    assert sorted(name for name, (_, foreign) in graph().items() if "click" in foreign) == ["cli"]


def test_the_job_side_imports_only_the_standard_library_but_where_it_runs_inside_jupyter():
    runner = {name: foreign for name, (_, foreign) in graph().items() if floor(name) == 0}
    beyond = {name: sorted(foreign - set(sys.stdlib_module_names) - JUPYTER_SIDE.get(name, set()))
              for name, foreign in runner.items()}
    assert {name: found for name, found in beyond.items() if found} == {}
    assert set(JUPYTER_SIDE) <= set(runner), "a named exception that no longer exists: take it out of JUPYTER_SIDE"


def test_the_package_init_shipped_with_the_runner_imports_only_the_runner():
    ours, foreign = graph()[""]
    assert all(name.startswith("runner") for name in ours - LAZY[""]) and not foreign - set(sys.stdlib_module_names)


def test_a_back_arrow_a_cycle_and_a_foreign_import_on_the_job_side_are_each_caught(tmp_path):
    for name, text in {"__init__.py": "", "errors.py": "", "cli.py": "import click\n",
                       "runner/__init__.py": "", "runner/job.py": "import numpy\nfrom ..collect import runs\n",
                       "collect/__init__.py": "", "collect/runs.py": "from ..report import write\n",
                       "report/__init__.py": "", "report/write.py": "from ..collect.runs import each\n"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    edges = graph(tmp_path)
    assert back_arrows(edges) == ["collect.runs -> report.write", "runner.job -> collect.runs"]
    assert cycles(edges) == [["collect.runs", "report.write"]]
    assert edges["runner.job"][1] == {"numpy"}
