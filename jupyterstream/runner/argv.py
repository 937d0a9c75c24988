"""run-one's command line, written once: the planner builds it (launch/parallel.py), the job parses it
(runner/job.py) and the collector reads it back from the joblog's command column (collect/joblog.py).

    run-one OUTPUT JOB_ID [JOB_ID...] [--mirror PATH] [--inputs FOLDER --notebook-dir DIR] [--files-limit BYTES]
            [--discard FOLDER]... [--sweep ID] [--job-timeout S] [--memory-limit BYTES]
            [--retryable-only] [--warm-kernels] [--cwd FOLDER] [--attempts N] -- jupyter nbconvert ...

The options are always written in that order, so that the same settings give the same line; a value
that starts with '-' is written ``--name=VALUE``, so that it is never read as an option. Several job
ids make a batch (runner/batch.py): GNU parallel's -X puts a batch's ids where the one id goes. Under Slurm the
line is prefixed by srun's words (launch/slurm.py); the reader finds run-one past them. Standard
library only: it is shipped with the rest of runner/ to every host.
"""

from __future__ import annotations

import argparse
import functools
import shlex
from dataclasses import dataclass, field
from typing import Iterable, NoReturn

NAME = "run-one"
DESCRIPTION = "One job, as GNU parallel runs it through bin/run-one: nbconvert plus a status record."
SEPARATOR = "--"  # run-one's options end here; the command it runs follows
ATTEMPTS = 3


class ArgvError(ValueError):
    """run-one's words do not parse (raised only when reading a joblog line back)."""


def seconds(value: float) -> str:
    """Seconds as parallel and run-one read them: no exponent (parallel refuses 1e+06)."""
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}".rstrip("0")


@dataclass
class RunOne:
    """run-one's arguments: which job in which output folder, its run folder, and the command it runs."""

    output: str
    job_id: str
    command: list[str] = field(default_factory=list)
    mirror: str | None = None          # the notebook's folder, mirrored in the run folder
    inputs: str | None = None          # this host's copy of the notebook's inputs
    notebook_dir: str = "."            # the notebook's folder inside ``inputs`` (written only with it)
    files_limit: int = 0               # bytes of files a run may bring home; 0: no limit
    discard: list[str] = field(default_factory=list)
    sweep: str = ""
    job_timeout: float = 0
    memory_limit: int = 0              # bytes of address space each process of the run may have; 0: none
    retryable_only: bool = False
    warm_kernels: bool = False
    cwd: str | None = None
    attempts: int = ATTEMPTS
    also: list[str] = field(default_factory=list)  # a batch's other job ids, after job_id

    @property
    def job_ids(self) -> list[str]:
        """Every job id this run-one runs: one, or a batch's several in order."""
        return [self.job_id, *self.also]

    def words(self) -> list[str]:
        """The words after run-one itself: output, job id, the options in their fixed order, --, the command."""
        for what, word in (("output folder", self.output), *(("job id", job_id) for job_id in self.job_ids)):
            if word.startswith("-"):
                raise ValueError(f"run-one's {what} {word!r} starts with '-' and would be read as an option")
        words = [self.output, *self.job_ids] + _option("--mirror", self.mirror)
        if self.inputs is not None:
            words += _option("--inputs", self.inputs) + _option("--notebook-dir", self.notebook_dir)
        words += ["--files-limit", str(self.files_limit)] if self.files_limit else []
        for folder in self.discard:
            words += _option("--discard", folder)
        words += _option("--sweep", self.sweep or None)
        words += ["--job-timeout", seconds(self.job_timeout)] if self.job_timeout else []
        words += ["--memory-limit", str(self.memory_limit)] if self.memory_limit else []
        words += ["--retryable-only"] if self.retryable_only else []
        words += ["--warm-kernels"] if self.warm_kernels else []
        words += _option("--cwd", self.cwd)
        words += ["--attempts", str(self.attempts)] if self.attempts != ATTEMPTS else []
        return words + [SEPARATOR] + list(self.command)


def _option(name: str, value: str | None) -> list[str]:
    """An option and its value; a value that starts with '-' joined by '=', so that it is never an option."""
    if value is None:
        return []
    return [f"{name}={value}"] if value.startswith("-") else [name, value]


