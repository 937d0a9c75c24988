"""Values travel as data: through a real kernel, byte for byte, and never as code or shell words."""

import csv
import json

from support import NOTEBOOKS, read_status, run_cli


def nasty_values(marker):
    """Strings that would run code if they were ever pasted into Python or a shell."""
    return [
        f"'); import os; os.system(\"touch {marker}\") #",
        f"$(touch {marker})",
        f"`touch {marker}`",
        f"; touch {marker}",
        '" + __import__("os").system("touch x") + "',
        "a\\b\\\\c '\"",
        "line one\nline two",
        "tab\there\r",
        "New York",
        "\u202eevil\u2028next",
        "\U0001f600 emoji",
        "{}",
        "",
    ]


def test_nasty_values_arrive_in_the_kernel_exactly_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    table = tmp_path / "values.csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["state"])
        writer.writerows([v] for v in nasty_values(marker))
    result = run_cli("run", NOTEBOOKS / "echo.ipynb", table, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    received = {}
    for job in plan["jobs"]:
        assert read_status(tmp_path / "out", job["id"])["status"] == "ok"
        nb = json.loads((tmp_path / "out" / "runs" / f"{job['id']}.ipynb").read_text())
        metrics = {o["data"]["application/vnd.jupyterstream.metric+json"]["name"]:
                   o["data"]["application/vnd.jupyterstream.metric+json"]["value"]
                   for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "display_data"}
        received[job["texts"]["state"]] = metrics
    assert sorted(received) == sorted(nasty_values(marker))
    for value, metrics in received.items():
        assert metrics["value"] == value
        assert metrics["env"] == value
    assert not marker.exists()


def test_values_are_converted_to_the_type_of_their_default(tmp_path):
    table = tmp_path / "grid.csv"
    table.write_text("n,ratio,flag,code\n7,0.25,yes,06\n")
    result = run_cli("run", NOTEBOOKS / "typed.ipynb", table, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    nb = json.loads((tmp_path / "out" / "runs" / "7_0.25_yes_06.ipynb").read_text())
    printed = "".join(nb["cells"][-1]["outputs"][0]["text"])
    assert printed == "7 0.25 True '06'\n"
    assert nb["metadata"]["jupyterstream"]["parameters"] == {"n": 7, "ratio": 0.25, "flag": True, "code": "06"}
