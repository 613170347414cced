"""``newsbot crawl``: the cron entry point.

Everything that can be checked is checked before Scrapy starts (settings, arguments, the source
registry, the output-directory lock), so a broken configuration exits at once with code 2 and a
message naming the file, line and field, and a busy output directory exits with code 3 naming the
process that holds it. Then the ``news`` spider runs in this process through ``CrawlerProcess``;
the exit status is derived from the run summary (:mod:`newsbot.extensions.summary`).
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


def parse_settings(pairs: list[str]) -> dict[str, str]:
    from newsbot.config.errors import ConfigError

    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not name.strip().replace("_", "").isalnum():
            raise ConfigError("command line -s", pair, "expected NAME=VALUE")
        out[name.strip()] = value
    return out


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
    from newsbot.config.args import NewsArgs
    from newsbot.config.errors import ConfigError
    from newsbot.config.paths import resolve, settings_path
    from newsbot.config.sources import load_sources
    from newsbot.extensions.settingscheck import check_settings

    check_settings(settings)
    path = resolve(settings.get("NEWSBOT_SOURCES_FILE"), settings_path("sources.toml"))
    if opts.spider == "warc":
        from newsbot.spiders.warc import WarcSpider

        WarcSpider(**opts.spider_kwargs())  # checks the arguments, raises ConfigError
        ids = {s.id for s in load_sources(path)} if opts.sources else set()
        for sid in opts.sources:
            if sid not in ids:
                raise ConfigError(str(path), "id", f"no source {sid!r} (given with --sources)")
        return
    args = NewsArgs.parse(opts.spider_kwargs())
    if args.sources or not args.ad_hoc:
        registry = load_sources(path)
        ids = {s.id for s in registry}
        for sid in args.sources:
            if sid not in ids:
                raise ConfigError(str(path), "id", f"no source {sid!r} (given with --sources)")
        if not args.sources and not any(s.enabled for s in registry):
            raise ConfigError(str(path), "enabled", "no enabled source: nothing to crawl")
    elif path.exists():
        load_sources(path)  # ad-hoc runs use it to name sources: a broken file is still an error


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
    from newsbot.config.errors import ConfigError
    from newsbot.extensions.outputlock import LockHeld

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
        exc = failures[0].value
        if isinstance(exc, ConfigError):
            error(str(exc))
            return exitcodes.USAGE
        if isinstance(exc, LockHeld):
            error(str(exc))
            return exitcodes.LOCKED
        error(f"the crawl failed: {type(exc).__name__}: {exc}")
        logger.error("Crawl failed", exc_info=(type(exc), exc, exc.__traceback__))
        return exitcodes.ERROR
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
    return run_crawl(CrawlOptions.from_args(args))
