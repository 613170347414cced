"""``newsbot demo``: the whole pipeline on the bundled offline demo site, then the dataset summary.

The demo site (:mod:`newsbot.demo.server`) is served from this process, one loopback port per
outlet; its registry template is rendered with those ports into a temporary sources file, and
every source is crawled with politeness off (the site is local). Ports are fixed when free, so
that a second demo run sees the same URLs and stores nothing twice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from newsbot.cli import exitcodes

#: First port of the demo outlets (one per outlet, consecutive); free ports if taken.
PORT_BASE = 8470
DEMO_DEFAULTS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", metavar="DIR", default="output", help="dataset root (default: output)")
    p.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--progress", choices=["auto", "on", "off"], default="auto")


def _start_server() -> object:
    from newsbot.demo.server import SITE_ROOT, DemoServer, discover_outlets

    outlets = discover_outlets(SITE_ROOT)
    try:
        return DemoServer(SITE_ROOT, ports={o: PORT_BASE + i for i, o in enumerate(outlets)}).start()
    except OSError:
        return DemoServer(SITE_ROOT).start()


def run(args: argparse.Namespace) -> int:
    from newsbot.cli.crawl import CrawlOptions, run_crawl
    from newsbot.cli.stats import print_stats
    from newsbot.demo.server import SOURCES_TEMPLATE, render_sources

    server = _start_server()
    try:
        with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
            sources = Path(tmp) / "sources.toml"
            sources.write_text(render_sources(SOURCES_TEMPLATE, server.base_urls), encoding="utf-8")  # type: ignore[attr-defined]
            sys.stderr.write(
                "newsbot demo: serving "
                + ", ".join(f"{k} {v}" for k, v in server.base_urls.items())  # type: ignore[attr-defined]
                + "\n"
            )
            opts = CrawlOptions(
                output=args.output,
                settings=args.settings,
                defaults={**DEMO_DEFAULTS, "NEWSBOT_SOURCES_FILE": str(sources)},
                progress=args.progress,
            )
            code = run_crawl(opts)
    finally:
        server.close()  # type: ignore[attr-defined]
    if code not in (exitcodes.OK, exitcodes.ALL_SOURCES_FAILED):
        return code
    sys.stdout.write("\n")
    print_stats(Path(args.output))
    return code
