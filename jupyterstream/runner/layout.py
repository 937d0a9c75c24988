"""The output folder's layout: where each job's files are, for the job side, the planner and the collector.

    OUTPUT/inputs/ID.ipynb          the staged notebook, its values injected   Layout.input
    OUTPUT/runs/ID.ipynb            the executed notebook                      Layout.run
    OUTPUT/runs/.ID.partial.ipynb   the notebook as far as it got, while it runs   Layout.partial
    OUTPUT/status/ID.json           the job's status record                    Layout.status
    OUTPUT/logs/ID.log              the job's log                              Layout.log
    OUTPUT/logs/.ID.kernel          "warm" or "cold (why)", from the kernel manager   Layout.kernel_note
    OUTPUT/locks/ID.lock            held by the job while it runs              Layout.lock

``Layout()`` gives the same paths relative to the output folder, as status records hold them.
Standard library only: the job side ships it.
"""

from __future__ import annotations

import os

INPUTS, RUNS, STATUS, LOGS, LOCKS = "inputs", "runs", "status", "logs", "locks"


class Layout:
    """The paths of one output folder's job files (relative to it when ``output`` is '')."""

    def __init__(self, output=""):
        self.output = os.fspath(output)

    def input(self, job_id: str) -> str:
        """The staged notebook a job executes."""
        return os.path.join(self.output, INPUTS, f"{job_id}.ipynb")

    def run(self, job_id: str) -> str:
        """The executed notebook, there once the job ended."""
        return os.path.join(self.output, RUNS, f"{job_id}.ipynb")

    def partial(self, job_id: str) -> str:
        """The notebook as far as it got, saved after every cell while the job runs."""
        return os.path.join(self.output, RUNS, f".{job_id}.partial.ipynb")

    def status(self, job_id: str) -> str:
        """The job's status record."""
        return os.path.join(self.output, STATUS, f"{job_id}.json")

    def log(self, job_id: str) -> str:
        """The job's log: what run-one and nbconvert wrote."""
        return os.path.join(self.output, LOGS, f"{job_id}.log")

    def kernel_note(self, job_id: str) -> str:
        """Where the warm kernel manager says which kernel the job got."""
        return os.path.join(self.output, LOGS, f".{job_id}.kernel")

    def lock(self, job_id: str) -> str:
        """The job's lock file."""
        return os.path.join(self.output, LOCKS, f"{job_id}.lock")

    def folder(self, name: str) -> str:
        """One of the folders (INPUTS, RUNS, STATUS, LOGS, LOCKS)."""
        return os.path.join(self.output, name)
