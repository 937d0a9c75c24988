"""Inputs go to each SSH host once per sweep: one rsync per host of this machine's copy
(OUTPUT/input-files/) into a folder that stays on the host, ~/.jupyterstream/input-files/KEY/,
so that a rerun sends only what changed. Jobs link them from there into their run folders.

KEY names this machine and OUTPUT, so two sweeps with different outputs never share a host's copy.
Not parallel's --basefile: --cleanup (which every job needs) removes basefiles after the sweep, so a
rerun would send them all again, and --workdir ... refuses a relative --basefile.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import socket
import subprocess
import time
from dataclasses import dataclass

from ..runner.rundir import files_text, size_text
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

HOST_CACHE = ".jupyterstream/input-files"
# -S keeps holes as holes; --delete makes the host's copy exactly this machine's; -p keeps it read-only.
RSYNC = ["rsync", "-rlptSz", "--delete", "--stats"]
AT_ONCE = 16  # hosts sent to at the same time: all of them would be hundreds of rsyncs here at once


@dataclass
class Sent:
    """What one rsync to a host moved (or, for a dry run, would move)."""

    host: str
    files: int = 0            # regular files sent
    volume: int = 0           # their bytes
    total_files: int = 0      # regular files in the inputs
    total: int = 0            # their bytes
    seconds: float = 0.0
    error: str = ""

    def describe(self, dry_run: bool = False) -> str:
        """One line for this host."""
        if self.error:
            return f"{self.host:<20} inputs FAILED: {self.error}"
        has = self.total_files - self.files
        if dry_run:
            return (f"{self.host:<20} inputs: has {has} of {files_text(self.total_files)}; would send "
                    f"{files_text(self.files)}, {size_text(self.volume)}")
        if not self.files:
            return f"{self.host:<20} inputs: up to date ({files_text(self.total_files)}, {size_text(self.total)}), nothing sent"
        return (f"{self.host:<20} inputs: sent {files_text(self.files)}, {size_text(self.volume)} in {self.seconds:.1f} s "
                f"({has} already there)")


def cache_key(output: str | Path) -> str:
    """The name of a sweep's input folder on its hosts: this machine and OUTPUT, hashed."""
    return hashlib.sha256(f"{socket.gethostname()}:{os.path.abspath(output)}".encode()).hexdigest()[:16]


def host_folder(output: str | Path) -> str:
    """The inputs' folder on a host, as a job there names it (run-one expands the ~)."""
    return f"~/{HOST_CACHE}/{cache_key(output)}"


def rsync_argv(source: str, host: str, output: str | Path, wrapper: str | Path, dry_run: bool = False) -> list[str]:
    """The rsync that brings a host's copy of the inputs up to date with ``source``."""
    folder = f"{HOST_CACHE}/{cache_key(output)}"
    argv = RSYNC + (["--dry-run"] if dry_run else [])
    if host == ":":
        target = os.path.join(os.path.expanduser("~"), folder)
        os.makedirs(target, exist_ok=True)
        return argv + [f"{source}/", f"{target}/"]
    return argv + ["-e", shlex.quote(str(wrapper)), "--rsync-path", f"mkdir -p {folder} && rsync",
                   f"{source}/", f"{host}:{folder}/"]


def send(source: str, hosts: list[str], output: str | Path, wrapper: str | Path, dry_run: bool = False) -> list[Sent]:
    """Run one rsync per host, AT_ONCE hosts at a time; return a Sent for each host, in order."""
    results = []
    for first in range(0, len(hosts), AT_ONCE):
        results += _send_some(source, hosts[first:first + AT_ONCE], output, wrapper, dry_run)
    return results


def _send_some(source, hosts, output, wrapper, dry_run):
    began = time.perf_counter()
    running = [(host, subprocess.Popen(rsync_argv(source, host, output, wrapper, dry_run), stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
               for host in hosts]
    results = []
    for host, process in running:
        out, err = process.communicate()
        sent = Sent(host, seconds=time.perf_counter() - began)
        if process.returncode != 0:
            sent.error = f"rsync exited {process.returncode}: {' '.join(err.split())[-300:]}"
        else:
            _read_stats(sent, out)
        results.append(sent)
    return results


def _read_stats(sent, text):
    def number(label):
        found = re.search(rf"^{label}: ([\d,.]+)", text, re.MULTILINE)
        return int(found.group(1).replace(",", "").replace(".", "")) if found else 0
    sent.files = number("Number of regular files transferred")
    sent.volume = number("Total transferred file size")
    sent.total = number("Total file size")
    found = re.search(r"^Number of files: [\d,.]+ \(reg: ([\d,.]+)", text, re.MULTILINE)
    sent.total_files = int(found.group(1).replace(",", "").replace(".", "")) if found else 0
