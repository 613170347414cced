"""The process tree of a running crawl, read from ``/proc`` (Linux)."""

from __future__ import annotations

import time
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process; None when it is gone or a zombie."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses
    state, ppid = text.rsplit(")", 1)[1].split()[:2]
    return None if state in ("Z", "X") else (state, int(ppid))


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    children: dict[int, list[int]] = {}
    for d in PROC.iterdir():
        if d.name.isdigit():
            st = _stat(int(d.name))
            if st is not None:
                children.setdefault(st[1], []).append(int(d.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"


def alive(pids: set[int]) -> set[int]:
    return {p for p in pids if _stat(p) is not None}


def wait_until_gone(pids: set[int], timeout: float) -> set[int]:
    """The processes of ``pids`` still alive after ``timeout`` seconds (empty: all gone)."""
    end = time.monotonic() + timeout
    while (left := alive(pids)) and time.monotonic() < end:
        time.sleep(0.1)
    return left


def available() -> bool:
    return (PROC / "self" / "stat").exists()
