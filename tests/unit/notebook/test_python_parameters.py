"""lang.python: a parameters cell read as IPython runs it, every simple assignment form, the comments
inspect shows, and the environment variables a notebook reads."""

import pytest

from jupyterstream.errors import NotebookError
from jupyterstream.notebook.lang import python
from jupyterstream.notebook.lang.python_source import NO_LITERAL


def defaults(source):
    return python.read_defaults(source, "nb.ipynb")


# --- IPython syntax ---------------------------------------------------------------------------


def test_shell_capture_and_line_magics_are_read_as_ipython_runs_them():
    found = defaults("files = !ls\n%env GREETING=hi\n%matplotlib inline\nlimit = 5\n")
    assert found == {"files": NO_LITERAL, "limit": 5}


def test_capture_cell_magic_is_read_as_its_python_body():
    assert defaults("%%capture\nlimit = 5\nname = 'x'\nprint('hidden')\n") == {"limit": 5, "name": "x"}


def test_time_cell_magic_body_may_itself_hold_line_magics():
    assert defaults("%%time\n%env A=1\nn = 2\n") == {"n": 2}


def test_a_cell_magic_whose_body_is_not_python_defines_no_parameter():
    assert defaults("%%bash\nx=1\necho $x\n") == {}


def test_a_parameters_cell_that_is_not_python_even_for_ipython_names_the_line():
    with pytest.raises(NotebookError, match=r"not valid Python, even read as IPython would run it: .*\(line 2\)"):
        defaults("n = 1\nstate = (\n")


def test_a_parameters_cell_nested_too_deeply_for_the_parser_is_refused_not_crashed_on():
    # Python's parser runs out of memory on 200,000 unary minuses (MemoryError, not SyntaxError)
    with pytest.raises(NotebookError, match="not valid Python.*nested too deeply for Python to read"):
        defaults("n = " + "-" * 200_000 + "1\n")


# --- assignment forms -------------------------------------------------------------------------


@pytest.mark.parametrize("source, expected", [
    ("lo, hi = 0, 10\n", {"lo": 0, "hi": 10}),
    ("(lo, hi) = (0, 10)\n", {"lo": 0, "hi": 10}),
    ("[lo, hi] = [0, 10]\n", {"lo": 0, "hi": 10}),
    ("(a, b), c = (1, 2), 'x'\n", {"a": 1, "b": 2, "c": "x"}),
    ("alpha: float = 0.5\n", {"alpha": 0.5}),
    ("a = b = 1\n", {"a": 1, "b": 1}),
    ("a = b, c = 1, 2\n", {"a": (1, 2), "b": 1, "c": 2}),
    ("first, *rest = 1, 2, 3\n", {"first": 1, "rest": [2, 3]}),
    ("*head, last = 1, 2\n", {"head": [1], "last": 2}),
    ("first, *rest = [1]\n", {"first": 1, "rest": []}),
])
def test_every_simple_assignment_form_binds_each_name_to_its_literal(source, expected):
    assert defaults(source) == expected


@pytest.mark.parametrize("source, names", [
    ("a, b = f()\n", ["a", "b"]),
    ("a, b = 1, 2, 3\n", ["a", "b"]),
    ("a, b = (*xs,)\n", ["a", "b"]),
    ("run_fast = 1 > 2\n", ["run_fast"]),
    ("first, *rest = 1, f()\n", ["rest"]),
])
def test_a_name_whose_value_is_not_a_literal_is_a_parameter_without_a_type(source, names):
    found = defaults(source)
    assert all(found[n] is NO_LITERAL for n in names)


def test_items_attributes_declarations_and_nested_blocks_define_no_parameter():
    source = "cfg = {}\ncfg['k'] = 1\nobj.attr = 2\ndeclared: int\nn += 1\nif True:\n    hidden = 3\n"
    assert defaults(source) == {"cfg": {}}


# --- describe ---------------------------------------------------------------------------------


def test_describe_gives_each_parameter_its_default_text_and_the_comment_on_its_line():
    source = ("%%capture\n"
              "state = 'CA'  # USPS code\n"
              "lo, hi = 0, 10 # the range\n"
              "run_fast = 1 > 2\n"
              "state = 'NY'\n")
    found = python.describe(source, "nb.ipynb")
    assert [(p["name"], p["text"], p["comment"]) for p in found] == [
        ("state", "'NY'", ""), ("lo", "0", "the range"), ("hi", "10", "the range"), ("run_fast", "1 > 2", "")]
    assert found[0]["default"] == "NY" and found[3]["default"] is NO_LITERAL


# --- environment reads ------------------------------------------------------------------------


def test_environment_reads_finds_every_constant_read_first_seen_first():
    cells = ["import os\nstate = os.environ['state']\n",
             "year = os.environ.get('year', '2000')\nhome = os.getenv('HOME')\n",
             "if 'DEBUG' not in os.environ:\n    pass\nos.environ.setdefault('LEVEL', '1')\nos.environ['state']\n"]
    assert python.environment_reads(cells) == ["state", "year", "HOME", "DEBUG", "LEVEL"]


def test_environment_reads_follows_import_aliases_across_cells():
    cells = ["import os as o\nfrom os import environ as env, getenv\n",
             "a = o.environ['a']\nb = env.get('b')\nc = getenv('c')\n"]
    assert python.environment_reads(cells) == ["a", "b", "c"]


def test_environment_reads_ignores_reads_by_a_computed_name_and_other_mappings():
    cells = ["import os\nkey = 'x'\nos.environ[key]\nos.getenv(f'{key}')\n",
             "environ = {'y': 1}\nenviron['y']\nsettings.get('z')\n"]
    assert python.environment_reads(cells) == []


def test_environment_reads_reads_ipython_cells_and_skips_cells_that_are_not_python():
    cells = ["files = !ls\nimport os\n%env X=1\nstate = os.environ['state']\n", "def broken(:\n",
             "%%capture\nyear = os.getenv('year')\n"]
    assert python.environment_reads(cells) == ["state", "year"]


def test_describe_shows_an_ipython_default_as_written_with_its_comment():
    found = python.describe("files = !ls  # the inputs\nenv = %env\nn = 1\n", "nb.ipynb")
    assert [(p["text"], p["comment"]) for p in found] == [("!ls", "the inputs"), ("%env", ""), ("1", "")]


@pytest.mark.parametrize("source, expected", [('s = "a\u2028b"\n', {"s": "a\u2028b"}), ("x = 1\x0c\ny = 2\n", {"x": 1, "y": 2}),
                                              ("n = 1 if 1else 2\n", {"n": NO_LITERAL})])
def test_odd_line_breaks_and_syntax_warnings_in_the_cell_are_read_without_a_warning(source, expected):
    assert defaults(source) == expected


@pytest.mark.parametrize("source", ['s = """\n%env X\n!ls\n"""\n', "x = 5 %2\n", "y = (1\n    ,2)\n", "x = 1;\n",
                                    "# %env X=1\nx = 1\n", 's = """\n  ?x\n"""\n', "a = [\n  1,\n]\n"])
def test_valid_python_is_read_as_it_is_because_ipython_runs_it_unchanged(source):
    import ast

    from jupyterstream.notebook.lang.python_source import parse, transform

    assert ast.dump(parse(source)[0]) == ast.dump(ast.parse(transform(source)))


def test_describe_finds_the_comment_closing_a_multi_line_default():
    found = python.describe("items = [1,\n         2]  # the items\nlabel = (  # the label\n    'x')\n", "nb.ipynb")
    assert [(p["name"], p["comment"]) for p in found] == [("items", "the items"), ("label", "the label")]
