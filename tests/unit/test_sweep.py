"""sweep: the front half every sweep begins with (prepare), and the frozen Settings it passes on."""

import ast
import dataclasses
from pathlib import Path

import pytest

from jupyterstream.launch.parallel import Settings
from jupyterstream.sweep import prepare

PACKAGE = Path(__file__).resolve().parents[2] / "jupyterstream"


def test_settings_cannot_be_written_into_only_derived_with_replace():
    settings = Settings(output="out")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.sweep = "S-1"
    assert dataclasses.replace(settings, sweep="S-1").sweep == "S-1" and settings.sweep == ""


def test_prepare_gives_the_plan_the_inputs_the_sweep_id_and_the_chosen_jobs(make_notebook, write_file, tmp_path):
    notebook = make_notebook("state = 'CA'\n", "open('data.csv').read()")
    write_file("data.csv", "x\n1\n")
    given = Settings(output=str(tmp_path / "out"))
    prepared = prepare(str(notebook), [write_file("v.txt", "AL\nCA\nDC\n")], given, only="CA")
    assert [j.id for j in prepared.plan.jobs] == ["AL", "CA", "DC"] and [j.id for j in prepared.chosen] == ["CA"]
    assert prepared.inputs.present and prepared.settings.inputs and prepared.settings.notebook_folder == str(tmp_path)
    assert prepared.settings.sweep and given.sweep == "" and not given.inputs  # the settings given stay as they were
    assert prepare(str(notebook), [tmp_path / "v.txt"], dataclasses.replace(given, sweep="S-1")).settings.sweep == "S-1"


def calls_of(name):
    """{module path: [the functions whose body calls ``name``]} over the whole package."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for call in (n for n in ast.walk(func) if isinstance(n, ast.Call)):
                called = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                if called == name:
                    found.setdefault(str(path.relative_to(PACKAGE)), []).append(func.name)
    return {path: sorted(set(funcs)) for path, funcs in found.items()}


@pytest.mark.parametrize("step", ["build_plan", "choose", "new_sweep_id"])
def test_the_front_half_of_plan_preview_run_and_submit_is_written_once_in_prepare(step):
    assert calls_of(step) == {"sweep.py": ["prepare"]}


def test_no_module_writes_into_settings():
    writes = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) else []:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Attribute) and getattr(leaf.value, "id", "") == "settings":
                        writes.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert writes == []
