"""report's text outputs: metrics.csv, runs.csv and the terminal summary (no HTML here)."""

import csv
import io

from jupyterstream.report import write as report
from jupyterstream.collect.runs import Run


def rows(text):
    return list(csv.reader(io.StringIO(text)))


def sample():
    return [Run("AL", "AL", {"state": "AL", "verbose": "yes", "alpha": "1"}, state="ok",
                values={"state": "AL", "verbose": True, "alpha": 1.0},
                metrics={"status": "mine", "job": 7, "state": "x", "neg": -1.5, "f": "=1+1", "n": [1, 2]}),
            Run("=CA", "=CA", {"state": "=CA", "verbose": "no", "alpha": "2"}, state="cell-error", exit="-1",
                values={"state": "=CA", "verbose": False, "alpha": 2.0},
                signal="9", message="\x1b]0;title\x07\x1b[2Jboom", failure={"cell_index": 2, "ename": "E",
                                                                            "evalue": "\x1b[31mred"})]


def test_metrics_csv_headers_are_unique_and_name_parameters_and_metrics():
    header = rows(report.metrics_csv(sample()))[0]
    assert header == ["job", "params.state", "params.verbose", "params.alpha", "status", "metrics.status",
                      "metrics.job", "metrics.state", "metrics.neg", "metrics.f", "metrics.n"]


def test_metrics_csv_shows_parameters_as_received_and_neutralises_formulas_but_not_numbers():
    al, ca = rows(report.metrics_csv(sample()))[1:]
    assert al == ["AL", "AL", "True", "1.0", "ok", "mine", "7", "x", "-1.5", "'=1+1", "[1, 2]"]
    assert ca[:5] == ["'=CA", "'=CA", "False", "2.0", "cell-error"]


def test_metrics_csv_falls_back_to_the_texts_of_a_plan_without_values():
    run = Run("AL", "AL", {"state": "-AL"}, state="ok")
    assert rows(report.metrics_csv([run])) == [["job", "params.state", "status"], ["AL", "'-AL", "ok"]]


def test_runs_csv_writes_exit_and_signal_as_numbers_and_neutralises_text():
    ca = rows(report.runs_csv(sample()))[2]
    assert ca[:3] == ["'=CA", "'=CA", "cell-error"] and ca[6:8] == ["-1", "9"]


def test_the_summary_has_no_escape_sequence_or_control_character():
    text = report.summary("out", sample())
    assert "\x1b" not in text and "\x07" not in text
    assert "cell 2: E: red" in text


def test_the_summary_keeps_the_end_of_a_long_message_where_its_reason_is():
    path = "/" + "/".join(["a-long-folder-name"] * 8) + "/runs/.AL.partial.ipynb"
    run = Run("AL", "AL", {"state": "AL"}, state="job-error", message=f"cannot write {path}: No space left on device")
    line = report.summary("out", [run]).splitlines()[1]
    assert line.rstrip().endswith("No space left on device") and line.split("AL", 1)[1].strip().startswith("cannot write")
    assert len(line.split(None, 2)[2]) <= 100
