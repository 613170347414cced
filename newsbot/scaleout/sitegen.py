"""A large synthetic news outlet for cluster tests and checks: N article pages and their sitemaps.

Pages look like a real site's: head metadata (canonical, Open Graph, JSON-LD ``NewsArticle``),
a cookie banner, navigation, a byline, six to nine paragraphs of distinct conflict-coverage
prose, related links and a footer. Each page's text is different, so neither the cleaning nor
the near-duplicate stage folds them together. The sitemap is an index of ``per_sitemap``-URL
urlsets, as big outlets publish them.

    python -m newsbot.scaleout.sitegen DIR --pages 2000     # writes DIR/wire/...
"""

from __future__ import annotations

import argparse
import html
import json
import random
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUTLET = "wire"

_PLACES = [
    "Kharkiv",
    "Gao",
    "Khartoum",
    "Goma",
    "Rafah",
    "Sittwe",
    "Mekelle",
    "Marib",
    "Idlib",
    "Kidal",
    "Bakhmut",
    "El Fasher",
    "Bunia",
    "Tillabéri",
    "Zaporizhzhia",
    "Menaka",
    "Kherson",
    "Nyala",
]
_ACTORS = [
    "government forces",
    "an armed group",
    "militia fighters",
    "the army",
    "rebel units",
    "peacekeepers",
    "local defence volunteers",
    "drone operators",
    "artillery crews",
]
_EVENTS = [
    "shelling",
    "a drone strike",
    "an ambush on a convoy",
    "clashes",
    "an air raid",
    "a rocket attack",
    "a raid on a market",
    "fighting near the airport",
    "a mortar barrage",
]
_EFFECTS = [
    "displaced hundreds of families",
    "cut power to the district",
    "closed the main road",
    "damaged a hospital",
    "forced aid agencies to suspend deliveries",
    "left the water plant idle",
    "emptied two villages",
    "wounded several civilians",
    "stopped the evacuation buses",
]
_SOURCES = [
    "a local official",
    "the regional governor",
    "a UN spokesperson",
    "a Red Cross team",
    "witnesses reached by phone",
    "a hospital director",
    "a humanitarian coordinator",
]
_NAMES = ["Amina Diallo", "Olena Kovalenko", "Yusuf Haddad", "Grace Mwangi", "Tomasz Nowak",
          "Leila Rahimi", "Ibrahim Touré", "Sofia Marchenko"]  # fmt: skip


def _paragraph(rng: random.Random, place: str, n: int) -> str:
    day = rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
    return (
        f"On {day}, {rng.choice(_EVENTS)} by {rng.choice(_ACTORS)} near {place} "
        f"{rng.choice(_EFFECTS)}, according to {rng.choice(_SOURCES)}. "
        f"Residents counted {rng.randint(2, 90)} explosions over {rng.randint(2, 14)} hours, and "
        f"{rng.randint(10, 4000)} people registered at reception point number {n + 1} by the evening. "
        f"{rng.choice(_SOURCES).capitalize()} said {rng.choice(_ACTORS)} had moved "
        f"{rng.randint(3, 40)} kilometres {rng.choice(['north', 'south', 'east', 'west'])} of the town."
    )


def article_html(i: int, base: str, published: datetime) -> tuple[str, str]:
    """(path, html) of article ``i``."""
    rng = random.Random(i)
    place = rng.choice(_PLACES)
    slug = unicodedata.normalize("NFKD", place).encode("ascii", "ignore").decode().lower().replace(" ", "-")
    path = f"/news/{published:%Y/%m/%d}/{slug}-report-{i:05d}.html"
    title = f"{place}: {rng.choice(_EVENTS)} {rng.choice(_EFFECTS)} (report {i})"
    standfirst = f"Dispatch {i} from {place}, where {rng.choice(_ACTORS)} and civilians count the cost."
    author = rng.choice(_NAMES)
    body = "\n".join(f"<p>{html.escape(_paragraph(rng, place, n))}</p>" for n in range(rng.randint(6, 9)))
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
          "datePublished": published.isoformat(), "author": [{"@type": "Person", "name": author}],
          "inLanguage": "en", "mainEntityOfPage": f"{base}{path}"}  # fmt: skip
    esc = html.escape
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)} | Conflict Wire</title>
<meta name="description" content="{esc(standfirst)}">
<link rel="canonical" href="{base}{path}">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(title)}">
<meta property="og:url" content="{base}{path}">
<meta property="og:site_name" content="Conflict Wire">
<meta name="author" content="{esc(author)}">
<meta property="article:published_time" content="{published.isoformat()}">
<script type="application/ld+json">{json.dumps(ld)}</script>
</head>
<body>
<div class="cookie-banner"><p>We use cookies to measure our audience. <a href="#">Accept</a></p></div>
<header><a class="logo" href="/">Conflict Wire</a>
<nav><a href="/world/">World</a> <a href="/africa/">Africa</a> <a href="/europe/">Europe</a></nav></header>
<main>
<article>
<h1>{esc(title)}</h1>
<p class="standfirst">{esc(standfirst)}</p>
<p class="byline">By <span class="author">{esc(author)}</span> ·
<time datetime="{published.isoformat()}">{published:%d %B %Y, %H:%M} UTC</time></p>
{body}
</article>
<aside class="related"><h2>Related</h2><ul>
<li><a href="/news/related-{(i + 1) % 997}.html">More from {esc(place)}</a></li>
<li><a href="/news/related-{(i + 7) % 997}.html">Aid agencies warn of shortages</a></li></ul></aside>
</main>
<footer><p>© 2026 Conflict Wire. All rights reserved.</p><a href="/about/">About us</a></footer>
</body>
</html>
"""
    return path, page


def generate_site(root: str | Path, pages: int, *, per_sitemap: int = 500) -> list[str]:
    """Write outlet ``wire`` under ``root``; returns the article paths (server-relative)."""
    out = Path(root) / OUTLET
    out.mkdir(parents=True, exist_ok=True)
    base = f"{{{{base:{OUTLET}}}}}"
    start = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    paths: list[str] = []
    for i in range(pages):
        published = start + timedelta(minutes=17 * i)
        path, page = article_html(i, base, published)
        target = out / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        paths.append(path)
    children = []
    for n, first in enumerate(range(0, pages, per_sitemap)):
        urls = "\n".join(f"  <url><loc>{base}{p}</loc></url>" for p in paths[first : first + per_sitemap])
        name = f"sitemap-{n + 1}.xml"
        (out / name).write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n',
            encoding="utf-8",
        )
        children.append(f"  <sitemap><loc>{base}/{name}</loc></sitemap>")
    (out / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(children)
        + "\n</sitemapindex>\n",
        encoding="utf-8",
    )
    (out / "robots.txt").write_text(
        f"User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n", encoding="utf-8"
    )
    (out / "index.html").write_text("<!DOCTYPE html><html><body><h1>Conflict Wire</h1></body></html>\n")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsbot.scaleout.sitegen", description=__doc__.split("\n")[0]
    )
    parser.add_argument("root", type=Path)
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args(argv)
    paths = generate_site(args.root, args.pages)
    print(f"{len(paths)} articles under {args.root / OUTLET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
