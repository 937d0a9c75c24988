"""The job side: everything a job needs on the host that runs it, and nothing else.

This folder travels whole to every SSH host (``ship.py``), where only Python and Jupyter are
installed. Its modules use the standard library only; ``keep_partial`` and ``nbconvert_config`` are
loaded by nbconvert itself, so they may import nbconvert and nbclient, and nothing else may import
them. The collector imports the rest (``outcome``, ``status``) so that both sides share one
definition of a run's outcome.
"""
