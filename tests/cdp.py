"""Headless Chromium driven over its DevTools pipe (--remote-debugging-pipe): no websocket library,
no port. Enough to open a page, run a line of JavaScript in it or in one of its frames, list the
requests it made and take a screenshot. The browser is started and killed by its PID."""

import base64
import json
import os
import select
import subprocess
import time

BINARY = "/usr/lib/chromium/chromium"  # Debian's launcher script would hide fds 3 and 4 from it


class Browser:
    """A headless Chromium: commands on fd 3, replies on fd 4, each a JSON message ended by NUL."""

    def __init__(self, flags, timeout=60):
        commands_r, self._write = os.pipe()
        self._read, replies_w = os.pipe()
        wanted = {3: os.dup(commands_r), 4: os.dup(replies_w)}
        binary = BINARY if os.access(BINARY, os.X_OK) else "chromium"
        self.proc = subprocess.Popen([binary, *flags, "--remote-debugging-pipe"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     pass_fds=(3, 4, *wanted.values()),
                                     preexec_fn=lambda: [os.dup2(src, dst) for dst, src in wanted.items()])
        for fd in (commands_r, replies_w, *wanted.values()):
            os.close(fd)
        self.timeout, self._buffer, self._next, self.events, self._paused = timeout, b"", 0, [], []

    def send(self, method, session=None, **params):
        """Send one command; its result (events that arrive meanwhile are kept in ``events``)."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                self._watch_paused()
                return reply.get("result", {})
            self.events.append(reply)
            if reply.get("method") == "Target.attachedToTarget" and reply["params"].get("waitingForDebugger"):
                self._paused.append(reply["params"]["sessionId"])

    def _watch_paused(self):
        """A frame waits, before it runs anything, until its network is watched too."""
        while self._paused:
            session = self._paused.pop()
            self.watch(session)
            self.send("Runtime.runIfWaitingForDebugger", session)

    def watch(self, session):
        """Record the requests of a page or frame, and attach (paused) to the frames it opens."""
        self.send("Target.setAutoAttach", session, autoAttach=True, waitForDebuggerOnStart=True, flatten=True)
        for domain in ("Runtime", "Network"):
            self.send(f"{domain}.enable", session)

    def _receive(self, deadline):
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            if select.select([self._read], [], [], 0.5)[0]:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    raise EOFError("Chromium closed its DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url):
        """A new page (its session id) showing ``url``, with the network and frames watched."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.watch(session)
        self.send("Page.enable", session)
        self.send("Page.navigate", session, url=url)
        return session

    def evaluate(self, session, expression):
        """The value of a JavaScript expression in a page or frame (promises awaited)."""
        result = self.send("Runtime.evaluate", session, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, session, expression, timeout=60):
        """Poll an expression until it is truthy; its value (AssertionError after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(session, expression)
            except RuntimeError:  # the page is still navigating
                value = None
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError(f"never true within {timeout} s: {expression}")

    def frames(self):
        """Session ids of the out-of-process frames attached so far (sandboxed frames are)."""
        self.send("Target.getTargets")  # lets pending attach events arrive
        return [e["params"]["sessionId"] for e in self.events if e.get("method") == "Target.attachedToTarget"
                and e["params"]["targetInfo"]["type"] == "iframe"]

    def requests(self):
        """[(url, blocked)] of every request a page or frame made so far; ``blocked`` is why the browser
        stopped it before it left (``"csp"``: its Content-Security-Policy), or None."""
        self.send("Target.getTargets")
        blocked = {(e.get("sessionId"), e["params"]["requestId"]): e["params"].get("blockedReason")
                   for e in self.events if e.get("method") == "Network.loadingFailed"}
        return [(e["params"]["request"]["url"], blocked.get((e.get("sessionId"), e["params"]["requestId"])))
                for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, session, path):
        """Save a PNG of the whole page; its bytes."""
        data = base64.b64decode(self.send("Page.captureScreenshot", session, format="png",
                                          captureBeyondViewport=True)["data"])
        path.write_bytes(data)
        return data

    def close(self):
        """Kill the browser (by its PID) and close the pipes."""
        self.proc.kill()
        self.proc.wait(timeout=30)
        for fd in (self._read, self._write):
            os.close(fd)
