"""jupyterstream.run called inside a Jupyter kernel, as a user would: a notebook that calls it,
executed by nbclient with a real kernel; the sweep's own kernels are other processes."""

import shutil

from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from support import NOTEBOOKS


class Recording(NotebookClient):
    """nbclient, keeping the type of every message the kernel sent back (to see display updates)."""

    def process_message(self, msg, cell, cell_index):
        self.seen = getattr(self, "seen", []) + [msg["msg_type"]]
        return super().process_message(msg, cell, cell_index)


def caller(code):
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_code_cell(code)]
    return nb


def test_a_notebook_calling_run_shows_progress_updated_in_place_and_a_result_table(tmp_path):
    shutil.copy(NOTEBOOKS / "figure.ipynb", tmp_path / "figure.ipynb")
    nb = caller("import jupyterstream\n"
                "result = jupyterstream.run('figure.ipynb', ['AL', 'fail-CA'], output='out')\n"
                "result")
    client = Recording(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = nb.cells[0].outputs
    [shown] = [o for o in outputs if o.output_type == "display_data"]  # one display, not one per update
    assert "2/2 done: 1 ok, 1 failed (cell-error 1)" in shown.data["text/html"]
    assert client.seen.count("update_display_data") >= 1
    [result] = [o for o in outputs if o.output_type == "execute_result"]
    table = result.data["text/html"]
    assert "<table>" in table and "cell-error" in table and "cannot draw fail-CA" in table
    streams = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "ok              AL" not in streams  # run-one's per-job lines stay out of the notebook
    assert (tmp_path / "out" / "runs" / "AL.ipynb").is_file() and (tmp_path / "out" / "report.html").is_file()


def test_a_bad_call_in_a_notebook_shows_the_named_error_and_its_message_only(tmp_path):
    shutil.copy(NOTEBOOKS / "typed.ipynb", tmp_path / "typed.ipynb")
    nb = caller("import jupyterstream\njupyterstream.run('typed.ipynb', [1, {'n': 2}], param='n', output='out')")
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    [error] = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert error.ename == "ValuesError"
    assert error.evalue.startswith("values[1]: a dict in a list whose first item is the value 1")
    trace = "\n".join(error.traceback)
    assert "pyvalues.py" not in trace and "plan.py" not in trace  # no traceback from inside
    assert not (tmp_path / "out").exists()
