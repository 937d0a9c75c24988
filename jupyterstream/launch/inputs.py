"""What a notebook reads: the files declared with INPUTS, or else those its code names in string
literals, and always the modules beside it that it imports; gathered under one root folder that
every run folder mirrors.

The root is the notebook's own folder, or, when an input lies outside it (``../shared.csv``), the
deepest folder holding both: the run folder then mirrors that root, and the kernel works in the
notebook's folder inside it, so every relative path means what it means beside the notebook.
"""

from __future__ import annotations

import glob
import itertools
import os
import re
from dataclasses import dataclass, field

from ..errors import InputsError
from ..notebook.lang import language_of
from ..runner.cells import import_targets, local_module, parsed, parsed_cells, targets_in, top_level
from ..runner.rundir import files_text, size_text
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode
    from pathlib import Path

# Inputs found in the code (not declared) may come to this much a host before the sweep asks for INPUTS.
FOUND_LIMIT = 1_000_000_000
LITERAL_MAX = 300  # longer strings are text, not paths


@dataclass
class Inputs:
    """The inputs of a sweep: their root, the notebook's folder in it, and every file to send."""

    root: str
    notebook_dir: str = "."
    paths: list = field(default_factory=list)   # as declared or found, relative to the notebook's folder
    files: list = field(default_factory=list)   # (path relative to root, size in bytes)
    found: bool = False                          # found in the code rather than declared
    modules: list = field(default_factory=list)  # modules beside the notebook that it imports (in paths too)
    folders: list = field(default_factory=list)  # folders every run folder has (relative to root), empty or not
    in_values: bool = False                      # some were found in the values rather than the code

    shipped: list = field(default_factory=list)  # names the notebook imports that the inputs hold (helpers)

    @property
    def present(self) -> bool:
        """True when run folders get anything: files, or folders for the notebook to write into."""
        return bool(self.files or self.folders)

    @property
    def total(self) -> int:
        """Bytes of every input file."""
        return sum(size for _, size in self.files)

    def describe(self, sent: bool = False) -> str:
        """One line: what the runs get, how big, where it came from (and, with ``sent``, how it travels)."""
        named = [p for p in self.paths if p not in self.modules]
        how = [] if self.found and not named else [
            f"found in the notebook's code{' and values' if self.in_values else ''}; declare them with INPUTS=..."
            if self.found else "declared with INPUTS"]
        imported = [m for m in self.modules if m not in named]
        how += [f"{', '.join(imported)}: imported by the notebook"] if imported else []
        how = "; ".join(how)
        holding = {os.path.dirname(name) for name, _ in self.files}
        bare = [f for f in self.folders if not any(h == f or h.startswith(f + os.sep) for h in holding)]
        empty = [f"{os.path.relpath(os.path.join(self.root, f), os.path.join(self.root, self.notebook_dir))}/"
                 for f in bare if os.path.dirname(f) not in bare]  # the topmost of each empty tree
        made = f"; empty folders made in each run folder: {', '.join(empty)}" if empty else ""
        if not self.paths:
            if empty:
                return f"inputs: none{made}"
            return "inputs: none (the notebook's code names no file beside it; declare them with INPUTS=...)"
        return (f"inputs ({how}): {shortened(self.paths)}: {files_text(len(self.files))}, {size_text(self.total)}"
                + (", sent once per host" if sent else ", copied once per sweep") + made)


PATHS_SHOWN = 10


def shortened(paths: list[str]) -> str:
    """Paths for a message: the first few, then how many in all."""
    shown = ", ".join(paths[:PATHS_SHOWN])
    return shown + (f", ... ({len(paths)} in all)" if len(paths) > PATHS_SHOWN else "")


