"""Named errors. Each message says what happened, where, and what to do."""


class JupyterstreamError(Exception):
    """Base class: an error the user can act on (the CLI prints it and exits 2)."""

    exit_code = 2


class ValuesError(JupyterstreamError):
    """The values file cannot be used as it is."""

    def __init__(self, path, line, problem):
        self.path, self.line, self.problem = str(path), line, problem
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}")


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
