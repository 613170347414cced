"""A small real disk for tests of a full filesystem: a tmpfs mounted for the test.

Needs root (or CAP_SYS_ADMIN) to mount; ``small_disk`` (tests/conftest.py) skips with the reason
where mounting is not permitted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def mount_small_disk(mnt: Path, size: str = "2m") -> None:
    """Mount a tmpfs of ``size`` on ``mnt``; skips the test where mounting is not permitted."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = _mount(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)])
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def unmount(mnt: Path) -> None:
    _mount(["umount", "-l", str(mnt)])


def _mount(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True)


def fill(mnt: Path, leave: int) -> Path:
    """A ballast file taking all the free space but ``leave`` bytes (written, so allocated)."""
    st = os.statvfs(mnt)
    size = st.f_bavail * st.f_frsize - leave
    ballast = mnt / "ballast"
    with ballast.open("wb") as fh:
        chunk = b"\0" * 65536
        for _ in range(size // len(chunk)):
            fh.write(chunk)
    return ballast


def remount(mnt: Path, size: str) -> None:
    """Give the disk room again (``size`` as ``mount -o size=`` takes it)."""
    assert _mount(["mount", "-o", f"remount,size={size}", str(mnt)]).returncode == 0
