"""Near-duplicate benchmark: quality on labelled pairs, memory and speed at a million documents.

    python -m newsbot.bench.neardup [--pairs tests/data/neardup-pairs.jsonl] [--docs 1000000]
                                    [--queries 20000] [--threshold 0.35]

(a) Each labelled pair goes through a fresh :class:`NearDuplicateIndex`: the first text is added,
the second looked up. Precision and recall per threshold, and recall per kind of copy.

(b) ``--docs`` synthetic documents (random MinHash signatures, which is what unrelated articles
look like to the index) are bulk-loaded; then lookups of perturbed copies of indexed documents
(40 % of minima replaced: Jaccard about 0.6) and of unseen documents are timed one by one.
Memory is what tracemalloc sees allocated by the index (numpy reports its buffers to it).
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import numpy as np

from newsbot.config.paths import project_root
from newsbot.identify.neardup import NearDuplicateIndex, NearDupParams
from newsbot.identify.shingles import shingles

_ID = "{:032x}"


def _jaccard(a: str, b: str, k: int) -> float:
    sa, sb = set(shingles(a, k)), set(shingles(b, k))
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def bench_pairs(path: Path, threshold: float) -> None:
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    base = NearDuplicateIndex(NearDupParams(threshold=0.0))
    started = time.perf_counter()
    sigs = [(base.signature(p["a"]), base.signature(p["b"])) for p in pairs]
    per_doc = (time.perf_counter() - started) / (2 * len(pairs))
    words = np.mean([len(p["a"].split()) + len(p["b"].split()) for p in pairs]) / 2
    print(f"labelled pairs: {len(pairs)} ({sum(p['duplicate'] for p in pairs)} duplicates), "
          f"{words:.0f} words a text; signature {per_doc * 1e6:.0f} µs a text")  # fmt: skip

    def predict(t: float) -> list[bool]:
        out = []
        for i, (sa, sb) in enumerate(sigs):
            index = NearDuplicateIndex(NearDupParams(threshold=t))
            index.add(_ID.format(i), sa)
            out.append(index.query(sb) is not None)
        return out

    print(f"\n{'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>6}   (pairs)")
    for t in sorted({0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, threshold}):
        pred = predict(t)
        tp = sum(p and q["duplicate"] for p, q in zip(pred, pairs, strict=True))
        fp = sum(p and not q["duplicate"] for p, q in zip(pred, pairs, strict=True))
        fn = sum(not p and q["duplicate"] for p, q in zip(pred, pairs, strict=True))
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        mark = "  <- default" if t == threshold else ""
        print(f"{t:>9.2f} {prec:>9.3f} {rec:>7.3f} {f1:>6.3f}{mark}")

    pred = predict(threshold)
    print(f"\n{'kind':<24} {'pairs':>5} {'dup':>4} {'flagged':>7} {'true J5 min-max':>16}")
    for kind in sorted({p["kind"] for p in pairs}):
        rows = [(p, q) for p, q in zip(pairs, pred, strict=True) if p["kind"] == kind]
        js = [_jaccard(p["a"], p["b"], 5) for p, _ in rows]
        print(f"{kind:<24} {len(rows):>5} {str(rows[0][0]['duplicate']):>4} {sum(q for _, q in rows):>7} "
              f"{min(js):>7.2f}-{max(js):.2f}")  # fmt: skip


def bench_scale(n_docs: int, n_queries: int, threshold: float, chunk: int = 100_000) -> None:
    params = NearDupParams(threshold=threshold)
    rng = np.random.default_rng(42)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = NearDuplicateIndex(params)
    started = time.perf_counter()
    kept: list[np.ndarray] = []  # a few signatures to query copies of
    for lo in range(0, n_docs, chunk):
        n = min(chunk, n_docs - lo)
        sigs = rng.integers(0, 2**32, size=(n, params.num_perm), dtype=np.uint64)
        index.add_many([_ID.format(i) for i in range(lo, lo + n)], sigs)
        kept.append(sigs[rng.integers(0, n, size=max(1, n_queries // 2 * n // n_docs))])
        del sigs
    build = time.perf_counter() - started
    samples = np.vstack(kept)
    mem = tracemalloc.get_traced_memory()[0] - before - samples.nbytes
    tracemalloc.stop()

    copies = samples.copy()
    mask = rng.random(copies.shape) < 0.4
    copies[mask] = rng.integers(0, 2**32, size=int(mask.sum()), dtype=np.uint64)
    fresh = rng.integers(0, 2**32, size=(len(copies), params.num_perm), dtype=np.uint64)
    timings: list[float] = []
    found_copies = found_fresh = 0
    for sig in copies:
        t0 = time.perf_counter()
        found_copies += index.query(sig) is not None
        timings.append(time.perf_counter() - t0)
    for sig in fresh:
        t0 = time.perf_counter()
        found_fresh += index.query(sig) is not None
        timings.append(time.perf_counter() - t0)
    add_t: list[float] = []
    for i, sig in enumerate(fresh[:2000]):
        t0 = time.perf_counter()
        index.add(_ID.format(n_docs + i), sig)
        add_t.append(time.perf_counter() - t0)
    ms = np.asarray(timings) * 1e3
    print(f"\n{'documents':<28} {n_docs:>12,}")
    print(
        f"{'index memory (tracemalloc)':<28} {mem / 1e6:>9.1f} MB"
        f"  ({mem / n_docs:.0f} B/doc; target <= 300 MB)"
    )
    print(f"{'index arrays (nbytes)':<28} {index.nbytes / 1e6:>9.1f} MB")
    print(f"{'bulk build':<28} {build:>10.1f} s")
    print(f"{'lookups':<28} {len(ms):>12,}")
    print(f"{'lookup mean':<28} {ms.mean():>10.3f} ms  (target <= 1 ms)")
    print(f"{'lookup p99':<28} {np.percentile(ms, 99):>10.3f} ms")
    print(f"{'add (query + insert) mean':<28} {np.mean(add_t) * 1e3:>10.3f} ms")
    print(f"{'copies found (J~0.6)':<28} {found_copies / len(copies):>12.3f}")
    print(f"{'unseen docs matched':<28} {found_fresh / len(fresh):>12.3f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m newsbot.bench.neardup", description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=Path, default=project_root() / "tests" / "data" / "neardup-pairs.jsonl")
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=20_000)
    ap.add_argument("--threshold", type=float, default=NearDupParams().threshold)
    args = ap.parse_args(argv)
    bench_pairs(args.pairs, args.threshold)
    if args.docs > 0:
        bench_scale(args.docs, args.queries, args.threshold)


if __name__ == "__main__":
    main()
