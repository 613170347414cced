"""``newsbot extract FILE.html|URL [--url URL] [--format json|text|markdown]``: one page through
extraction and cleaning (the trafilatura CLI's ``-u URL`` habit: ``--format text`` prints the body).

For tuning rules and debugging a source: prints JSON with the record newsbot would build (title,
body, metadata, language, relevance) and, under ``removed``, every piece of text a clean stage
dropped with the stage that dropped it. Each stage is imported lazily; a stage that is not
installed (or whose configuration does not load) is listed under ``stages`` as skipped, with why.
Nothing is written to the dataset.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


def _stage(stages: dict[str, str], name: str, fn: Callable[[], Any]) -> Any:
    """Run one optional stage; record ``ok`` or why it was skipped."""
    try:
        out = fn()
    except ImportError as exc:
        stages[name] = f"skipped: not installed ({exc.name or exc})"
        return None
    except Exception as exc:  # a stage's configuration may be broken: say so, keep going
        stages[name] = f"skipped: {type(exc).__name__}: {exc}"
        return None
    stages[name] = "ok"
    return out


def process_page(body: bytes, content_type: str, url: str) -> dict[str, Any]:
    from newsbot.extract import ExtractionError, extract_article
    from newsbot.extract.decode import decode_html
    from newsbot.identify.shingles import content_hash
    from newsbot.storage.text import count_words, tidy_text

    stages: dict[str, str] = {}
    encoding, html = decode_html(body, content_type)
    out: dict[str, Any] = {"url": url, "encoding": encoding, "stages": stages}
    try:
        art = extract_article(html, url, {})
    except ExtractionError as exc:
        stages["extract"] = f"failed: {exc.reason}"
        out["verdict"] = f"{exc.reason}: {exc.detail}"
        return out
    stages["extract"] = "ok"
    paragraphs = list(art.paragraphs)
    removed: list[tuple[str, str]] = []

    def clean() -> None:
        from newsbot.clean.rules import default_ruleset
        from newsbot.clean.stages import clean_paragraphs

        res = clean_paragraphs(
            paragraphs,
            title=art.title,
            description=art.description,
            rules=default_ruleset(),
            authors=art.authors,
        )
        paragraphs[:] = res.paragraphs
        removed.extend(res.removed)

    _stage(stages, "clean", clean)

    def quality() -> str | None:
        from newsbot.clean.quality import assess

        return assess(
            paragraphs,
            title=art.title,
            page_type=art.page_type,
            removed=removed,
            is_article=art.is_article_markup,
            url=url,
        )

    verdict = _stage(stages, "quality", quality)
    body_text = tidy_text("\n".join(paragraphs), multiline=True) or ""

    def language() -> tuple[str | None, float | None]:
        from newsbot.enrich.language import detect_language, sample_text

        guess = detect_language(sample_text(art.title, body_text), art.language)
        return guess.code, guess.confidence

    lang = _stage(stages, "language", language) or (art.language, None)

    def relevance() -> float | None:
        from newsbot.config.paths import settings_path
        from newsbot.enrich.relevance import load_lexicon

        return load_lexicon(settings_path("relevance")).score(art.title, body_text, lang[0] or "en")

    score = _stage(stages, "relevance", relevance)

    def canonical() -> tuple[str, str]:
        from newsbot.identify.canonical import article_id, canonicalize, choose_canonical

        can = canonicalize(choose_canonical(url, art.rel_canonical, art.og_url))
        return can, article_id(can)

    ident = _stage(stages, "identify", canonical) or (url, None)
    out.update(
        canonical_url=ident[0],
        id=ident[1],
        title=art.title,
        authors=art.authors,
        published_at=art.published_at.isoformat() if art.published_at else None,
        declared_language=art.language,
        language=lang[0],
        language_confidence=lang[1],
        conflict_score=score,
        description=art.description,
        site_name=art.site_name,
        page_type=art.page_type,
        word_count=count_words(body_text),
        content_hash=content_hash(body_text),
        verdict=verdict,
        body=body_text,
        removed=[{"stage": stage, "text": text} for stage, text in removed],
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
    result = process_page(body, ctype, url)
    fmt = getattr(args, "format", "json")
    if fmt == "text":
        sys.stdout.write(as_text(result))
    elif fmt == "markdown":
        sys.stdout.write(as_markdown(result))
    else:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    return exitcodes.OK if result.get("stages", {}).get("extract") == "ok" else exitcodes.ERROR
