"""``newsbot compact``: merge small Parquet files, partition by partition, under the run lock."""

from __future__ import annotations

import argparse
import sys

from newsbot.cli import exitcodes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output",
        "-o",
        metavar="DIR",
        help="dataset root, a directory or s3://bucket/prefix (default: NEWSBOT_OUTPUT_DIR or output)",
    )
    p.add_argument(
        "--lock-dir",
        metavar="DIR",
        help="local directory for the run lock (NEWSBOT_LOCK_DIR; needed with an s3:// output)",
    )
    p.add_argument("--target-mb", type=int, default=128, metavar="MB", help="merged file size (default: 128)")


def run(args: argparse.Namespace) -> int:
    from newsbot.cli.stats import existing_dataset
    from newsbot.config.errors import ConfigError
    from newsbot.extensions.outputlock import LockHeld, OutputLock, lock_dir
    from newsbot.storage.compact import compact_dataset
    from newsbot.storage.schema import ARTICLE_SCHEMA, REJECT_SCHEMA

    found = existing_dataset(args.output)
    if found is None:
        return exitcodes.USAGE
    root, settings = found
    if args.target_mb <= 0:
        sys.stderr.write("newsbot: error: --target-mb must be positive\n")
        return exitcodes.USAGE
    if args.lock_dir:
        settings.set("NEWSBOT_LOCK_DIR", args.lock_dir, priority="cmdline")
    try:
        lock = OutputLock.acquire(lock_dir(settings, root.uri), what="newsbot compact")
    except ConfigError as exc:
        sys.stderr.write(f"newsbot: error: {exc}\n")
        return exitcodes.USAGE
    except LockHeld as exc:
        sys.stderr.write(f"newsbot: error: {exc}\n")
        return exitcodes.LOCKED
    target = args.target_mb * 1024 * 1024
    with lock:
        for name, schema, key in (("articles", ARTICLE_SCHEMA, "id"), ("rejects", REJECT_SCHEMA, None)):
            r = compact_dataset(root.child(name), schema, key=key, target_bytes=target)
            sys.stdout.write(
                f"{name}: {r.partitions} partitions, {r.files_in} files -> {r.files_out}, "
                f"{r.rows_in} rows -> {r.rows_out} ({r.removed_duplicates} duplicates removed)\n"
            )
    return exitcodes.OK
