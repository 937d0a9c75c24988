"""The warm kernels' client is ready once IOPub carries the idle status of its kernel_info request."""

import asyncio
import threading

from jupyter_client.channels import HBChannel
from jupyter_client.manager import AsyncKernelManager

from jupyterstream.runner.warm.ready import PromptKernelClient


async def _started():
    manager = AsyncKernelManager(kernel_name="python3")
    await manager.start_kernel()
    client = PromptKernelClient(parent=manager, **manager.get_connection_info(session=True))
    client.start_channels()
    return manager, client


def test_ready_leaves_no_start_up_message_on_iopub_and_the_kernel_answers():
    async def scenario():
        manager, client = await _started()
        try:
            await asyncio.wait_for(client.wait_for_ready(timeout=60), 90)
            assert not await client.iopub_channel.msg_ready()
            reply = await client.execute_interactive("print(6 * 7)", timeout=60,
                                                     output_hook=lambda msg: seen.append(msg))
            assert reply["content"]["status"] == "ok"
            assert [m["content"]["text"] for m in seen if m["msg_type"] == "stream"] == ["42\n"]
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    seen = []
    asyncio.run(scenario())


def test_ready_gives_up_when_the_kernel_is_dead():
    async def scenario():
        manager, client = await _started()
        try:
            await manager.shutdown_kernel(now=True)
            try:
                await asyncio.wait_for(client.wait_for_ready(timeout=5), 30)
            except RuntimeError as exc:
                return str(exc)
            return "ready"
        finally:
            client.stop_channels()

    assert asyncio.run(scenario()) in ("Kernel died before replying to kernel_info", "Kernel didn't respond in 5 seconds")


def test_the_warm_client_starts_no_heartbeat_thread_and_still_tells_a_dead_kernel():
    async def scenario():
        manager, client = await _started()
        try:
            await asyncio.wait_for(client.wait_for_ready(timeout=60), 90)
            beating = [t for t in threading.enumerate() if isinstance(t, HBChannel)]
            alive = await client._async_is_alive()  # what nbclient asks: its kernel manager, not the heartbeat
            await manager.shutdown_kernel(now=True)
            return beating, alive, await client._async_is_alive()
        finally:
            client.stop_channels()

    beating, alive, after = asyncio.run(scenario())
    assert beating == [] and alive and not after
