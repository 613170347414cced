"""``newsbot report``: write ``DIR/report.html``, the charts and source-health table of a dataset."""

from __future__ import annotations

import argparse
import sys

from newsbot.cli import exitcodes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output",
        metavar="DIR",
        help="dataset root, a directory or s3://bucket/prefix (default: NEWSBOT_OUTPUT_DIR or output)",
    )
    p.add_argument(
        "--days", type=int, default=None, metavar="N", help="days shown in the charts over time (default: 90)"
    )


def run(args: argparse.Namespace) -> int:
    from newsbot.cli.stats import existing_dataset
    from newsbot.report import DEFAULT_DAYS, write_report

    found = existing_dataset(args.output)
    if found is None:
        return exitcodes.USAGE
    root, _ = found
    days = DEFAULT_DAYS if args.days is None else args.days
    if days <= 0:
        sys.stderr.write("newsbot: error: --days must be positive\n")
        return exitcodes.USAGE
    try:
        written = write_report(root, days=days)
    except OSError as exc:
        sys.stderr.write(f"newsbot: error: cannot write the report: {exc}\n")
        return exitcodes.ERROR
    a, runs = written.data.articles, written.data.runs
    n_runs = len(runs.summaries)
    sys.stdout.write(
        f"Report: {written.path} ({written.size / 1e6:.1f} MB; {a.total:,} records from {a.sources:,} "
        f"sources, {written.data.rejects.total:,} rejected pages, {n_runs:,} "
        f"run {'summary' if n_runs == 1 else 'summaries'})\n"
    )
    for name, why in runs.unreadable:
        sys.stderr.write(f"newsbot: warning: run summary {root.uri_of('runs', name)} cannot be read: {why}\n")
    return exitcodes.OK
