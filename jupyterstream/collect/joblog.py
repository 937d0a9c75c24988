"""Read GNU parallel's --joblog: the last row of each job, keyed by our job id.

A row of a batch (run-one given several ids: runner/batch.py) stands for each of its values.
"""

from __future__ import annotations

from ..runner.argv import read_line, seconds

COLUMNS = ("Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval", "Signal", "Command")


def read_joblog(path: object) -> dict:
    """Return {job_id: row dict, with an 'attempts' count}; a retried job keeps its last row."""
    rows = {}
    try:
        handle = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return rows
    with handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t", len(COLUMNS) - 1)
            if len(fields) != len(COLUMNS) or fields[0] == "Seq":
                continue
            job = read_line(fields[-1])
            if job is None:
                continue
            row = dict(zip(COLUMNS, (f.strip() for f in fields)), sweep=job.sweep or None,
                       job_timeout=seconds(job.job_timeout) if job.job_timeout else None)
            for job_id in job.job_ids:
                rows[job_id] = dict(row, attempts=rows.get(job_id, {}).get("attempts", 0) + 1)
    return rows


def job_of(command: str) -> tuple:
    """(job id, sweep id) of a run-one command line: the word after the output folder, and --sweep."""
    ids, sweep = jobs_of(command)
    return (ids[0] if ids else None), sweep


def jobs_of(command: str) -> tuple[list, str | None]:
    """([job ids], sweep id) of a run-one command line: one id, or a batch's several, and --sweep."""
    job = read_line(command)
    if job is None:
        return [], None
    return job.job_ids, job.sweep or None
