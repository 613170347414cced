"""Files that appear complete or not at all: every file newsbot writes goes through here.

Written under a hidden temporary name (it starts with ``.`` and carries the writer's pid) in the
final directory, fsynced, renamed over the target (atomic on POSIX), then the directory is fsynced
so the rename itself survives a power cut. A reader, or the next run after a SIGKILL, sees the old
file or the new one, never half of one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


TMP_SUFFIX = ".tmp"
#: A temporary file this old is a leftover even if its pid is alive again (pids are reused).
STALE_TMP_SECONDS = 6 * 3600


def temp_path(path: Path) -> Path:
    """The hidden name ``path`` is written under before the rename (it carries the writer's pid)."""
    return path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")


@contextmanager
def atomic_write(path: Path) -> Iterator[BinaryIO]:
    """A binary file that appears at ``path`` complete, or not at all.

    Written under :func:`temp_path`, fsynced, renamed over ``path`` (atomic on POSIX), then the
    directory is fsynced so the rename itself survives a power cut. On any error, including
    KeyboardInterrupt, the temporary file is removed and ``path`` is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_write(path) as fh:
        fh.write(data)
