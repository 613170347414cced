"""``--output s3://bucket/prefix``: real crawls into a real S3-compatible server on loopback.

The server is moto's standalone server (``moto[server]``, a werkzeug HTTP server speaking the S3
REST API), started by the tests on a free port: newsbot's pyarrow S3 client talks to it over HTTP
as it would to AWS. The dataset is read back with pyarrow's S3 filesystem and with DuckDB (through
pyarrow's filesystem registered as an fsspec filesystem: DuckDB's httpfs extension is downloaded
from extensions.duckdb.org on first use, which this offline machine cannot reach).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from fsspec.implementations.arrow import ArrowFSWrapper

from newsbot.storage.location import parse_location
from newsbot.storage.parquet import write_table_atomic
from tests.data.hostile.harness import FAST, ROOT, newsbot, read_articles

moto_server = pytest.importorskip("moto.server")

BUCKET = "news"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on loopback, with the bucket created; yields its endpoint URL."""
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)  # for this process and the newsbot subprocesses
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        admin = pafs.S3FileSystem(endpoint_override=endpoint, region="us-east-1", allow_bucket_creation=True)
        admin.create_dir(BUCKET)
        yield endpoint
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def s3(endpoint: str) -> pafs.S3FileSystem:
    """A client of our own, as a user's reader would make it (not newsbot's)."""
    return pafs.S3FileSystem(endpoint_override=endpoint, region="us-east-1")


def keys(endpoint: str, prefix: str) -> list[str]:
    infos = s3(endpoint).get_file_info(
        pafs.FileSelector(f"{BUCKET}/{prefix}", recursive=True, allow_not_found=True)
    )
    return sorted(i.path for i in infos if i.type == pafs.FileType.File)


def read_s3_articles(endpoint: str, prefix: str) -> pa.Table:
    dataset = ds.dataset(
        f"{BUCKET}/{prefix}/articles", filesystem=s3(endpoint), format="parquet", partitioning="hive"
    )
    return dataset.to_table()


def duckdb_count(endpoint: str, prefix: str) -> tuple[int, int]:
    """(records, distinct date partitions) read by DuckDB from the bucket."""

    class S3Reader(ArrowFSWrapper):
        protocol = "s3"

    con = duckdb.connect()
    con.register_filesystem(S3Reader(s3(endpoint)))
    return con.execute(
        "SELECT count(*), count(DISTINCT date) FROM read_parquet("
        f"'s3://{BUCKET}/{prefix}/articles/**/*.parquet', hive_partitioning=true)"
    ).fetchone()


def crawl(output: str, sources: Path, *extra: str) -> object:
    return newsbot(
        "crawl", "--output", output, *FAST, "-s", f"NEWSBOT_SOURCES_FILE={sources}", *extra, timeout=300
    )


