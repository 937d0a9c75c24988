"""The report of a big sweep in a real Chromium: its ledger pages and filters as the 51-state one does,
from the page's data (the page holds only its first rows as HTML)."""

from jupyterstream.launch.plan import build_plan, stage
from jupyterstream.report import write as report

from cdp import Browser
from support import NOTEBOOKS

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--window-size=1280,2000"]
RUNS = 3000
INFO = "document.querySelector('#ledger-controls span').textContent"
ROWS = "document.querySelectorAll('#ledger tbody tr').length"


def planned(tmp_path, count):
    """An output folder of ``count`` values planned and staged, none run yet (the state a big sweep's
    first collects find)."""
    values = tmp_path / "values.txt"
    values.write_text("".join(f"v{i:04d}\n" for i in range(count)))
    output = tmp_path / "out"
    stage(build_plan(NOTEBOOKS / "echo.ipynb", values), output)
    return output


def test_the_ledger_of_3000_runs_pages_and_filters_in_chromium(tmp_path):
    output = planned(tmp_path, RUNS)
    report.collect(output)
    browser = Browser(FLAGS + [f"--user-data-dir={tmp_path / 'profile'}"])
    try:
        page = browser.open((output / "report.html").as_uri())
        assert browser.wait_for(page, f"document.querySelector('#ledger-controls span') && {INFO}") \
            == f"1–25 of {RUNS} runs"
        assert browser.evaluate(page, ROWS) == 25
        browser.evaluate(page, "document.querySelectorAll('#ledger-controls button')[1].click()")
        assert browser.evaluate(page, INFO) == f"26–50 of {RUNS} runs"
        browser.evaluate(page, "var s = document.querySelector('#ledger-controls input'); s.value = 'v029';"
                               "s.dispatchEvent(new Event('input'))")
        assert browser.evaluate(page, INFO) == f"1–10 of 10 runs (of {RUNS})"
        labels = browser.evaluate(page, "Array.from(document.querySelectorAll('#ledger tbody tr td:first-child'))"
                                        ".map(function (td) { return td.textContent; })")
        assert labels == [f"v{i:04d}" for i in range(290, 300)]
    finally:
        browser.close()
