"""HTML with Jinja2's autoescaping: the report's sections, and report.html written by streaming.

Nothing from a run is ever markdown or raw HTML here: it reaches a template as a string and is
escaped there. The page allows only its own script and style, by their SHA-256 (Content-Security-
Policy), and loads images only from data: URIs and files beside it.
"""

import base64
import functools
import hashlib
import os
import tempfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from ..errors import OutputError
from ..runner.atomic import UMASK

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, keep_trailing_newline=True)
LEDGER_COLUMNS = ("value", "status", "duration (s)", "kernel ready (s)", "host", "exit", "signal", "attempts",
                  "failing cell", "output (kB)", "notebook", "note")


def section(name, *args):
    """One section's HTML, from the macro of that name in sections.html.j2."""
    return Markup(getattr(ENV.get_template("sections.html.j2").module, name)(*args))


@functools.lru_cache(maxsize=None)
def static(name):
    """The text of our own script or style sheet."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


def csp():
    """The page's Content-Security-Policy: our script and style by hash, no remote anything."""
    script, style = (base64.b64encode(hashlib.sha256(static(n).encode("utf-8")).digest()).decode("ascii")
                     for n in ("report.js", "report.css"))
    return (f"default-src 'none'; script-src 'sha256-{script}'; style-src 'sha256-{style}'; "
            "img-src data: 'self'; base-uri 'none'; form-action 'none'")


def page_chunks(page):
    """report.html, piece by piece: ``page`` holds title, nav, sections, data (JSON text), refresh."""
    template = ENV.get_template("page.html.j2")
    chunks = template.generate(csp=csp(), css=Markup(static("report.css")), js=Markup(static("report.js")),
                               title=page["title"], nav=page["nav"], sections=page["sections"],
                               data=Markup(page["data"]), refresh=page.get("refresh"))
    # The ledger's rows, its data and the gallery's tiles come from spool files (holes.py).
    return page["holes"].expand(chunks) if page.get("holes") else chunks


def write_streamed(path, chunks):
    """Write text chunks to a temporary file beside ``path``, then rename it over ``path``: a reader
    sees the old page or the new one. A failure is an OutputError that names the file."""
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(chunk)
            os.fchmod(handle.fileno(), 0o666 & ~UMASK)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot be written ({exc.strerror or exc}): free some space, or check that "
                              f"{os.path.dirname(path) or '.'} is writable; the previous file is untouched") from None
        raise
