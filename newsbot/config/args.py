"""Spider arguments: strings from ``-a name=value`` validated into a typed object."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from newsbot.config.errors import ConfigError


def split_list(value: Any) -> list[str]:
    """``"a, b,,c"`` → ``["a", "b", "c"]``; lists pass through (programmatic callers)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = str(value).replace("\n", ",").split(",")
    return [v.strip() for v in items if v.strip()]


#: a comma that starts the next URL: ``a,https://b`` is two URLs, ``https://x/a,b`` is one
_URL_SEPARATOR = re.compile(r"\s*,\s*(?=https?://)|\s*\n\s*", re.IGNORECASE)


def split_urls(value: Any) -> list[str]:
    """Article URLs, one an item or a line; within one value, a comma separates two URLs only
    when the next one starts there (``http(s)://``), so a URL that contains a comma stays whole
    while ``-a urls=URL1,URL2`` keeps working.
    """
    if value is None:
        return []
    items = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return [u.strip() for item in items for u in _URL_SEPARATOR.split(item) if u.strip()]


def check_url(value: str, arg: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("spider argument", arg, f"{value!r} is not an http(s) URL")
    return value


@dataclass(frozen=True)
class NewsArgs:
    """Arguments of the ``news`` spider."""

    sources: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()

    KNOWN = ("sources", "feeds", "sitemaps", "urls")

    @property
    def ad_hoc(self) -> bool:
        return bool(self.feeds or self.sitemaps or self.urls)

    @classmethod
    def parse(cls, kwargs: dict[str, Any], extra_known: tuple[str, ...] = ()) -> NewsArgs:
        unknown = sorted(set(kwargs) - set(cls.KNOWN) - set(extra_known))
        if unknown:
            raise ConfigError(
                "spider argument", unknown[0], f"unknown argument (known: {', '.join(cls.KNOWN)})"
            )
        for name in cls.KNOWN:
            # An unset shell variable (-a feeds=$FEEDS, --feeds "") must not widen the run to the
            # whole registry: a list argument that is given is given with at least one item.
            if name in kwargs and not split_list(kwargs[name]):
                raise ConfigError(
                    "spider argument", name, "is empty: give at least one value or leave it out"
                )
        return cls(
            sources=tuple(split_list(kwargs.get("sources"))),
            feeds=tuple(check_url(u, "feeds") for u in split_list(kwargs.get("feeds"))),
            sitemaps=tuple(check_url(u, "sitemaps") for u in split_list(kwargs.get("sitemaps"))),
            urls=tuple(check_url(u, "urls") for u in split_urls(kwargs.get("urls"))),
        )
