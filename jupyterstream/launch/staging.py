"""A sweep's inputs from plan to hosts: find them, copy them here once (read-only), send them to
each SSH host once, and say what travels. What sweep.py and the CLI call around a sweep."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from . import transfer
from .inputs import inputs_for
from .mirror import cache_folder, mirror, remove_cache
from .parallel import shipping
from ..runner.rundir import files_text, size_text
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode
    from typing import TextIO
    from .inputs import Inputs
    from .parallel import Settings
    from .plan import Plan
    from .servers import Host

SENT_LOG = "inputs-sent.tsv"  # one line per host and sweep: what its input rsync moved
LISTED = 10                   # input files a preview names one by one


def plan_inputs(notebook: str | Path, nb: NotebookNode, settings: Settings, declared: tuple = (), plan: Plan | None = None) -> tuple[Inputs,
                Settings]:
    """(the sweep's Inputs, declared or found in the notebook's code and the plan's values; the settings
    that tell the job command about them). Writes nothing."""
    values = [text for job in plan.jobs for text in job.texts.values()] if plan is not None else []
    inputs = inputs_for(notebook, nb, list(declared), settings.output, values)
    return inputs, replace(settings, inputs=inputs.present, notebook_dir=inputs.notebook_dir,
                           notebook_folder=os.path.normpath(os.path.join(inputs.root, inputs.notebook_dir)))


def stage_inputs(inputs: Inputs, settings: Settings, log: TextIO) -> None:
    """Bring this machine's read-only copy of the inputs (OUTPUT/input-files/) up to date."""
    if not inputs.present:
        remove_cache(settings.output)
        print(f"jupyterstream: {inputs.describe()}", file=log, flush=True)
        return
    copied, volume = mirror(inputs, settings.output)
    what = f"copied {files_text(copied)}, {size_text(volume)}" if copied else "unchanged since the last sweep"
    print(f"jupyterstream: {inputs.describe(sent=shipping(settings))}; {cache_folder(settings.output)}/: {what}",
          file=log, flush=True)


def ready_inputs(inputs: Inputs, hosts: list[Host], settings: Settings, log: TextIO) -> None:
    """Before the first job: this machine's copy up to date, then (over SSH) each host's."""
    stage_inputs(inputs, settings, log)
    send_inputs(hosts, settings, settings.sweep, log)


def send_inputs(hosts: list[Host], settings: Settings, sweep_id: str, log: TextIO) -> list[transfer.Sent]:
    """Send the inputs to every host that passed the check, one rsync each, all at once; a host that
    cannot receive them is marked failed (and so left out)."""
    good = [h for h in hosts if h.ok]
    if not settings.inputs or not shipping(settings) or not good:
        return []
    wrapper = Path(settings.output, "ssh-wrapper").resolve()
    results = transfer.send(os.path.abspath(cache_folder(settings.output)), [h.name for h in good],
                            settings.output, wrapper)
    with open(Path(settings.output, SENT_LOG), "a", encoding="utf-8") as record:
        for host, sent in zip(good, results):
            print(f"jupyterstream: {sent.describe()}", file=log, flush=True)
            if sent.error:
                host.problems.append(f"could not receive the inputs: {sent.error}")
            record.write(f"{sweep_id}\t{sent.host}\t{sent.files}\t{sent.volume}\t{sent.seconds:.3f}\t"
                         f"{time.strftime('%Y-%m-%dT%H:%M:%S')}\n")
    return results


def check_inputs(inputs: Inputs, hosts: list[Host], settings: Settings, log: TextIO) -> list[transfer.Sent]:
    """For `make check-servers`: what each host already has of the inputs and what sending costs."""
    print(inputs.describe(sent=True), file=log, flush=True)
    good = [h for h in hosts if h.ok]
    if not inputs.present or not shipping(settings) or not good:
        return []
    mirror(inputs, settings.output)
    wrapper = Path(settings.output, "ssh-wrapper").resolve()
    results = transfer.send(os.path.abspath(cache_folder(settings.output)), [h.name for h in good],
                            settings.output, wrapper, dry_run=True)
    for sent in results:
        print(sent.describe(dry_run=True), file=log, flush=True)
    return results


def preview_lines(inputs: Inputs, settings: Settings) -> list[str]:
    """What a preview says about the inputs: the summary, then the first files with their sizes."""
    lines = [f"# {inputs.describe(sent=shipping(settings))}"]
    for name, size in inputs.files[:LISTED]:
        lines.append(f"#   {os.path.relpath(os.path.join(inputs.root, name), os.path.join(inputs.root, inputs.notebook_dir))}"
                     f"  {size_text(size)}")
    if len(inputs.files) > LISTED:
        lines.append(f"#   ... and {len(inputs.files) - LISTED} more files")
    return lines
