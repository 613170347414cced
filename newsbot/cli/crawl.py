"""``newsbot crawl``: the cron entry point.

Everything that can be checked is checked before Scrapy starts (settings, arguments, the source
registry, the output directory: :mod:`newsbot.config.preflight`, which the project's ``scrapy
crawl`` runs too; then the output-directory lock), so a broken configuration exits at once with
code 2 and a message naming the file, line and field, and a busy output directory exits with code
3 naming the process that holds it. Then the spider (``news``, or ``--spider NAME`` with ``-a``
arguments: the API spiders) runs in this process through ``CrawlerProcess``; the exit status is
derived from the run summary (:mod:`newsbot.extensions.summary`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newsbot.cli import exitcodes
from newsbot.config.declared import getbool

if TYPE_CHECKING:
    from newsbot.storage.location import Location

logger = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    # Repeatable; an empty value (an unset shell variable) is a usage error, not "everything".
    lists = {"action": "extend", "nargs": "+", "default": []}
    p.add_argument("--sources", **lists, metavar="ID", help="source ids from the registry (or ID,ID)")
    p.add_argument("--feeds", **lists, metavar="URL", help="RSS/Atom feed URLs")
    p.add_argument("--sitemaps", **lists, metavar="URL", help="sitemap URLs")
    p.add_argument(
        "--urls",
        **lists,
        metavar="URL",
        help="article URLs, each value one URL (a comma splits only before http(s)://)",
    )
    p.add_argument("--urls-file", metavar="FILE", help="article URLs, one a line ('-': standard input)")
    p.add_argument(
        "--spider",
        default="news",
        metavar="NAME",
        help="the spider to run: news (the default: the options above), gdelt or reliefweb (with -a)",
    )
    p.add_argument(
        "-a",
        dest="spider_args",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="spider argument (repeatable), as with scrapy crawl -a: -a query=... for gdelt",
    )
    add_common(p)


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output",
        metavar="DIR",
        help="dataset root: a directory or s3://bucket/prefix (NEWSBOT_OUTPUT_DIR)",
    )
    # As with scrapy crawl: a feed export of the records, besides the dataset (format from the
    # extension, or FILE:FORMAT; parquet, jsonl, json, csv, xml).
    p.add_argument(
        "-o",
        "--output-file",
        dest="feeds_append",
        action="append",
        default=[],
        metavar="FILE",
        help="also write the records to FILE, appending (Scrapy's -o)",
    )
    p.add_argument(
        "-O",
        "--overwrite-output-file",
        dest="feeds_overwrite",
        action="append",
        default=[],
        metavar="FILE",
        help="also write the records to FILE, overwriting it (Scrapy's -O)",
    )
    p.add_argument(
        "--lock-dir",
        metavar="DIR",
        help="local directory for the run lock (NEWSBOT_LOCK_DIR; needed with an s3:// output)",
    )
    p.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy or newsbot setting (repeatable), as with scrapy crawl -s",
    )
    p.add_argument(
        "--max-time",
        type=float,
        metavar="SECONDS",
        help="stop gracefully after this long (CLOSESPIDER_TIMEOUT); what was crawled is kept",
    )
    p.add_argument(
        "--progress",
        choices=["auto", "on", "off"],
        default="auto",
        help="live progress display (auto: when stderr is a terminal)",
    )


@dataclass
class CrawlOptions:
    """What one crawl run needs; ``newsbot demo`` builds one too."""

    sources: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    output: str | None = None
    settings: list[str] = field(default_factory=list)
    #: settings the caller imposes below the user's -s (the demo's politeness-off values)
    defaults: dict[str, Any] = field(default_factory=dict)
    max_time: float | None = None
    progress: str = "auto"
    lock_dir: str | None = None
    urls_file: str | None = None
    #: -o / -O feed exports
    feeds_append: list[str] = field(default_factory=list)
    feeds_overwrite: list[str] = field(default_factory=list)
    #: the spider to run (``newsbot backfill`` runs ``warc``) and arguments of its own
    spider: str = "news"
    spider_args: dict[str, str] = field(default_factory=dict)
    #: the subcommand, named in the lock file
    command: str = "crawl"

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CrawlOptions:
        return cls(
            sources=args.sources,
            feeds=args.feeds,
            sitemaps=args.sitemaps,
            urls=args.urls,
            output=args.output,
            settings=args.settings,
            max_time=args.max_time,
            progress=args.progress,
            lock_dir=getattr(args, "lock_dir", None),
            urls_file=getattr(args, "urls_file", None),
            feeds_append=getattr(args, "feeds_append", []),
            feeds_overwrite=getattr(args, "feeds_overwrite", []),
            spider=getattr(args, "spider", "news"),
            spider_args=parse_pairs(getattr(args, "spider_args", []), "-a"),
        )

    def spider_kwargs(self) -> dict[str, Any]:
        """Spider arguments: ids and listing URLs comma-joined as with ``-a``; article URLs as a
        list, one URL an item (a URL may contain a comma)."""
        kw: dict[str, Any] = {
            k: ",".join(v)
            for k, v in (("sources", self.sources), ("feeds", self.feeds), ("sitemaps", self.sitemaps))
            if v
        }
        if self.urls:
            kw["urls"] = list(self.urls)
        return {**kw, **self.spider_args}

    def check_spider_options(self) -> None:
        """An ``-a`` does not repeat an option. (The options go to any spider as its arguments
        of the same name: one that does not take them refuses them, naming them.)"""
        from newsbot.config.errors import ConfigError

        given = {"sources": self.sources, "feeds": self.feeds, "sitemaps": self.sitemaps, "urls": self.urls}
        for name, value in given.items():
            if value and name in self.spider_args:
                raise ConfigError("command line", f"-a {name}", f"given twice, with --{name} too")

    def read_urls_file(self) -> None:
        """Add ``--urls-file``'s URLs (one a line, blank lines and ``#`` comments skipped)."""
        if not self.urls_file:
            return
        from newsbot.config.errors import ConfigError

        try:
            if self.urls_file == "-":
                text = sys.stdin.read()
            else:
                with open(self.urls_file, encoding="utf-8") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError("command line", "--urls-file", f"cannot read {self.urls_file}: {exc}") from None
        lines = [ln.strip() for ln in text.splitlines()]
        urls = [ln for ln in lines if ln and not ln.startswith("#")]
        if not urls:
            raise ConfigError("command line", "--urls-file", f"{self.urls_file} has no URL")
        self.urls = [*self.urls, *urls]