def inputs_for(notebook: str | Path, nb: NotebookNode, declared: list, output: str | Path, values: tuple | list[str] = ()) -> Inputs:
    """The Inputs of a sweep: ``declared`` paths (relative to the notebook's folder), or those found
    in its code and in ``values`` (the texts of the values file: a sweep over files names them there)."""
    folder = os.path.dirname(os.path.abspath(notebook))
    skip = os.path.abspath(output)
    targets = import_targets(nb.cells)
    modules, module_literals = local_modules(targets, folder, skip)
    by_values = []
    texts = named_texts(nb) + module_literals
    written = written_only(nb)
    if declared:
        paths = [_checked(folder, p) for p in declared]
    else:
        paths = found_in_code([t for t in texts if t not in written], folder, skip)
        by_values = [p for p in found_in_code(_value_texts(values), folder, skip) if p not in paths]
        paths = sorted(paths + by_values)
    paths += [m for m in modules if m not in paths]
    absolute = [os.path.normpath(os.path.join(folder, p)) for p in paths]
    root = os.path.commonpath([folder] + [p if os.path.isdir(p) else os.path.dirname(p) for p in absolute])
    files, folders = {}, set()
    for path in absolute:
        for name, size in _walk(path, skip):
            files[os.path.relpath(name, root)] = size
        folders.update(os.path.relpath(d, root) for d in _folders(path, skip))
    folders.update(os.path.relpath(os.path.join(folder, d), root) for d in write_folders(texts, folder, skip, written))
    inputs = Inputs(root, os.path.relpath(folder, root), paths, sorted(files.items()), not declared, modules,
                    sorted(folders), bool(not declared and by_values), shipped_modules(targets, absolute))
    if inputs.found and inputs.total > FOUND_LIMIT:
        where = "code and values file name" if by_values else "code names"
        raise InputsError(f"{notebook}: its {where} {size_text(inputs.total)} of files ({shortened(paths)}), more "
                          f"than the {size_text(FOUND_LIMIT)} sent to each host without asking: say what it reads "
                          "with INPUTS=data/x.csv (several paths allowed, relative to the notebook's folder)")
    return inputs


def _value_texts(values):
    """The texts of a values file that could name a file (one line, not too long)."""
    return list(dict.fromkeys(t for t in values if isinstance(t, str) and 0 < len(t) <= LITERAL_MAX
                              and "\n" not in t and "\0" not in t))


def found_in_code(texts: list, folder: str | Path, skip: str) -> list:
    """Paths (relative to ``folder``) of existing files and folders that ``texts`` (what the code
    names: see named_texts and local_modules) name; a glob pattern names the folder it searches
    (``data/*.csv``: ``data/``), or its matches beside the notebook (``*.csv``). Never the notebook's
    folder or one above it, nor anything in OUTPUT."""
    found = []
    for text in texts:
        found += _named_paths(text, folder, skip)
    return sorted(dict.fromkeys(found))


GLOB = re.compile(r"[*?[]")


def _named_paths(text, folder, skip):
    """The existing paths (relative to ``folder``) that one text names, as found_in_code says."""
    if os.path.isabs(text) or not text.strip(".").strip("/"):
        return []
    if GLOB.search(text):
        parts = text.split("/")
        head = "/".join(parts[:next(i for i, part in enumerate(parts) if GLOB.search(part))])
        if head.strip(".").strip("/"):
            return _named_paths(head, folder, skip)
        matches = itertools.islice(glob.iglob(os.path.join(folder, text), recursive=True), MATCHES_MAX)
        return [p for match in sorted(matches) for p in _named_paths(os.path.relpath(match, folder), folder, skip)]
    path = os.path.normpath(os.path.join(folder, text))
    if not os.path.exists(path) or os.path.commonpath([path, folder]) == path or _inside(path, skip):
        return []
    return [os.path.relpath(path, folder) + ("/" if os.path.isdir(path) else "")]


MATCHES_MAX = 1000  # of a pattern beside the notebook


