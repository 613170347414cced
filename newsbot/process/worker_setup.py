"""Start-up of a worker process (kept apart from :mod:`newsbot.process.pool`, which imports Scrapy).

A worker only runs the pure stage functions; importing Scrapy and Twisted there would cost
~25 MB per process for nothing.

A worker lives exactly as long as the crawl that started it:

* it exits when its parent dies, even by SIGKILL (the OOM killer, ``kill -9``): on Linux the
  kernel sends it SIGKILL (``PR_SET_PDEATHSIG``); everywhere, a thread notices that the parent
  has changed and exits. Without this, a killed crawl left its workers blocked on the call queue
  forever, and the multiprocessing resource tracker (which exits when the last holder of its
  pipe does) with them;
* it ignores SIGINT: Ctrl-C goes to the whole foreground process group, and the parent owns
  shutdown (it finishes the calls in flight, then closes the pool). A worker interrupted in the
  middle of a call printed a ``KeyboardInterrupt`` traceback and broke the pool.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

#: Workers run at a lower priority than the crawl's main process: when the cores are busy, the
#: reactor that feeds them pages and stores their results runs first. Without it, workers
#: starting up (imports, profiles) delayed the reactor by over 100 ms.
NICENESS = 5

#: How often the portable fallback checks that the parent is still there.
PARENT_POLL_SECONDS = 1.0

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _kill_with_parent_linux() -> bool:
    """Ask the kernel for SIGKILL when the parent (the thread that spawned us) exits."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # no libc prctl (musl builds, sandboxes): the thread does it
        return False


def _watch_parent(parent_pid: int) -> None:
    while True:
        # An orphan is re-parented (to init or a subreaper): its parent id changes.
        if os.getppid() != parent_pid:
            os._exit(1)  # nothing to clean up: the calls' results have nowhere to go
        time.sleep(PARENT_POLL_SECONDS)


def die_with_parent(parent_pid: int) -> None:
    _kill_with_parent_linux()
    if os.getppid() != parent_pid:
        # The parent died before the line above ran (the kernel only signals later deaths).
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()


def warm_up(plan: Any = None, parent_pid: int | None = None) -> None:
    """Tie the worker to its parent, install the crawl's plan, import the heavy modules and load
    the language profiles before the first page arrives, so the first calls do not pay for them
    inside the per-page timeout."""
    # The parent spawns workers with SIGINT blocked (``newsbot.process.pool._sigint_blocked``), so a
    # Ctrl-C during the interpreter's start-up is not a KeyboardInterrupt either; from here on
    # it is ignored, and unblocked so that the mask is the ordinary one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if parent_pid is not None:
        die_with_parent(parent_pid)
    try:
        os.nice(NICENESS)
    except OSError:  # not permitted here: same priority as the parent
        pass
    import newsbot.clean.duplicates  # noqa: F401
    import newsbot.extract.article  # noqa: F401
    import newsbot.process.stages  # noqa: F401
    from newsbot.enrich.language import warm_up as load_profiles
    from newsbot.process.worker import install

    install(plan)
    load_profiles()
