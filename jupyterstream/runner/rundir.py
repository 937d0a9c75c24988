"""A run's own folder: where its kernel works, with the notebook's inputs linked in at the paths they
have beside the notebook, and whatever the run writes there brought home to OUTPUT/files/JOB_ID/.

    OUTPUT/.work/JOB_ID/                 the run folder: the notebook's folder's path, from /
        home/me/project/                 the inputs' root (its files linked in)
            analysis/                    the kernel's folder: the notebook's folder, --mirror
    OUTPUT/files/JOB_ID/                 what the run wrote, named relative to the kernel's folder
    OUTPUT/status/JOB_ID.files.jsonl     every file's name and size, when the record lists only LISTED

The kernel's folder has the whole path of the notebook's folder (as the machine that planned the
sweep names it) below the run folder, so '..' walks up through folders named as they are beside
the notebook, '../analysis/x' comes back into the kernel's folder, and '../x.csv' or '../../y'
stays inside this run's own tree (to come home as _up/x.csv, _up/_up/y).

Folders are the run's own; each input file is a symbolic link to the host's read-only copy of the
inputs, so a run that writes a file of the same name replaces its link, never the shared copy.
Standard library only: this runs on SSH hosts too.
"""

from __future__ import annotations

import json
import os
import shutil
import stat

from .atomic import replace_file
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

WORK = ".work"
FILES = "files"
UP = "_up"        # stands for '..' in the name of a file a run wrote above its kernel's folder
LISTED = 1000     # files named in a status record (read by every collect); the rest in its .files.jsonl
SKIPPED = ("__pycache__", ".ipynb_checkpoints")  # what Python and Jupyter leave, not the run's results


class MissingInputs(Exception):
    """The folder holding the inputs is not on this host."""


