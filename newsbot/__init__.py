"""newsbot: ingest news coverage of armed conflict into a clean Parquet dataset."""

__version__ = "0.1.0"
