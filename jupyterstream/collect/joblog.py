"""Read GNU parallel's --joblog: the last row of each job, keyed by our job id.

A row of a batch (run-one given several ids: runner/batch.py) stands for each of its values.
"""

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
            for job_id in _ids(words):
                rows[job_id] = dict(row, attempts=rows.get(job_id, {}).get("attempts", 0) + 1)
    return rows


def job_of(command):
    """(job id, sweep id) of a run-one command line: the word after the output folder, and --sweep."""
    ids, sweep = jobs_of(command)
    return (ids[0] if ids else None), sweep


def jobs_of(command):
    """([job ids], sweep id) of a run-one command line: one id, or a batch's several, and --sweep."""
    words = _run_one_words(command)
    if not words:
        return [], None
    return _ids(words), _option(words, "--sweep")


def _ids(words):
    """The job ids at the start of run-one's words: those before its first option (ids never start with '-')."""
    ids = []
    for word in words:
        if word.startswith("-"):
            break
        ids.append(word)
    return ids or words[:1]


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
