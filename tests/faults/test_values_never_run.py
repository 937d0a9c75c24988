"""Promise 1: a value is data, never code.

The property tests feed thousands of generated strings (and nested literals) through
``params.inject`` -- the injected-parameters cell exactly as a staged input notebook holds it --
and execute that cell in ONE real IPython kernel (IPython's input transformations included: a
line starting with ``!`` or ``%`` would run a shell command or a magic). The kernel must end up
with exactly the value, print nothing, raise nothing, and leave its working folder empty.

The sweep tests push the nastiest strings through ``jupyterstream run`` (values file, GNU parallel,
bin/run-one, nbconvert) and check that no shell, Python, IPython or GNU-parallel code ran.
"""

import ast
import csv
import hashlib
import json
import operator
import shutil

import nbformat
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jupyter_client import KernelManager

from faultkit import plan_jobs, run_tagged, status_of, tagged_env
from jupyterstream.notebook import params
from support import NOTEBOOKS, REPO

MARK = "PWNED"  # what injected code would create, relative to the kernel's (empty) working folder
PIECES = [
    "'", '"', "'''", '"""', "\\", "\\'", '\\"', "\\n", "\\x00", "\\N{BULLET}", "\\u0041",
    f"$(touch {MARK})", f"`touch {MARK}`", f"; touch {MARK}", f"&& touch {MARK} &&", f"| touch {MARK}",
    f"\n!touch {MARK}\n", f"\n%system touch {MARK}\n", f"\n%%bash\ntouch {MARK}\n", f"\n!!touch {MARK}",
    f"'); __import__('os').system('touch {MARK}') #", f'"); __import__("os").system("touch {MARK}") #',
    f"\"\"\"; __import__('os').system('touch {MARK}'); \"\"\"", f"\n{MARK} = 1\n",
    "{}", "{1}", "{#}", "{%}", f"{{= system('touch {MARK}') =}}", "%s", "%(state)s", "{state}",
    "\n", "\r", "\r\n", "\t", "\x00", "\x0b", "\x0c", "\x1b[31m", "\x1c", "\x7f", "\x85",
    "\ud800", "\udfff", "\udc80", "\ud83d", "\u2028", "\u2029", "\u202e", "\u200f", "\u200e", "\u061c",
    "\ufeff", "\ufffe", "\U0001F600", "\u200d", "\U0001F469\u200d\U0001F4BB", "e\u0301", "\u0000\u0301",
    "?", "??", "#", " ", "-", "--help", "-rf", ".", "..", "/", "~", "*", "\U0010FFFF",
]
ANY_CHAR = st.characters(exclude_categories=())  # every code point, lone surrogates included
STRINGS = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(ANY_CHAR, max_size=4)), max_size=16).map("".join),
    st.builds(operator.mul, st.sampled_from(PIECES), st.integers(1, 1000)),  # long runs of one nasty piece
)
LITERALS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(ANY_CHAR, max_size=12),
    lambda inner: (st.lists(inner, max_size=4) | st.tuples(inner, inner)
                   | st.dictionaries(st.text(ANY_CHAR, max_size=6) | st.integers(), inner, max_size=4)),
    max_leaves=12,
)
BASE = nbformat.v4.new_notebook(cells=[
    nbformat.v4.new_code_cell("state = 'XX'\n", metadata={"tags": ["parameters"]}),
    nbformat.v4.new_code_cell("print(state)"),
])
BASE.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
SETUP = "import hashlib as _jsf_hashlib"
DIGEST = "_jsf_hashlib.sha256({}.encode('utf-8', 'surrogatepass')).hexdigest()"