@pytest.fixture(scope="module")
def crawled(s3_endpoint, demo_site, tmp_path_factory) -> tuple[str, Path, Path]:
    """One crawl of the demo site into s3://news/corpus and one into a local directory."""
    tmp = tmp_path_factory.mktemp("s3crawl")
    sources = tmp / "sources.toml"
    sources.write_text(demo_site.sources_toml(), encoding="utf-8")
    proc = crawl(
        f"s3://{BUCKET}/corpus",
        sources,
        "--lock-dir",
        str(tmp / "lock"),
        "-s",
        f"NEWSBOT_S3_ENDPOINT_URL={s3_endpoint}",
        # small batches: several files per partition, for compaction below
        "-s",
        "NEWSBOT_BATCH_SIZE=4",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    local = tmp / "local"
    proc = crawl(str(local), sources)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return s3_endpoint, sources, local


def test_a_crawl_into_s3_writes_the_dataset_rejects_summary_and_state(crawled) -> None:
    endpoint, _, local = crawled
    table = read_s3_articles(endpoint, "corpus")
    assert table.num_rows > 10
    for name in ("id", "url", "body", "fetched_at", "content_hash", "date"):
        assert name in table.column_names
    ids = table.column("id").to_pylist()
    assert len(set(ids)) == len(ids)
    # The same records as the crawl of the same site into a local directory.
    local_table = read_articles(local)

    def records(t: pa.Table) -> list[tuple[object, ...]]:
        return sorted(
            zip(*(t.column(c).to_pylist() for c in ("id", "content_hash", "title", "body")), strict=True)
        )

    assert records(table) == records(local_table)
    assert duckdb_count(endpoint, "corpus") == (table.num_rows, len(set(table.column("date").to_pylist())))

    stored = keys(endpoint, "corpus")
    runs = [k for k in stored if "/runs/" in k]
    assert len(runs) == 1 and runs[0].endswith(".json")
    summary = json.loads(s3(endpoint).open_input_stream(runs[0]).read())
    assert summary["finish_reason"] == "finished" and summary["totals"]["stored"] == table.num_rows
    assert any("/rejects/date=" in k for k in stored)
    assert f"{BUCKET}/corpus/state/neardup.npz" in stored
    assert f"{BUCKET}/corpus/state/templates.json" in stored
    # Nothing half-written or temporary is visible, and nothing landed in a local "s3:" directory.
    assert not [k for k in stored if k.rsplit("/", 1)[-1].startswith(".") or k.endswith(".tmp")]
    assert not (ROOT / "s3:").exists()


def test_a_second_run_into_s3_knows_what_is_stored_there(crawled, tmp_path) -> None:
    endpoint, sources, _ = crawled
    before = read_s3_articles(endpoint, "corpus").num_rows
    proc = crawl(
        f"s3://{BUCKET}/corpus",
        sources,
        "--lock-dir",
        str(tmp_path / "lock"),
        "-s",
        f"NEWSBOT_S3_ENDPOINT_URL={endpoint}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    # The seen-URL memory was rebuilt from the objects: no article was stored twice.
    table = read_s3_articles(endpoint, "corpus")
    assert table.num_rows == before
    assert len([k for k in keys(endpoint, "corpus") if "/runs/" in k]) == 2


def test_stats_and_compact_work_on_s3(crawled, tmp_path) -> None:
    endpoint, _, _ = crawled
    # stats and compact take no -s: the endpoint comes from the standard environment variable
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        stats = newsbot("stats", "--output", f"s3://{BUCKET}/corpus")
        assert stats.returncode == 0, stats.stderr
        assert "Per source" in stats.stdout and "Rejects by reason" in stats.stdout
        report = newsbot("report", "--output", f"s3://{BUCKET}/corpus")
        assert report.returncode == 0, report.stderr
        assert f"s3://{BUCKET}/corpus/report.html" in report.stdout
        before = read_s3_articles(endpoint, "corpus")
        files_before = keys(endpoint, "corpus/articles")
        proc = newsbot("compact", "--output", f"s3://{BUCKET}/corpus", "--lock-dir", str(tmp_path / "lock"))
        assert proc.returncode == 0, proc.stderr
    finally:
        del os.environ["AWS_ENDPOINT_URL"]
    after = read_s3_articles(endpoint, "corpus")
    files_after = keys(endpoint, "corpus/articles")
    partitions = {k.rsplit("/", 1)[0] for k in files_before}
    assert len(files_before) > len(partitions)  # there was something to merge
    assert len(files_after) == len(partitions)
    assert sorted(after.column("id").to_pylist()) == sorted(before.column("id").to_pylist())
    page = s3(endpoint).open_input_stream(f"{BUCKET}/corpus/report.html").read().decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and f"{before.num_rows:,}" in page


def test_an_s3_output_needs_a_local_lock_dir(s3_endpoint, tmp_path) -> None:
    proc = newsbot(
        "crawl",
        "--output",
        f"s3://{BUCKET}/locked",
        "-s",
        f"NEWSBOT_S3_ENDPOINT_URL={s3_endpoint}",
        "--urls",
        "http://127.0.0.1:9/x",
    )
    assert proc.returncode == 2, proc.stderr
    assert "NEWSBOT_LOCK_DIR" in proc.stderr and "--lock-dir" in proc.stderr
    assert keys(s3_endpoint, "locked") == []


def test_a_failed_write_leaves_no_object_and_a_large_one_arrives_whole(s3_endpoint) -> None:
    location = parse_location(f"s3://{BUCKET}/atomic", s3_endpoint)
    with pytest.raises(RuntimeError):
        with location.atomic_write("date=2026-01-01", "broken.parquet") as fh:
            fh.write(b"PAR1" + b"x" * (6 << 20))  # past pyarrow's single-PUT size
            raise RuntimeError("the writer failed midway")
    assert keys(s3_endpoint, "atomic") == []
    # 12 MiB: a multipart upload, complete when it appears.
    payload = os.urandom(12 << 20)
    location.write_bytes("big.bin", data=payload)
    assert keys(s3_endpoint, "atomic") == [f"{BUCKET}/atomic/big.bin"]
    assert s3(s3_endpoint).open_input_stream(f"{BUCKET}/atomic/big.bin").read() == payload
    table = pa.Table.from_pylist([{"id": "a", "url": "u"}])
    write_table_atomic(table, "date=2026-01-01/part-2.parquet", location=location)
    back = pq.read_table(f"{BUCKET}/atomic/date=2026-01-01/part-2.parquet", filesystem=s3(s3_endpoint))
    assert back.column("id").to_pylist() == ["a"]
