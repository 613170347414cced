"""``newsbot extract FILE.html|URL [--url URL] [--format json|text|markdown]``: one page through
extraction and cleaning (the trafilatura CLI's ``-u URL`` habit: ``--format text`` prints the body).

For tuning rules and debugging a source: prints JSON with the record newsbot would build (title,
body, metadata, language, relevance) and, under ``removed``, every piece of text a clean stage
dropped with the stage that dropped it. The page goes through the crawl's own plan
(``NEWSBOT_PAGE_STAGES`` and the project settings), so what it prints is what a crawl would store
(without the source's learned templates, which live in a dataset's state). Nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from newsbot.cli import exitcodes

MAX_BYTES = 10 * 1024 * 1024


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("page", metavar="FILE.html|URL", help="a saved page, or an http(s) URL to fetch")
    p.add_argument("--url", help="the page's URL (for a saved file: resolves links, names the source)")
    p.add_argument(
        "--format",
        choices=["json", "text", "markdown"],
        default="json",
        help="json: the record and what cleaning removed (default); text: the clean body; "
        "markdown: title, metadata line and body",
    )
    p.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for this page, as for crawl (e.g. -s NEWSBOT_CLEANING_RULES=my-rules.toml)",
    )


def page_settings(pairs: list[str]) -> BaseSettings:
    """The project settings with the ``-s`` pairs over them, checked as a crawl checks them."""
    import os

    from scrapy.utils.project import get_project_settings

    from newsbot.cli.crawl import parse_settings
    from newsbot.extensions.settingscheck import check_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsbot.settings")
    settings = get_project_settings()
    settings.setdict(parse_settings(pairs), priority="cmdline")
    check_settings(settings)
    return settings


def as_text(result: dict[str, Any]) -> str:
    return (result.get("body") or "").rstrip() + "\n"


def as_markdown(result: dict[str, Any]) -> str:
    """Title as a heading, one line of byline/date/source, then the body's paragraphs."""
    meta = [
        ", ".join(result.get("authors") or []),
        str(result.get("published_at") or ""),
        result.get("site_name") or result.get("source") or "",
        result.get("url") or "",
    ]
    lines = [f"# {result['title']}", ""] if result.get("title") else []
    if any(meta):
        lines += ["*" + " · ".join(m for m in meta if m) + "*", ""]
    paragraphs = [p.strip() for p in (result.get("body") or "").split("\n") if p.strip()]
    return "\n".join(lines + ["\n\n".join(paragraphs)]).rstrip() + "\n"


def fetch(url: str) -> tuple[bytes, str, str]:
    """``(body, content_type, final_url)`` of one GET, size-capped."""
    from urllib.request import Request, urlopen

    from newsbot import __version__

    req = Request(url, headers={"User-Agent": f"newsbot/{__version__} extract"})
    with urlopen(req, timeout=30) as resp:  # noqa: S310 - the operator typed this URL
        body = resp.read(MAX_BYTES + 1)
        if len(body) > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES} bytes")
        return body, resp.headers.get("Content-Type", ""), resp.geturl()


def process_page(
    body: bytes, content_type: str, url: str, settings: BaseSettings | None = None
) -> dict[str, Any]:
    """The record the crawl would build from this page: the crawl's own plan
    (``NEWSBOT_PAGE_STAGES`` from the project settings) run once on it, as a worker runs it."""
    from newsbot.extract import ExtractionError
    from newsbot.extract.decode import decode_html
    from newsbot.identify.canonical import article_id, canonicalize, choose_canonical
    from newsbot.process import stages as page_stages
    from newsbot.process.build import build_plan
    from newsbot.process.page import Page
    from newsbot.process.plan import process_page as run_plan

    plan = build_plan(settings if settings is not None else page_settings([]))
    encoding, html = decode_html(body, content_type)
    page = Page(url=url, html=html)
    out: dict[str, Any] = {"url": url, "encoding": encoding, "stages": dict.fromkeys(plan.names, "ok")}
    try:
        run_plan(plan, page)
    except ExtractionError as exc:
        out["stages"]["extract"] = f"failed: {exc.reason}"
        out["verdict"] = f"{exc.reason}: {exc.detail}"
        return out
    if page.final_body is None:
        # A rejected page stops before the body stage; show what would have been stored anyway.
        page_stages.body(page, plan)
    art = page.article
    assert art is not None  # extraction ran (it raises when it cannot)
    can = canonicalize(choose_canonical(url, art.rel_canonical, art.og_url))
    lang = page.language
    out.update(
        extraction_path=art.extraction_path,
        canonical_url=can,
        id=article_id(can),
        title=page.title,
        authors=page.authors,
        published_at=art.published_at.isoformat() if art.published_at else None,
        declared_language=page.declared_language,
        language=lang.code if lang else None,
        language_confidence=lang.confidence if lang else None,
        conflict_score=page.score,
        description=page.description,
        site_name=art.site_name,
        page_type=art.page_type,
        word_count=page.word_count,
        content_hash=page.content_hash,
        verdict=page.quality,
        body=page.final_body,
        removed=[{"stage": stage, "text": text} for stage, text in page.removed],
        extractor_version=art.extractor_version,
    )
    return out


def run(args: argparse.Namespace) -> int:
    page: str = args.page
    is_url = urlsplit(page).scheme in ("http", "https")
    try:
        if is_url:
            body, ctype, final = fetch(page)
            url = args.url or final
        else:
            path = Path(page)
            body, ctype = path.read_bytes(), ""
            url = args.url or path.resolve().as_uri()
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"newsbot: error: cannot read {page}: {exc}\n")
        return exitcodes.USAGE
    from newsbot.config.errors import ConfigError

    try:
        result = process_page(body, ctype, url, page_settings(getattr(args, "settings", [])))
    except ConfigError as exc:
        sys.stderr.write(f"newsbot: error: {exc}\n")
        return exitcodes.USAGE
    fmt = getattr(args, "format", "json")
    if fmt == "text":
        sys.stdout.write(as_text(result))
    elif fmt == "markdown":
        sys.stdout.write(as_markdown(result))
    else:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    return exitcodes.OK if result.get("stages", {}).get("extract") == "ok" else exitcodes.ERROR
