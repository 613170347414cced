"""The ``newsbot`` command: one module per subcommand, imported only when it runs.

    newsbot crawl   [--sources ...] [--feeds ...] [--sitemaps ...] [--urls ...] [--output DIR]
                    [-s KEY=VALUE ...] [--max-time SECONDS]
    newsbot crawl   --spider gdelt|reliefweb [-a NAME=VALUE ...] [--output DIR] [-s KEY=VALUE ...]
    newsbot backfill --warc PATH_OR_URL ... [--sources ...] [--hosts ...] [--from DAY] [--to DAY]
    newsbot reprocess [--output DIR] [--into NEWDIR]
    newsbot demo    [--output DIR]
    newsbot stats   [--output DIR]
    newsbot compact [--output DIR]
    newsbot extract FILE.html|URL [--url URL]
    newsbot report  [--output DIR]
    newsbot sources check [...]
    newsbot bench throughput|cleaning|relevance|neardup|redis-memory|warc [...]

Exit codes: see :mod:`newsbot.cli.exitcodes` and docs/operations.md.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from newsbot import __version__
from newsbot.cli import exitcodes

#: subcommand → (module, one-line help)
COMMANDS = {
    "crawl": ("newsbot.cli.crawl", "crawl sources, feeds, sitemaps, URLs or an API (the cron entry point)"),
    "backfill": ("newsbot.cli.backfill", "backfill the dataset from WARC files, nothing fetched"),
    "reprocess": (
        "newsbot.cli.reprocess",
        "extract and clean again the pages kept in DIR/warc/, nothing fetched",
    ),
    "demo": ("newsbot.cli.demo", "crawl the bundled offline demo site, then print the dataset summary"),
    "stats": ("newsbot.cli.stats", "summarise the dataset: records per source, day, language; rejects"),
    "compact": ("newsbot.cli.compact", "merge each partition's small Parquet files into larger ones"),
    "extract": ("newsbot.cli.extract", "run one page through extraction and cleaning; JSON on stdout"),
    "report": ("newsbot.cli.report", "write DIR/report.html: charts of the dataset, source health"),
    "sources": ("newsbot.cli.sources_check", "sources check: fetch every feed and sitemap once and report"),
    "bench": ("newsbot.bench", "benchmarks: throughput, cleaning, relevance, neardup, redis-memory, warc"),
}

#: ``newsbot bench NAME [args]`` → the benchmark module whose ``main(argv)`` runs it
BENCHMARKS = {
    "throughput": "newsbot.bench.throughput",
    "cleaning": "newsbot.bench.cleaning",
    "relevance": "newsbot.bench.relevance",
    "neardup": "newsbot.bench.neardup",
    "redis-memory": "newsbot.bench.redis_memory",
    "warc": "newsbot.bench.warc",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Ingest news coverage of armed conflict into a clean Parquet dataset.",
        epilog="Exit codes: 0 ok, 1 internal error, 2 usage/configuration error, 3 output directory "
        "in use, 4 every source failed, 5 stopped early, 130/143 interrupted by SIGINT/SIGTERM.",
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.set_defaults(subparsers={})
    for name, (_, help_text) in COMMANDS.items():
        if name == "sources":
            p = sub.add_parser(name, help=help_text, description=help_text)
            p.add_argument(
                "action", choices=["check"], help="what to do with the registry (check --help: its options)"
            )
            p.add_argument("rest", nargs=argparse.REMAINDER)
            continue
        if name == "bench":
            p = sub.add_parser(name, help=help_text, description=help_text)
            p.add_argument(
                "benchmark", choices=list(BENCHMARKS), help="which benchmark (NAME --help: its options)"
            )
            p.add_argument("rest", nargs=argparse.REMAINDER)
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        parser.get_default("subparsers")[name] = p
        importlib.import_module(COMMANDS[name][0]).add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:2] == ["sources", "check"]:
        # Its own parser, its own --help: hand over everything after "sources check".
        from newsbot.cli import sources_check

        return int(sources_check.main(args_list[2:]) or 0)
    if args_list[:1] == ["bench"] and len(args_list) > 1 and args_list[1] in BENCHMARKS:
        # Each benchmark has its own parser and --help.
        return int(importlib.import_module(BENCHMARKS[args_list[1]]).main(args_list[2:]) or 0)
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(args_list)
        if extra:
            # reported by the subcommand's parser, so the usage shown is the subcommand's
            args.subparsers.get(args.command, parser).error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return exitcodes.USAGE
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        return exitcodes.INTERRUPTED


def _main_closing_pipes() -> int:
    """:func:`main`, quiet when the reader of stdout goes away (``newsbot stats | head -3``)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the failed flush at exit once more: point stdout at /dev/null.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a process ended by a broken pipe
    return code


def entry() -> None:
    sys.exit(_main_closing_pipes())


if __name__ == "__main__":
    sys.exit(_main_closing_pipes())
