"""The kernel client nbconvert gets for a warm kernel: ready as soon as the kernel has shown it is.

jupyter_client's ``wait_for_ready`` asks for ``kernel_info``, takes the reply, and then listens to
IOPub until it has been silent for 0.2 s: a fixed 0.2 s on every job, which is a sixth of a warm
job's own time. This client asks the same question and stops listening at the proof it waits for:
the ``idle`` status on IOPub of its own ``kernel_info`` request. That message comes after every
other IOPub message the request caused, and it shows IOPub is connected. When IOPub is not connected
yet (the message is lost), it asks again, as jupyter_client does.

It also starts no heartbeat channel: a client made by its kernel manager asks the manager whether
the kernel lives (jupyter_client's ``is_alive``), never the heartbeat, so that channel's thread, zmq
context and socket were made and torn down for nothing, for every value.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient

ATTEMPT = 1.0  # seconds to wait for one kernel_info reply (jupyter_client's own figure)
IOPUB = 0.2  # seconds to wait for its idle status before asking again (jupyter_client's own figure)


class PromptKernelClient(AsyncKernelClient):
    """An AsyncKernelClient whose wait_for_ready ends at the kernel_info request's idle status."""

    def start_channels(self, shell: bool = True, iopub: bool = True, stdin: bool = True, hb: bool = False,
                       control: bool = True) -> None:
        """As jupyter_client's, but without the heartbeat channel unless asked for: nbclient never reads it."""
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=hb, control=control)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait until the kernel answers kernel_info and IOPub carries that request's idle status."""
        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            msg_id = self.kernel_info()
            reply = await self._reply(msg_id)
            if reply is not None and await self._idle_seen(msg_id):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _reply(self, msg_id):
        """The kernel_info reply to ``msg_id`` within ATTEMPT seconds, or None."""
        try:
            return await self._async_recv_reply(msg_id, timeout=ATTEMPT)
        except TimeoutError:
            return None

    async def _idle_seen(self, msg_id):
        """True once IOPub shows the idle status of ``msg_id``; False after IOPUB seconds without it."""
        end = time.monotonic() + IOPUB
        while True:
            try:
                msg = await self.iopub_channel.get_msg(timeout=max(0.0, end - time.monotonic()))
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") == msg_id):
                return True
