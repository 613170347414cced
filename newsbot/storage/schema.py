"""The dataset schema (DESIGN.md "Dataset"): an explicit Arrow schema, never inferred.

The first block is the contract outside scripts rely on; the rest are extra columns. Columns
are only ever added, never renamed or retyped; ``SCHEMA_VERSION`` in the file metadata says
which set a file has.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "2"  # 2: warc_file, warc_offset

TS = pa.timestamp("us", tz="UTC")

ARTICLE_SCHEMA = pa.schema(
    [
        # --- required (DESIGN.md) ---
        pa.field("id", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("canonical_url", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("body", pa.string(), nullable=False),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("published_at", TS),
        pa.field("fetched_at", TS, nullable=False),
        pa.field("language", pa.string()),
        pa.field("word_count", pa.int32()),
        pa.field("content_hash", pa.string()),
        pa.field("duplicate_of", pa.string()),
        pa.field("conflict_score", pa.float32()),
        # --- extra ---
        pa.field("description", pa.string()),
        pa.field("site_name", pa.string()),
        pa.field("categories", pa.list_(pa.string())),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("language_confidence", pa.float32()),
        pa.field("declared_language", pa.string()),
        pa.field("discovery", pa.string()),
        pa.field("discovered_from", pa.string()),
        pa.field("discovered_url", pa.string()),
        pa.field("http_status", pa.int16()),
        pa.field("seen_at", TS),
        pa.field("source_country", pa.string()),
        pa.field("domain", pa.string()),
        pa.field("extractor_version", pa.string()),
        pa.field("run_id", pa.string()),
        # the raw page (NEWSBOT_WARC_ENABLED): its WARC file, relative to the output location, and
        # the byte offset of its response record there
        pa.field("warc_file", pa.string()),
        pa.field("warc_offset", pa.int64()),
    ],
    metadata={b"newsbot.schema_version": SCHEMA_VERSION.encode(), b"newsbot.kind": b"articles"},
)

REJECT_SCHEMA = pa.schema(
    [
        pa.field("url", pa.string(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("http_status", pa.int16()),
        pa.field("time", TS, nullable=False),
        pa.field("discovery", pa.string()),
        pa.field("discovered_from", pa.string()),
        pa.field("discovered_url", pa.string()),
        pa.field("run_id", pa.string()),
    ],
    metadata={b"newsbot.schema_version": SCHEMA_VERSION.encode(), b"newsbot.kind": b"rejects"},
)

ARTICLE_COLUMNS = tuple(ARTICLE_SCHEMA.names)
REJECT_COLUMNS = tuple(REJECT_SCHEMA.names)
