"""Throughput benchmark: the whole crawl against bare trafilatura, measured in one run.

    python -m newsbot.bench.throughput [--pages 2000] [--aeb ../shared/aeb-dev] [--workers N]
                                       [--hostile-listing]

Serves N copies of the aeb-dev pages on loopback (copy *j* of every page lives on outlet *j*, its
own port, so each outlet is a site of distinct articles, as a real source is), crawls them with
politeness off through every stage into a fresh output directory, and prints pages/s, the peak
RSS of the crawl's whole process tree (parent and workers) and F1 on the stored bodies, next to
bare ``trafilatura.extract(html, include_comments=False)`` in one process on the same pages.

``--hostile-listing`` puts :mod:`newsbot.bench.hostile`'s listings in the same crawl (an
entity-expansion feed, a 100,000-item feed, a 9 MB robots.txt), served by the same loopback
server; the figures then say how often each was fetched and what discovery made of it, beside the
reactor's longest and 99th-percentile stall.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import trafilatura

from newsbot.bench import hostile
from newsbot.bench.aeb import AebPage, load_aeb, score
from newsbot.config.paths import project_root
from newsbot.demo.server import DemoServer
from newsbot.spiders.base import ad_hoc_source

_TICKS = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> dict[int, tuple[int, float]]:
    """Resident memory (bytes) and CPU seconds of a process and all its descendants, from /proc."""
    found: dict[int, tuple[int, float]] = {}
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            rss = 0
            with open(f"/proc/{p}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) * 1024
                        break
            with open(f"/proc/{p}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            found[p] = (rss, (int(fields[11]) + int(fields[12])) / _TICKS)  # utime + stime
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError, ValueError):
            continue
    return found


class PeakSampler(threading.Thread):
    """Peak RSS of a process tree and of its root alone, the root's peak number of open file
    descriptors (sockets included), and the CPU time each process used (last reading)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = self.main_peak = self.main_fds = 0
        self.cpu: dict[int, float] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            tree = _tree(self.pid)
            self.peak = max(self.peak, sum(rss for rss, _cpu in tree.values()))
            self.main_peak = max(self.main_peak, tree.get(self.pid, (0, 0.0))[0])
            try:
                self.main_fds = max(self.main_fds, len(os.listdir(f"/proc/{self.pid}/fd")))
            except OSError:
                pass  # the process has just ended
            for p, (_rss, cpu) in tree.items():
                self.cpu[p] = max(cpu, self.cpu.get(p, 0.0))
            time.sleep(self.interval)

    @property
    def main_cpu(self) -> float:
        return self.cpu.get(self.pid, 0.0)

    @property
    def children_cpu(self) -> float:
        return sum(cpu for p, cpu in self.cpu.items() if p != self.pid)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def bare_trafilatura(pages: list[AebPage], calls: int) -> tuple[float, float]:
    """pages/s and F1 of bare trafilatura, one process."""
    preds = {}
    start = time.perf_counter()
    for i in range(calls):
        page = pages[i % len(pages)]
        preds[page.id] = trafilatura.extract(page.html, include_comments=False)
    elapsed = time.perf_counter() - start
    f1 = score((preds[p.id], p.truth) for p in pages if p.id in preds).f1  # fewer calls than pages
    return calls / elapsed, f1


def default_plan() -> Any:
    """The plan a crawl with the project's default settings runs."""
    from scrapy.settings import Settings

    from newsbot.process.build import build_plan

    settings = Settings()
    settings.setmodule("newsbot.settings", priority="project")
    return build_plan(settings)


def stage_times(pages: list[AebPage], rounds: int = 2) -> dict[str, float]:
    """Milliseconds per page of each stage of the crawl's plan, in this process (one core), best
    of ``rounds``: the stages of ``NEWSBOT_PAGE_STAGES`` called one by one on each page, exactly
    as the worker call runs them; :func:`worker_cost` times the real worker call. The sum is the
    CPU a page costs the workers, before the main process's own share (Scrapy, stateful stages,
    storage), which the crawl's figures give.
    """
    from newsbot.enrich.language import warm_up
    from newsbot.process.page import Page
    from newsbot.process.plan import stage_name

    plan = default_plan()
    warm_up()
    raw = [(page.html.encode("utf-8"), page.url) for page in pages]
    best: dict[str, float] = {}
    spent: dict[str, float] = {}
    for _ in range(rounds + 1):  # the first round loads the rules and the lexicon
        spent.clear()
        for body, url in raw:
            page = Page(url=url, html=body, content_type="text/html; charset=utf-8")
            for fn in plan.stages:
                if page.stopped:
                    break
                start = time.perf_counter()
                fn(page, plan)
                name = stage_name(fn)
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
        if _ == 0:
            continue
        for name, seconds in spent.items():
            best[name] = min(best.get(name, float("inf")), 1000 * seconds / len(pages))
    return best


