"""Output folders for report tests, written as a sweep leaves them (plan, executed notebooks,
status records, logs) without running kernels: many runs, state-coded runs, hostile runs."""

import base64
import hashlib
import io
import json
import random
from pathlib import Path

from jupyterstream.runner.record import MIME_TYPE

STATES = [line.strip() for line in (Path(__file__).resolve().parent.parent / "states.txt").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
# Each would change the title to "owned!" or mark the body if it ever ran; the marker text itself is
# never in the source ('owned' + '!'), so finding it in the rendered page means something ran.
RUN = "document.title='owned'+'!';document.body.setAttribute('data-'+'owned','1')"
PAYLOADS = [f"<script>{RUN}</script>", f"<img src=x onerror=\"{RUN}\">", f"[pwn](javascript:{RUN})",
            f"</script><script>{RUN}</script>", f"\"><svg onload=\"{RUN}\">", f"javascript:{RUN}",
            f"<a href='javascript:{RUN}'>x</a>", "<!--", "{{7*7}} $x^2$ \\(y\\)"]
HOSTILE_SVG = (f"<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' width='60' "
               f"height='40' onload=\"{RUN}\"><script>{RUN}</script><rect width='60' height='40' fill='#c33'/>"
               f"<a xlink:href=\"javascript:{RUN}\"><circle r='9' cx='20' cy='20'/></a>"
               f"<foreignObject><body xmlns='http://www.w3.org/1999/xhtml'><img src='x' onerror=\"{RUN}\"/></body>"
               "</foreignObject><image xlink:href='http://example.invalid/x.png'/></svg>")


def png(seed, width=240, height=160):
    """A small chart-like PNG, different for each seed."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    points = [(x, height - 20 - rnd.randint(0, height - 40)) for x in range(10, width, 20)]
    draw.line(points, fill=(52, 101, 164), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def output_folder(folder, runs, notebook="births.ipynb", values_file="states.txt"):
    """Write a plan and each run's files; ``runs`` holds dicts with id, label, status, metrics,
    figures [(mime, data)], and optionally failure, host, cells (extra notebook cells), notebook path."""
    folder = Path(folder)
    for sub in ("runs", "status", "logs"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    jobs = []
    for run in runs:
        jobs.append({"id": run["id"], "label": run["label"], "texts": {"state": run["label"]}, "identity": run["id"]})
        _write_run(folder, run)
    plan = {"notebook": notebook, "values_file": values_file, "notebook_sha256": "0" * 64,
            "values_sha256": "1" * 64, "jobs": jobs}
    (folder / "plan.json").write_text(json.dumps(plan))
    return folder


def _write_run(folder, run):
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {MIME_TYPE: {"name": k, "value": v}}}
               for k, v in run.get("metrics", {}).items()]
    outputs += [{"output_type": "display_data", "metadata": {}, "data": {mime: data, "text/plain": "<Figure>"}}
                for mime, data in run.get("figures", [])]
    cells = [{"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "execution_count": 1,
              "outputs": [], "source": "state = 'CA'"},
             {"cell_type": "code", "id": "m", "metadata": {}, "execution_count": 2, "outputs": outputs,
              "source": run.get("source", "draw(state)")}] + run.get("cells", [])
    nb = {"cells": cells, "metadata": {"language_info": {"version": "3.11.7"}}, "nbformat": 4, "nbformat_minor": 5}
    data = (json.dumps(nb) + "\n").encode()
    (folder / "runs" / f"{run['id']}.ipynb").write_bytes(data)
    (folder / "logs" / f"{run['id']}.log").write_text(run.get("log", "ran\n"))
    record = {"job": run["id"], "status": run.get("status", "ok"), "identity": run["id"], "host": run.get("host", "h1"),
              "duration": run.get("duration", 1.5), "started": 0, "notebook": run.get("notebook", f"runs/{run['id']}.ipynb"),
              "notebook_sha256": hashlib.sha256(data).hexdigest(), **run.get("failure", {})}
    (folder / "status" / f"{run['id']}.json").write_text(json.dumps(record))


def states_runs(failing=("TX", "OH")):
    """The 51 states as the demo gives them: a constant, a year, a count, a share; two failures."""
    rnd = random.Random(51)
    runs = []
    for i, code in enumerate(STATES):
        run = {"id": code, "label": code, "figures": [("image/png", png(i))],
               "metrics": {"first_year": 1968, "peak_year": 1960 + rnd.randint(0, 44),
                           "births_total": rnd.randint(200_000, 20_000_000), "share_of_us_pct": round(rnd.random() * 8, 3)}}
        if code in failing:
            run.update(status="cell-error", source="rows = births.loc[state]\nrows.plot()",
                       failure={"cell_index": 1, "ename": "KeyError", "evalue": f"'{code}'",
                                "traceback": ["Traceback (most recent call last)", "  Cell In[2], line 1",
                                              "    rows = births.loc[state]", f"KeyError: '{code}'"]})
        runs.append(run)
    runs[9]["metrics"]["births_total"] = 90_000_000  # one outlier
    return runs


def many_runs(count, figure):
    """``count`` demo-like runs sharing one figure (the gallery then shows thumbnails)."""
    rnd = random.Random(count)
    return [{"id": f"R{i:05d}", "label": f"R{i:05d}", "figures": [("image/png", figure)], "host": f"h{i % 3}",
             "status": "cell-error" if i % 97 == 5 else "ok",
             "failure": {"cell_index": 1, "ename": "ValueError", "evalue": "bad", "traceback": ["ValueError: bad"]}
             if i % 97 == 5 else {},
             "metrics": {"peak_year": 1960 + rnd.randint(0, 44), "total": rnd.randint(1000, 900_000)}}
            for i in range(count)]


def hostile_runs(figures_each=1):
    """Runs whose every name, value, message, path and figure carries a payload."""
    runs = []
    for i, payload in enumerate(PAYLOADS):
        figures = [("image/svg+xml", HOSTILE_SVG)] + [("image/png", png(100 + i))] * (figures_each - 1)
        runs.append({"id": f"h{i}", "label": payload, "host": payload, "status": "cell-error", "figures": figures,
                     "metrics": {payload: payload, "score": float(i), "year": 1990 + i}, "source": payload,
                     "failure": {"cell_index": 1, "ename": "[pwn](javascript:document.title='x')",
                                 "evalue": payload, "traceback": [payload, f"\x1b[31m{payload}\x1b[0m"]},
                     "cells": [{"cell_type": "markdown", "id": "md", "metadata": {},
                                "source": f"[click](javascript:{RUN}) <script>{RUN}</script>"},
                               {"cell_type": "code", "id": "html", "metadata": {}, "execution_count": 3,
                                "source": "HTML(...)", "outputs": [{"output_type": "display_data", "metadata": {},
                                                                    "data": {"text/html": payload}}]}]})
    runs[0]["notebook"] = f"javascript:{RUN}"  # a status record naming a notebook that is not a file
    return runs
