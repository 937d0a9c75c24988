"""Promise: whatever a run records or raises, the collector reads it, and what it writes is safe to
open. One sweep of tests/faults/notebooks/recorder.ipynb (real kernels, real GNU parallel): one run
records every odd value (huge integers, NaN, infinities, complex, bytes, deep nesting, 1 MB of text,
and values written raw, without record()'s care), the others plain numbers under the same names;
metrics are named like the fixed columns and a parameter; one value is a spreadsheet formula; one
run fails with an error message full of terminal escape sequences."""

import csv
import io
import json
import math
from pathlib import Path

import pytest

from faultkit import plan_jobs, run_tagged
from jupyterstream.report import charts
from jupyterstream.report.write import collect

NOTEBOOK = Path(__file__).parent / "notebooks" / "recorder.ipynb"
FORMULA = '=HYPERLINK("http://example.invalid","click")'
ROWS = [("odd", "yes", "1", "1"), ("plain1", "no", "2", "2"), ("plain2", "no", "3", "3"),
        (FORMULA, "no", "4", "4"), ("escape", "no", "5", "5")]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, module_tag):
    tmp = tmp_path_factory.mktemp("recorded")
    values = tmp / "values.csv"
    with open(values, "w", newline="") as handle:
        csv.writer(handle).writerows([("case", "verbose", "alpha", "weight"), *ROWS])
    output = tmp / "out"
    code, out, err = run_tagged(["run", NOTEBOOK, values, "--output", output, "--jobs", 2],
                                module_tag, tmp / "logs", timeout=240)
    ids = {j["texts"]["case"]: j["id"] for j in plan_jobs(output)}
    return {"output": output, "code": code, "out": out, "err": err, "ids": ids}


def table(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def by_case(sweep, name="metrics.csv"):
    header, *rows = table(sweep["output"] / name)
    found = {row[0]: dict(zip(header, row)) for row in rows}
    return {case: found[job_id] for case, job_id in sweep["ids"].items()}


def test_no_recorded_value_stops_the_collector_and_odd_ones_are_shown_as_text(sweep):
    assert sweep["code"] == 1 and "Traceback" not in sweep["err"], sweep["err"]  # only 'escape' fails
    assert "5 runs: 4 ok, 1 cell-error" in sweep["err"], sweep["err"]
    odd = by_case(sweep)["odd"]
    assert odd["metrics.big"] == odd["metrics.raw_big"] == "1" + "0" * 400
    assert odd["metrics.factorial"] == str(math.factorial(171))
    assert (odd["metrics.nan"], odd["metrics.raw_nan"], odd["metrics.inf"]) == ("nan", "nan", "inf")
    assert odd["metrics.ninf"] == "'-inf"  # text starting with '-': neutralised like any formula
    assert (odd["metrics.complex"], odd["metrics.bytes"]) == ("(1+2j)", "b'\\x00\\xffraw'")
    assert json.loads(odd["metrics.nested"])["a"] == [1, {"b": [2, 3]}]
    assert "nested more than 50 deep" in odd["metrics.nested"]
    assert odd["metrics.long"] == "x" * 32_000 + "… (1,000,000 characters in all: see the run's notebook)"
    for name in ("report.html", "master.ipynb", "runs.csv"):
        assert (sweep["output"] / name).stat().st_size > 0


def test_odd_values_are_left_out_of_the_charts_and_plain_ones_drawn(sweep):
    runs = collect(sweep["output"])  # with report.html: the charts are drawn
    for name in ("big", "factorial", "nan", "inf", "complex", "nested", "long", "raw_big", "raw_nan"):
        drawn = dict(charts.numeric(runs, name))
        assert sorted(drawn.values()) == [20.0, 30.0, 40.0, 50.0], name  # the four runs that recorded numbers
        assert "4 runs, sorted" in charts.chart(name, list(drawn.items()), [])


def test_metrics_csv_headers_are_unique_and_say_what_each_column_is(sweep):
    header = table(sweep["output"] / "metrics.csv")[0]
    assert len(header) == len(set(header)), header
    assert header[:6] == ["job", "params.case", "params.verbose", "params.alpha", "params.weight", "status"]
    assert {"metrics.status", "metrics.job", "metrics.case"} <= set(header)
    rows = list(csv.DictReader(io.StringIO((sweep["output"] / "metrics.csv").read_text())))
    odd = next(r for r in rows if r["params.case"] == "odd")
    assert (odd["status"], odd["metrics.status"], odd["metrics.job"], odd["metrics.case"]) == \
        ("ok", "recorded status", "7", "odd!")


def test_metrics_csv_shows_the_parameters_as_the_kernel_received_them(sweep):
    rows = by_case(sweep)
    assert (rows["odd"]["params.verbose"], rows["odd"]["params.alpha"], rows["odd"]["params.weight"]) == \
        ("True", "1.0", "1")
    assert (rows["plain1"]["params.verbose"], rows["plain1"]["params.alpha"]) == ("False", "2.0")


def test_papermill_1_records_are_read_as_metrics(sweep):
    rows = by_case(sweep)
    assert (rows["odd"]["metrics.pm_score"], rows["odd"]["metrics.pm_flag"]) == ("1.0", "True")
    assert rows["plain2"]["metrics.pm_score"] == "3.0"


def test_csv_cells_a_spreadsheet_would_evaluate_are_neutralised_but_numbers_are_not(sweep):
    rows = by_case(sweep)
    formula = rows[FORMULA]
    assert formula["params.case"] == "'" + FORMULA and formula["metrics.formula"] == "'=1+1"
    assert formula["metrics.neg"] == "-1.5"  # a number we wrote as a number stays one
    ledger = by_case(sweep, "runs.csv")
    assert ledger[FORMULA]["value"] == f"case={FORMULA}, verbose=no, alpha=4, weight=4"  # starts as text
    for name in ("metrics.csv", "runs.csv"):
        for row in table(sweep["output"] / name):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell[:80])
                assert not cell.startswith("-") or _number(cell), (name, cell[:80])


def _number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_escape_sequences_in_an_error_message_never_reach_the_terminal(sweep):
    assert "ValueError: cleared" in sweep["err"], sweep["err"]
    for stream in (sweep["out"], sweep["err"]):
        assert "\x1b" not in stream and "\x07" not in stream and "\x9b" not in stream
    record = json.loads((sweep["output"] / "status" / f"{sweep['ids']['escape']}.json").read_text())
    assert "\x1b]0;pwned" in record["evalue"]  # kept as it was in the record and the notebook
