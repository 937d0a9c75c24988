"""Fixtures for the unit tests (helpers live in helpers.py)."""

import pytest

from .helpers import notebook, save


@pytest.fixture
def make_notebook(tmp_path):
    """make_notebook("n = 1\\n", "print(n)", name="nb.ipynb") -> path of the written notebook."""

    def make(parameters="state = 'CA'\n", *cells, name="nb.ipynb", minor=5, kernel="python3"):
        return save(notebook(parameters, *cells, minor=minor, kernel=kernel), tmp_path / name)

    return make


@pytest.fixture
def write_file(tmp_path):
    """write_file("v.txt", "AL\\nCA\\n") -> path; a str is written as UTF-8 bytes (no newline
    translation), bytes as they are."""

    def write(name, content):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        return path

    return write
