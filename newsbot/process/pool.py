"""Where CPU-heavy work runs: a pool of worker processes, awaited from async pipelines.

Scrapy runs in one thread, so a pipeline that calls trafilatura inline caps the whole crawl at
one core and stalls downloads while it parses. Pipelines instead hand *pure* functions (picklable
arguments and results, no shared state) to the crawl's runner and ``await`` the result:

    result = await get_runner(crawler).run(extract_article, html, url, hints)

``NEWSBOT_WORKERS`` sets the pool size (default: one per core; ``0`` runs inline, in the reactor
thread). Workers ignore Ctrl-C and die with the crawl, even a SIGKILLed one
(:mod:`newsbot.process.worker_setup`); the pool is shut down in a thread when the spider closes, so the
reactor never waits on process joins. ``NEWSBOT_WORKER_TIMEOUT`` bounds one call: a
pathological page fails alone with :class:`WorkerTimeout`, and the pool is replaced so the stuck
process does not hold a slot. In-flight calls are capped (``NEWSBOT_WORKER_MAX_PENDING``, default
8 per worker) so a fast downloader cannot pile thousands of pages into the pool's queue and memory.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.reactor import is_asyncio_reactor_installed, is_reactor_installed
from twisted.internet import defer, threads

from newsbot.compat import pool_processes
from newsbot.config.declared import getfloat, getint
from newsbot.process.page import Page
from newsbot.process.plan import Plan, finish_page, process_page
from newsbot.process.worker import run_installed
from newsbot.process.worker_setup import warm_up

logger = logging.getLogger(__name__)

T = TypeVar("T")


class WorkerTimeout(Exception):
    """A call ran past ``NEWSBOT_WORKER_TIMEOUT``."""


class Runner(Protocol):
    async def run(self, fn: Callable[..., T], *args: Any) -> T: ...

    async def process(self, page: Page, finish: bool = False) -> Page: ...

    def close(self) -> None: ...

    async def aclose(self) -> None: ...


class InlineRunner:
    """Runs the function in the calling thread (``NEWSBOT_WORKERS=0``, tests, one-off tools)."""

    def __init__(self, plan: Plan | None = None) -> None:
        self.plan = plan

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)

    async def process(self, page: Page, finish: bool = False) -> Page:
        assert self.plan is not None
        return (finish_page if finish else process_page)(self.plan, page)

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread while it spawns workers.

    A child inherits the signal mask across fork and exec, so a Ctrl-C that arrives while a
    worker's interpreter starts (before :func:`~newsbot.process.worker_setup.warm_up` ignores SIGINT) is
    no ``KeyboardInterrupt`` traceback in it. For the parent nothing is lost: a SIGINT arriving
    meanwhile stays pending and is handled when the mask is restored.
    """
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    for proc in pool_processes(pool):
        if proc.is_alive():
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


