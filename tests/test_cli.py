"""The ``newsbot`` command: validation before crawling, exit codes, demo, stats, compact, extract."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from newsbot.extensions.outputlock import OutputLock
from newsbot.storage.parquet import write_table_atomic
from newsbot.storage.schema import ARTICLE_SCHEMA
from tests.data.hostile.harness import FAST, HERE, newsbot, read_articles, summaries

BAD_REGISTRY = """\
[[source]]
id = "good"
name = "Good"
homepage = "https://good.example/"
languages = ["en"]
feeds = ["https://good.example/rss"]
enabled = true

[[source]]
id = "bad"
name = "Bad"
homepage = "https://bad.example/"
languages = ["english"]
feeds = ["https://bad.example/rss"]
enabled = true
"""


def test_a_bad_registry_stops_the_run_naming_file_line_and_field(tmp_path: Path) -> None:
    reg = tmp_path / "sources.toml"
    reg.write_text(BAD_REGISTRY, encoding="utf-8")
    proc = newsbot("crawl", "--output", str(tmp_path / "out"), "-s", f"NEWSBOT_SOURCES_FILE={reg}")
    assert proc.returncode == 2
    assert f"{reg}:9: field 'languages'" in proc.stderr
    assert not (tmp_path / "out" / "runs").exists()  # nothing started


def test_bad_settings_and_arguments_exit_2(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    cases = [
        (["-s", "DOWNLOAD_DELAY=fast"], "DOWNLOAD_DELAY"),
        (["-s", "NEWSBOT_BATCH_SIZE=0"], "NEWSBOT_BATCH_SIZE"),
        (["-s", "NOEQUALS"], "NAME=VALUE"),
        (["--urls", "ftp://example.com/x"], "'urls'"),
        (["--max-time", "-1"], "--max-time"),
    ]
    for args, needle in cases:
        proc = newsbot("crawl", "--output", out, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert needle in proc.stderr, (args, proc.stderr)
    assert newsbot("crawl", "--no-such-option").returncode == 2


def test_a_busy_output_dir_exits_3_naming_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputLock.acquire(out, run="held-by-test"):
        proc = newsbot("crawl", "--output", str(out), "--urls", "http://127.0.0.1:9/x")
        assert proc.returncode == 3
        assert "held-by-test" in proc.stderr and "pid" in proc.stderr
        assert newsbot("compact", "--output", str(out)).returncode == 3


def test_every_source_failing_exits_4(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "out"
    proc = newsbot(
        "crawl",
        "--output",
        str(out),
        *FAST,
        "-s",
        "RETRY_TIMES=0",
        "--feeds",
        f"http://127.0.0.1:{port}/rss.xml",
    )
    assert proc.returncode == 4, proc.stderr[-2000:]
    summary = summaries(out)[-1]
    assert summary["all_sources_failed"] and summary["failed_sources"] == [f"127.0.0.1:{port}"]


def test_demo_crawls_every_source_and_prints_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = newsbot("demo", "--output", str(out), "-s", "NEWSBOT_WORKERS=0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for heading in ("Per source", "Per day of publication", "Per language", "Rejects by reason"):
        assert heading in proc.stdout
    for source in ("meridian", "sahel", "levant", "kyiv"):
        assert source in proc.stdout
    summary = summaries(out)[-1]
    assert summary["finish_reason"] == "finished"
    assert set(summary["sources"]) >= {"meridian", "sahel", "levant", "kyiv"}
    meridian = summary["sources"]["meridian"]
    assert meridian["requests"] > 0 and meridian["responses"]["200"] > 0 and meridian["stored"] > 0
    assert summary["totals"]["stored"] == read_articles(out).num_rows
    # the main thread's stalls are reported (their size is a benchmark figure: test_reactorlag.py)
    assert set(summary["reactor"]) == {
        "max_lag_ms",
        "p99_lag_ms",
        "lags_over_100ms",
        "last_lag_over_100ms_at_s",
    }
    assert summary["reactor"]["max_lag_ms"] is not None  # the timer ran during the crawl
    stats = newsbot("stats", "--output", str(out))
    assert stats.returncode == 0 and "Per source" in stats.stdout and "\x1b[" not in stats.stdout


def _rows(ids: list[str]) -> pa.Table:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    rows = [
        {"id": i, "url": f"https://x.example/{i}", "canonical_url": f"https://x.example/{i}", "source": "x",
         "body": "text", "fetched_at": now, "authors": []}
        for i in ids
    ]  # fmt: skip
    return pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)


def test_compact_merges_small_files_and_keeps_each_id_once(tmp_path: Path) -> None:
    part = tmp_path / "articles" / "date=2026-11-24"
    write_table_atomic(_rows(["a", "b"]), part / "part-1.parquet")
    write_table_atomic(_rows(["c"]), part / "part-2.parquet")
    # as left by a compaction killed between its rename and its deletions
    write_table_atomic(_rows(["a", "b", "c"]), part / "compact-old.parquet")
    (part / ".part-3.parquet.999999.tmp").write_bytes(b"partial")
    proc = newsbot("compact", "--output", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    files = sorted(p.name for p in part.iterdir())
    assert len(files) == 1 and files[0].startswith("compact-")
    assert sorted(read_articles(tmp_path).column("id").to_pylist()) == ["a", "b", "c"]


def test_extract_prints_the_record_and_what_was_removed() -> None:
    page = HERE / "pages" / "fr-latin1-as-utf8.html"
    proc = newsbot("extract", str(page), "--url", "https://courrier.example/2026/11/frappes")
    assert proc.returncode == 0, proc.stderr[-2000:]
    rec = json.loads(proc.stdout)
    assert rec["title"].startswith("Frappes aériennes")
    assert "Des frappes aériennes" in rec["body"]
    assert rec["stages"]["extract"] == "ok"
    # the page repeats its headline as an <h1> above the body: that, and only that, is removed
    assert rec["removed"] == [
        {"stage": "duplicates/title", "text": "Frappes aériennes meurtrières près de la frontière"}
    ]
    assert rec["url"] == "https://courrier.example/2026/11/frappes"


def test_extract_runs_the_crawl_plan_with_the_settings_given() -> None:
    page = HERE / "pages" / "fr-latin1-as-utf8.html"
    url = "https://courrier.example/2026/11/frappes"
    # the duplicates stage is the crawl's: switched off by its setting, the headline stays
    proc = newsbot("extract", str(page), "--url", url, "-s", "NEWSBOT_CLEAN_DUPLICATES=False")
    assert proc.returncode == 0, proc.stderr[-2000:]
    rec = json.loads(proc.stdout)
    assert "duplicates" not in rec["stages"] and rec["removed"] == []
    assert rec["body"].startswith("Frappes aériennes meurtrières près de la frontière\n")
    typo = newsbot("extract", str(page), "-s", "NEWSBOT_BATCHSIZE=3")
    assert typo.returncode == 2 and "did you mean NEWSBOT_BATCH_SIZE" in typo.stderr
    assert "Traceback" not in typo.stderr


def test_sources_check_is_wired() -> None:
    proc = newsbot("sources", "check", "--help")
    assert proc.returncode == 0 and "usage" in proc.stdout.lower()


def test_bench_runs_a_benchmark_by_name() -> None:
    proc = newsbot("bench", "relevance", "--corpus", "tests/data/relevance-dev.jsonl")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "language detection: accuracy" in proc.stdout
    assert newsbot("bench", "no-such-benchmark").returncode == 2


def test_every_benchmark_module_imports() -> None:
    import importlib

    from newsbot.cli.main import BENCHMARKS

    for module in BENCHMARKS.values():
        assert callable(importlib.import_module(module).main)
