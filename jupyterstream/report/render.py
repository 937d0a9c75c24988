"""HTML with Jinja2's autoescaping: the report's sections, and report.html as a stream of text.

Nothing from a run is ever markdown or raw HTML here: it reaches a template as a string and is
escaped there. The page allows only its own script and style, by their SHA-256 (Content-Security-
Policy), and loads images only from data: URIs and files beside it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from . import ledger
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, keep_trailing_newline=True)
ENV.globals["K"] = ledger.K  # the ledger row's keys by name, for ledger_row
LEDGER_COLUMNS = ledger.HEADERS


def section(name: str, *args: object) -> Markup:
    """One section's HTML, from the macro of that name in sections.html.j2."""
    return Markup(getattr(ENV.get_template("sections.html.j2").module, name)(*args))


@functools.lru_cache(maxsize=None)
def static(name: str) -> str:
    """The text of our own script or style sheet."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


def csp() -> str:
    """The page's Content-Security-Policy: our script and style by hash, no remote anything."""
    script, style = (base64.b64encode(hashlib.sha256(static(n).encode("utf-8")).digest()).decode("ascii")
                     for n in ("report.js", "report.css"))
    return (f"default-src 'none'; script-src 'sha256-{script}'; style-src 'sha256-{style}'; "
            "img-src data: 'self'; base-uri 'none'; form-action 'none'")


def page_chunks(page: dict) -> Iterator:
    """report.html, piece by piece: ``page`` holds title, nav, sections, data (JSON text), refresh."""
    template = ENV.get_template("page.html.j2")
    chunks = template.generate(csp=csp(), css=Markup(static("report.css")), js=Markup(static("report.js")),
                               title=page["title"], nav=page["nav"], sections=page["sections"],
                               data=Markup(page["data"]), refresh=page.get("refresh"))
    # The ledger's rows, its data and the gallery's tiles come from spool files (holes.py).
    return page["holes"].expand(chunks) if page.get("holes") else chunks
