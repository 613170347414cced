"""Normalise the raw metadata strings into the record's typed fields."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from dateutil import parser as dateparser

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
#: Clock skew and time-zone slop tolerated for a "future" timestamp.
FUTURE_SLACK = timedelta(hours=14)

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|·|•|/)\s+")


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).casefold().split())


def strip_site_suffix(title: str, site_names: list[str]) -> str:
    """Remove a site name joined to a headline with a separator ("Headline | Outlet")."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title.strip()
    names = {_norm(n) for n in site_names if n}
    # Drop segments at either end that are the site name (or a domain-like name).
    while len(parts) > 1 and (_norm(parts[-1]) in names or re.fullmatch(r"[\w.-]+\.\w{2,}", parts[-1])):
        parts.pop()
    while len(parts) > 1 and (_norm(parts[0]) in names or re.fullmatch(r"[\w.-]+\.\w{2,}", parts[0])):
        parts.pop(0)
    if len(parts) > 1 and not names:
        # Without a known site name, a short last segment after the separator is the site name
        # far more often than part of the headline.
        last = parts[-1]
        if len(last.split()) <= 4 and len(" ".join(parts[:-1])) > 2 * len(last):
            parts.pop()
    sep_match = _TITLE_SEPARATORS.search(title)
    sep = sep_match.group(0) if sep_match else " - "
    return sep.join(parts).strip()


def choose_title(
    candidates: list[str], h1: str | None, html_title: str | None, site_names: list[str]
) -> str | None:
    """Pick the headline: structured data first, else ``<h1>``, else ``<title>`` without its suffix."""
    names = [n for n in site_names if n]
    for cand in candidates:
        cand = " ".join(cand.split())
        if not cand:
            continue
        stripped = strip_site_suffix(cand, names)
        if stripped and _norm(stripped) not in {_norm(n) for n in names}:
            return stripped
    if h1 and len(h1) > 3:
        return h1
    if html_title:
        return strip_site_suffix(html_title, names) or None
    return None


def parse_datetime(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """Parse a date or timestamp from metadata into an aware UTC datetime.

    Naive values are taken as UTC. Values before 1990 or in the future are rejected: they are
    nearly always template defaults or parse errors, and a wrong date is worse than none.
    """
    if not value or not isinstance(value, str):
        return None
    s = value.strip()
    if not s or len(s) > 64:
        return None
    dt: datetime | None = None
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    except ValueError:
        try:
            dt = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            try:
                dt = dateparser.parse(s, fuzzy=False)
            except (ValueError, OverflowError, TypeError):
                return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        dt = dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    now = now or datetime.now(UTC)
    if dt < EARLIEST or dt > now + FUTURE_SLACK:
        return None
    return dt


def has_time_of_day(value: str) -> bool:
    return bool(re.search(r"\d{1,2}:\d{2}", value))


def choose_published(candidates: list[str], *, now: datetime | None = None) -> datetime | None:
    """First parseable candidate, preferring ones that carry a time of day."""
    parsed = [(c, parse_datetime(c, now=now)) for c in candidates]
    valid = [(c, d) for c, d in parsed if d is not None]
    for c, d in valid:
        if has_time_of_day(c):
            return d
    return valid[0][1] if valid else None


_BY = re.compile(
    r"^\s*(?:by|from|par|por|von|di|door|av|af|автор[ыи]?:?|от|від|بقلم|كتب|نویسنده:?|yazan:?|"
    r"written by|reported by|words by)\s+",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"\b(?:staff|correspondent|reporter|editor|writer|contributor|journalist|bureau|desk|"
    r"envoyé|envoyée|correspondant|correspondante|corresponsal|redacci[oó]n|redaktion|"
    r"кореспондент|корреспондент|редакция|редакція|muhabir|مراسل|خبرنگار)\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:;|,|&|\band\b|\bet\b|\by\b|\bund\b|\bи\b|\bі\b|\bve\b|\|| و )\s*", re.IGNORECASE)


def clean_authors(raw: list[str], site_names: list[str] | None = None) -> list[str]:
    """A list of person names: no "By", no roles, no site or agency names, no URLs or e-mails."""
    names_norm = {_norm(n) for n in (site_names or []) if n}
    out: list[str] = []
    seen: set[str] = set()
    for value in raw:
        if not value or "http" in value or "@" in value:
            continue
        value = _BY.sub("", " ".join(value.split()))
        for part in _SPLIT.split(value):
            part = part.strip(" .:-–—()[]\"'")
            part = _BY.sub("", part)
            if not part or _ROLE.search(part) or _norm(part) in names_norm:
                continue
            if any(ch.isdigit() for ch in part) or len(part) > 60 or len(part.split()) > 5:
                continue
            if len(part.split()) < 2 and not re.search(r"[^\x00-\x7f]", part):
                # A single Latin word is usually an agency code ("AFP") or a role, not a name.
                continue
            key = _norm(part)
            if key not in seen:
                seen.add(key)
                out.append(part)
    return out
