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
            row = dict(zip(COLUMNS, (f.strip() for f in fields)), sweep=sweep)
            row["attempts"] = rows.get(job_id, {}).get("attempts", 0) + 1
            rows[job_id] = row
    return rows


def job_of(command):
    """(job id, sweep id) of a run-one command line: the word after the output folder, and --sweep."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None, None
    for index, word in enumerate(words):
        if word.endswith("run-one") and index + 2 < len(words):
            rest = words[index + 3:words.index("--")] if "--" in words else words[index + 3:]
            sweep = rest[rest.index("--sweep") + 1] if "--sweep" in rest[:-1] else None
            return words[index + 2], sweep
    return None, None