def write_folders(texts: list, folder: str | Path, skip: str, written: set | tuple = ()) -> list:
    """Folders beside the notebook (relative to it) that the run writes into: the deepest folder that
    exists of a missing path the code names (``figures/`` for ``savefig("figures/AL.png")``), and
    the folder of each path that the code only ever writes to (``written``: see written_only).
    Each run folder has them, empty, so that the notebook can write there as it does beside itself."""
    found = []
    for text in texts:
        if os.path.isabs(text) or GLOB.search(text) or ("/" not in text.strip("/") and text not in written):
            continue  # a missing path of one name would be made beside the notebook: no folder to make
        named = path = os.path.normpath(os.path.join(folder, text))
        if text in written and os.path.isfile(path):
            path = os.path.dirname(path)
        while not os.path.exists(path) and os.path.dirname(path) != path:
            path = os.path.dirname(path)
        if ((path != named or text in written) and os.path.isdir(path) and path != folder
                and os.path.commonpath([path, folder]) == folder and not _inside(path, skip)):
            found.append(os.path.relpath(path, folder))
    return sorted(dict.fromkeys(found))


def written_only(nb: NotebookNode) -> set:
    """String literals of the notebook's Python code that appear only in the file a call writes:
    ``df.to_csv(f"output/{state}.csv")``, ``savefig("figures/AL.png")``, ``open(path, "w")``,
    ``Path("out.txt").write_text(...)``. Those paths are the run's output, not its input: a file
    already there from an earlier run by hand is not sent (the run would have to overwrite it)."""
    uses, writes = {}, {}
    for code in parsed_cells(nb.cells):
        for text in code.strings:
            uses[text] = uses.get(text, 0) + 1
        for text in code.written:
            writes[text] = writes.get(text, 0) + 1
    return {text for text, count in writes.items() if count >= uses.get(text, 0)}


def local_modules(targets: list, folder: str | Path, skip: str) -> tuple[list, list]:
    """(paths, literals): the modules beside the notebook (relative to ``folder``) that its code
    imports, and those that they import in turn (``x.py``, or an extension module, for ``import x``;
    the package folder ``x/``, one with ``__init__.py``, for ``import x.y``), and the string literals
    of their code. The kernel finds them in its working folder, as it would beside the notebook."""
    modules, texts, read = [], [], 0
    todo, seen = list(targets), set()
    while todo:
        name = top_level(todo.pop(0))
        if name in seen:
            continue
        seen.add(name)
        found = _local_module(name, folder, skip)
        if found is None:
            continue
        modules.append(found)
        for source in _python_files(os.path.join(folder, found)):
            if read >= MODULE_FILES_MAX:
                break
            read += 1
            try:
                with open(source, "rb") as handle:
                    code = parsed(handle.read(MODULE_BYTES_MAX))
            except OSError:
                continue
            if code is None:
                continue
            todo += targets_in([code])
            texts += _strings(code)
    return modules, list(dict.fromkeys(texts))


MODULE_FILES_MAX = 500  # Python files of local modules read for what they import and name
MODULE_BYTES_MAX = 2_000_000


def shipped_modules(targets: list, inputs: list) -> list:
    """The top-level names the notebook imports that its inputs hold: a module beside it, or one in
    a folder it sends (``../src/`` holding ``mylib/``, for ``sys.path.append("../src")``). A host
    needs them from the inputs, not installed."""
    places = {os.path.dirname(p) if not os.path.isdir(p) else p for p in inputs}
    names = dict.fromkeys(top_level(t) for t in targets)
    return [name for name in names if any(_local_module(name, place, None) for place in sorted(places))]


def _local_module(name, folder, skip):
    """``name/`` or ``name.py`` (or ``name`` + an extension suffix) beside the notebook, or None."""
    if skip is not None and _inside(os.path.join(folder, name), skip):
        return None
    return local_module(name, folder)


def _python_files(path):
    """A module file, or the .py files of a package folder."""
    if not os.path.isdir(path):
        return [path] if path.endswith(".py") else []
    return sorted(os.path.join(d, n) for d, _, names in os.walk(path) for n in names if n.endswith(".py"))


