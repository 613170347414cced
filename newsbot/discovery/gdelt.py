"""The GDELT DOC 2.0 API: query syntax, call URLs, time slices and ArtList answers.

Documented at https://blog.gdeltproject.org/gdelt-doc-2-0-api-debuts/ (see ``docs/apis.md``). An
``ArtList`` call with ``format=json`` answers::

    {"articles": [{"url": "...", "url_mobile": "...", "title": "...", "seendate": "20250101T120000Z",
                   "socialimage": "...", "domain": "example.com", "language": "English",
                   "sourcecountry": "United States"}, ...]}

or ``{}`` / an empty body when nothing matches, and a plain-text sentence with status 200 when the
query is malformed ("Queries containing OR'd terms must be surrounded by ()."). One call lists at
most 250 articles, so a window is cut into slices small enough to stay under that cap.

Everything here is pure (no Scrapy): the ``gdelt`` spider does the I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from w3lib.url import add_or_replace_parameters

from newsbot.discovery.entry import DiscoveredEntry
from newsbot.storage.text import tidy_text

#: The API's own cap on ``maxrecords``.
MAX_RECORDS = 250
#: The API searches a rolling window of about the last three months.
MAX_WINDOW = timedelta(days=92)
#: ``startdatetime`` / ``enddatetime`` format (UTC).
API_TIME_FORMAT = "%Y%m%d%H%M%S"
#: Bare keywords shorter than this are refused by the API (phrases in quotes may hold short words).
MIN_KEYWORD_LENGTH = 3

#: GDELT's English language names (``language`` field, ``sourcelang:`` operator) → ISO 639-1.
LANGUAGE_CODES: dict[str, str] = {
    "afrikaans": "af", "albanian": "sq", "amharic": "am", "arabic": "ar", "armenian": "hy",
    "azerbaijani": "az", "basque": "eu", "belarusian": "be", "bengali": "bn", "bosnian": "bs",
    "bulgarian": "bg", "burmese": "my", "catalan": "ca", "chinese": "zh", "croatian": "hr",
    "czech": "cs", "danish": "da", "dutch": "nl", "english": "en", "estonian": "et",
    "filipino": "tl", "finnish": "fi", "french": "fr", "galician": "gl", "georgian": "ka",
    "german": "de", "greek": "el", "gujarati": "gu", "hausa": "ha", "hebrew": "he", "hindi": "hi",
    "hungarian": "hu", "icelandic": "is", "indonesian": "id", "irish": "ga", "italian": "it",
    "japanese": "ja", "kannada": "kn", "kazakh": "kk", "khmer": "km", "korean": "ko",
    "kurdish": "ku", "lao": "lo", "latin": "la", "latvian": "lv", "lithuanian": "lt",
    "macedonian": "mk", "malay": "ms", "malayalam": "ml", "marathi": "mr", "mongolian": "mn",
    "nepali": "ne", "norwegian": "no", "pashto": "ps", "persian": "fa", "polish": "pl",
    "portuguese": "pt", "punjabi": "pa", "romanian": "ro", "russian": "ru", "serbian": "sr",
    "sinhala": "si", "sinhalese": "si", "slovak": "sk", "slovenian": "sl", "somali": "so",
    "spanish": "es", "swahili": "sw", "swedish": "sv", "tagalog": "tl", "tamil": "ta",
    "telugu": "te", "thai": "th", "tibetan": "bo", "turkish": "tr", "ukrainian": "uk",
    "urdu": "ur", "uzbek": "uz", "vietnamese": "vi", "welsh": "cy",
}  # fmt: skip
#: ISO 639-1 → the name the ``sourcelang:`` operator takes (first name wins for shared codes).
LANGUAGE_NAMES: dict[str, str] = {}
for _name, _code in LANGUAGE_CODES.items():
    LANGUAGE_NAMES.setdefault(_code, _name)

_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')
_TIMESPAN = re.compile(r"^(\d+)\s*(min|h|d|w)$", re.IGNORECASE)
_TIMESPAN_UNITS = {"min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class GdeltError(Exception):
    """An answer that is not a usable ArtList: malformed JSON or the API's plain-text error."""


def check_query(query: str) -> str:
    """The query, stripped, if the API would accept it; else ``ValueError`` saying why.

    The API answers a bad query with a sentence instead of JSON; catching the common mistakes
    here turns a silent empty crawl into an error at start-up.
    """
    query = query.strip()
    if not query:
        raise ValueError("the query is empty")
    if query.count('"') % 2:
        raise ValueError("unbalanced double quote")
    depth = 0
    for token in _TOKEN.findall(query):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced parentheses")
        elif token == "OR" and depth == 0:
            raise ValueError('OR-ed terms must be inside parentheses: "(a OR b)"')
        elif not token.startswith('"') and ":" not in token and token not in ("AND", "OR", "NOT"):
            word = token.lstrip("-")
            if len(word) < MIN_KEYWORD_LENGTH:
                raise ValueError(
                    f"keyword {token!r} is too short (at least {MIN_KEYWORD_LENGTH} characters; "
                    "put short words inside a quoted phrase)"
                )
    if depth:
        raise ValueError("unbalanced parentheses")
    return query


