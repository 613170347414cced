"""``newsbot sources check``: fetch every feed and sitemap of the registry once and report.

An operator runs this after editing ``settings/sources.toml`` (or from cron, to notice feeds that
moved): each address is fetched once with the standard library, parsed with lxml, and summed up in
one row: HTTP status, content type, what the document is (RSS, Atom, RDF, sitemap, sitemap index),
how many entries it lists, how long it took, and what went wrong. Nothing here goes through Scrapy,
so it works without a project and does not touch the crawl's caches.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from lxml import etree
from rich.console import Console
from rich.table import Table

from newsbot import __version__
from newsbot.config.errors import ConfigError
from newsbot.config.paths import resolve, settings_path
from newsbot.config.sources import Source, load_sources
from newsbot.discovery.sitemaps import sitemaps_from_robots

DEFAULT_USER_AGENT = f"newsbot/{__version__} sources-check (+https://github.com/newsbot-project/newsbot)"
MAX_BYTES = 50 * 1024 * 1024  # the sitemap protocol caps an uncompressed file at 50 MB

# Root element (local name) -> (format label, local name of the elements counted as entries).
_FORMATS: dict[str, tuple[str, str]] = {
    "rss": ("rss", "item"),
    "RDF": ("rdf", "item"),
    "feed": ("atom", "entry"),
    "urlset": ("sitemap", "url"),
    "sitemapindex": ("sitemap-index", "sitemap"),
}


@dataclass(frozen=True)
class SourceCheck:
    """The outcome of fetching one feed or sitemap address."""

    source: str
    kind: str  # "feed" or "sitemap"
    url: str
    status: int | None = None
    content_type: str | None = None
    format: str | None = None  # rss, rdf, atom, sitemap, sitemap-index; None when not recognised
    entries: int = 0
    elapsed: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Reachable (2xx) and parsed as a feed or sitemap document."""
        return self.error is None and self.status is not None and 200 <= self.status < 300


def _decompress(body: bytes, encoding: str | None) -> bytes:
    # urllib does not undo Content-Encoding; .xml.gz sitemaps arrive gzipped without it too.
    if (encoding or "").lower() == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    if body[:2] == b"\x1f\x8b":
        return gzip.decompress(body)
    return body


def parse_document(body: bytes) -> tuple[str, int]:
    """What an XML document is and how many entries it lists.

    Raises ``ValueError`` when it is not well-formed XML or not a feed or sitemap.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, recover=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from exc
    if root is None:
        raise ValueError("empty document")
    name = etree.QName(root).localname
    if name not in _FORMATS:
        raise ValueError(f"not a feed or sitemap (root element <{name}>)")
    label, entry = _FORMATS[name]
    count = sum(1 for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname == entry)
    return label, count


def check_url(source: str, kind: str, url: str, timeout: float, user_agent: str) -> SourceCheck:
    """Fetch and parse one address; never raises."""
    headers = {
        "User-Agent": user_agent,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    }
    started = time.monotonic()
    status: int | None = None
    ctype: str | None = None
    try:
        with urlopen(Request(url, headers=headers), timeout=timeout) as resp:
            status = resp.status
            ctype = resp.headers.get_content_type()
            body = resp.read(MAX_BYTES + 1)
            encoding = resp.headers.get("Content-Encoding")
        if len(body) > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        body = _decompress(body, encoding)
        if url.split("?", 1)[0].endswith("/robots.txt"):
            # a robots.txt source: the crawler reads its Sitemap: lines, and so does the check
            fmt, entries = "robots.txt", len(sitemaps_from_robots(body, url))
            if not entries:
                raise ValueError("robots.txt lists no Sitemap: line")
        else:
            fmt, entries = parse_document(body)
    except HTTPError as exc:
        return SourceCheck(
            source,
            kind,
            url,
            exc.code,
            exc.headers.get_content_type() if exc.headers else None,
            elapsed=time.monotonic() - started,
            error=f"HTTP {exc.code} {exc.reason}",
        )
    except URLError as exc:
        return SourceCheck(source, kind, url, elapsed=time.monotonic() - started, error=str(exc.reason))
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        elapsed = time.monotonic() - started
        return SourceCheck(source, kind, url, status, ctype, elapsed=elapsed, error=str(exc))
    return SourceCheck(source, kind, url, status, ctype, fmt, entries, time.monotonic() - started)


def check_sources(
    sources: Iterable[Source],
    timeout: float = 15.0,
    user_agent: str = DEFAULT_USER_AGENT,
    workers: int = 8,
) -> list[SourceCheck]:
    """Fetch every feed and sitemap of ``sources`` once; results keep the registry's order."""
    jobs = [
        (src.id, kind, url)
        for src in sources
        for kind, urls in (("feed", src.feeds), ("sitemap", src.sitemaps))
        for url in urls
    ]
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
        return list(pool.map(lambda job: check_url(*job, timeout=timeout, user_agent=user_agent), jobs))


