"""The staged input notebooks of many jobs: the notebook's JSON text made once, with placeholders
where each job's own parts go (its injected cell's source, its metadata), filled in for each job.

json.dumps with an indent runs in pure Python: encoding the whole notebook again for each of 100,000
jobs was most of a big plan's time. Here each job costs the C encoder on its own small parts; the
text is what json.dumps(inject(...), indent=1) gives but for the job's metadata, on one line each.
"""

import json
import secrets

from ..notebook.params import PAPERMILL_KEY, Injector
from ..runner.outcome import META_KEY

PARTS = ("source", "ours", "papermill")
# One encoder for every job: json.dumps with ``default`` makes a new one per call.
ENCODER = json.JSONEncoder(ensure_ascii=True, default=repr)


def dumps(nb):
    """A notebook's text as a staged input holds it: JSON indented by one space, ASCII only."""
    return json.dumps(nb, indent=1, ensure_ascii=True, default=repr) + "\n"


class Inputs:
    """Makes the text of each job's staged notebook from one template of ``nb`` (outputs cleared)."""

    def __init__(self, nb):
        self.injector = Injector(nb)
        token = secrets.token_hex(8)  # a placeholder no notebook holds
        marks = {part: f"\x00jupyterstream-{part}-{token}\x00" for part in PARTS}
        shape = self.injector.inject({}, {})
        shape.cells[self.injector.at] = self.injector.cell(marks["source"])
        shape.metadata[META_KEY], shape.metadata[PAPERMILL_KEY] = marks["ours"], marks["papermill"]
        self.order, self.pieces = _split(dumps(shape), [json.dumps(marks[p]) for p in PARTS])

    def text(self, values, texts, extra_metadata=None):
        """The staged notebook of one job: ``inject(nb, values, texts, extra_metadata)`` as JSON text."""
        parts = (self.injector.source(values), *self.injector.metadata(values, texts, extra_metadata))
        out = [self.pieces[0]]
        for which, piece in zip(self.order, self.pieces[1:]):
            out.append(ENCODER.encode(parts[which]))
            out.append(piece)
        return "".join(out)


def _split(template, marks):
    """The order in which the placeholders stand (a notebook's own metadata keys keep theirs), and
    the template's text around them."""
    order = sorted(range(len(marks)), key=lambda i: template.index(marks[i]))
    pieces, rest = [], template
    for which in order:
        before, rest = rest.split(marks[which], 1)
        pieces.append(before)
    pieces.append(rest)
    return order, pieces