def digest(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Kernel:
    """One real IPython kernel for the whole module, in an empty working folder."""

    def __init__(self, folder, tag):
        self.folder = folder
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(cwd=str(folder), env=tagged_env(tag))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        assert self.run(SETUP)[0] == "ok"

    def run(self, source, **expressions):
        """Execute a cell as nbclient does; return (status, [outputs], {name: text/plain})."""
        outputs = []

        def hook(msg):
            if msg["msg_type"] in ("stream", "error", "display_data", "execute_result"):
                outputs.append(msg["content"])

        reply = self.client.execute_interactive(source, store_history=False, user_expressions=expressions,
                                                output_hook=hook, timeout=60)
        content = reply["content"]
        values = {name: ast.literal_eval(result["data"]["text/plain"])
                  for name, result in content.get("user_expressions", {}).items() if result.get("status") == "ok"}
        return content["status"], outputs, values

    def stop(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory, module_tag):
    folder = tmp_path_factory.mktemp("kernel-cwd")
    kernel = Kernel(folder, module_tag)
    yield kernel
    kernel.stop()


def injected_source(value):
    """The injected-parameters cell's source as the staged input notebook holds it: inject, write
    as the planner does (JSON, ASCII-escaped), read back as nbconvert does."""
    staged = params.inject(BASE, {"state": value}, {"state": value if isinstance(value, str) else repr(value)})
    text = json.dumps(staged, indent=1, ensure_ascii=True, default=repr)
    nb = nbformat.reads(text, as_version=4)
    cells = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1 and nb.cells.index(cells[0]) == 1
    if isinstance(value, str) and not any("\ud800" <= c <= "\udfff" for c in value):
        # (A values file is UTF-8, so it never carries lone surrogates; JSON would pair two of them.)
        assert nb.metadata["jupyterstream"]["environment"]["state"] == value
    return cells[0].source


def assert_only_an_assignment_of_a_literal(source):
    """Statically: one assignment to ``state`` whose right-hand side contains no call, name or attribute."""
    tree = ast.parse(source)
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign), source[:300]
    (target,) = tree.body[0].targets
    assert isinstance(target, ast.Name) and target.id == "state"
    allowed = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.UnaryOp, ast.USub, ast.UAdd, ast.Load)
    for node in ast.walk(tree.body[0].value):
        if isinstance(node, ast.Call):  # non-finite floats are written as float('nan') / float('inf')
            assert ast.unparse(node) in ("float('nan')", "float('inf')", "float('-inf')"), ast.unparse(node)
        elif not isinstance(node, ast.Name) or node.id != "float":
            assert isinstance(node, allowed), (type(node).__name__, source[:300])


@settings(max_examples=1200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(text=STRINGS)
@example(text="")
@example(text="x" * 1_000_000)
@example(text="\ud800\udc00" * 50_000)  # a surrogate *pair* written as two code points: must stay two
@example(text="".join(PIECES))
def test_any_string_injected_into_a_notebook_is_exactly_that_string_in_a_real_kernel(kernel, text):
    value = params.convert("state", text, "XX")
    assert value is text
    source = injected_source(value)
    assert_only_an_assignment_of_a_literal(source)
    status, outputs, got = kernel.run(source, digest=DIGEST.format("state"), length="len(state)",
                                      kind="type(state).__name__")
    assert status == "ok" and outputs == [], outputs
    assert got == {"digest": digest(text), "length": len(text), "kind": "str"}
    assert list(kernel.folder.iterdir()) == []


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(value=LITERALS)
@example(value=[float("nan"), float("inf"), -0.0, {"\ud800": (float("-inf"),)}])
def test_any_literal_value_is_rebuilt_exactly_in_a_real_kernel(kernel, value):
    source = injected_source(value)
    assert_only_an_assignment_of_a_literal(source)
    status, outputs, got = kernel.run(source, digest=DIGEST.format("repr(state)"))
    assert status == "ok" and outputs == [], outputs
    assert got == {"digest": digest(repr(value))}
    assert list(kernel.folder.iterdir()) == []


def nasty_values(marker):
    """The strings most likely to run something if they were ever pasted into a shell, Python,
    IPython or a GNU parallel command template, a few to a value to keep the sweep short."""
    return [
        f"$(touch {marker}) `touch {marker}` '; touch {marker}; ' \"; touch {marker}; \"",
        f"'); __import__('os').system('touch {marker}') #",
        f"\n!touch {marker}\n%system touch {marker}\n",
        f"{{= system('touch {marker}') =}} {{}} {{1}} {{#}} {{.}}",
        "--help",
        "..",
        "nul\x00 cr\rlf\r\n tab\t \u202eRTL\u200f \u2028 \U0001F469\u200d\U0001F4BB \\x41\\'\\",
        "x" * 90_000,  # long, yet it fits in an environment variable (Linux: at most 128 KiB each)
        "",
    ]


def test_nasty_values_and_a_nasty_output_path_reach_the_kernel_exactly_and_nothing_else_runs(tmp_path, tag):
    marker = tmp_path / "pwned"
    # The notebook, the values file and OUTPUT live in folders whose names are shell code too
    # (a relative 'touch pwned' would land in the CLI's folder, the repo, or in the kernel's).
    home = tmp_path / "nb $(touch pwned) 'q\" `touch pwned` ; x"
    home.mkdir()
    notebook = home / "echo.ipynb"
    shutil.copy(NOTEBOOKS / "echo.ipynb", notebook)
    table = home / "values $(touch pwned).csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["state"])
        writer.writerows([v] for v in nasty_values(marker))
    output = home / "out $(touch pwned) 'q\" `touch pwned` ; x"
    code, _, err = run_tagged(["run", notebook, table, "--output", output, "--jobs", 2], tag, tmp_path / "logs")
    ran_in_repo = (REPO / "pwned").exists()
    if ran_in_repo:
        (REPO / "pwned").unlink()
    assert code == 0, err
    received = {}
    for job in plan_jobs(output):
        assert status_of(output, job["id"])["status"] == "ok"
        nb = json.loads((output / "runs" / f"{job['id']}.ipynb").read_text())
        recorded = {o["data"]["application/vnd.jupyterstream.metric+json"]["name"]:
                    o["data"]["application/vnd.jupyterstream.metric+json"]["value"]
                    for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "display_data"}
        received[job["texts"]["state"]] = recorded
        assert nb["metadata"]["jupyterstream"]["parameters"] == {"state": job["texts"]["state"]}
    assert sorted(received) == sorted(nasty_values(marker))
    for value, recorded in received.items():
        assert recorded["value"] == value
        # An environment variable cannot hold NUL: that one value is left out of the environment.
        assert recorded["env"] == (None if "\x00" in value else value)
    assert not marker.exists() and not ran_in_repo
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["logs", home.name])
    assert sorted(p.name for p in home.iterdir()) == sorted(["echo.ipynb", table.name, output.name])