class ProcessPoolRunner:
    """A ``ProcessPoolExecutor`` driven from the reactor without blocking it."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Runner:
        """``NEWSBOT_WORKER_POOL_CLASS``: processes, or inline without them (:func:`pool_from_crawler`)."""
        return pool_from_crawler(crawler)

    def __init__(
        self, workers: int, timeout: float = 60.0, max_pending: int | None = None, plan: Plan | None = None
    ) -> None:
        self.workers = max(1, workers)
        #: handed to every process once, when it starts (:func:`newsbot.process.worker.install`)
        self.plan = plan
        self.timeout = timeout
        # Enough calls queued that a worker never waits on the parent's round trip.
        self.max_pending = max_pending or 8 * self.workers
        # "spawn": forking a process that runs a reactor and threads is unsafe.
        self._ctx = multiprocessing.get_context("spawn")
        self._pool = self._new_pool()
        self._slots: asyncio.Semaphore | None = None
        self._closed = False
        self.replaced = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        """A pool whose processes start now: they import their modules and load the language
        profiles (~1 s of CPU each) while Scrapy starts and fetches the first feeds (or, for a
        pool replacing a broken one, before the next page's timeout runs), not when a page is
        waiting. The pool starts a process per call it cannot hand to an idle one, so one trivial
        call per worker starts them all."""
        # The parent's pid: a worker exits when its parent is no longer this process.
        pool = ProcessPoolExecutor(
            self.workers, mp_context=self._ctx, initializer=warm_up, initargs=(self.plan, os.getpid())
        )
        with _sigint_blocked():  # the submits spawn the processes
            for _ in range(self.workers):
                pool.submit(os.getpid)
        return pool

    async def _await(self, fut: Future[T]) -> T:
        if is_asyncio_reactor_installed():
            return await asyncio.wait_for(asyncio.wrap_future(fut), self.timeout)
        return await threads.deferToThread(fut.result, self.timeout)  # type: ignore[no-any-return]

    async def process(self, page: Page, finish: bool = False) -> Page:
        """One page through the installed plan, in a worker process."""
        return await self.run(run_installed, page, finish)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            # A late call after the spider closed (a spider_closed handler): not worth a new pool.
            return fn(*args)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_pending) if is_asyncio_reactor_installed() else None
        if self._slots is None:
            return await self._run(fn, *args)
        async with self._slots:
            return await self._run(fn, *args)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        for attempt in (1, 2):
            pool = self._pool
            try:
                fut = pool.submit(fn, *args)
            except (BrokenProcessPool, RuntimeError):
                self._replace(pool, "broken")
                continue
            try:
                return await self._await(fut)
            except TimeoutError as exc:
                # The worker is stuck on this input: replace the pool so the slot comes back.
                self._replace(pool, "timeout")
                raise WorkerTimeout(f"{getattr(fn, '__name__', fn)} took over {self.timeout:g}s") from exc
            except BrokenProcessPool:
                # Another call killed the pool (timeout, OOM kill): run once more in a fresh one.
                if attempt == 2:
                    raise
                self._replace(pool, "broken")
        raise BrokenProcessPool("worker pool keeps breaking")

    def _replace(self, pool: ProcessPoolExecutor, why: str) -> None:
        if pool is not self._pool:
            return  # someone else already replaced it
        logger.warning("Replacing the worker pool (%s)", why)
        self.replaced += 1
        self._pool = self._new_pool()
        _kill_pool(pool)

    def close(self) -> None:
        """Blocking shutdown, for callers without a reactor (tests, benchmarks)."""
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    async def aclose(self) -> None:
        """Shut the pool down without blocking the reactor.

        Joining the workers takes as long as their current call (on a loaded machine, seconds for
        one still importing its modules). Done in the reactor thread, that stall made overdue
        timers fire late, in the wrong order: Scrapy's HTTP download handler, closing at the same
        time, then fired its Deferred twice (``AlreadyCalledError`` after "Spider closed").
        Workers still busy after ``NEWSBOT_WORKER_TIMEOUT`` are killed.
        """
        if self._closed:
            return
        self._closed = True
        pool = self._pool
        from twisted.internet import reactor

        d = threads.deferToThread(pool.shutdown, wait=True, cancel_futures=True)
        d.addTimeout(self.timeout, reactor)
        try:
            await maybe_deferred_to_future(d)
        except defer.TimeoutError:
            logger.warning("Worker processes still busy %gs after the crawl: killing them", self.timeout)
            _kill_pool(pool)


def _reactor_running() -> bool:
    if not is_reactor_installed():
        return False
    from twisted.internet import reactor

    return bool(getattr(reactor, "running", False))


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pool_from_crawler(crawler: Crawler) -> Runner:
    """The runner a crawl with these settings uses, its plan installed, closed when the engine stops."""
    from newsbot.process.build import build_plan

    settings = crawler.settings
    workers = settings.get("NEWSBOT_WORKERS")
    n = default_workers() if workers in (None, "", "auto") else int(workers)
    plan = build_plan(settings)
    runner: Runner
    if n <= 0 or not _reactor_running():
        # No running reactor: a unit test or a tool driving pipelines with asyncio.run(); inline.
        runner = InlineRunner(plan)
    else:
        runner = ProcessPoolRunner(
            n,
            timeout=getfloat(settings, "NEWSBOT_WORKER_TIMEOUT"),
            max_pending=getint(settings, "NEWSBOT_WORKER_MAX_PENDING") or None,
            plan=plan,
        )
        logger.info("Extraction runs in %d worker processes", n)
    # spider_closed: every item has been processed by then. engine_stopped too, for a crawl
    # whose spider never opened (aclose runs once).
    crawler.signals.connect(runner.aclose, signal=signals.spider_closed, weak=False)
    crawler.signals.connect(runner.aclose, signal=signals.engine_stopped, weak=False)
    return runner


def get_runner(crawler: Crawler) -> Runner:
    """The crawl's runner: the ``NEWSBOT_WORKER_POOL_CLASS`` component, built on first use."""
    from newsbot.extensions.components import component

    return component(crawler, "NEWSBOT_WORKER_POOL_CLASS")  # type: ignore[no-any-return]