def parse_timespan(value: str) -> timedelta:
    """``"24h"`` → ``timedelta(hours=24)``; units ``min``, ``h``, ``d``, ``w``."""
    m = _TIMESPAN.match(value.strip())
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"{value!r} is not a time span like 15min, 24h, 7d or 2w")
    return timedelta(**{_TIMESPAN_UNITS[m.group(2).lower()]: int(m.group(1))})


def parse_api_time(value: str) -> datetime:
    """``YYYYMMDDHHMMSS`` (UTC, as the API takes it) → aware datetime."""
    try:
        return datetime.strptime(value.strip(), API_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{value!r} is not a UTC time as YYYYMMDDHHMMSS") from None


def format_api_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime(API_TIME_FORMAT)


def language_filter(codes: tuple[str, ...]) -> str:
    """``("ar", "uk")`` → ``(sourcelang:arabic OR sourcelang:ukrainian)``."""
    terms = [f"sourcelang:{LANGUAGE_NAMES[c]}" for c in codes]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


@dataclass(frozen=True)
class TimeSlice:
    """``[start, end)`` of one API call; ``depth`` counts how often it was halved."""

    start: datetime
    end: datetime
    depth: int = 0

    def halves(self) -> tuple[TimeSlice, TimeSlice]:
        middle = self.start + (self.end - self.start) / 2
        middle = middle.replace(microsecond=0)
        return TimeSlice(self.start, middle, self.depth + 1), TimeSlice(middle, self.end, self.depth + 1)

    @property
    def splittable(self) -> bool:
        # The API's times have a resolution of one second; below a minute a slice that still
        # hits the cap is a burst of syndicated copies, not worth more calls.
        return self.end - self.start >= timedelta(minutes=2)


def slices(start: datetime, end: datetime, step: timedelta) -> list[TimeSlice]:
    """``[start, end)`` cut into consecutive slices of ``step`` (the last one may be shorter)."""
    out = []
    cursor = start
    while cursor < end:
        nxt = min(cursor + step, end)
        out.append(TimeSlice(cursor, nxt))
        cursor = nxt
    return out


def artlist_url(api_url: str, query: str, window: TimeSlice, max_records: int, sort: str = "DateDesc") -> str:
    """The ``mode=ArtList&format=json`` call for one slice."""
    params = {
        "query": query,
        "mode": "ArtList",
        "format": "json",
        "maxrecords": str(max_records),
        "startdatetime": format_api_time(window.start),
        "enddatetime": format_api_time(window.end),
        "sort": sort,
    }
    return add_or_replace_parameters(api_url, params)


def parse_seendate(value: Any) -> datetime | None:
    """``20250101T120000Z`` → aware UTC datetime; None when absent or malformed."""
    if not isinstance(value, str):
        return None
    for fmt in ("%Y%m%dT%H%M%SZ", "%Y%m%d%H%M%S"):
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def language_code(name: Any) -> str | None:
    """GDELT's ``"Arabic"`` → ``"ar"``; unknown names → None."""
    if not isinstance(name, str):
        return None
    return LANGUAGE_CODES.get(name.strip().lower())


@dataclass
class ArtList:
    """One answer: the usable entries, and how many records it held (what the cap applies to)."""

    entries: list[DiscoveredEntry]
    records: int


def parse_artlist(body: bytes) -> ArtList:
    """The articles of an ArtList answer; none for an empty answer or ``{}``.

    Raises :class:`GdeltError` for the API's plain-text errors and for malformed JSON. Records
    without an http(s) URL are skipped: one bad record does not cost the others.
    """
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ArtList([], 0)
    if not text.startswith(("{", "[")):
        raise GdeltError(f"API error: {text[:200]}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GdeltError(f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise GdeltError(f"unexpected JSON {type(data).__name__}, not an object")
    articles = data.get("articles", [])
    if not isinstance(articles, list):
        raise GdeltError("'articles' is not a list")
    entries = []
    for rec in articles:
        if not isinstance(rec, dict):
            continue
        url = rec.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            continue
        extra = {
            "seen_at": parse_seendate(rec.get("seendate")),
            "source_country": _text(rec.get("sourcecountry")),
            "domain": _text(rec.get("domain")),
            "image": _text(rec.get("socialimage")),
        }
        entries.append(
            DiscoveredEntry(
                url=url.strip(),
                title=_text(rec.get("title")),
                language=language_code(rec.get("language")),
                extra={k: v for k, v in extra.items() if v is not None},
            )
        )
    return ArtList(entries, len(articles))


def _text(value: Any) -> str | None:
    return tidy_text(value) if isinstance(value, str) else None
