"""jupyterstream: run one parameterized notebook over many values with GNU parallel, then collect."""

from .runner.record import record

__version__ = "0.1.0"
__all__ = ["record", "__version__"]
