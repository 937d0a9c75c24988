"""checks.kernel_name / check_kernel: a notebook's kernel resolved as jupyter_client resolves it."""

import pytest

from jupyterstream.launch.checks import check_kernel, kernel_name
from jupyterstream.errors import SetupError

from ..helpers import notebook


@pytest.mark.parametrize("name, resolved", [("python", "python3"), ("python3", "python3"), ("", "python3"),
                                            ("ir", "ir"), ("bash", "bash")])
def test_kernel_name_maps_python_and_no_name_to_the_native_kernel(name, resolved):
    assert kernel_name(notebook(kernel=name)) == resolved


def test_kernel_name_of_a_notebook_without_a_kernelspec_is_the_native_kernel():
    nb = notebook()
    del nb.metadata["kernelspec"]
    assert kernel_name(nb) == "python3"


def test_a_notebook_whose_kernel_is_named_python_passes_the_kernel_check():
    check_kernel(notebook(kernel="python"), "nb.ipynb")


def test_a_kernel_that_is_not_installed_is_refused_naming_the_installed_ones():
    with pytest.raises(SetupError, match=r"nb.ipynb: its kernel 'no-such-kernel' is not installed here "
                                         r"\(installed: .*python3"):
        check_kernel(notebook(kernel="no-such-kernel"), "nb.ipynb")
