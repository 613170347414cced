"""Output locations: local paths, file:// URIs and fsspec filesystems, and unusable ones."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from newsbot.storage.location import parse_location
from newsbot.storage.parquet import PartitionedWriter
from tests.data.hostile.harness import newsbot


def test_a_local_location_writes_aside_and_renames(tmp_path: Path) -> None:
    location = parse_location(str(tmp_path / "out"))
    assert location.is_local
    with pytest.raises(RuntimeError):
        with location.atomic_write("runs", "r.json") as fh:
            fh.write(b"{half")
            raise RuntimeError("killed")
    assert list((tmp_path / "out").rglob("*")) == [tmp_path / "out" / "runs"]  # no temporary file left
    location.write_bytes("runs", "r.json", data=b"{}")
    assert (tmp_path / "out" / "runs" / "r.json").read_bytes() == b"{}"
    assert parse_location(f"file://{tmp_path / 'out'}").read_bytes("runs", "r.json") == b"{}"


def test_listing_leaves_out_hidden_and_temporary_files(tmp_path: Path) -> None:
    part = tmp_path / "articles" / "date=2026-11-24"
    part.mkdir(parents=True)
    for name in ("a.parquet", ".a.parquet.123.tmp", "_SUCCESS", "b.parquet"):
        (part / name).write_bytes(b"x")
    (tmp_path / "articles" / "_quarantine").mkdir()
    (tmp_path / "articles" / "_quarantine" / "c.parquet").write_bytes(b"x")
    files = parse_location(str(tmp_path)).files("articles")
    assert [f.name for f in files] == ["a.parquet", "b.parquet"]


def test_an_fsspec_filesystem_takes_the_dataset(tmp_path: Path) -> None:
    # fsspec's in-memory filesystem stands for any fsspec-only store (one pyarrow does not know).
    location = parse_location("memory://newsbot-test/corpus")
    assert not location.is_local
    schema = pa.schema([("id", pa.string()), ("fetched_at", pa.timestamp("us", tz="UTC"))])
    writer = PartitionedWriter(location.child("articles"), schema, lambda row: "date=2026-11-24", "part-x")
    writer.add({"id": "a", "fetched_at": None})
    writer.add({"id": "b", "fetched_at": None})
    assert writer.flush() == ["memory://newsbot-test/corpus/articles/date=2026-11-24/part-x-00001.parquet"]
    table = ds.dataset(
        location.path("articles"), filesystem=location.fs, format="parquet", partitioning="hive"
    ).to_table()
    assert sorted(table.column("id").to_pylist()) == ["a", "b"]
    assert table.column("date").to_pylist() == ["2026-11-24", "2026-11-24"]


def test_unusable_locations_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs a bucket"):
        parse_location("s3:///prefix")
    with pytest.raises(ValueError, match="no filesystem"):
        parse_location("nosuchscheme://x/y")
    proc = newsbot("crawl", "--output", "nosuchscheme://x/y", "--urls", "http://127.0.0.1:9/x")
    assert proc.returncode == 2, proc.stderr
    assert "NEWSBOT_OUTPUT_DIR" in proc.stderr and "nosuchscheme" in proc.stderr
