"""A real headless Chromium (Debian's ``chromium``), driven through the DevTools protocol.

The protocol runs over ``--remote-debugging-pipe`` (NUL-separated JSON on the browser's file
descriptors 3 and 4), so no websocket client or browser-automation package is needed. A page is
loaded, console messages, uncaught exceptions, log entries and every network request are recorded,
and JavaScript can be evaluated in it once it has rendered.

Nothing leaves the machine: every host name resolves to nothing and the proxy is a closed port, so
a page that tried to load anything from the network would log a failed request (and be caught by
the request list in any case).
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",  # root, as in CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--remote-debugging-pipe",
]

#: The browser's fd 3 is read from our pipe to its stdin, fd 4 written to our pipe from its stdout.
PIPE_SHIM = 'exec 3<&0 4>&1 </dev/null >/dev/null; exec "$@"'


def chromium_path() -> str | None:
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@dataclass
class PageLog:
    console: list[tuple[str, str]] = field(default_factory=list)  # (type, text)
    exceptions: list[str] = field(default_factory=list)
    log_entries: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    requests: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        return (
            [f"console.{t}: {m}" for t, m in self.console if t in ("error", "assert")]
            + [f"exception: {e}" for e in self.exceptions]
            + [f"log {lvl}: {m}" for lvl, m in self.log_entries if lvl == "error"]
        )

    def network(self) -> list[str]:
        """Requests for anything but the local file itself and inline data."""
        return [u for u in self.requests if not u.startswith(("file:", "data:", "blob:", "about:"))]


class Browser:
    def __init__(self, profile: Path, *, width: int = 1280, height: int = 900) -> None:
        exe = chromium_path()
        if exe is None:
            raise FileNotFoundError("chromium")
        profile.mkdir(parents=True, exist_ok=True)
        self.stderr = (profile / "chromium.log").open("wb")  # read it when a test fails
        self.proc = subprocess.Popen(
            ["sh", "-c", PIPE_SHIM, "sh", exe, *FLAGS, f"--user-data-dir={profile}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self._next_id = 0
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.log = PageLog()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )

    def _read(self) -> None:
        assert self.proc.stdout is not None
        buf = b""
        while chunk := self.proc.stdout.read1(65536):
            buf += chunk
            *messages, buf = buf.split(b"\0")
            for m in messages:
                self._messages.put(json.loads(m))
        self._messages.put(None)

    def _record(self, msg: dict[str, Any]) -> None:
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.log.console.append((p.get("type", ""), text))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.log.exceptions.append(d.get("exception", {}).get("description") or d.get("text", ""))
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            self.log.log_entries.append((e.get("level", ""), f"{e.get('text', '')} {e.get('url', '')}"))
        elif method == "Network.requestWillBeSent":
            self.log.requests.append(p.get("request", {}).get("url", ""))

    def _wait(self, until: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError("no answer from chromium") from None
            if msg is None:
                raise RuntimeError(f"chromium exited ({self.proc.poll()})")
            self._record(msg)
            if until(msg):
                return msg

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False, timeout: float = 30
    ) -> dict[str, Any]:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg).encode() + b"\0")
        self.proc.stdin.flush()
        answer = self._wait(lambda m: m.get("id") == msg["id"], timeout)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def open(self, path: Path, timeout: float = 60) -> None:
        """Load ``path``; :attr:`log` then holds this page's messages only."""
        self.log = PageLog()
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session=True)
        self._wait(lambda m: m.get("method") == "Page.loadEventFired", timeout)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` in the page (awaited if it is a promise)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Evaluate until the value is truthy (rendering happens after the load event)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.2)

    def settle(self, seconds: float = 1.0) -> None:
        """Let late events (timers, deferred errors) arrive and be recorded."""
        try:
            self._wait(lambda m: False, seconds)
        except TimeoutError:
            pass

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, BrokenPipeError):
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.stderr):
            if f is not None:
                f.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