def test_a_value_too_long_for_an_environment_variable_still_reaches_the_notebook(tmp_path, tag):
    """70,000 x 'é' is 140 KB in UTF-8: within the CSV field limit, but more than Linux lets one
    environment variable hold (128 KiB). The run must not fail for it."""
    value = "\u00e9" * 70_000
    table = tmp_path / "values.csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["state"], [value], ["short"]])
    output = tmp_path / "out"
    code, _, err = run_tagged(["run", NOTEBOOKS / "echo.ipynb", table, "--output", output], tag, tmp_path / "logs")
    assert code == 0, err
    for job in plan_jobs(output):
        record = status_of(output, job["id"])
        assert record["status"] == "ok", record.get("message")
        nb = json.loads((output / "runs" / f"{job['id']}.ipynb").read_text())
        recorded = {o["data"]["application/vnd.jupyterstream.metric+json"]["name"]:
                    o["data"]["application/vnd.jupyterstream.metric+json"]["value"]
                    for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "display_data"}
        assert recorded["value"] == job["texts"]["state"]
    assert {len(j["texts"]["state"]) for j in plan_jobs(output)} == {70_000, 5}


def test_an_output_folder_named_with_parallel_replacement_strings_runs_no_code(tmp_path, tag, values):
    """GNU parallel expands {} and {= perl =} anywhere in a job's command: an OUTPUT folder whose
    name holds them must either work as a plain name or be refused up front; no Perl may run."""
    marker = tmp_path / "perl-ran"
    output = tmp_path / 'out {} {= system("touch", $ENV{JSF_MARKER}) =}'
    env = tagged_env(tag, JSF_MARKER=marker)
    code, out, err = run_tagged(["run", NOTEBOOKS / "echo.ipynb", values("AL"), "--output", output], tag,
                                tmp_path / "logs", env=env)
    assert not marker.exists(), "GNU parallel ran Perl code taken from the OUTPUT folder's name"
    assert "Traceback" not in err + out
    if code == 0:
        assert status_of(output, "AL")["status"] == "ok"
    else:  # refused before anything ran, naming the folder
        assert code == 3 and str(output) in err, err
        assert "parallel --will-cite" not in err
        assert not (output / "runs").exists()