_STARTUP = """
import sys, time
from newsbot.bench.throughput import default_plan
from newsbot.process.worker_setup import warm_up
from newsbot.process.page import Page
from newsbot.process.worker import run_installed
warm_up(default_plan())
from newsbot.bench.aeb import load_aeb

pages = [(p.html.encode("utf-8"), p.url) for p in load_aeb(sys.argv[1] if len(sys.argv) > 1 else None)]

def once():
    for body, url in pages:
        run_installed(Page(url=url, html=body, content_type="text/html; charset=utf-8"))

once()
first = time.process_time()
once()
second = time.process_time() - first
print(first - second, 1000 * second / len(pages))
"""


def worker_cost(aeb: Path | None) -> tuple[float, float]:
    """(start-up CPU seconds, CPU ms a page) of a worker process running the crawl's worker call
    (:func:`newsbot.process.worker.run_installed`) over the aeb-dev pages, twice, in a fresh process: the
    second pass is the per-page cost, the first pass minus the second the start-up (interpreter,
    imports, language profiles, rules and lexicon loaded and compiled)."""
    cmd = [sys.executable, "-c", _STARTUP] + ([str(aeb)] if aeb else [])
    out = subprocess.run(cmd, cwd=project_root(), capture_output=True, text=True, check=True)
    startup, per_page = out.stdout.strip().splitlines()[-1].split()
    return float(startup), float(per_page)


def short_id(page: AebPage) -> str:
    """The page's name in the served URLs: its id's first 16 hex digits (distinct among the
    aeb-dev pages), so a 100,000-item feed of them stays under the download size cap."""
    return page.id[:16]


