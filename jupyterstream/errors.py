"""Named errors. Each message says what happened, where, and what to do."""

from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def place(path: str | Path, line: int | str | None) -> str:
    """Where a value came from, for a message: 'file:3', "':::' group 2, value 3" (a line that is
    words), or the path alone (a Python expression such as values[2]['k'], or a whole file)."""
    if isinstance(line, str):
        return f"{path}, {line}"
    return f"{path}:{line}" if line else str(path)


class JupyterstreamError(Exception):
    """Base class: an error the user can act on (the CLI prints it and exits 2)."""

    exit_code = 2


class ValuesError(JupyterstreamError):
    """The values file cannot be used as it is."""

    def __init__(self, path, line, problem):
        self.path, self.line, self.problem = str(path), line, problem
        super().__init__(f"{place(self.path, line)}: {problem}")


class NotebookError(JupyterstreamError):
    """The notebook cannot be parameterized or read."""

    def __init__(self, path, problem):
        self.path, self.problem = str(path), problem
        super().__init__(f"{self.path}: {problem}")


class ParameterError(JupyterstreamError):
    """A parameter name or value does not fit the notebook's parameters cell."""


class SetupError(JupyterstreamError):
    """A tool we need (GNU parallel, a kernel) is missing or unusable."""

    exit_code = 3


class OutputError(JupyterstreamError):
    """The output folder cannot be used."""

    exit_code = 3


class InputsError(JupyterstreamError):
    """The files a notebook reads (INPUTS) cannot be sent as they are."""


class ArgumentError(JupyterstreamError):
    """An argument of jupyterstream.run or load cannot be used as it is (its name says which)."""
