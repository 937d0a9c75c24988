"""Pure, fast unit tests: no kernels, no GNU parallel, no subprocesses.

A package (``unit``) so that its module names never clash with test modules of the same name in
tests/functional or tests/integration.
"""