def build_site(pages: list[AebPage], n: int, root: Path, sources: int | None = None) -> dict[str, list[str]]:
    """Outlet directories of distinct pages (symlinks to one hidden copy); returns each outlet's
    page URLs as ``{{base:OUTLET}}/...`` templates, by outlet id.

    Copy *j* of the pages is outlet *j*, or with ``sources``, the directory ``c{j}`` of outlet
    *j* mod ``sources``: the same pages spread over a fixed number of sites.
    """
    shared = root / ".pages"  # hidden: the server serves only outlet-named directories
    shared.mkdir(parents=True)
    for page in pages:
        (shared / f"{page.id}.html").write_text(page.html, encoding="utf-8")
    listed: dict[str, list[str]] = {}
    for j in range((n + len(pages) - 1) // len(pages)):
        outlet = f"o{j % sources if sources else j:03d}"
        folder = f"c{j}/" if sources else ""
        (root / outlet / folder).mkdir(parents=True, exist_ok=True)
        urls = listed.setdefault(outlet, [])
        for page in pages[: min(len(pages), n - j * len(pages))]:
            name = f"{short_id(page)}.html"
            os.symlink(shared / f"{page.id}.html", root / outlet / folder / name)
            urls.append(f"{{{{base:{outlet}}}}}/{folder}{name}")
    for outlet, urls in listed.items():
        (root / outlet / "sitemap.xml").write_text(
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{u}</loc></url>" for u in urls)
            + "</urlset>",
            encoding="utf-8",
        )
    return listed


def crawl(
    sitemaps: list[str], out: Path, workers: int | None, log: Path, feeds: list[str] | None = None
) -> tuple[float, int, PeakSampler]:
    """Run ``scrapy crawl news`` in a subprocess; returns (seconds, exit code, what was sampled)."""
    cmd = [
        sys.executable, "-m", "scrapy", "crawl", "news",
        "-a", "sitemaps=" + ",".join(sitemaps),
        *(["-a", "feeds=" + ",".join(feeds)] if feeds else []),
        "-s", f"NEWSBOT_OUTPUT_DIR={out}",
        "-s", "ROBOTSTXT_OBEY=False",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "DOWNLOAD_DELAY=0",
        "-s", "CONCURRENT_REQUESTS=32",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32",
        "-s", "LOG_LEVEL=INFO",
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


def hostile_figures(request_log: Path, summary: dict[str, Any], base: str) -> dict[str, Any]:
    """How often the crawl fetched each hostile listing (the server's request log), and what
    discovery made of them (the hostile source's counters in the run summary)."""
    hits: dict[str, int] = {}
    with request_log.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record["outlet"] == hostile.OUTLET:
                hits[record["path"]] = hits.get(record["path"], 0) + 1
    figures: dict[str, Any] = {
        f"hostile_{name}_fetched": hits.get(path, 0) for name, path, _kind in hostile.LISTINGS
    }
    source = summary["sources"].get(ad_hoc_source(base), {})
    discovery = source.get("discovery", {})
    figures["hostile_feeds_refused"] = discovery.get("refused", 0)
    figures["hostile_feeds_parsed_in_pool"] = discovery.get("parsed_in_pool", 0)
    figures["hostile_feed_entries"] = discovery.get("feed_entries", 0)
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m newsbot.bench.throughput", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--pages", type=int, default=2000, help="pages to crawl (copies of the aeb-dev pages)")
    ap.add_argument("--aeb", type=Path, default=None, help="aeb-dev directory (default ../shared/aeb-dev)")
    ap.add_argument("--workers", type=int, default=None, help="NEWSBOT_WORKERS (default: one per core)")
    ap.add_argument("--bare-calls", type=int, default=264, help="trafilatura calls for the baseline")
    ap.add_argument("--keep", action="store_true", help="keep the output directory and log")
    ap.add_argument("--stages", action="store_true", help="also time each worker stage on one core")
    ap.add_argument(
        "--hostile-listing",
        action="store_true",
        help="also crawl an entity-expansion feed, a 100,000-item feed and a 9 MB robots.txt",
    )
    ap.add_argument(
        "--hostile-items", type=int, default=100_000, help="items of the large hostile feed (default 100,000)"
    )
    ap.add_argument(
        "--sources",
        type=int,
        default=None,
        help="spread the pages over this many sites (default: a site per 88 pages)",
    )
    args = ap.parse_args(argv)

    pages = load_aeb(args.aeb)
    if args.stages:
        times = stage_times(pages)
        print("worker stages, ms per page on one core (best of 2 rounds over the aeb-dev pages):")
        for name, ms in times.items():
            print(f"  {name:<12} {ms:6.2f}")
        print(f"  {'total':<12} {sum(times.values()):6.2f}")
        startup, per_page = worker_cost(args.aeb)
        print(f"the worker call as the crawl makes it: {per_page:.2f} ms a page")
        print(f"worker start-up: {startup:.2f} s of CPU a process")
    # Measured before and after the crawl: the machine's speed drifts over a minute (other
    # tenants, frequency); the ratio uses the mean of both.
    bare_before, bare_f1 = bare_trafilatura(pages, args.bare_calls)

    tmp = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    listed = build_site(pages, args.pages, tmp / "site", args.sources)
    outlets = list(listed)
    if args.hostile_listing:
        links = [u for urls in listed.values() for u in urls]
        hostile.write_outlet(tmp / "site", links, items=args.hostile_items)
    with DemoServer(tmp / "site", request_log=tmp / "requests.jsonl") as server:
        sitemaps = [f"{server.base_urls[o]}/sitemap.xml" for o in outlets]
        feeds: list[str] = []
        hostile_base = server.base_urls.get(hostile.OUTLET, "")
        if args.hostile_listing:
            for _name, path, kind in hostile.LISTINGS:
                (feeds if kind == "feeds" else sitemaps).append(hostile_base + path)
        seconds, code, sampled = crawl(sitemaps, tmp / "out", args.workers, tmp / "crawl.log", feeds)
    bare_after, _ = bare_trafilatura(pages, args.bare_calls)
    bare_pps = (bare_before + bare_after) / 2
    if code != 0:
        print(f"crawl failed with exit code {code}; log: {tmp / 'crawl.log'}", file=sys.stderr)
        return 1
    summary = json.loads(next((tmp / "out" / "runs").glob("*.json")).read_text(encoding="utf-8"))
    table = ds.dataset(tmp / "out" / "articles", format="parquet", partitioning="hive").to_table(
        columns=["url", "body"]
    )
    stored = table.num_rows
    bodies: dict[str, str] = {}
    for url, body in zip(table.column("url").to_pylist(), table.column("body").to_pylist(), strict=True):
        bodies.setdefault(url.rsplit("/", 1)[-1].removesuffix(".html"), body)
    pipe = score((bodies.get(short_id(p)), p.truth) for p in pages)
    pps = args.pages / seconds
    result = {
        "pages": args.pages,
        "sources": len(outlets),
        "stored": stored,
        "crawl_seconds": round(seconds, 2),
        "pipeline_pages_per_s": round(pps, 1),
        "bare_trafilatura_pages_per_s": round(bare_pps, 1),
        "bare_trafilatura_before_after": f"{bare_before:.1f} / {bare_after:.1f}",
        "bare_trafilatura_ms_per_page": round(1000 / bare_pps, 1),
        "speedup": round(pps / bare_pps, 2),
        "peak_rss_mb": round(sampled.peak / 2**20, 1),
        "main_peak_rss_mb": round(sampled.main_peak / 2**20, 1),
        "main_peak_open_fds": sampled.main_fds,
        # where the CPU went: the main process (Scrapy, stateful stages, storage), the workers
        "main_cpu_ms_per_page": round(1000 * sampled.main_cpu / args.pages, 1),
        "workers_cpu_ms_per_page": round(1000 * sampled.children_cpu / args.pages, 1),
        # the main thread's longest stall during the crawl, and stalls over 100 ms
        "reactor_max_lag_ms": summary["reactor"]["max_lag_ms"],
        "reactor_p99_lag_ms": summary["reactor"].get("p99_lag_ms"),
        "reactor_lags_over_100ms": summary["reactor"]["lags_over_100ms"],
        "reactor_last_lag_over_100ms_at_s": summary["reactor"]["last_lag_over_100ms_at_s"],
        "pipeline_f1": round(pipe.f1, 4),
        "bare_trafilatura_f1": round(bare_f1, 4),
    }
    if args.hostile_listing:
        result.update(hostile_figures(tmp / "requests.jsonl", summary, hostile_base))
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(result))
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
