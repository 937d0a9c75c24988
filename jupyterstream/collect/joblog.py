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
            words = _run_one_words(fields[-1])
            if not words:
                continue
            row = dict(zip(COLUMNS, (f.strip() for f in fields)), sweep=_option(words, "--sweep"),
                       job_timeout=_option(words, "--job-timeout"))
            row["attempts"] = rows.get(words[0], {}).get("attempts", 0) + 1
            rows[words[0]] = row
    return rows


def job_of(command):
    """(job id, sweep id) of a run-one command line: the word after the output folder, and --sweep."""
    words = _run_one_words(command)
    if not words:
        return None, None
    return words[0], _option(words, "--sweep")


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


def _option(words, name):
    """The value of one of run-one's options among its words (job id first), or None."""
    return words[words.index(name) + 1] if name in words[1:-1] else None
