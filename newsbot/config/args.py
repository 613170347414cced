"""Spider arguments: strings from ``-a name=value`` validated into a typed object."""

from __future__ import annotations

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
        return cls(
            sources=tuple(split_list(kwargs.get("sources"))),
            feeds=tuple(check_url(u, "feeds") for u in split_list(kwargs.get("feeds"))),
            sitemaps=tuple(check_url(u, "sitemaps") for u in split_list(kwargs.get("sitemaps"))),
            urls=tuple(check_url(u, "urls") for u in split_list(kwargs.get("urls"))),
        )
