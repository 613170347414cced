"""The log of a ``newsbot crawl`` run under cron (issue 14, item 3): each test runs the real command
with stdout and stderr on pipes, as cron runs it, against loopback servers.

A run writes one start line, a progress line every ``NEWSBOT_PROGRESS_INTERVAL`` seconds and one
summary; a host that cannot be reached is one line with its reason, never a traceback; Scrapy's
start-up reports are DEBUG lines, and ``-s LOG_LEVEL=DEBUG`` shows everything.
"""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

from tests.conftest import ServedSite
from tests.data.hostile.harness import FAST, hostile_site, newsbot, set_delay


def _lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _registry(tmp_path: Path, sources: dict[str, str]) -> Path:
    """A registry of sources, each with a feed and a sitemap on its base URL."""
    text = "".join(
        f'[[source]]\nid = "{sid}"\nname = "{sid}"\nhomepage = "{base}/"\nlanguages = ["en"]\n'
        f'feeds = ["{base}/rss.xml"]\nsitemaps = ["{base}/sitemap.xml"]\nenabled = true\n\n'
        for sid, base in sources.items()
    )
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_no_op_incremental_run_writes_a_start_line_and_a_summary(
    demo_site: ServedSite, tmp_path: Path
) -> None:
    reg = tmp_path / "sources.toml"
    reg.write_text(demo_site.sources_toml(), encoding="utf-8")
    out = tmp_path / "out"
    args = ("crawl", *FAST, "-s", f"NEWSBOT_SOURCES_FILE={reg}", "--output", str(out))
    first = newsbot(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    again = newsbot(*args)  # nothing new: every listing answers 304 or lists stored articles
    assert again.returncode == 0, again.stderr[-3000:]
    lines = _lines(again)
    assert len(lines) <= 5, "\n".join(lines)
    (run,) = [p.stem for p in (out / "runs").glob("*.json") if p.stem not in first.stderr]
    (start,) = [ln for ln in lines if " started: " in ln]
    assert f"Run {run} started: news spider, 4 sources (" in start
    assert "incremental" in start and str(out) in start
    assert lines[-1].startswith(f"newsbot: run {run} finished after ") and "0 stored" in lines[-1]
    assert not any("Traceback" in ln or "Overridden settings" in ln or "Enabled " in ln for ln in lines)


def test_every_host_unreachable_is_one_line_with_its_reason_and_no_traceback(
    demo_site: ServedSite, tmp_path: Path
) -> None:
    refused = f"127.0.0.1:{_closed_port()}"
    unresolvable = "news.newsbot-test.invalid"
    # TLS spoken to a plain-HTTP server: the handshake fails
    tls = demo_site.url("meridian", "").removeprefix("http://")
    reg = _registry(
        tmp_path, {"alpha": f"http://{refused}", "beta": f"http://{unresolvable}", "gamma": f"https://{tls}"}
    )
    out = tmp_path / "out"
    proc = newsbot("crawl", *FAST, "-s", f"NEWSBOT_SOURCES_FILE={reg}", "--output", str(out))
    assert proc.returncode == 4, proc.stderr[-3000:]  # every source failed
    lines = _lines(proc)
    text = "\n".join(lines)
    assert "Traceback" not in text and "ERROR" not in text, text[-5000:]
    for host, reason in ((refused, "connection"), (unresolvable, "dns"), (tls, "tls")):
        mentions = [ln for ln in lines if host in ln]
        assert len(mentions) == 1, (host, mentions)
        assert f"Host {host} failing: {reason} " in mentions[0], mentions[0]
    # a start line, three host lines, the summary (and maybe a progress line)
    assert len(lines) <= 7, text
    assert lines[-1].startswith("newsbot: run ") and "3/3 sources failed" in lines[-1]


def test_with_log_level_debug_the_detail_is_there(tmp_path: Path) -> None:
    refused = f"127.0.0.1:{_closed_port()}"
    reg = _registry(tmp_path, {"alpha": f"http://{refused}"})
    out = tmp_path / "out"
    quiet = newsbot("crawl", *FAST, "-s", f"NEWSBOT_SOURCES_FILE={reg}", "--output", str(out))
    debug = newsbot(
        "crawl", *FAST, "-s", f"NEWSBOT_SOURCES_FILE={reg}", "--output", str(out), "-s", "LOG_LEVEL=DEBUG"
    )
    assert quiet.returncode == debug.returncode == 4, debug.stderr[-3000:]
    for detail in (
        "Traceback",  # the robots.txt fetch's, now a DEBUG record
        f"Gave up retrying <GET http://{refused}/robots.txt>",
        f"Source alpha: cannot fetch http://{refused}/rss.xml (connection",
        f"Rejected http://{refused}/sitemap.xml (connection",
        "Overridden settings",
        "Enabled downloader middlewares",
        "Dumping Scrapy stats",
        f"Host {refused} failing: connection",
    ):
        assert detail in debug.stderr, detail
        assert detail.startswith("Host ") or detail not in quiet.stderr, detail
    assert len(_lines(debug)) > 10 * len(_lines(quiet))


def test_progress_lines_every_interval_with_rate_queue_and_failing_sources(tmp_path: Path) -> None:
    down = "http://down.newsbot-test.invalid"  # not 127.0.0.1: Scrapy queues requests per host name
    with hostile_site() as base:
        set_delay(base, 0.25)
        reg = tmp_path / "sources.toml"
        reg.write_text(
            f'[[source]]\nid = "slowpaced"\nname = "S"\nhomepage = "{base}/"\nlanguages = ["en"]\n'
            f'feeds = ["{base}/feed.xml?n=24"]\nenabled = true\n\n'
            f'[[source]]\nid = "down"\nname = "D"\nhomepage = "{down}/"\nlanguages = ["en"]\n'
            f'feeds = ["{down}/rss.xml"]\nenabled = true\n',
            encoding="utf-8",
        )
        proc = newsbot(
            "crawl", *FAST, "-s", f"NEWSBOT_SOURCES_FILE={reg}", "--output", str(tmp_path / "out"),
            # two requests at a time: the others wait in the queue
            "-s", "NEWSBOT_PROGRESS_INTERVAL=1", "-s", "CONCURRENT_REQUESTS=2",
            "-s", "NEWSBOT_FLUSH_INTERVAL=1",
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = _lines(proc)
    progress = [ln for ln in lines if "] INFO: Progress after " in ln]
    assert len(progress) >= 3, "\n".join(lines)
    pattern = re.compile(
        r"Progress after \d+(?:m\d\ds)?s?: (\d+\.\d) pages/s, (\d+) responses, (\d+) stored, "
        r"(\d+) rejected, (\d+) queued"
    )
    figures = [pattern.search(ln) for ln in progress]
    assert all(figures), progress
    rates = [float(m.group(1)) for m in figures if m]
    queued = [int(m.group(5)) for m in figures if m]
    assert max(rates) > 0 and max(queued) > 0, progress
    # the work is known (listed): the time it takes at the current rate
    assert any(re.search(r" queued, ~\d+s left", ln) for ln in progress), "\n".join(progress)
    assert any("; failing: down (1 host)" in ln for ln in progress), progress
    assert not any("Crawled " in ln and "pages/min" in ln for ln in lines)  # Scrapy's LogStats line
