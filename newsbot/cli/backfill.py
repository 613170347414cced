"""``newsbot backfill``: the dataset from archived pages, nothing fetched from the sites.

    newsbot backfill --warc PATH_OR_URL ... [--sources ID ...] [--hosts HOST ...]
                     [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--patterns REGEX ...]
                     [--languages CODE ...] [--output DIR]
    newsbot backfill --ccnews --from YYYY-MM-DD --to YYYY-MM-DD [--sources ID ...] [--output DIR]

``--ccnews`` reads Common Crawl's monthly CC-NEWS path lists under ``NEWSBOT_CCNEWS_BASE_URL``
(:mod:`newsbot.discovery.ccnews`), picks the files of the range and streams them over HTTP(S).

Runs the ``warc`` spider (:mod:`newsbot.spiders.warc`) with the machinery of ``newsbot crawl``:
the same run lock on the output directory, the same run summary in ``DIR/runs/`` and the same
exit codes.
"""

from __future__ import annotations

import argparse

from newsbot.cli.crawl import CrawlOptions, add_common, run_crawl


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--warc",
        nargs="+",
        default=[],
        metavar="PATH_OR_URL",
        help="WARC files (.warc.gz or .warc): local paths or http(s) URLs, streamed",
    )
    p.add_argument(
        "--ccnews",
        action="store_true",
        help="the CC-NEWS files of --from to --to (under NEWSBOT_CCNEWS_BASE_URL), streamed",
    )
    p.add_argument("--sources", nargs="+", default=[], metavar="ID", help="keep these sources' hosts only")
    p.add_argument("--hosts", nargs="+", default=[], metavar="HOST", help="keep these hosts only")
    p.add_argument("--from", "--since", dest="since", metavar="YYYY-MM-DD", help="first fetch day (UTC)")
    p.add_argument("--to", "--until", dest="until", metavar="YYYY-MM-DD", help="last fetch day (UTC)")
    p.add_argument("--patterns", nargs="+", default=[], metavar="REGEX", help="keep URLs matching one")
    p.add_argument(
        "--languages",
        nargs="+",
        default=[],
        metavar="CODE",
        help="keep pages declaring one of these ISO 639-1 languages (<html lang>, Content-Language)",
    )
    add_common(p)


def spider_arguments(args: argparse.Namespace) -> dict[str, str]:
    kw: dict[str, str] = {"files": ",".join(args.warc)}
    if args.hosts:
        kw["hosts"] = ",".join(args.hosts)
    if args.patterns:
        kw["patterns"] = ",".join(args.patterns)
    if args.languages:
        kw["languages"] = ",".join(args.languages)
    if args.since:
        kw["since"] = args.since
    if args.until:
        kw["until"] = args.until
    return kw


def ccnews_files(args: argparse.Namespace) -> list[str] | str:
    """The CC-NEWS file URLs of the range, or the message of why there are none."""
    from datetime import date

    from scrapy.utils.project import get_project_settings

    from newsbot.cli.crawl import parse_settings
    from newsbot.config.errors import ConfigError
    from newsbot.discovery.ccnews import CCNewsError, ccnews_urls

    if not (args.since and args.until):
        return "backfill --ccnews: give the range (--from YYYY-MM-DD --to YYYY-MM-DD)"
    try:
        start, end = date.fromisoformat(args.since), date.fromisoformat(args.until)
    except ValueError as exc:
        return f"backfill --ccnews: {exc}"
    try:
        settings = get_project_settings()
        settings.setdict(parse_settings(args.settings), priority="cmdline")
        urls = ccnews_urls(settings, start, end)
    except (CCNewsError, ConfigError, ValueError, OSError) as exc:
        return f"backfill --ccnews: {exc}"
    return urls or f"backfill --ccnews: no CC-NEWS file between {start} and {end}"


def run(args: argparse.Namespace) -> int:
    from newsbot.cli import exitcodes
    from newsbot.cli.crawl import error

    if args.ccnews and args.warc:
        error("backfill: give --warc files or --ccnews, not both")
        return exitcodes.USAGE
    if args.ccnews:
        files = ccnews_files(args)
        if isinstance(files, str):
            error(files)
            return exitcodes.USAGE
        args.warc = files
    if not args.warc:
        error("backfill: give the WARC files to read (--warc PATH_OR_URL ... or --ccnews)")
        return exitcodes.USAGE
    opts = CrawlOptions.from_args(
        argparse.Namespace(**{**vars(args), "feeds": [], "sitemaps": [], "urls": []})
    )
    opts.spider = "warc"
    opts.command = "backfill"
    opts.spider_args = spider_arguments(args)
    return run_crawl(opts)