def render(results: Sequence[SourceCheck], console: Console | None = None) -> None:
    """Print the results as a table, then one summary line: a rich table on a terminal (or the
    console given), plain aligned text otherwise (cron mail, pipes, files), as ``newsbot stats``."""
    failed = sum(not r.ok for r in results)
    line = f"{len(results) - failed} of {len(results)} addresses OK, {failed} failed"
    if console is None and not sys.stdout.isatty():
        from newsbot.cli.tables import TableData, render_plain

        rows = [
            (r.source, r.kind, r.url, r.status, r.content_type, r.format, r.entries if r.ok else None,
             f"{r.elapsed:.2f}s", r.error or "")
            for r in results
        ]  # fmt: skip
        columns = ("source", "kind", "url", "status", "content type", "format", "entries", "time", "error")
        render_plain([TableData("newsbot sources check", columns, rows, frozenset({3, 6, 7}))], sys.stdout)
        print(line)
        return
    console = console or Console()
    table = Table(title="newsbot sources check", show_lines=False)
    table.add_column("source", style="bold", no_wrap=True)
    table.add_column("kind")
    table.add_column("url", overflow="fold")
    table.add_column("status", justify="right")
    table.add_column("content type")
    table.add_column("format")
    table.add_column("entries", justify="right")
    table.add_column("time", justify="right")
    table.add_column("error", overflow="fold")
    for r in results:
        colour = "green" if r.ok else "red"
        table.add_row(
            r.source,
            r.kind,
            r.url,
            f"[{colour}]{r.status if r.status is not None else '-'}[/]",
            r.content_type or "-",
            r.format or "-",
            str(r.entries) if r.ok else "-",
            f"{r.elapsed:.2f}s",
            f"[red]{r.error}[/]" if r.error else "",
        )
    console.print(table)
    console.print(line)


def _select(sources: list[Source], only: str | None, include_disabled: bool, where: str) -> list[Source]:
    if not only:
        return [s for s in sources if s.enabled or include_disabled]
    wanted = [part.strip() for part in only.split(",") if part.strip()]
    known = {s.id for s in sources}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ConfigError("--only", None, f"unknown source id(s) {', '.join(unknown)} in {where}")
    return [s for s in sources if s.id in wanted]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot sources check",
        description="Fetch every feed and sitemap of the source registry once and report what came back.",
    )
    parser.add_argument("--sources", metavar="PATH", help="registry file (default: settings/sources.toml)")
    parser.add_argument("--only", metavar="ID,...", help="check only these source ids (enabled or not)")
    parser.add_argument("--all", action="store_true", help="also check disabled sources")
    parser.add_argument(
        "--summary", action="store_true", help="count the registry's sources (nothing is fetched) and exit"
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request (default: 15)")
    parser.add_argument("--workers", type=int, default=8, help="concurrent requests (default: 8)")
    parser.add_argument("--user-agent", default=DEFAULT_USER_AGENT, help="User-Agent header to send")
    return parser


def registry_summary(sources: list[Source]) -> str:
    """Sources, enabled ones, enabled ones per language and the regions they cover."""
    enabled = [s for s in sources if s.enabled]
    languages = Counter(lang for s in enabled for lang in s.languages)
    regions = sorted({r for s in enabled for r in s.regions})
    return "\n".join(
        [
            f"sources: {len(sources)}, enabled: {len(enabled)}, disabled: {len(sources) - len(enabled)}",
            "enabled by language: " + ", ".join(f"{lang} {n}" for lang, n in languages.most_common()),
            "regions of enabled sources: " + ", ".join(regions),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 when every address answered with a feed or sitemap, 1 when any failed,
    2 for a bad command line or registry."""
    args = build_parser().parse_args(argv)
    path = resolve(args.sources, settings_path("sources.toml"))
    err = Console(stderr=True, soft_wrap=True)
    try:
        sources = _select(load_sources(path), args.only, args.all, str(path))
    except ConfigError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        return 2
    if args.summary:
        print(registry_summary(load_sources(path)))
        return 0
    if args.timeout <= 0:
        err.print("[red]error:[/] --timeout must be positive")
        return 2
    results = check_sources(sources, timeout=args.timeout, user_agent=args.user_agent, workers=args.workers)
    render(results)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