def error(message: str) -> None:
    sys.stderr.write(f"newsbot: error: {message}\n")
    sys.stderr.flush()


def parse_pairs(pairs: list[str], option: str) -> dict[str, str]:
    """``NAME=VALUE`` strings of ``-s`` or ``-a``; ConfigError naming the one that is not."""
    from newsbot.config.errors import ConfigError

    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not name.strip().replace("_", "").isalnum():
            raise ConfigError(f"command line {option}", pair, "expected NAME=VALUE")
        out[name.strip()] = value
    return out


def parse_settings(pairs: list[str]) -> dict[str, str]:
    return parse_pairs(pairs, "-s")


def build_settings(opts: CrawlOptions, run: str) -> Any:
    """Project settings + the caller's defaults + ``-s`` + the options, in rising priority."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsbot.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict(opts.defaults, priority="project")
    user = parse_settings(opts.settings)
    settings.setdict(user, priority="cmdline")
    if opts.output:
        settings.set("NEWSBOT_OUTPUT_DIR", opts.output, priority="cmdline")
    if opts.lock_dir:
        settings.set("NEWSBOT_LOCK_DIR", opts.lock_dir, priority="cmdline")
    if opts.max_time is not None:
        if opts.max_time <= 0:
            from newsbot.config.errors import ConfigError

            raise ConfigError("command line", "--max-time", f"expected seconds > 0, got {opts.max_time:g}")
        settings.set("CLOSESPIDER_TIMEOUT", opts.max_time, priority="cmdline")
    settings.set("NEWSBOT_RUN_ID", run, priority="cmdline")
    if opts.feeds_append or opts.feeds_overwrite:
        from scrapy.exceptions import UsageError
        from scrapy.utils.conf import feed_process_params_from_cli

        from newsbot.config.errors import ConfigError

        try:
            feeds = feed_process_params_from_cli(
                settings, opts.feeds_append, overwrite_output=opts.feeds_overwrite
            )
        except UsageError as exc:
            raise ConfigError("command line", "-o/-O", str(exc)) from None
        settings.set("FEEDS", feeds, priority="cmdline")
    progress = opts.progress == "on" or (opts.progress == "auto" and sys.stderr.isatty())
    settings.set("NEWSBOT_PROGRESS", progress, priority="cmdline")
    if progress and "LOG_LEVEL" not in user:
        # The live display replaces INFO lines; warnings and errors still show.
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    return settings


def validate(settings: Any, opts: CrawlOptions) -> None:
    """Raise ConfigError for anything that would make the crawl fail or crawl nothing."""
    from newsbot.config.preflight import check_run, spider_class

    check_run(settings, spider_class(settings, opts.spider), opts.spider_kwargs())


def failure_exit_code(exc: BaseException) -> int:
    """Report an exception the crawl's start ended with, in one line; its exit code.

    A configuration error or a busy output directory met by a component as the crawler starts
    is the usage error it would have been before: the line, no traceback. Anything else is a
    bug or a broken machine: the line, and the traceback in the log.
    """
    from newsbot.config.errors import ConfigError
    from newsbot.extensions.outputlock import LockHeld

    if isinstance(exc, ConfigError):
        error(str(exc))
        return exitcodes.USAGE
    if isinstance(exc, LockHeld):
        error(str(exc))
        return exitcodes.LOCKED
    error(f"the crawl failed: {type(exc).__name__}: {exc}")
    logger.error("Crawl failed", exc_info=(type(exc), exc, exc.__traceback__))
    return exitcodes.ERROR


def exit_code(summary: dict[str, Any] | None, signum: int | None) -> int:
    if summary is not None and summary.get("write_failed"):
        return exitcodes.WRITE_FAILED  # before a signal: rows were lost, that matters most
    if signum is not None:
        return exitcodes.for_signal(signum)
    if summary is None:
        return exitcodes.ERROR
    reason = summary.get("finish_reason")
    if reason == "shutdown":
        return exitcodes.INTERRUPTED
    if summary.get("all_sources_failed"):
        return exitcodes.ALL_SOURCES_FAILED
    if reason in exitcodes.COMPLETED_REASONS:
        return exitcodes.OK
    return exitcodes.STOPPED_EARLY


def _report(summary: dict[str, Any], path: object) -> None:
    t = summary["totals"]
    failed = summary["failed_sources"]
    active = [s for s in summary["sources"].values() if s["status"] != "idle"]
    sys.stderr.write(
        f"newsbot: run {summary['run_id']} {summary['finish_reason']} after "
        f"{summary.get('elapsed_seconds') or 0:.1f}s: {t['stored']} stored, "
        f"{sum(t['drops'].values())} rejected, {len(failed)}/{len(active)} sources failed"
        f"{' (' + ', '.join(failed[:10]) + ')' if failed else ''}; summary {path}\n"
    )


def run_crawl(opts: CrawlOptions) -> int:
    from newsbot.config.errors import ConfigError
    from newsbot.config.run import new_run_id
    from newsbot.extensions.outputlock import LockHeld, OutputLock, lock_dir
    from newsbot.storage.location import output_location

    run = new_run_id()
    try:
        opts.check_spider_options()
        opts.read_urls_file()
        settings = build_settings(opts, run)
        validate(settings, opts)
        out = output_location(settings)
        # NEWSBOT_LOCK_ENABLED=False only lets an object-store output go without a lock; a local
        # one is always locked by this cron entry point.
        unlocked = not out.is_local and not getbool(settings, "NEWSBOT_LOCK_ENABLED")
        locked = None if unlocked else lock_dir(settings)
    except ConfigError as exc:
        error(str(exc))
        return exitcodes.USAGE
    except ValueError as exc:
        error(f"NEWSBOT_OUTPUT_DIR: {exc}")
        return exitcodes.USAGE
    if locked is None:
        return _run_locked(settings, opts, out, run)
    try:
        lock = OutputLock.acquire(locked, run=run, what=f"newsbot {opts.command}")
    except LockHeld as exc:
        error(str(exc))
        return exitcodes.LOCKED
    except OSError as exc:
        error(f"cannot use the output directory {out}: {exc}")
        return exitcodes.USAGE
    try:
        return _run_locked(settings, opts, out, run)
    finally:
        lock.release()


def _run_locked(settings: Any, opts: CrawlOptions, out: Location, run: str) -> int:
    from scrapy.crawler import CrawlerProcess

    from newsbot.cli.shutdown import install_after_startup
    from newsbot.config.logs import quiet_scrapy_reports

    quiet_scrapy_reports()  # before CrawlerProcess, which logs the versions
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(opts.spider)
    failures: list[Any] = []
    d = process.crawl(crawler, **opts.spider_kwargs())  # installs the reactor
    d.addErrback(failures.append)
    shutdown = install_after_startup(process)
    # Our handlers instead of Scrapy's (newsbot.cli.shutdown): the first signal also stops requests
    # queued in the downloader, the second still writes what was extracted and the summary.
    process.start(install_signal_handlers=False)
    received = shutdown.received
    if failures:
        return failure_exit_code(failures[0].value)
    path = out.file("runs", f"{run}.json")
    try:
        summary = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError) as exc:
        error(f"no run summary at {path}: {exc}")
        failed = crawler.stats.get_value("newsbot/write_failed")
        if failed:  # the disk that refused the records refused the summary too
            error(f"a write to the dataset failed: {failed}")
            return exitcodes.WRITE_FAILED
        return exitcodes.ERROR
    _report(summary, path)
    if summary.get("write_failed"):
        error(f"a write to the dataset failed, the run stopped: {summary['write_failed']}")
    return exit_code(summary, received[0] if received else None)


def run(args: argparse.Namespace) -> int:
    from newsbot.config.errors import ConfigError

    try:
        opts = CrawlOptions.from_args(args)
    except ConfigError as exc:  # a bad -a NAME=VALUE
        error(str(exc))
        return exitcodes.USAGE
    return run_crawl(opts)
