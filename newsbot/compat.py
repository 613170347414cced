"""The one module that reaches into other libraries' internals, each where no public API exists.

Everything else in newsbot uses public APIs only (``tests/test_private_internals.py`` scans the
package and fails on a private attribute or module of another library used outside this file).
Each adapter below says what it needs, why nothing public does it, and what happens when a new
version of the library changes the internal: never a crash, at worst a slower path.

* CPython's regular-expression parser and case folding (``re._parser``, ``re._constants``,
  ``_sre.unicode_tolower``, ``re._casefix``): :mod:`newsbot.clean.patterns` reads what a rule's
  pattern can match to skip the rules a paragraph cannot match. ``re`` has no public parse tree.
  Missing: :data:`REGEX_PARSER` is None and every rule is tried.
* Scrapy's engine loop (``ExecutionEngine._slot.nextcall``): the Redis cluster coordinator wakes
  the engine when requests arrive in the shared queue; Scrapy's only public trigger is its own
  5-second heartbeat. Missing: the crawl waits for the heartbeat.
* Scrapy's downloader slots (``Downloader.slots`` and each slot's ``queue``, as the downloader
  fills it): on a first Ctrl-C newsbot fails the requests still queued there; Scrapy cannot cancel
  them publicly. Missing: they are sent, and the stop is slower. The progress line counts the
  slots' ``transferring`` requests (no public count). Missing: it counts none in flight.
* ``concurrent.futures.ProcessPoolExecutor._processes``: the worker processes, killed when a call
  is stuck; the executor can only wait for them. Missing: nothing is killed, the pool is shut down.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from types import ModuleType
from typing import Any

logger = logging.getLogger(__name__)

# --- re: the parse tree of a pattern and the engine's case classes ----------------------------

REGEX_PARSER: ModuleType | None
REGEX_CONSTANTS: ModuleType | None
try:
    import re._constants as REGEX_CONSTANTS  # noqa: N812 - the module, under a public name
    import re._parser as REGEX_PARSER  # noqa: N812
    from _sre import unicode_tolower
    from re._casefix import _EXTRA_CASES as EXTRA_CASES
except ImportError:  # another Python: no analysis, every rule is tried
    REGEX_PARSER = REGEX_CONSTANTS = None
    unicode_tolower = None  # type: ignore[assignment]
    EXTRA_CASES: dict[int, tuple[int, ...]] = {}  # type: ignore[no-redef]


def parse_regex(pattern: str, flags: int) -> list[tuple[Any, Any]] | None:
    """CPython's parse of ``pattern`` as a list of ``(opcode, argument)``; None if unavailable."""
    if REGEX_PARSER is None or unicode_tolower is None:
        return None
    return list(REGEX_PARSER.parse(pattern, flags))


# --- Scrapy ---------------------------------------------------------------------------------


def wake_engine(engine: Any) -> bool:
    """Make the engine look at its scheduler now; False if this Scrapy has no such loop."""
    slot = getattr(engine, "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is None:
        return False
    nextcall.schedule()
    return True


def downloader_queues(engine: Any) -> Iterator[deque[tuple[Any, Any]]] | None:
    """The ``(request, deferred)`` queues of the downloader's slots; None if this Scrapy's
    downloader keeps them elsewhere."""
    slots = getattr(getattr(engine, "downloader", None), "slots", None)
    if not isinstance(slots, dict):
        return None
    queues = [getattr(slot, "queue", None) for slot in list(slots.values())]
    if any(not isinstance(q, deque) for q in queues):
        return None
    return iter(queues)  # type: ignore[arg-type]


def downloader_transferring(engine: Any) -> int:
    """How many requests the downloader's slots are transferring now (0 if not exposed)."""
    slots = getattr(getattr(engine, "downloader", None), "slots", None) or {}
    return sum(len(getattr(slot, "transferring", ())) for slot in slots.values())


# --- concurrent.futures ---------------------------------------------------------------------


def pool_processes(pool: ProcessPoolExecutor) -> list[BaseProcess]:
    """The executor's live worker processes (empty if it does not expose them)."""
    processes = getattr(pool, "_processes", None) or {}
    return list(processes.values())
