"""WarmProcess: a forked kernel's end is heard from its template's word (or its pidfd), not polled."""

import asyncio
import json
import socket
import subprocess
import time

from jupyterstream.runner.warm import manager
from jupyterstream.runner.warm.manager import WarmProcess

FAR = 30.0  # a backstop poll this long would fail every assertion below: only the wake-up is measured


def _ended_within(process, act):
    """Seconds from ``act()`` until ``process.ended()`` returns."""
    async def scenario():
        waiting = asyncio.ensure_future(process.ended())
        await asyncio.sleep(0.05)
        assert not waiting.done()
        act()
        start = time.monotonic()
        await asyncio.wait_for(waiting, FAR)
        return time.monotonic() - start
    return asyncio.run(scenario())


def test_a_warm_kernels_end_wakes_its_job_when_the_template_says_so(monkeypatch):
    monkeypatch.setattr(manager, "WAKE_SECONDS", FAR)
    kernel = subprocess.Popen(["sleep", "60"])
    ours, template = socket.socketpair()
    try:
        process = WarmProcess(ours, kernel.pid)
        said = (json.dumps({"exit": -9, "usage": {"cpu_s": 0.1}}) + "\n").encode()
        assert _ended_within(process, lambda: template.sendall(said)) < FAR / 3
        assert process.returncode == -9 and process.conn is None
    finally:
        kernel.kill()
        kernel.wait()
        template.close()


def test_a_warm_kernel_whose_template_went_first_is_seen_gone_when_it_exits(monkeypatch):
    monkeypatch.setattr(manager, "WAKE_SECONDS", FAR)
    kernel = subprocess.Popen(["sleep", "60"])
    ours, template = socket.socketpair()
    process = WarmProcess(ours, kernel.pid)
    template.close()
    process.poll()  # the template's connection closes: only the kernel's pidfd is left to tell
    assert process.conn is None and process.returncode is None

    def kill():
        kernel.kill()
        kernel.wait()
    assert _ended_within(process, kill) < FAR / 3
    assert process.returncode == -9
    process.close()
