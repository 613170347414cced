"""Web archives: reading WARC files (ISO 28500) for backfills."""
