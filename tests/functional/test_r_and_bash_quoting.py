"""Any string written by lang.r / lang.bash reaches a real IRkernel / bash_kernel exactly, and runs nothing.

One kernel per language serves every example: the injected cell is executed as the job would
execute it, then the kernel prints what it holds as code points (R) or UTF-8 bytes (bash).
"""

import json
import queue

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jupyter_client.manager import KernelManager

from jupyterstream.notebook.lang import bash, r

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
NASTY = [
    "$(touch pwned)", "`touch pwned`", "'); system(\"touch pwned\") #", "\"; system('touch pwned'); \"",
    # shlex.quote keeps a Ctrl-A as it is; bash_kernel's readline then moves to the start of the line and
    # the rest of the value becomes a command in front of the assignment: touch ran (seen, with papermill's
    # way of quoting).
    "\x01touch pwned; #",
    "a\\\\b\\", "line\nbreak\r\n", "\x01\x03\x04\x15\x1a\x7f\t", "!!", "\u00e9\U0001f600\u202e", "\\u{41}\\x41",
]


class Kernel:
    """A real kernel for these tests: execute a cell, return its stdout (bounded waits only)."""

    def __init__(self, name, cwd):
        self.manager = KernelManager(kernel_name=name)
        self.manager.start_kernel(cwd=str(cwd))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code, timeout=60):
        """Execute ``code``; return (stdout text, error output or None)."""
        msg_id = self.client.execute(code)
        out, error = [], None
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"the kernel said nothing for {timeout} s running:\n{code}") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                error = content
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out), error

    def stop(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kernel-cwd")
    started = {}

    def kernel(name):
        if name not in started:
            started[name] = Kernel(name, folder)
        return started[name]

    yield folder, kernel
    for kernel in started.values():
        kernel.stop()


def _held_in_r(kernel, texts):
    names = {f"v{i}": text for i, text in enumerate(texts)}
    show = "".join(f'cat("{n}:", utf8ToInt({n}), "\\n")\n' for n in names)
    out, error = kernel.run(r.cell_source(names) + show)
    assert error is None, error
    return [[int(c) for c in line.split(":", 1)[1].split()] for line in out.splitlines()]


def _held_in_bash(kernel, texts):
    names = {f"v{i}": text for i, text in enumerate(texts)}
    show = "".join(f'printf "%s\\n" "$(printf %s "${n}" | od -An -v -tx1 | tr -d " \\n")"\n' for n in names)
    out, error = kernel.run(bash.cell_source(names) + show)
    assert error is None, error
    return [line.strip() for line in out.splitlines()]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXT, min_size=1, max_size=8))
@example(NASTY)
def test_any_string_written_as_r_reaches_irkernel_exactly_and_runs_nothing(kernels, texts):
    folder, kernel = kernels
    assert _held_in_r(kernel("ir"), texts) == [[ord(c) for c in text] for text in texts]
    assert not (folder / "pwned").exists()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXT, min_size=1, max_size=8))
@example(NASTY)
def test_any_string_written_as_bash_reaches_bash_kernel_exactly_and_runs_nothing(kernels, texts):
    folder, kernel = kernels
    assert _held_in_bash(kernel("bash"), texts) == [text.encode("utf-8").hex() for text in texts]
    assert not (folder / "pwned").exists()


@pytest.mark.parametrize("value", [0.1 + 0.2, 1e-300, -5e-324, 1.7976931348623157e308, 123456.789, 3.0])
def test_doubles_written_as_r_are_the_same_doubles_in_irkernel(kernels, value):
    _, kernel = kernels
    out, error = kernel("ir").run(r.cell_source({"x": value}) + 'cat(sprintf("%a", x))')
    assert error is None, error
    assert float.fromhex(out.strip()) == value


def test_a_bash_variable_declared_integer_or_nameref_takes_a_text_value_without_evaluating_it(kernels):
    folder, kernel = kernels
    value = "a[$(touch pwned)]"
    injected = bash.cell_source({"iv": value, "nv": value})
    code = f'declare -i iv\ndeclare -n nv\n{injected}printf "%s|%s" "$iv" "$nv"'
    out, error = kernel("bash").run(code)
    assert error is None, error
    assert out.rstrip("\n") == f"{value}|{value}"
    assert not (folder / "pwned").exists()


def test_typed_values_written_as_r_have_the_r_type_and_value_the_default_implies(kernels):
    _, kernel = kernels
    values = {"i": 7, "b": False, "n": None, "v": [1, 2], "s": ["a", "é"], "l": [1, "a"], "m": {"k": True, "j": 1.5}}
    show = ('cat(sapply(list(i, b, v, s, l, m), function(x) class(x)[1]), is.null(n), "\\n")\n'
            'cat(jsonlite::toJSON(list(i = i, b = b, v = v, s = s, l = l, m = m), auto_unbox = TRUE))')
    out, error = kernel("ir").run(r.cell_source(values) + show)
    assert error is None, error
    classes, data = out.splitlines()
    assert classes.split() == ["integer", "logical", "integer", "character", "list", "list", "TRUE"]
    assert json.loads(data) == {"i": 7, "b": False, "v": [1, 2], "s": ["a", "é"], "l": [1, "a"],
                                "m": {"k": True, "j": 1.5}}


def test_parameter_names_r_cannot_read_bare_still_name_their_values_in_irkernel(kernels):
    _, kernel = kernels
    names = ["odd name", "caf\u00e9", "q\"`\\", "if"]
    show = "for (n in c(" + ", ".join(r.string(n) for n in names) + ')) cat(get(n), "")'
    out, error = kernel("ir").run(r.cell_source({n: i for i, n in enumerate(names, 1)}) + show)
    assert error is None, error
    assert out.split() == ["1", "2", "3", "4"]
