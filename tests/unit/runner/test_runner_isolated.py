"""The job side is the standard library only: every module of jupyterstream/runner/ (but the two that
nbconvert itself loads) imports in a Python started with -I -S, which sees no installed package."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
LOADED_BY_NBCONVERT = {"keep_partial", "nbconvert_config"}
PROBE = """
import importlib, sys
sys.path.insert(0, sys.argv[1])
for name in sys.argv[2:]:
    importlib.import_module("jupyterstream.runner." + name)
foreign = sorted({m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names) - {"jupyterstream", "__main__"})
print(" ".join(foreign))
"""


def runner_modules():
    return sorted(p.stem for p in (REPO / "jupyterstream" / "runner").glob("*.py")
                  if p.stem not in LOADED_BY_NBCONVERT)


def bare_python():
    """The system's Python when there is one (nothing of ours installed there), else this one;
    with -S neither sees any site-packages."""
    system = Path("/usr/bin/python3")
    return str(system) if system.exists() else sys.executable


def test_every_runner_module_imports_in_a_python_with_nothing_installed():
    modules = runner_modules()
    assert {"job", "lock", "reaper", "classify", "exclusive", "outcome", "status"} <= set(modules)
    result = subprocess.run([bare_python(), "-I", "-S", "-c", PROBE, str(REPO), *modules],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imports outside the standard library: {result.stdout}"
