"""jupyterstream: run one parameterized notebook over many values with GNU parallel, then collect."""

from .runner.record import record

__version__ = "0.1.0"
__all__ = ["record", "run", "load", "runs", "__version__"]
API = ("run", "load", "runs")


def __getattr__(name):
    # The Python API is imported on first use: this file also travels alone with the runner to SSH
    # hosts (ship.py), and every run's kernel imports it for record(), which must stay light.
    if name in API:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'jupyterstream' has no attribute {name!r}")
