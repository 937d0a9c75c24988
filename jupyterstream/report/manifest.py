"""The manifest: what produced these results, and where hosts differ."""

from __future__ import annotations

import importlib.metadata
import platform


PACKAGES = ("jupyterstream", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client")


def local_versions() -> dict:
    """Versions of Python and the key packages on the machine that collects."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def hosts(runs: list, checked: dict | None) -> dict:
    """{host: {"python": version, ...}} from the runs' kernels and the preflight's facts."""
    found = {}
    for run in runs:
        if run.python:
            found.setdefault(run.host or "this machine", {}).setdefault("kernel python", set()).add(run.python)
    for name, facts in (checked or {}).items():
        entry = found.setdefault(name, {})
        entry.setdefault("kernel python", set()).add(facts.get("python", ""))
        for package, version in (facts.get("versions") or {}).items():
            entry.setdefault(package, set()).add(version or "missing")
    return {host: {k: ", ".join(sorted(v - {""})) for k, v in entry.items()} for host, entry in found.items()}


def drift(table: dict) -> list:
    """The columns whose value differs between hosts."""
    columns = {c for entry in table.values() for c in entry}
    # A host that was not checked has no entry for a package: that is not a difference.
    return sorted(c for c in columns if len({entry[c] for entry in table.values() if entry.get(c)}) > 1)


