"""Exit status of the ``newsbot`` command (documented in docs/operations.md; scripts rely on it)."""

from __future__ import annotations

import signal

OK = 0
#: An unexpected error (a bug, a full disk): the traceback is in the log.
ERROR = 1
#: Bad command line, setting or configuration file; nothing was fetched.
USAGE = 2
#: Another run holds the output directory (``DIR/.lock``); nothing was fetched.
LOCKED = 3
#: The crawl ran but every source failed (no usable answer from any of them).
ALL_SOURCES_FAILED = 4
#: The crawl stopped early for a reason other than finishing or its time budget
#: (memory limit, error count, ...); what was crawled until then is stored.
STOPPED_EARLY = 5
#: A write to the dataset failed (full disk, read-only or vanished mount): the run stopped at
#: once. Rows not written are not counted in the summary and are fetched again by the next run.
WRITE_FAILED = 6
#: Stopped by SIGINT (Ctrl-C) / SIGTERM (systemd, kill); what was crawled is stored.
INTERRUPTED = 128 + signal.SIGINT  # 130
TERMINATED = 128 + signal.SIGTERM  # 143

#: Finish reasons that count as a completed run.
COMPLETED_REASONS = frozenset(
    {"finished", "closespider_timeout", "closespider_itemcount", "closespider_pagecount"}
)


def for_signal(signum: int) -> int:
    return 128 + signum
