"""ledger: the ledger row's one-letter keys in one table, used by sections.row, the template and report.js."""

import json
import re

from jupyterstream.collect.runs import Run
from jupyterstream.report import ledger, master, render, sections
from jupyterstream.report.ledger import FIELDS, K

PLAN = {"notebook": "nb.ipynb", "values_file": "v.txt", "notebook_sha256": "a" * 64, "values_sha256": "b" * 64}
TEMPLATES = render.TEMPLATES


def full_run():
    """A run that fills every field of its row: a failure, metrics, cells."""
    return Run("AL", "AL", {"state": "AL"}, state="cell-error", duration=1.5, host="h", metrics={"m": 1},
               failure={"cell_index": 3, "ename": "KeyError", "evalue": "'x'", "traceback": ["t"]},
               cells=[{"cell": 1, "seconds": 0.1}])


def test_every_key_is_one_letter_and_no_two_fields_share_one():
    keys = [key for key, _ in FIELDS.values()]
    assert all(len(key) == 1 for key in keys) and len(set(keys)) == len(keys)


def test_a_row_is_written_only_with_the_tables_keys():
    row = sections.row(full_run())
    assert set(row) <= set(K.values()) and {K["metrics"], K["error"], K["cells"]} <= set(row)


def test_the_page_carries_the_table_and_its_columns_are_the_ledgers_headers():
    page = "".join(render.page_chunks(master.page(master.build(PLAN, [full_run()]))))
    data = json.loads(re.search(r'id="ledger-data">(.*?)</script>', page, re.DOTALL).group(1))
    assert data["ledger"]["keys"] == K and len(data["ledger"]["columns"]) == len(render.LEDGER_COLUMNS)
    assert data["ledger"]["columns"] == [K[name] for name in ledger.COLUMNS] and data["runs"][0][K["id"]] == "AL"
    assert len(re.findall(r'<th>', page.split('id="ledger"')[1].split("</thead>")[0])) == len(ledger.COLUMNS)


def test_report_js_and_the_template_name_fields_only_from_the_table_and_no_bare_key():
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    template = (TEMPLATES / "sections.html.j2").read_text(encoding="utf-8")
    row_macro = template.split("{% macro ledger_row(r)")[1].split("{%- endmacro %}")[0]
    assert re.findall(r"\brun\.[A-Za-z]\b", script) == [] and re.findall(r"\br\.[A-Za-z]\b", row_macro) == []
    named = set(re.findall(r"\bK\.(\w+)", script + row_macro)) | set(re.findall(r'"(\w+)"', row_macro))
    assert named and named <= set(FIELDS)
