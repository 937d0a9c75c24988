"""Read GNU parallel's --joblog: the last row of each job, keyed by our job id."""

import shlex

COLUMNS = ("Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval", "Signal", "Command")


def read_joblog(path):
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
            job_id, sweep = job_of(fields[-1])
            if job_id is None:
                continue
            row = dict(zip(COLUMNS, (f.strip() for f in fields)), sweep=sweep,
                       job_timeout=_option(fields[-1], "--job-timeout"))
            row["attempts"] = rows.get(job_id, {}).get("attempts", 0) + 1
            rows[job_id] = row
    return rows


def job_of(command):
    """(job id, sweep id) of a run-one command line: the word after the output folder, and --sweep."""
    words = _run_one_words(command)
    if words is None:
        return None, None
    return words[0], _option(command, "--sweep")


def _run_one_words(command):
    """The words after run-one's output folder (the job id first) up to the nbconvert command."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    for index, word in enumerate(words):
        if word.endswith("run-one") and index + 2 < len(words):
            rest = words[index + 2:]
            return rest[:rest.index("--")] if "--" in rest else rest
    return None


def _option(command, name):
    """The value of one of run-one's options in a command line, or None."""
    words = _run_one_words(command) or []
    return words[words.index(name) + 1] if name in words[1:-1] else None
