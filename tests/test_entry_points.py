"""The two ways to start a crawl (issue 14, items 8 and 10), each run as the real command.

``scrapy crawl`` (the project's command, :mod:`newsbot.commands.crawl`) refuses a bad argument or
an unwritable output directory as ``newsbot crawl`` does: the same one line, the same exit code,
before the engine starts. The API spiders run through ``newsbot crawl --spider NAME -a ...``, the
cron entry point: records stored, a run summary, the lock, and exit codes.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot.cli import exitcodes
from newsbot.extensions.outputlock import OutputLock
from tests.apistub import RunningStub
from tests.conftest import ServedSite
from tests.crawl_helpers import scrapy_crawl
from tests.data.hostile.harness import FAST, newsbot, read_articles, start_newsbot, summaries

DATA = Path(__file__).parent / "data"
GDELT_DAY = ["-a", "start=20261120000000", "-a", "end=20261121000000"]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("newsbot: error:")]


def assert_one_clear_line(proc: subprocess.CompletedProcess[str], code: int, needle: str) -> str:
    """The run ended with ``code`` and said why in one line, without a traceback; that line."""
    assert proc.returncode == code, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "Task exception" not in proc.stderr, proc.stderr[-3000:]
    lines = error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr[-3000:]
    assert needle in lines[0], lines
    assert " ERROR: " not in proc.stderr, proc.stderr[-3000:]  # nothing else logged as an error
    return lines[0]


# --- item 8: scrapy crawl stops before the engine starts, as newsbot crawl does -----------------

BAD_ARGUMENTS = [
    # (spider, scrapy crawl arguments, newsbot crawl arguments, what the line names)
    ("news", ["-a", "feeds="], ["--feeds", ""], "field 'feeds': is empty"),
    ("news", ["-a", "sources=no-such-source"], ["--sources", "no-such-source"], "'no-such-source'"),
    ("news", ["-a", "since=2026-01-01"], ["-a", "since=2026-01-01"], "field 'since': unknown argument"),
    (
        "reliefweb",
        ["-a", "appname=x", "-a", "since=notadate"],
        ["--spider", "reliefweb", "-a", "appname=x", "-a", "since=notadate"],
        "field 'since': 'notadate' is not a date",
    ),
    ("gdelt", ["-a", "max_records=500"], ["--spider", "gdelt", "-a", "max_records=500"], "'max_records'"),
]


@pytest.mark.parametrize(("spider", "scrapy_args", "newsbot_args", "needle"), BAD_ARGUMENTS)
def test_a_bad_argument_is_one_line_and_exit_2_under_both_commands(
    spider: str, scrapy_args: list[str], newsbot_args: list[str], needle: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    by_scrapy = scrapy_crawl(*scrapy_args, "-s", f"NEWSBOT_OUTPUT_DIR={out}", spider=spider)
    line = assert_one_clear_line(by_scrapy, exitcodes.USAGE, needle)
    by_newsbot = newsbot("crawl", *newsbot_args, "--output", str(out))
    assert assert_one_clear_line(by_newsbot, exitcodes.USAGE, needle) == line
    assert not (out / "runs").exists()  # nothing started


def _unwritable_dirs(tmp_path: Path) -> Iterator[Path]:
    yield Path("/proc/newsbot-out")  # cannot be created
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    yield blocker / "out"  # its parent is a file
    if os.geteuid() != 0:  # root writes into a mode-555 directory anyway
        read_only = tmp_path / "read-only"
        read_only.mkdir()
        read_only.chmod(0o555)
        yield read_only


def test_an_unwritable_output_dir_is_one_line_and_exit_2_under_both_commands(tmp_path: Path) -> None:
    for out in _unwritable_dirs(tmp_path):
        by_scrapy = scrapy_crawl("-a", "urls=http://127.0.0.1:9/x", "-s", f"NEWSBOT_OUTPUT_DIR={out}")
        line = assert_one_clear_line(
            by_scrapy, exitcodes.USAGE, f"NEWSBOT_OUTPUT_DIR': cannot write to {out}"
        )
        by_newsbot = newsbot("crawl", "--urls", "http://127.0.0.1:9/x", "--output", str(out))
        assert assert_one_clear_line(by_newsbot, exitcodes.USAGE, str(out)) == line


def test_a_misspelt_setting_and_an_unknown_spider_stop_scrapy_crawl_in_one_line(tmp_path: Path) -> None:
    out = f"NEWSBOT_OUTPUT_DIR={tmp_path / 'out'}"
    proc = scrapy_crawl("-s", "NEWSBOT_BATCHSIZE=10", "-s", out)
    assert_one_clear_line(proc, exitcodes.USAGE, "NEWSBOT_BATCH_SIZE")
    proc = scrapy_crawl("-s", out, spider="no-such-spider")
    assert_one_clear_line(proc, exitcodes.USAGE, "no spider 'no-such-spider' (known: gdelt, news, reliefweb")


def test_a_busy_output_dir_stops_scrapy_crawl_with_exit_3(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputLock.acquire(out, run="held-by-test"):
        proc = scrapy_crawl("-a", "urls=http://127.0.0.1:9/x", "-s", f"NEWSBOT_OUTPUT_DIR={out}")
    assert_one_clear_line(proc, exitcodes.LOCKED, "held-by-test")
    assert not (out / "runs").exists()


# --- item 10: the API spiders through the cron entry point ---------------------------------------


@pytest.fixture
def stub(demo_site: ServedSite, tmp_path: Path) -> Iterator[RunningStub]:
    running = RunningStub(DATA, tmp_path / "stub.jsonl", demo_site.base_urls)
    try:
        yield running
    finally:
        running.stop()


def api_args(spider: str, stub: RunningStub, delay: float = 0) -> list[str]:
    if spider == "gdelt":
        return ["--spider", "gdelt", *GDELT_DAY, "-s", f"NEWSBOT_GDELT_API_URL={stub.gdelt_url}",
                "-s", f"NEWSBOT_GDELT_API_DELAY={delay}"]  # fmt: skip
    return ["--spider", "reliefweb", "-s", f"NEWSBOT_RELIEFWEB_API_URL={stub.reliefweb_url}",
            "-s", f"NEWSBOT_RELIEFWEB_API_DELAY={delay}"]  # fmt: skip


def test_gdelt_through_newsbot_crawl_stores_records_and_a_summary(
    stub: RunningStub, demo_site: ServedSite, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_site.sources_toml(), encoding="utf-8")
    out = tmp_path / "out"
    proc = newsbot(
        "crawl", *api_args("gdelt", stub), "-a", "slice=6h", "--output", str(out), *FAST,
        "-s", f"NEWSBOT_SOURCES_FILE={sources}",
    )  # fmt: skip
    assert proc.returncode == exitcodes.OK, proc.stderr[-3000:]
    table = read_articles(out).to_pylist()
    assert len(table) == 7  # the articles the stand-in lists in that day (tests/test_gdelt.py)
    assert {r["discovery"] for r in table} == {"gdelt"}
    [summary] = summaries(out)
    assert (summary["spider"], summary["finish_reason"]) == ("gdelt", "finished")
    assert summary["totals"]["stored"] == 7
    assert summary["sources"]["gdelt"]["status"] == "ok"  # the API, as a source of its own
    assert summary["sources"]["gdelt"]["discovery"]["listings"] == len(stub.requests("/api/v2/doc/doc"))
    assert f"summary {out / 'runs' / summary['run_id']}.json" in proc.stderr


def test_reliefweb_through_newsbot_crawl_stores_records_and_a_summary(
    stub: RunningStub, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = newsbot(
        "crawl", *api_args("reliefweb", stub), "-a", "appname=newsbot-tests", "-a", "limit=2",
        "--output", str(out), *FAST,
    )  # fmt: skip
    assert proc.returncode == exitcodes.OK, proc.stderr[-3000:]
    table = read_articles(out).to_pylist()
    assert table and {r["source"] for r in table} == {"reliefweb"}
    [summary] = summaries(out)
    assert (summary["spider"], summary["finish_reason"]) == ("reliefweb", "finished")
    assert summary["totals"]["stored"] == len(table)
    reliefweb = summary["sources"]["reliefweb"]
    assert reliefweb["status"] == "ok" and reliefweb["stored"] == len(table)
    assert reliefweb["discovery"]["listings"] == len(stub.requests("/v2/reports")) == 3  # 5 reports, 2 a page


@pytest.mark.parametrize(
    ("spider", "args"),
    [
        ("gdelt", ["-a", "slice=4h", "-a", "query=emptyanswer"]),  # six calls, 1.5 s apart
        ("reliefweb", ["-a", "appname=newsbot-tests", "-a", "limit=1"]),  # five pages
    ],
)
def test_an_api_run_holds_the_lock(spider: str, args: list[str], stub: RunningStub, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = start_newsbot(
        "crawl",
        *api_args(spider, stub, delay=1.5),
        *args,
        "--output",
        str(out),
        *FAST,
        log=tmp_path / "first.log",
    )
    try:
        deadline = time.monotonic() + 60
        while not stub.requests() and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.1)  # the first run is calling the API: it holds the lock by now
        assert first.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
        second = newsbot("crawl", *api_args(spider, stub), *args, "--output", str(out))
        assert_one_clear_line(second, exitcodes.LOCKED, f"pid {first.pid}")
        assert first.wait(timeout=120) == exitcodes.OK, (tmp_path / "first.log").read_text()[-3000:]
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert len(summaries(out)) == 1  # the second run wrote nothing


@pytest.mark.parametrize(
    ("spider", "args"),
    [
        ("gdelt", ["-a", "slice=12h", "-a", "query=malformed"]),  # truncated JSON for each call
        ("reliefweb", ["-a", "appname=garbage"]),  # an HTML page instead of JSON
    ],
)
def test_an_api_answering_garbage_exits_4(
    spider: str, args: list[str], stub: RunningStub, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = newsbot("crawl", *api_args(spider, stub), *args, "--output", str(out), *FAST)
    assert proc.returncode == exitcodes.ALL_SOURCES_FAILED, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    [summary] = summaries(out)
    assert summary["all_sources_failed"] is True
    assert summary["failed_sources"] == [spider]
    assert summary["totals"]["stored"] == 0
    assert f"1/1 sources failed ({spider})" in proc.stderr


def test_news_options_and_a_repeated_argument_are_refused(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    proc = newsbot("crawl", "--spider", "gdelt", "--feeds", "https://example.com/rss", "--output", out)
    assert_one_clear_line(proc, exitcodes.USAGE, "field 'feeds': unknown argument")
    proc = newsbot(
        "crawl", "--feeds", "https://a.example/rss", "-a", "feeds=https://b.example/rss", "--output", out
    )
    assert_one_clear_line(proc, exitcodes.USAGE, "'-a feeds': given twice")
    proc = newsbot("crawl", "--spider", "gdelt", "-a", "query", "--output", out)
    assert_one_clear_line(proc, exitcodes.USAGE, "expected NAME=VALUE")
    assert not Path(out, "runs").exists()
