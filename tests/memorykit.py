"""A tiny notebook for the resource tests: its cell 2 (in the executed notebook: the parameters, the
injected values, this cell) keeps ``mb`` MB of memory; ``mb = -1`` makes its kernel SIGKILL itself."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ALLOCATE = """\
import numpy as np
if mb < 0:
    import os, signal
    os.kill(os.getpid(), signal.SIGKILL)
block = np.ones(mb * 1000 * 1000 // 8)
block[::512] = 2.0
float(block.sum())"""


def memory_notebook(path):
    """Write the notebook at ``path``; its path."""
    nb = new_notebook(cells=[new_code_cell("mb = 1", metadata={"tags": ["parameters"]}), new_code_cell(ALLOCATE),
                             new_code_cell("total = sum(range(10 ** 6))")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path
