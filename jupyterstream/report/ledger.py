"""The ledger row's keys, written once: one letter per field (a sweep of 10,000 runs carries each of them
10,000 times in the page), what it holds, and the ledger column that shows it. sections.row and pieces.py
write a row with them, the template's ledger_row reads them as ``r[K.label]``, and the page's ledger data
carries this table (data_head) for report.js, which reads ``run[K.label]``.
"""

from __future__ import annotations

import json

# name: (key, the ledger column's header, or None for a field only the detail panel or the script reads)
FIELDS = {
    "id": ("i", None), "label": ("l", "value"), "status": ("s", "status"), "duration": ("d", "duration (s)"),
    "kernel_ready": ("k", "kernel ready (s)"), "max_rss_mb": ("M", "peak memory (MB)"), "cpu_s": ("C", "CPU (s)"),
    "host": ("h", "host"), "exit": ("e", "exit"), "signal": ("g", "signal"), "attempts": ("a", "attempts"),
    "cell": ("c", "failing cell"), "output_kb": ("o", "output (kB)"), "notebook": ("n", "notebook"),
    "note": ("t", "note"),
    "parameters": ("p", None),   # what the kernel received, by name
    "progress": ("r", None),     # 'cell 7 of 12' while it runs
    "metrics": ("m", None), "error": ("x", None), "cells": ("w", None),  # cells: where the time went
    "log": ("L", None), "figures": ("f", None),                           # figures: how many tiles it has
}
K = {name: key for name, (key, _) in FIELDS.items()}
COLUMNS = tuple(name for name, (_, header) in FIELDS.items() if header)
HEADERS = tuple(FIELDS[name][1] for name in COLUMNS)


def row(**fields: object) -> dict:
    """A ledger row from its fields by name (sections.row): each stored under its key."""
    return {K[name]: value for name, value in fields.items()}


def data_head() -> str:
    """The start of the page's ledger data, up to its rows: {"ledger": this table as report.js reads it
    ({"keys": {name: key}, "columns": [the columns' keys, in order]}), "runs": [ (the rows follow)."""
    table = {"keys": K, "columns": [K[name] for name in COLUMNS]}
    return '{"ledger":' + json.dumps(table, separators=(",", ":")) + ',"runs":['
