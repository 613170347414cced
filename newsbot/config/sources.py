"""The source registry: ``settings/sources.toml``.

Each ``[[source]]`` table describes one outlet. The file is validated completely at start-up; the
first problem stops the run with a :class:`~newsbot.config.errors.ConfigError` naming the file, the
line of the offending table and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsbot.config.errors import ConfigError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
LANG_RE = re.compile(r"^[a-z]{2}$")

_REQUIRED = ("id", "name", "homepage", "languages", "enabled")
_KNOWN = {
    "id",
    "name",
    "homepage",
    "languages",
    "regions",
    "feeds",
    "sitemaps",
    "enabled",
    "allow",
    "deny",
    "documented_in",
    "documented_on",
    "notes",
    "country",
    "kind",
}


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    homepage: str
    languages: tuple[str, ...]
    enabled: bool = True
    regions: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allow: tuple[re.Pattern[str], ...] = ()
    deny: tuple[re.Pattern[str], ...] = ()
    documented_in: str | None = None
    documented_on: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def hosts(self) -> frozenset[str]:
        """Hosts this source's homepage, feeds and sitemaps live on (the operator named them)."""
        urls = (self.homepage, *self.feeds, *self.sitemaps)
        return frozenset(h for h in (urlsplit(u).hostname for u in urls) if h)

    def accepts(self, url: str) -> bool:
        """Whether an article URL passes this source's allow/deny patterns."""
        if self.allow and not any(p.search(url) for p in self.allow):
            return False
        return not any(p.search(url) for p in self.deny)


def _table_lines(text: str) -> list[int]:
    """Line number (1-based) of each ``[[source]]`` header, in order."""
    return [i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith("[[source]]")]


def _url(value: Any, where: str, name: str, line: int | None) -> str:
    if (
        not isinstance(value, str)
        or urlsplit(value).scheme not in ("http", "https")
        or not urlsplit(value).hostname
    ):
        raise ConfigError(where, name, f"expected an http(s) URL, got {value!r}", line)
    return value


def _str_list(value: Any, where: str, name: str, line: int | None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(where, name, f"expected a list of strings, got {value!r}", line)
    return tuple(value)


def _patterns(value: Any, where: str, name: str, line: int | None) -> tuple[re.Pattern[str], ...]:
    out = []
    for pat in _str_list(value, where, name, line):
        try:
            out.append(re.compile(pat))
        except re.error as exc:
            raise ConfigError(where, name, f"bad regular expression {pat!r}: {exc}", line) from exc
    return tuple(out)


def parse_source(raw: dict[str, Any], where: str, line: int | None = None) -> Source:
    for key in _REQUIRED:
        if key not in raw:
            raise ConfigError(where, key, "is required", line)
    unknown = set(raw) - _KNOWN
    if unknown:
        raise ConfigError(
            where, sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(_KNOWN))})", line
        )
    sid = raw["id"]
    if not isinstance(sid, str) or not ID_RE.match(sid):
        raise ConfigError(where, "id", f"expected lowercase letters, digits, '_' or '-', got {sid!r}", line)
    if not isinstance(raw["name"], str) or not raw["name"].strip():
        raise ConfigError(where, "name", "expected a non-empty string", line)
    if not isinstance(raw["enabled"], bool):
        raise ConfigError(where, "enabled", f"expected true or false, got {raw['enabled']!r}", line)
    languages = _str_list(raw["languages"], where, "languages", line)
    if not languages or not all(LANG_RE.match(lang) for lang in languages):
        raise ConfigError(where, "languages", f"expected ISO 639-1 codes like 'en', got {languages!r}", line)
    feeds = tuple(
        _url(u, where, "feeds", line) for u in _str_list(raw.get("feeds", []), where, "feeds", line)
    )
    sitemaps = tuple(
        _url(u, where, "sitemaps", line) for u in _str_list(raw.get("sitemaps", []), where, "sitemaps", line)
    )
    if raw["enabled"] and not feeds and not sitemaps:
        raise ConfigError(where, "feeds", "an enabled source needs at least one feed or sitemap", line)
    for key in ("documented_in", "documented_on", "notes", "country", "kind"):
        if key in raw and not isinstance(raw[key], str):
            raise ConfigError(where, key, f"expected a string, got {raw[key]!r}", line)
    return Source(
        id=sid,
        name=raw["name"].strip(),
        homepage=_url(raw["homepage"], where, "homepage", line),
        languages=languages,
        enabled=raw["enabled"],
        regions=_str_list(raw.get("regions", []), where, "regions", line),
        feeds=feeds,
        sitemaps=sitemaps,
        allow=_patterns(raw.get("allow", []), where, "allow", line),
        deny=_patterns(raw.get("deny", []), where, "deny", line),
        documented_in=raw.get("documented_in"),
        documented_on=raw.get("documented_on"),
        extra={k: raw[k] for k in ("notes", "country", "kind") if k in raw},
    )


def parse_sources(text: str, where: str) -> list[Source]:
    """Parse and validate a registry given as TOML text; ``where`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(where, None, f"not valid TOML: {exc}", int(m.group(1)) if m else None) from exc
    unknown = set(data) - {"source"}
    if unknown:
        raise ConfigError(where, sorted(unknown)[0], "unknown top-level key (expected [[source]] tables)")
    tables = data.get("source", [])
    if not isinstance(tables, list):
        raise ConfigError(where, "source", "expected [[source]] tables")
    lines = _table_lines(text)
    sources: list[Source] = []
    seen: dict[str, int | None] = {}
    for i, raw in enumerate(tables):
        line = lines[i] if i < len(lines) else None
        src = parse_source(raw, where, line)
        if src.id in seen:
            raise ConfigError(where, "id", f"duplicate id {src.id!r} (first at line {seen[src.id]})", line)
        seen[src.id] = line
        sources.append(src)
    return sources


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a registry file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(p), None, f"cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(str(p), None, f"not UTF-8: {exc}") from exc
    return parse_sources(text, str(p))
