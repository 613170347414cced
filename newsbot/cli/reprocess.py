"""``newsbot reprocess``: extraction and cleaning again over the raw pages a crawl kept, nothing fetched.

    newsbot reprocess [--output DIR] [--into NEWDIR] [-s KEY=VALUE ...]

The WARC files of ``DIR/warc/`` (written with ``NEWSBOT_WARC_ENABLED``) go through the ``warc``
spider, the backfill path (:mod:`newsbot.spiders.warc`), with today's settings, rules and lexicon:
the article responses only (listing responses are skipped by their ``WARC-Newsbot-Kind``).

``--into NEWDIR`` writes a new dataset there and leaves ``DIR`` as it is. ``NEWDIR`` must not hold
a dataset yet; the WARC files are hard-linked into ``NEWDIR/warc/`` (copied across filesystems),
so its rows' ``warc_file`` names are relative to ``NEWDIR`` like any crawl's.

Without ``--into`` the dataset of ``DIR`` is replaced, under ``DIR``'s run lock (no crawl writes
there meanwhile): the new dataset is built in a hidden staging directory ``DIR/.reprocess-<run>/``,
and only once that run has finished are its ``articles/``, ``rejects/`` and ``state/`` swapped with
``DIR``'s, each by one atomic exchange (``renameat2(RENAME_EXCHANGE)``; on a filesystem without it,
two renames, between which the directory is briefly absent, never partial). A reader sees the old
dataset or the new one. A run that fails or is interrupted leaves ``DIR`` untouched. The output must
be a local directory.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import logging
import os
import shutil
from pathlib import Path

from newsbot.cli import exitcodes
from newsbot.cli.crawl import CrawlOptions, add_common, error, parse_settings, run_crawl

logger = logging.getLogger(__name__)

#: what a run of the dataset consists of, swapped as a whole
SWAPPED = ("articles", "rejects", "state")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--into",
        metavar="NEWDIR",
        help="write the new dataset here (default: replace DIR's dataset once the run has finished)",
    )
    add_common(p)


def _link_or_copy(src: Path, dst: Path) -> None:
    """``dst`` as a hard link of ``src``, or a copy published whole where links cannot be made."""
    if dst.exists():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        from newsbot.storage.atomic import atomic_write

        with open(src, "rb") as fin, atomic_write(dst) as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)


def exchange(a: Path, b: Path) -> None:
    """Swap two paths in one step where the kernel can (either may be absent)."""
    if not a.exists() or not b.exists():
        # one of them only: a single rename makes it appear or disappear at once
        if a.exists():
            os.rename(a, b)
        elif b.exists():
            os.rename(b, a)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(a), None, str(b))
    aside = a.with_name(f"{a.name}.swap")
    os.rename(a, aside)
    os.rename(b, a)
    os.rename(aside, b)


def _warc_files(root: Path) -> list[Path]:
    from newsbot.archive.writer import SUFFIX, WARC_DIR
    from newsbot.storage.location import parse_location

    return [Path(f.path) for f in parse_location(str(root)).files(WARC_DIR, suffix=SUFFIX)]


def _reprocess_into(src: Path, dest: Path, args: argparse.Namespace) -> int:
    from newsbot.archive.writer import WARC_DIR

    files = []
    for f in _warc_files(src):
        target = dest / WARC_DIR / f.name
        _link_or_copy(f, target)
        files.append(str(target))
    opts = CrawlOptions.from_args(
        argparse.Namespace(**{**vars(args), "sources": [], "feeds": [], "sitemaps": [], "urls": []})
    )
    opts.output = str(dest)
    # nothing is downloaded; the raw pages already are where the rows name them
    opts.settings = [*args.settings, "NEWSBOT_WARC_ENABLED=False"]
    opts.spider = "warc"
    opts.command = "reprocess"
    # the records keep the source, discovery path and listing hints their crawl had
    opts.spider_args = {"files": ",".join(files), "context": "kept"}
    return run_crawl(opts)


def _replace(src: Path, args: argparse.Namespace) -> int:
    from newsbot.config.errors import ConfigError
    from newsbot.config.run import new_run_id
    from newsbot.extensions.outputlock import LockHeld, OutputLock

    run = new_run_id()
    try:
        lock = OutputLock.acquire(
            Path(args.lock_dir) if args.lock_dir else src, run=run, what="newsbot reprocess"
        )
    except (LockHeld, ConfigError) as exc:
        error(str(exc))
        return exitcodes.LOCKED if isinstance(exc, LockHeld) else exitcodes.USAGE
    stage = src / f".reprocess-{run}"
    try:
        code = _reprocess_into(src, stage, args)
        if code != exitcodes.OK:
            error(f"reprocess did not finish (exit {code}): {src} is unchanged")
            return code
        for name in SWAPPED:
            exchange(src / name, stage / name)
        for summary in (stage / "runs").glob("*.json"):  # the reprocess run's, kept with the others
            (src / "runs").mkdir(exist_ok=True)
            os.replace(summary, src / "runs" / summary.name)
        return code
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        lock.release()


def run(args: argparse.Namespace) -> int:
    from newsbot.config.declared import default
    from newsbot.config.errors import ConfigError
    from newsbot.storage.location import is_remote

    try:
        given = parse_settings(args.settings)
    except ConfigError as exc:
        error(str(exc))
        return exitcodes.USAGE
    # the dataset a crawl with the same arguments writes: --output, else -s NEWSBOT_OUTPUT_DIR=...
    args.output = args.output or given.get("NEWSBOT_OUTPUT_DIR") or default("NEWSBOT_OUTPUT_DIR")
    if is_remote(args.output) or (args.into and is_remote(args.into)):
        error("reprocess: --output and --into must be local directories")
        return exitcodes.USAGE
    src = Path(args.output)
    if not _warc_files(src):
        error(f"reprocess: no WARC files under {src / 'warc'} (crawl with -s NEWSBOT_WARC_ENABLED=True)")
        return exitcodes.USAGE
    if not args.into:
        return _replace(src, args)
    dest = Path(args.into)
    if dest.resolve() == src.resolve():
        return _replace(src, args)
    if (dest / "articles").exists():
        error(f"reprocess: {dest} already holds a dataset; give a new directory to --into")
        return exitcodes.USAGE
    return _reprocess_into(src, dest, args)
