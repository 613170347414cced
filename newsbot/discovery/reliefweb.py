"""The ReliefWeb API v2 (``/v2/reports``): request bodies, answers, and reports as records.

Documented at https://apidoc.reliefweb.int/ (see ``docs/apis.md``). A ``POST`` to
``/v2/reports?appname=NAME`` with a JSON body (``limit``, ``offset``, ``filter``, ``query``,
``fields``, ``sort``) answers::

    {"totalCount": 1234, "count": 100,
     "data": [{"id": "4100001", "score": 1, "href": "...", "fields": {"title": "...", ...}}, ...]}

Reports carry their full text, so they become records straight from the answer: nothing is fetched.
Everything here is pure (no Scrapy): the ``reliefweb`` spider does the I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit

from newsbot.storage.text import tidy_text

#: The API's own cap on ``limit``.
MAX_LIMIT = 1000
#: What a record needs; ``body-html`` is preferred to the markdown ``body`` (structure survives).
FIELDS = (
    "title",
    "body",
    "body-html",
    "url",
    "url_alias",
    "date.created",
    "date.original",
    "source.name",
    "source.shortname",
    "country.name",
    "primary_country.name",
    "primary_country.iso3",
    "language.code",
    "theme.name",
    "format.name",
)
#: Block elements whose text is one paragraph of the body.
_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "th", "dd", "dt")


class ReliefWebError(Exception):
    """An answer that is not a usable list of reports."""


def request_body(
    *,
    offset: int,
    limit: int,
    countries: tuple[str, ...] = (),
    themes: tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
    query: str | None = None,
) -> dict[str, Any]:
    """The JSON body of one page of ``/v2/reports``, newest first."""
    conditions: list[dict[str, Any]] = []
    if countries:
        conditions.append({"field": "country.name", "value": list(countries), "operator": "OR"})
    if themes:
        conditions.append({"field": "theme.name", "value": list(themes), "operator": "OR"})
    if since or until:
        span: dict[str, str] = {}
        if since:
            span["from"] = datetime.combine(since, time.min, UTC).isoformat()
        if until:
            span["to"] = datetime.combine(until, time.max.replace(microsecond=0), UTC).isoformat()
        conditions.append({"field": "date.created", "value": span})
    body: dict[str, Any] = {
        "offset": offset,
        "limit": limit,
        "fields": {"include": list(FIELDS)},
        # A fixed order, so that paging with offset neither skips nor repeats reports.
        "sort": ["date.created:desc"],
    }
    if query:
        body["query"] = {"value": query}
    if len(conditions) == 1:
        body["filter"] = conditions[0]
    elif conditions:
        body["filter"] = {"operator": "AND", "conditions": conditions}
    return body


@dataclass
class Page:
    total: int
    reports: list[dict[str, Any]] = field(default_factory=list)


def parse_page(body: bytes) -> Page:
    """``totalCount`` and the ``data`` records of one answer; :class:`ReliefWebError` otherwise."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReliefWebError(f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ReliefWebError(f"unexpected JSON {type(data).__name__}, not an object")
    if "error" in data and "data" not in data:
        raise ReliefWebError(f"API error: {str(data['error'])[:200]}")
    records = data.get("data")
    total = data.get("totalCount")
    if not isinstance(records, list) or not isinstance(total, int):
        raise ReliefWebError("no 'data' list or 'totalCount' number")
    return Page(total=total, reports=[r for r in records if isinstance(r, dict)])


def parse_date(value: Any) -> datetime | None:
    """ReliefWeb's ISO 8601 dates (``2025-01-05T00:00:00+00:00``) → aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")


def markdown_paragraphs(text: str) -> list[str]:
    """ReliefWeb's markdown ``body`` as plain paragraphs: markup removed, one block per item."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = []
        for line in block.split("\n"):
            if _MD_RULE.match(line):
                continue
            if _MD_PREFIX.match(line) and lines:
                # A list item or heading inside a block starts a paragraph of its own.
                paragraphs.append(" ".join(lines))
                lines = []
            line = _MD_PREFIX.sub("", line)
            line = _MD_IMAGE.sub("", line)
            line = _MD_LINK.sub(r"\1", line)
            line = _MD_EMPHASIS.sub(r"\2", line)
            if line.strip():
                lines.append(line.strip())
        if lines:
            paragraphs.append(" ".join(lines))
    return [" ".join(p.split()) for p in paragraphs if p.strip()]


def html_paragraphs(html: str) -> list[str]:
    """ReliefWeb's ``body-html`` as plain paragraphs, one per block element."""
    import lxml.html  # only when a report has HTML

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception:  # lxml raises several types for hopeless input; markdown is the fallback
        return []
    paragraphs = []
    for el in root.iter(*_BLOCKS):
        if any(child.tag in _BLOCKS for child in el.iterdescendants()):
            continue  # its innermost blocks are the paragraphs
        text = " ".join(el.text_content().split())
        if text:
            paragraphs.append(text)
    if not paragraphs:
        text = " ".join(root.text_content().split())
        paragraphs = [text] if text else []
    return paragraphs


def _names(value: Any, key: str = "name") -> list[str]:
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return [str(i[key]).strip() for i in items if isinstance(i, dict) and i.get(key)]


@dataclass
class Report:
    """One report as the fields of a record."""

    id: str
    url: str
    title: str | None
    paragraphs: list[str]
    published_at: datetime | None
    created_at: datetime | None
    language: str | None
    publishers: list[str]
    countries: list[str]
    themes: list[str]
    primary_country: str | None
    formats: list[str]


def parse_report(record: dict[str, Any]) -> Report | None:
    """A ``data`` record as a :class:`Report`; None without a usable URL."""
    f = record.get("fields") or {}
    if not isinstance(f, dict):
        return None
    url = f.get("url_alias") or f.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        return None
    paragraphs = html_paragraphs(f["body-html"]) if isinstance(f.get("body-html"), str) else []
    if not paragraphs and isinstance(f.get("body"), str):
        paragraphs = markdown_paragraphs(f["body"])
    dates = f.get("date") if isinstance(f.get("date"), dict) else {}
    languages = _names(f.get("language"), "code")
    primary = f.get("primary_country") if isinstance(f.get("primary_country"), dict) else {}
    title = f.get("title")
    return Report(
        id=str(record.get("id") or f.get("id") or ""),
        url=url,
        title=tidy_text(title) if isinstance(title, str) else None,
        paragraphs=paragraphs,
        published_at=parse_date(dates.get("original")) or parse_date(dates.get("created")),
        created_at=parse_date(dates.get("created")),
        language=languages[0].lower() if languages else None,
        publishers=_names(f.get("source")),
        countries=_names(f.get("country")),
        themes=_names(f.get("theme")),
        primary_country=primary.get("iso3") if isinstance(primary.get("iso3"), str) else None,
        formats=_names(f.get("format")),
    )


def parse_reports(body: bytes) -> tuple[int, list[Report | None]]:
    """One answer: its ``totalCount`` and each record as a :class:`Report` (None: no usable URL).

    Parses every report's HTML body (up to a thousand a page): the spider runs this in a worker
    process, not on the reactor thread."""
    page = parse_page(body)
    return page.total, [parse_report(record) for record in page.reports]
