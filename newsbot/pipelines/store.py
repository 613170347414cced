"""Store: clean records into the Hive-partitioned Parquet dataset under ``DIR/articles/``.

Records are written in batches while the crawl runs: every ``NEWSBOT_BATCH_SIZE`` records and
at least every ``NEWSBOT_FLUSH_INTERVAL`` seconds, so a killed run loses at most that window.
Partitions are the UTC fetch date (``date=YYYY-MM-DD``): append-only, so a cron corpus never
rewrites old partitions; ``published_at`` is a column to filter on.

A record is counted (``newsbot/stored``, per source, and near-duplicates) when the file holding
it is in place, not when it is buffered. A write that fails (a full disk, a read-only mount)
stops the run: the spider closes with reason ``write_failed`` (``newsbot crawl`` exits with
``WRITE_FAILED``), and the rows not written stay unwritten, uncounted, and are not in the
dataset the next run's seen-URL memory is built from, so that run fetches them again.

With ``NEWSBOT_WARC_ENABLED`` a row names its raw page (``warc_file``, ``warc_offset``); the WARC
files the rows of a write name are published first (:mod:`newsbot.archive.recorder`), so a dataset
file never points at a WARC file a reader cannot see.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsbot import signals as nb_signals
from newsbot.archive.recorder import warc_writer
from newsbot.config.declared import getbool, getfloat, getint
from newsbot.config.run import run_id
from newsbot.storage.location import output_location
from newsbot.storage.parquet import PartitionedWriter, remove_stale_temp_files
from newsbot.storage.records import article_row, partition_by_fetch_date
from newsbot.storage.schema import ARTICLE_SCHEMA

logger = logging.getLogger(__name__)

#: The finish reason of a run stopped by a failed write.
WRITE_FAILED = "write_failed"


def stop_on_write_failure(crawler: Crawler, what: str, exc: OSError, pending: int) -> None:
    """Log a failed dataset write, and close the spider the first time (shared with the rejects)."""
    crawler.stats.inc_value("newsbot/write_errors")
    first = crawler.stats.get_value("newsbot/write_failed") is None
    if first:
        crawler.stats.set_value("newsbot/write_failed", f"{what}: {exc}")
    stopping = ": stopping the run" if first else ""
    logger.error("Cannot write %s: %s; %d rows not written%s", what, exc, pending, stopping)
    crawler.signals.send_catch_log(nb_signals.write_failed, path=what, error=str(exc))
    engine = crawler.engine
    if first and engine is not None and engine.spider is not None:
        from scrapy.utils.defer import deferred_from_coro

        # Public engine API (what Scrapy's CloseSpider extension calls); not awaited here, this
        # may run inside process_item, which the close waits for.
        deferred_from_coro(engine.close_spider_async(reason=WRITE_FAILED))


class ParquetStorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_STORE_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.root = output_location(settings).child("articles")
        self.batch_size = getint(settings, "NEWSBOT_BATCH_SIZE")
        self.flush_interval = getfloat(settings, "NEWSBOT_FLUSH_INTERVAL")
        self.writer = PartitionedWriter(
            self.root,
            ARTICLE_SCHEMA,
            partition_by_fetch_date,
            file_prefix=f"part-{run_id(crawler)}",
            on_written=self._count,
        )
        self._timer: task.LoopingCall | None = None
        #: the crawl's WARC files (NEWSBOT_WARC_ENABLED), published before a row names one
        self.warc = warc_writer(crawler)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.flush, signal=nb_signals.stop_now)
        crawler.signals.connect(self.flush, signal=nb_signals.flush_requested)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParquetStorePipeline:
        return cls(crawler)

    def spider_opened(self) -> None:
        removed = remove_stale_temp_files(self.root)
        if removed:
            logger.info("Removed %d temporary files left by an interrupted run", removed)
        if self.flush_interval > 0:
            self._timer = task.LoopingCall(self.flush)
            self._timer.start(self.flush_interval, now=False)

    async def process_item(self, item: Any) -> Any:
        self.writer.add(article_row(item))
        if self.writer.pending >= self.batch_size:
            self.flush()
        return item

    def _count(self, rows: list[dict[str, Any]]) -> None:
        self.crawler.signals.send_catch_log(nb_signals.records_stored, rows=rows)
        for row in rows:
            self.stats.inc_value("newsbot/stored")
            self.stats.inc_value(f"newsbot/source/{row['source']}/stored")
            if row.get("duplicate_of"):
                self.stats.inc_value("newsbot/stored_duplicates")
                self.stats.inc_value(f"newsbot/source/{row['source']}/stored_duplicates")

    def flush(self, **_: Any) -> None:
        if not self.writer.pending:
            return
        try:
            if self.warc is not None:
                self.warc.seal_for(self.writer.pending_values("warc_file"))
            files = self.writer.flush()
        except OSError as exc:
            # Never raised: from the timer it would stop the LoopingCall, from process_item it
            # would drop the item; the rows stay buffered for the final flush to retry.
            stop_on_write_failure(self.crawler, str(self.root), exc, self.writer.pending)
            return
        self.stats.inc_value("newsbot/store/files", len(files))
        logger.debug("Wrote %d dataset files", len(files))

    def spider_closed(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()
        # The run's summary says how many were stored; records not written are a warning.
        logger.log(
            logging.WARNING if self.writer.pending else logging.DEBUG,
            "Stored %d records in %d files under %s%s",
            self.writer.rows_written,
            len(self.writer.files_written),
            self.root,
            f"; {self.writer.pending} records NOT written" if self.writer.pending else "",
        )
