"""When a WARC file of a backfill is finished: read to its end, and all its rows on disk.

The ``warc`` spider reads a file and yields its items; they are still in the pipelines (the
worker pool, the stores' buffers) when the spider moves on. :class:`FileProgress` counts, per
file, the items yielded and not yet out of the pipelines (``item_scraped``, ``item_dropped`` or
``item_error``). Once a file has been read to its end and its last item is out, it asks the
stores to write their buffers (:data:`newsbot.signals.flush_requested`) and, if no write failed,
records the file in the ledger (:mod:`newsbot.archive.ledger`): the next backfill over the same
output skips it. A file the run did not finish (killed, stopped, a write failed, an unreadable
record) is not recorded; its claim, with Redis, is released for another process.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from newsbot import signals as nb_signals
from newsbot.archive.ledger import Ledger

logger = logging.getLogger(__name__)


class FileProgress:
    def __init__(self, crawler: Crawler, ledger: Ledger) -> None:
        self.crawler = crawler
        self.ledger = ledger
        #: items of each file being read or drained that have not left the pipelines yet
        self.outstanding: dict[str, int] = {}
        self.records: dict[str, int] = {}
        #: files read to their end whose items may still be in the pipelines
        self.read: set[str] = set()
        self._scheduled = False
        self._room: asyncio.Future[None] | None = None
        self._renewal: task.LoopingCall | None = None
        for sig in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_left, signal=sig)
        crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    def _spider_opened(self) -> None:
        every = self.ledger.renew_every
        if every:
            self._renewal = task.LoopingCall(self._renew)
            self._renewal.start(every, now=False)

    def in_flight(self) -> int:
        """Items yielded by the spider and still in the pipelines, every file counted."""
        return sum(self.outstanding.values())

    async def room(self, limit: int) -> None:
        """Wait until fewer than ``limit`` items are in flight.

        Scrapy pulls items from ``start()`` without backpressure (it bounds responses, not start
        items): without this, a file's records would pile up in memory ahead of the workers.
        """
        while self.in_flight() >= limit:
            self._room = asyncio.get_running_loop().create_future()
            await self._room

    def started(self, source: str) -> None:
        self.outstanding[source] = 0
        self.records[source] = 0

    def yielded(self, source: str) -> None:
        self.outstanding[source] += 1
        self.records[source] += 1

    def read_to_end(self, source: str) -> None:
        self.read.add(source)
        self._schedule()

    def failed(self, source: str) -> None:
        """The file could not be read to its end: never recorded, its claim given up."""
        self.outstanding.pop(source, None)
        self.records.pop(source, None)
        self.read.discard(source)
        self.ledger.release(source)

    def _item_left(self, item: Any, **_: Any) -> None:
        source = ItemAdapter(item).get("discovered_from")
        if source in self.outstanding:
            self.outstanding[source] -= 1
            if self._room is not None and not self._room.done():
                self._room.set_result(None)
            if source in self.read and not self.outstanding[source]:
                self._schedule()

    def _schedule(self) -> None:
        # Later, not now: the rejects store hears about a dropped item from the same signal this
        # was called from, maybe after us; its row must be buffered before the flush.
        if not self._scheduled:
            from twisted.internet import reactor  # the installed one (importing installs a default)

            self._scheduled = True
            reactor.callLater(0, self._finish_drained)  # type: ignore[attr-defined]

    def drained(self) -> list[str]:
        return [s for s in sorted(self.read) if not self.outstanding.get(s)]

    def _finish_drained(self) -> None:
        self._scheduled = False
        done = self.drained()
        if not done:
            return
        self.crawler.signals.send_catch_log(nb_signals.flush_requested)
        if self.crawler.stats.get_value("newsbot/write_failed") is not None:
            # The rows are not all on disk: the files stay unfinished, to be read again.
            return
        for source in done:
            try:
                self.ledger.finish(source, self.records.get(source, 0))
            except OSError as exc:
                logger.error("Cannot record %s as finished: %s (it will be read again)", source, exc)
                continue
            self.crawler.stats.inc_value("newsbot/warc/files_finished")
            logger.info("Finished %s (%d records)", source, self.records.get(source, 0))
            self.read.discard(source)
            self.outstanding.pop(source, None)
            self.records.pop(source, None)

    def _renew(self) -> None:
        try:
            self.ledger.renew()
        except Exception as exc:  # the lease may lapse: another process then reads the file too
            logger.warning("Cannot renew the WARC file claims: %s", exc)

    def _spider_closed(self, reason: str = "") -> None:
        # Connected before the stores' own spider_closed (the spider is made before the
        # pipelines), so the flush asked for here is the one that writes the last rows.
        if self._renewal is not None and self._renewal.running:
            self._renewal.stop()
        self._finish_drained()
        for source in list(self.outstanding):
            self.ledger.release(source)
        self.ledger.close()