def parser(quiet: bool = False) -> argparse.ArgumentParser:
    """run-one's argparse parser; ``quiet``: errors raise ArgvError instead of printing usage and exiting."""
    made = (_QuietParser if quiet else argparse.ArgumentParser)(prog=NAME, description=DESCRIPTION,
                                                                 add_help=not quiet)
    made.add_argument("output")
    # several ids make a batch: one nbconvert runs them in turn, each as its own job (runner/batch.py)
    made.add_argument("job_ids", nargs="+", metavar="JOB_ID")
    made.add_argument("--job-timeout", type=float, default=0)
    made.add_argument("--cwd", help="the folder the kernel runs in (default: the notebook's own folder, "
                                    "as the plan recorded it); over SSH, the job's own work folder")
    made.add_argument("--discard", action="append", default=[], metavar="FOLDER",
                      help="remove FOLDER when the job ends (over SSH: the files sent with the job, so "
                           "that only its results go back)")
    made.add_argument("--inputs", help="the folder holding this host's copy of the notebook's inputs, "
                                       "linked into the run folder")
    made.add_argument("--notebook-dir", default=".", help="the notebook's folder inside --inputs")
    made.add_argument("--mirror", help="the notebook's folder, its whole path as the planning machine names it: "
                                       "the kernel works in that path inside the run folder, so that '..' "
                                       "walks up through folders named as they are beside the notebook "
                                       "(default: the folder the plan recorded, when it is on this host)")
    made.add_argument("--files-limit", type=int, default=0, help="bytes of files a run may bring home")
    made.add_argument("--memory-limit", type=int, default=0,
                      help="bytes of address space the kernel and each process it starts may have (MEMORY_LIMIT)")
    made.add_argument("--attempts", type=int, default=ATTEMPTS, help="tries when the kernel cannot start")
    made.add_argument("--sweep", default="", help="the sweep this attempt belongs to (kept in the status record)")
    made.add_argument("--retryable-only", action="store_true",
                      help="exit 0 when the notebook itself failed (a cell error, timeout or sys.exit), so that "
                           "parallel's --retries only repeats failures another host may not have")
    made.add_argument("--warm-kernels", action="store_true",
                      help="fork the kernel from a template that has the notebook's imports loaded (runner/warm/)")
    return made


class _QuietParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ArgvError(message)


def parse(words: Iterable[str]) -> RunOne:
    """run-one's arguments from its words (those after the script): a bad one exits 2 with the usage."""
    options, command = _split(words)
    made = parser()
    arguments = made.parse_args(options)
    if not command:
        made.error("give the nbconvert command after --")
    return _arguments(arguments, command)


def read_line(line: str) -> RunOne | None:
    """run-one's arguments in a shell command line (the joblog's command column), or None if it has none.
    Its command is not read (left empty): the words after -- are most of the line and nobody asks for them."""
    words = _words_to_separator(line)
    for index, word in enumerate(words or ()):
        if word.endswith(NAME) and index + 2 < len(words):
            options, command = _split(words[index + 1:])
            try:  # options this run-one does not know (a newer one wrote them) are passed over
                arguments, _ = _quiet().parse_known_args(options)
            except ArgvError:
                return None
            return _arguments(arguments, command)
    return None


def _words_to_separator(line: str) -> list[str] | None:
    """A shell line's words (as shlex.split gives them) up to the first --, or None if a quote is left open."""
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split, lexer.commenters = True, ""
    words = []
    try:
        for word in lexer:
            words.append(word)
            if word == SEPARATOR:
                break
    except ValueError:
        return None
    return words


@functools.lru_cache(maxsize=None)
def _quiet() -> argparse.ArgumentParser:
    # built once: a joblog has a line per job, and a parser takes longer to build than to use
    return parser(quiet=True)


def _split(words: Iterable[str]) -> tuple[list[str], list[str]]:
    """(run-one's own words, the command after the first --); no option's value is ever a bare --."""
    words = list(words)
    split = words.index(SEPARATOR) if SEPARATOR in words else len(words)
    return [_hide_separator(word) for word in words[:split]], words[split + 1:]


def _hide_separator(word: str) -> str:
    # argparse drops a value that is exactly '--' even in --name=-- (up to Python 3.12): it reads a NUL
    # instead, which no argv word can hold, and _arguments puts the '--' back.
    name, equals, value = word.partition("=")
    return f"{name}=\0" if name.startswith("--") and equals and value == SEPARATOR else word


def _arguments(namespace: argparse.Namespace, command: list[str]) -> RunOne:
    """The parsed words as a RunOne, each hidden '--' value put back."""
    def shown(value):
        if isinstance(value, list):
            return [shown(v) for v in value]
        return SEPARATOR if value == "\0" else value
    values = {name: shown(value) for name, value in vars(namespace).items()}
    first, *also = values.pop("job_ids")
    return RunOne(command=command, job_id=first, also=also, **values)
