"""Redis memory per million URLs for the cluster's state.

    python -m newsbot.bench.redis_memory [--n 1000000] [--bucket-bits 16]

Starts its own ``redis-server`` on a free port in a temporary directory, inserts ``n`` request
fingerprints through :class:`~newsbot.scaleout.buckets.HashBuckets` as the dupefilter stores them
(expiring windows) and ``n`` seen-URL hashes through :class:`~newsbot.scaleout.seen.RedisSeenStore`,
reads ``INFO memory`` after each, and prints MB per million.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time

from newsbot.scaleout.buckets import HashBuckets
from newsbot.scaleout.dupefilter import DAY, fingerprint_window
from newsbot.scaleout.keys import Keys
from newsbot.scaleout.seen import RedisSeenStore
from newsbot.scaleout.server import LocalRedis


def used_memory(client) -> int:  # type: ignore[no-untyped-def]
    return int(client.info("memory")["used_memory"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsbot.bench.redis_memory", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--bucket-bits", type=int, default=16)
    parser.add_argument("--ttl-days", type=float, default=7.0)
    args = parser.parse_args(argv)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(tmp) as server:
        client = server.client()
        keys = Keys("bench")
        base = used_memory(client)
        ttl = args.ttl_days * DAY
        fps = HashBuckets(
            client, "bench:news:fp", ttl=ttl, window=fingerprint_window(ttl), bucket_bits=args.bucket_bits
        )
        started = time.perf_counter()
        added = fps.add_many_if_absent(rng.getrandbits(64) for _ in range(args.n))
        fp_secs = time.perf_counter() - started
        after_fp = used_memory(client)
        seen = RedisSeenStore(client, keys, bucket_bits=args.bucket_bits)
        started = time.perf_counter()
        seen.add_hashes([rng.getrandbits(64) for _ in range(args.n)])
        seen_secs = time.perf_counter() - started
        after_seen = used_memory(client)
        per_m = 1_000_000 / args.n / 2**20
        print(f"redis-server {client.info('server')['redis_version']}, {args.n:,} entries each, "
              f"{2**args.bucket_bits:,} buckets")  # fmt: skip
        print(f"fingerprints (expiring windows): {(after_fp - base) * per_m:6.1f} MB per million URLs "
              f"({added:,} added, {args.n / fp_secs:,.0f}/s)")  # fmt: skip
        print(f"seen-URL hashes (with day):      {(after_seen - after_fp) * per_m:6.1f} MB per million URLs "
              f"({args.n / seen_secs:,.0f}/s)")  # fmt: skip
        print(f"total:                           {(after_seen - base) * per_m:6.1f} MB per million URLs")
        # scrapy-redis's own dupefilter layout, for comparison: one set of 40-hex SHA1 fingerprints
        before_plain = used_memory(client)
        pipe = client.pipeline(transaction=False)
        for i in range(args.n):
            pipe.sadd("bench:scrapy-redis:dupefilter", f"{rng.getrandbits(160):040x}")
            if i % 10_000 == 9_999:
                pipe.execute()
        pipe.execute()
        plain = (used_memory(client) - before_plain) * per_m
        print(f"scrapy-redis dupefilter set:     {plain:6.1f} MB per million URLs (never expires)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
