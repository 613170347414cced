"""Store: clean records into the Hive-partitioned Parquet dataset under ``DIR/articles/``.

Records are written in batches while the crawl runs: every ``NEWSBOT_BATCH_SIZE`` records and
at least every ``NEWSBOT_FLUSH_INTERVAL`` seconds, so a killed run loses at most that window.
Partitions are the UTC fetch date (``date=YYYY-MM-DD``): append-only, so a cron corpus never
rewrites old partitions; ``published_at`` is a column to filter on.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsbot.config.declared import getbool, getfloat, getint
from newsbot.run import run_id
from newsbot.storage.location import output_location
from newsbot.storage.parquet import PartitionedWriter, remove_stale_temp_files
from newsbot.storage.records import article_row, partition_by_fetch_date
from newsbot.storage.schema import ARTICLE_SCHEMA

logger = logging.getLogger(__name__)


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
            self.root, ARTICLE_SCHEMA, partition_by_fetch_date, file_prefix=f"part-{run_id(crawler)}"
        )
        self._timer: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

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
        row = article_row(item)
        self.writer.add(row)
        self.stats.inc_value("newsbot/stored")
        self.stats.inc_value(f"newsbot/source/{row['source']}/stored")
        if self.writer.pending >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.writer.pending:
            return
        files = self.writer.flush()
        self.stats.inc_value("newsbot/store/files", len(files))
        logger.debug("Wrote %d dataset files", len(files))

    def spider_closed(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()
        logger.info(
            "Stored %d records in %d files under %s",
            self.writer.rows_written,
            len(self.writer.files_written),
            self.root,
        )