class RunFolder:
    """One job's run folder and the files it brings home."""

    def __init__(self, output, job_id, inputs=None, notebook_dir=".", limit=0, mirror=None):
        self.output, self.id, self.limit = output, job_id, limit
        self.inputs = os.path.expanduser(inputs) if inputs else None
        self.root = os.path.abspath(os.path.join(output, WORK, job_id))
        self.notebook_dir, self.mirror = notebook_dir or ".", mirror
        self.cwd, self.base = kernel_folder(self.root, self.notebook_dir, mirror)
        self.refused = False  # its files were over the limit and stayed behind
        self.linked = {}      # each input linked in -> (size, mtime) when it was linked

    def make(self, planned: str | None = None) -> str:
        """Make a fresh run folder with every input linked at its place; return the kernel's folder.
        Without --mirror, ``planned`` (the notebook's folder as the plan recorded it) is mirrored when
        it is a folder of this host: a hand-written pipeline on the machine that planned the sweep."""
        if self.mirror is None and planned and os.path.isdir(planned):
            try:
                self.cwd, self.base = kernel_folder(self.root, self.notebook_dir, os.path.abspath(planned))
            except ValueError:  # not the notebook's folder after all (an OUTPUT moved since): as named
                pass
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.cwd)
        if self.inputs is None:
            return self.cwd
        if not os.path.isdir(self.inputs):
            raise MissingInputs(f"the inputs folder {self.inputs} is not on this host (the sweep sends it "
                                "before the first job): run the sweep again")
        source = os.path.abspath(self.inputs)
        for folder, _, names in os.walk(source):
            target = os.path.join(self.base, os.path.relpath(folder, source))
            os.makedirs(target, exist_ok=True)
            for name in names:
                original = os.path.join(folder, name)
                os.symlink(original, os.path.join(target, name))
                self.linked[original] = _stamp(original)
        return self.cwd

    def written_through(self) -> list:
        """Inputs that changed while the run ran: only root can write through a link to a read-only
        file, and every run on this host reads that copy."""
        return [os.path.relpath(os.path.join(self.base, os.path.relpath(path, self.inputs)), self.cwd)
                for path, stamp in self.linked.items() if _stamp(path) != stamp]

    def bring_home(self, record: dict[str, str]) -> dict:
        """Move what the run wrote to OUTPUT/files/JOB_ID/ (nothing at all past the limit), list it in
        ``record``, and remove the run folder."""
        if not os.path.isdir(self.root):
            return record
        try:
            written = sorted(self._written(), key=lambda w: w[1])
            total = sum(size for _, _, size in written)
            if self.limit and total > self.limit:
                self._refuse(record, written, total)
            else:
                self._place(written)
                self._list(record, [{"name": name, "size": size} for _, name, size in written])
                record.update(files_count=len(written), files_bytes=total)
            changed = self.written_through()
            if changed:
                _fail(record, f"it wrote into its input {changed[0]}" + (f" and {len(changed) - 1} more" if
                      len(changed) > 1 else "") + ", which every run on this host reads: write results under "
                      "names of their own (the next sweep restores the inputs)")
        except OSError as exc:  # a full or unwritable OUTPUT: the files stay in the run folder
            _fail(record, f"cannot bring its files home to {os.path.join(self.output, FILES, self.id)}: "
                          f"{exc.strerror or exc} (they stay in {self.root})")
            return record
        shutil.rmtree(self.root, ignore_errors=True)
        return record

    def discard(self):
        """Remove the run folder of a value that never ran (a batch stopped before its turn)."""
        shutil.rmtree(self.root, ignore_errors=True)

    def _written(self):
        """(path, name, size) of every regular file in the run folder that is not an input's link."""
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = [d for d in dirs if d not in SKIPPED]
            for name in names:
                path = os.path.join(folder, name)
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode):
                    yield path, file_name(os.path.relpath(path, self.cwd)), info.st_size

    def _place(self, written):
        """Build OUTPUT/files/.JOB_ID.incoming, then swap it in whole: never a half-moved folder."""
        files = os.path.join(self.output, FILES)
        final, incoming, old = (os.path.join(files, n) for n in (self.id, f".{self.id}.incoming", f".{self.id}.old"))
        shutil.rmtree(incoming, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
        for path, name, _ in written:
            target = os.path.join(incoming, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.move(path, target)
        if os.path.isdir(final):
            os.rename(final, old)
        if written:
            os.rename(incoming, final)
        shutil.rmtree(old, ignore_errors=True)

    def _list(self, record, files):
        """Name the files in ``record``: all of them, or the first LISTED and, in a file beside the
        record, every one (a record that every collect reads stays small)."""
        manifest = manifest_path(self.output, self.id)
        record["files"] = files[:LISTED]
        if len(files) <= LISTED:
            _remove(manifest)
            return
        lines = "".join(json.dumps(entry, ensure_ascii=True) + "\n" for entry in files)
        os.makedirs(os.path.dirname(manifest), exist_ok=True)
        replace_file(manifest, lines.encode("utf-8"))
        record["files_list"] = f"status/{os.path.basename(manifest)}"

    def _refuse(self, record, written, total):
        self.refused = True
        biggest = max(written, key=lambda w: w[2])
        note = (f"its files come to {size_text(total)} ({files_text(len(written))}; the biggest: {biggest[1]}, "
                f"{size_text(biggest[2])}), over the limit of {size_text(self.limit)} a run: none was kept; "
                "raise FILES_LIMIT or write less, then run it again")
        _remove(manifest_path(self.output, self.id))
        record.update(files=[], files_count=len(written), files_bytes=total)
        _fail(record, note)


def manifest_path(output: str | Path, job_id: str) -> str:
    """The file that names every file a run brought home, one JSON object a line, when its status
    record names only the first LISTED (absent otherwise)."""
    return os.path.join(output, "status", f"{job_id}.files.jsonl")


def kernel_folder(root: str | Path, notebook_dir: str, mirror: str | None = None) -> tuple[str, str]:
    """The kernel's folder in the run folder ``root`` and the inputs' root above it (``notebook_dir``
    is the notebook's folder below that root). With ``mirror``, the notebook's folder's whole path, the
    kernel's folder is that path below ``root``; without it, ``notebook_dir`` below ``root``."""
    parts = [p for p in os.path.normpath(notebook_dir).split(os.sep) if p not in ("", os.curdir)]
    below = os.path.normpath(mirror or notebook_dir).lstrip(os.sep) or os.curdir
    cwd = os.path.normpath(os.path.join(root, below))
    base = os.path.normpath(os.path.join(cwd, *[os.pardir] * len(parts)))
    if os.path.isabs(notebook_dir) or os.pardir in parts or not _inside(base, root) or not _inside(cwd, root):
        raise ValueError(f"--notebook-dir {notebook_dir!r} (with --mirror {mirror!r}) leads out of the run folder")
    return cwd, base


def _inside(path, folder):
    return os.path.commonpath([path, folder]) == folder


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _fail(record, note):
    """An ok run whose files cannot come home is not ok; a run that failed already keeps its failure."""
    record["files_problem"] = note
    if record.get("status") == "ok":
        record.update(status="job-error", message=note)


def _stamp(path):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def file_name(relative: str) -> str:
    """A written file's name under files/JOB_ID/: its path from the kernel's folder, with each
    leading '..' (a file written above that folder) spelled UP."""
    parts = relative.split(os.sep)
    return "/".join(UP if part == os.pardir else part for part in parts)


def files_text(count: int) -> str:
    """1 file, 2 files."""
    return f"{count} file" + ("" if count == 1 else "s")


def size_text(size: int) -> str:
    """Bytes as a short text: 812 B, 1.5 kB, 200.0 MB."""
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
