"""A Scrapy feed exporter for Parquet, so that ``scrapy crawl news -O out.parquet`` works.

Registered in ``FEED_EXPORTERS`` as ``parquet``. Writes the dataset schema, in row groups as
items arrive (not all at the end), through Scrapy's feed storage (local file, S3, ...).
"""

from __future__ import annotations

from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from scrapy.exporters import BaseItemExporter

from newsbot.storage.parquet import COMPRESSION
from newsbot.storage.records import article_row
from newsbot.storage.schema import ARTICLE_SCHEMA


class ParquetItemExporter(BaseItemExporter):
    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        self.row_group_size = int(kwargs.pop("row_group_size", 1000))
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self._rows: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None

    def start_exporting(self) -> None:
        self._writer = pq.ParquetWriter(self.file, ARTICLE_SCHEMA, compression=COMPRESSION)

    def export_item(self, item: Any) -> None:
        self._rows.append(article_row(item))
        if len(self._rows) >= self.row_group_size:
            self._write()

    def _write(self) -> None:
        if self._rows and self._writer is not None:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=ARTICLE_SCHEMA))
            self._rows = []

    def finish_exporting(self) -> None:
        self._write()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