def named_texts(nb: NotebookNode) -> list:
    """Every text in the notebook's code that may name a file beside it: Python's string literals;
    in code that is not Python (an R or bash kernel, a cell that does not parse) its quoted strings;
    and in shell code (a bash kernel, IPython's ``!`` and ``%`` lines, ``%%bash`` cells) its words."""
    language = language_of(nb)
    shell_kernel, python = language in SHELLS, language == "python"
    texts = [] if shell_kernel else string_literals(nb)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        lines = "".join(cell.get("source", "")).splitlines()
        body_is_shell = shell_kernel or bool(lines and SHELL_CELL.match(lines[0]))
        parses = python and not body_is_shell and _parses(lines)
        for line in lines:
            magic = python and line.lstrip().startswith(("%", "!"))
            if body_is_shell or magic:
                texts += _words(line)
            if not parses and not magic:
                texts += [a or b for a, b in QUOTED.findall(line)]
    return list(dict.fromkeys(t for t in texts if 0 < len(t) <= LITERAL_MAX and "\0" not in t))


SHELLS = ("bash", "sh", "zsh")
SHELL_CELL = re.compile(r"\s*%%(bash|sh|script|system)\b")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')
SHELL_SEPARATORS = re.compile(r"[\s;|&<>()`]+")


def _words(line):
    """A shell line's words, quotes taken off (``a=b`` gives ``b`` too: --out=data/x.csv)."""
    words = []
    for word in SHELL_SEPARATORS.split(line.lstrip().lstrip("%!")):
        words += [part.strip("'\"") for part in [word] + word.split("=", 1)[1:]]
    return words


def _parses(lines):
    return parsed("\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))) is not None


def string_literals(nb: NotebookNode) -> list:
    """Every short one-line string constant in the notebook's code cells (f-strings give their parts)."""
    texts = []
    for code in parsed_cells(nb.cells):
        texts += _strings(code)
    return list(dict.fromkeys(texts))


def _strings(code):
    """The short one-line string constants of a Parsed."""
    return [text for text in code.strings if _short(text)]


def _short(text):
    return 0 < len(text) <= LITERAL_MAX and "\n" not in text and "\0" not in text


def _checked(folder, declared):
    path = os.path.normpath(os.path.join(folder, declared))
    if os.path.isabs(declared):
        raise InputsError(f"INPUTS: {declared}: give paths relative to the notebook's folder ({folder}), as the "
                          "notebook itself opens them")
    if not os.path.exists(path):
        raise InputsError(f"INPUTS: {declared}: no such file or folder in {folder} (paths are relative to the "
                          "notebook's folder)")
    if os.path.commonpath([path, folder]) == path:
        raise InputsError(f"INPUTS: {declared} is the notebook's folder or one above it: name the files or "
                          "folders the notebook reads")
    return os.path.relpath(path, folder) + ("/" if os.path.isdir(path) else "")


def _walk(path, skip):
    """(file, size) for a file, or for every file below a folder (OUTPUT left out)."""
    if not os.path.isdir(path):
        yield path, os.path.getsize(path)
        return
    for folder, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if not _inside(os.path.join(folder, d), skip)]
        for name in names:
            full = os.path.join(folder, name)
            if os.path.isfile(full):
                yield full, os.path.getsize(full)


def _folders(path, skip):
    """A folder input and every folder below it (OUTPUT left out); nothing for a file."""
    if not os.path.isdir(path):
        return []
    found = []
    for folder, dirs, _ in os.walk(path):
        dirs[:] = [d for d in dirs if not _inside(os.path.join(folder, d), skip)]
        found.append(folder)
    return found


def _inside(path, folder):
    return os.path.commonpath([os.path.abspath(path), folder]) == folder


UNITS = {"": 1, "b": 1, "k": 10 ** 3, "kb": 10 ** 3, "m": 10 ** 6, "mb": 10 ** 6, "g": 10 ** 9, "gb": 10 ** 9,
         "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30}


def parse_size(text: str) -> int:
    """Bytes from a size as a user writes it: 300MB, 1.5G, 2GiB, 500000 (0 or empty: no limit)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(text or "0"))
    if not found or found.group(2).lower() not in UNITS:
        raise ValueError(f"{text!r} is not a size: write it as 300MB, 1.5GB or a number of bytes")
    return int(float(found.group(1)) * UNITS[found.group(2).lower()])
