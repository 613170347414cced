"""Hostile listings for ``newsbot bench throughput --hostile-listing``: the three that stalled the
reactor for seconds (issue #13, defect 9), written as a site the benchmark's loopback server serves.

* ``/laughs.xml``: a ~1 KB entity-expansion ("billion laughs") feed whose title expands to 7 MB,
  under expat's own amplification limit: newsbot must refuse it, not expand it;
* ``/big.xml``: an RSS feed of 100,000 items (~7 MB, under the 10 MB download cap), linking to
  the benchmark's own pages, so it adds listing work but no page: the sitemaps list them too;
* ``/robots.txt``: 9 MB of rules and comments, read as a sitemap listing (``robots.txt`` is where a
  source's sitemaps are found); newsbot reads its first 500 KiB.

The test site's generators (``tests/data/hostile/``) are not importable from the package; these are
the same shapes, sized as the issue measured them.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

#: The outlet (directory, and source) the hostile listings are served from.
OUTLET = "hostile"

#: (name in the printed figures, path on the hostile outlet, how the crawl is given it)
LISTINGS = (
    ("entity_expansion_feed", "/laughs.xml", "feeds"),
    ("large_feed", "/big.xml", "feeds"),
    ("robots_txt_9mb", "/robots.txt", "sitemaps"),
)

_BASE = "{{base:" + OUTLET + "}}"


def laughs_feed() -> bytes:
    """Entities declared on one line (feedparser strips only those starting a line)."""
    return (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"a" * 100 + b'">'
        + b'<!ENTITY b "' + b"&a;" * 10 + b'"><!ENTITY c "' + b"&b;" * 10 + b'">'
        + b'<!ENTITY d "' + b"&c;" * 10 + b'">'
        + b'<!ENTITY e "' + b"&d;" * 10 + b'"><!ENTITY f "' + b"&e;" * 7 + b'">]>'
        + b'<rss version="2.0"><channel><title>&f;</title>'
        + f"<link>{_BASE}/</link><description>d</description>".encode()
        + f"<item><title>x</title><link>{_BASE}/laughs.html</link></item></channel></rss>".encode()
    )  # fmt: skip


def big_feed(links: list[str], items: int) -> bytes:
    """An RSS feed of ``items`` entries cycling over ``links``."""
    body = "".join(f"<item><link>{escape(links[i % len(links)])}</link></item>" for i in range(items))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>{_BASE}/</link><description>all of it</description>{body}</channel></rss>"
    ).encode()


def big_robots(mb: float) -> bytes:
    block = "".join(f"Disallow: /private/{i}/*\n# note {i}\n" for i in range(1000)).encode()
    return b"User-agent: *\n" + block * max(1, int(mb * 1024 * 1024 / len(block)))


def write_outlet(root: Path, links: list[str], *, items: int = 100_000, robots_mb: float = 9.0) -> None:
    """Write the hostile outlet under ``root`` (a DemoServer site root); ``links`` are URL
    templates (``{{base:OUTLET}}/...``) of pages the benchmark serves."""
    outlet = root / OUTLET
    outlet.mkdir(parents=True)
    (outlet / "laughs.xml").write_bytes(laughs_feed())
    (outlet / "big.xml").write_bytes(big_feed(links, items))
    (outlet / "robots.txt").write_bytes(big_robots(robots_mb))
