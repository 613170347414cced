"""WARC backfill benchmark: ``newsbot backfill --warc`` against bare trafilatura, in one run.

    newsbot bench warc [--pages 2000 10000] [--per-file 1000] [--aeb ../shared/aeb-dev] [--workers N]

For each page count N, N copies of the aeb-dev pages (copy *j* of a page has its own URL, on host
``o{j}.bench.example``, and a sentence naming the copy in its first paragraph, so that every copy
is a distinct article with its own id and content hash) are packed into gzip-per-record WARC files
of ``--per-file`` records, and backfilled by the real command into a fresh output directory
(a subprocess, everything as a user runs it: lock, stores, run summary). Printed: pages/s over the
whole run (start-up included), next to bare ``trafilatura.extract(html, include_comments=False)``
in one process on the same pages (measured before and after, the mean used), and the peak RSS of
the backfill's process tree (the crawl and its workers), which must not grow with N: the files are
streamed, never loaded whole.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsbot.bench.aeb import AebPage, load_aeb
from newsbot.bench.throughput import PeakSampler, bare_trafilatura
from newsbot.config.paths import project_root

_FIRST_P = re.compile(r"<p(\s[^>]*)?>", re.IGNORECASE)
WHEN = datetime(2023, 10, 2, 12, tzinfo=UTC)


def copies(pages: list[AebPage], n: int) -> Iterator[tuple[str, bytes]]:
    """(url, html) of ``n`` distinct copies of ``pages``."""
    for i in range(n):
        j, k = divmod(i, len(pages))
        page = pages[k]
        path = urlsplit(page.url).path or "/"
        url = f"https://o{j:03d}.bench.example/{page.id}{path}"
        note = f"This is copy {j} of the page, number {i} of the benchmark. "
        html, found = _FIRST_P.subn(lambda m, note=note: m.group(0) + note, page.html, count=1)
        if not found:
            html = html.replace("<body", f"<p>{note}</p><body", 1)
        yield url, html.encode("utf-8")


def pack(pages: list[AebPage], n: int, per_file: int, directory: Path) -> list[Path]:
    """The WARC files holding ``n`` copies, ``per_file`` response records each."""
    directory.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    fh = writer = None
    for i, (url, body) in enumerate(copies(pages, n)):
        if i % per_file == 0:
            if fh is not None:
                fh.close()
            files.append(directory / f"bench-{len(files):05d}.warc.gz")
            fh = files[-1].open("wb")
            writer = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
            protocol="HTTP/1.1",
        )
        assert writer is not None
        writer.write_record(
            writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": WHEN.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
        )
    if fh is not None:
        fh.close()
    return files


def backfill(files: list[Path], out: Path, workers: int | None, log: Path) -> tuple[float, int, PeakSampler]:
    """Run ``newsbot backfill --warc`` in a subprocess; (seconds, exit code, what was sampled)."""
    cmd = [
        sys.executable, "-m", "newsbot.cli.main", "backfill", "--warc", *map(str, files),
        "--output", str(out), "-s", "LOG_LEVEL=INFO",
    ]  # fmt: skip
    if workers is not None:
        cmd += ["-s", f"NEWSBOT_WORKERS={workers}"]
    start = time.perf_counter()
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=project_root(), stdout=fh, stderr=subprocess.STDOUT)
        sampler = PeakSampler(proc.pid)
        sampler.start()
        code = proc.wait()
        sampler.stop()
    return time.perf_counter() - start, code, sampler


def stored_rows(out: Path) -> int:
    import pyarrow.dataset as ds

    if not (out / "articles").exists():
        return 0
    return ds.dataset(out / "articles", format="parquet", partitioning="hive").count_rows()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="newsbot bench warc", description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, nargs="+", default=[2000, 10000], help="page counts to run")
    ap.add_argument("--per-file", type=int, default=1000, help="response records per WARC file")
    ap.add_argument("--aeb", type=Path, default=None, help="aeb-dev directory (default ../shared/aeb-dev)")
    ap.add_argument("--workers", type=int, default=None, help="NEWSBOT_WORKERS (default: one per core)")
    ap.add_argument("--bare-calls", type=int, default=264, help="trafilatura calls for the baseline")
    ap.add_argument("--keep", action="store_true", help="keep the WARC files, outputs and logs")
    args = ap.parse_args(argv)

    pages = load_aeb(args.aeb)
    tmp = Path(tempfile.mkdtemp(prefix="newsbot-bench-warc-"))
    results = []
    try:
        for n in args.pages:
            files = pack(pages, n, args.per_file, tmp / f"warc-{n}")
            warc_mb = sum(f.stat().st_size for f in files) / 2**20
            bare_before, _ = bare_trafilatura(pages, args.bare_calls)
            seconds, code, sampled = backfill(
                files, tmp / f"out-{n}", args.workers, tmp / f"backfill-{n}.log"
            )
            bare_after, _ = bare_trafilatura(pages, args.bare_calls)
            if code != 0:
                print(
                    f"backfill failed with exit code {code}; log: {tmp / f'backfill-{n}.log'}",
                    file=sys.stderr,
                )
                args.keep = True
                return 1
            bare = (bare_before + bare_after) / 2
            pps = n / seconds
            result = {
                "pages": n,
                "warc_files": len(files),
                "warc_mb": round(warc_mb, 1),
                "stored": stored_rows(tmp / f"out-{n}"),
                "backfill_seconds": round(seconds, 2),
                "backfill_pages_per_s": round(pps, 1),
                "bare_trafilatura_pages_per_s": round(bare, 1),
                "bare_trafilatura_before_after": f"{bare_before:.1f} / {bare_after:.1f}",
                "speedup": round(pps / bare, 2),
                "peak_rss_mb": round(sampled.peak / 2**20, 1),
                "main_peak_rss_mb": round(sampled.main_peak / 2**20, 1),
                "main_cpu_ms_per_page": round(1000 * sampled.main_cpu / n, 1),
                "workers_cpu_ms_per_page": round(1000 * sampled.children_cpu / n, 1),
            }
            results.append(result)
            width = max(len(k) for k in result)
            for key, value in result.items():
                print(f"{key:<{width}}  {value}")
            print(json.dumps(result), flush=True)
            if not args.keep:
                shutil.rmtree(tmp / f"warc-{n}", ignore_errors=True)
        if len(results) > 1:
            first, last = results[0], results[-1]
            print(
                f"peak RSS {first['peak_rss_mb']} MB at {first['pages']} pages, "
                f"{last['peak_rss_mb']} MB at {last['pages']} pages "
                f"({last['peak_rss_mb'] / first['peak_rss_mb']:.2f}x)"
            )
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
