"""End-to-end check: N crawl processes on one Redis over a generated N-page sitemap.

    python -m newsbot.scaleout.check [--pages 2000] [--workers 2] [--delay 0.002]

Generates the site (:mod:`~newsbot.scaleout.sitegen`), serves it with the demo server, starts a
private redis-server, runs the workers together (``scrapy crawl news -a sitemaps=...
-s NEWSBOT_REDIS_URL=... -s NEWSBOT_OUTPUT_DIR=...``) and prints, from the server's request log and
the dataset, how often each page was fetched and stored and what each process did.
"""

from __future__ import annotations

import argparse
import collections
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.dataset as ds

from newsbot.scaleout.server import LocalRedis
from newsbot.scaleout.sitegen import OUTLET, generate_site

PROJECT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsbot.scaleout.check", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.002, help="NEWSBOT_REDIS_DOMAIN_DELAY")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        paths = set(generate_site(tmp / "site", args.pages))
        log = tmp / "requests.jsonl"
        server = subprocess.Popen(
            [sys.executable, "-m", "newsbot.demo.server", "--root", str(tmp / "site"), "--log", str(log)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert server.stdout is not None
        base = json.loads(server.stdout.readline())[OUTLET]
        try:
            with LocalRedis(tmp / "redis") as redis_server:
                cmd = [
                    sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sitemaps={base}/sitemap.xml",
                    "-s", f"NEWSBOT_REDIS_URL={redis_server.url}", "-s", f"NEWSBOT_OUTPUT_DIR={tmp / 'out'}",
                    "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
                    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                    "-s", f"NEWSBOT_REDIS_DOMAIN_DELAY={args.delay}",
                    "-s", "NEWSBOT_ALLOWED_PRIVATE_HOSTS=127.0.0.1", "-s", "LOG_LEVEL=INFO",
                ]  # fmt: skip
                print("each worker:", shlex.join(cmd))
                started = time.monotonic()
                workers = [
                    subprocess.Popen(
                        cmd, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
                    )
                    for _ in range(args.workers)
                ]
                outputs = [w.communicate()[0] for w in workers]
                elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.communicate()
        codes = [w.returncode for w in workers]
        fetched = collections.Counter(
            json.loads(line)["path"] for line in log.read_text().splitlines() if line.strip()
        )
        articles = {p: n for p, n in fetched.items() if p in paths}
        table = ds.dataset(tmp / "out" / "articles", format="parquet", partitioning="hive").to_table(
            columns=["url", "run_id"]
        )
        urls = collections.Counter(table.column("url").to_pylist())
        per_run = collections.Counter(table.column("run_id").to_pylist())
        print(f"{args.workers} workers, exit codes {codes}, {elapsed:.1f}s")
        print(f"article pages: {len(paths)}, fetched: {len(articles)}, fetched more than once: "
              f"{sum(1 for n in articles.values() if n > 1)}")  # fmt: skip
        print(f"listings fetched: { {p: n for p, n in sorted(fetched.items()) if p.startswith('/sitemap')} }")
        print(f"robots.txt fetched: {fetched['/robots.txt']} (once per process)")
        print(f"records: {table.num_rows}, distinct URLs: {len(urls)}, stored more than once: "
              f"{sum(1 for n in urls.values() if n > 1)}")  # fmt: skip
        for rid, n in sorted(per_run.items()):
            print(f"  run {rid}: {n} records")
        ok = (
            all(c == 0 for c in codes)
            and set(articles) == paths
            and max(articles.values()) == 1
            and len(urls) == len(paths) == table.num_rows
            and len(per_run) == args.workers
        )
        if not ok:
            for out in outputs:
                print(out[-2000:])
        print("OK" if ok else "FAILED")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
