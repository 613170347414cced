"""Settings validated before anything is fetched, with a message naming the setting.

Scrapy converts setting strings lazily (``getint`` deep inside a component, minutes into a run);
a cron job with ``-s DOWNLOAD_DELAY=fast`` should instead stop at once and say which setting is
wrong and why. :func:`check_settings` is called by ``newsbot crawl`` before Scrapy starts, and by
:class:`SettingsCheck` (an extension, so ``scrapy crawl`` gets the same check) when the crawler is
built, before the spider opens.
"""

from __future__ import annotations

import difflib
import ipaddress
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from newsbot.config.args import split_list
from newsbot.config.declared import getbool
from newsbot.config.errors import ConfigError
from newsbot.storage.location import is_remote, output_location

logger = logging.getLogger(__name__)

_INTS_POSITIVE = (
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "CONCURRENT_ITEMS",
    "NEWSBOT_BATCH_SIZE",
    "NEWSBOT_WARC_MAX_SIZE",
)
_INTS_NON_NEGATIVE = (
    "RETRY_TIMES",
    "REDIRECT_MAX_TIMES",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_WARNSIZE",
    "CLOSESPIDER_ITEMCOUNT",
    "CLOSESPIDER_PAGECOUNT",
    "CLOSESPIDER_ERRORCOUNT",
    "NEWSBOT_SITEMAP_MAX_DEPTH",
    "NEWSBOT_MAX_SITEMAPS_PER_ROBOTS",
    "NEWSBOT_MAX_SITEMAP_CHILDREN",
    "NEWSBOT_MAX_LISTINGS_PER_SOURCE",
    "NEWSBOT_WORKERS",
    "NEWSBOT_MAX_SCHEDULED",
)
_FLOATS_POSITIVE = ("DOWNLOAD_TIMEOUT", "DNS_TIMEOUT")
_FLOATS_NON_NEGATIVE = (
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_START_DELAY",
    "AUTOTHROTTLE_MAX_DELAY",
    "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "CLOSESPIDER_TIMEOUT",
    "NEWSBOT_FLUSH_INTERVAL",
    "NEWSBOT_SUMMARY_INTERVAL",
)
_BOOLS = (
    "AUTOTHROTTLE_ENABLED",
    "ROBOTSTXT_OBEY",
    "RETRY_ENABLED",
    "COOKIES_ENABLED",
    "NEWSBOT_STORE_ENABLED",
    "NEWSBOT_REJECTS_ENABLED",
    "NEWSBOT_WARC_ENABLED",
    "NEWSBOT_SUMMARY_ENABLED",
    "NEWSBOT_LOCK_ENABLED",
    "NEWSBOT_BLOCK_PRIVATE_ADDRESSES",
)
_HTTP_URLS = (
    "NEWSBOT_GDELT_API_URL",
    "NEWSBOT_RELIEFWEB_API_URL",
    "NEWSBOT_CCNEWS_BASE_URL",
    "NEWSBOT_S3_ENDPOINT_URL",
)
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def _where(settings: BaseSettings, name: str) -> str:
    priority = settings.getpriority(name) or 0
    if priority >= 40:  # SETTINGS_PRIORITIES["cmdline"]
        return "setting (command line -s)"
    if priority >= 20:  # "project"
        return "setting (newsbot/settings.py or environment)"
    return "setting"


def _number(conv: Callable[[Any], float], low: float, strict: bool) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        try:
            n = conv(value)
        except (TypeError, ValueError):
            return f"expected a number, got {value!r}"
        if n < low or (strict and n == low):
            return f"expected a number {'>' if strict else '>='} {low:g}, got {value!r}"
        return None

    return check


def _boolean(value: Any) -> str | None:
    if isinstance(value, bool) or str(value).strip().lower() in ("0", "1", "true", "false"):
        return None
    return f"expected True or False, got {value!r}"


def _http_url(value: Any) -> str | None:
    parts = urlsplit(str(value))
    if parts.scheme in ("http", "https") and parts.hostname:
        return None
    return f"expected an http(s) URL, got {value!r}"


def _redis_url(value: Any) -> str | None:
    if urlsplit(str(value)).scheme in ("redis", "rediss", "unix"):
        return None
    return f"expected a redis://, rediss:// or unix:// URL, got {value!r}"


def _log_level(value: Any) -> str | None:
    if isinstance(value, int) or str(value).upper() in _LOG_LEVELS:
        return None
    return f"expected one of {', '.join(_LOG_LEVELS)}, got {value!r}"


def _languages(value: Any) -> str | None:
    bad = [c for c in split_list(value) if not (len(c) == 2 and c.isalpha())]
    return f"expected ISO 639-1 codes like 'en', got {bad[0]!r}" if bad else None


def _private_hosts(value: Any) -> str | None:
    for item in split_list(value):
        if "/" in item:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                return f"bad network {item!r}: {exc}"
    return None


def _checks() -> dict[str, Callable[[Any], str | None]]:
    checks: dict[str, Callable[[Any], str | None]] = {}
    checks.update({n: _number(int, 1, False) for n in _INTS_POSITIVE})
    checks.update({n: _number(int, 0, False) for n in _INTS_NON_NEGATIVE})
    checks.update({n: _number(float, 0, True) for n in _FLOATS_POSITIVE})
    checks.update({n: _number(float, 0, False) for n in _FLOATS_NON_NEGATIVE})
    checks.update({n: _boolean for n in _BOOLS})
    checks.update({n: _http_url for n in _HTTP_URLS})
    checks["NEWSBOT_REDIS_URL"] = _redis_url
    checks["LOG_LEVEL"] = _log_level
    checks["NEWSBOT_LANGUAGES"] = _languages
    checks["NEWSBOT_ALLOWED_PRIVATE_HOSTS"] = _private_hosts
    return checks


CHECKS = _checks()


def known_newsbot_settings() -> frozenset[str]:
    """Every ``NEWSBOT_*`` name newsbot reads: each is declared once in :mod:`newsbot.settings`."""
    from newsbot import settings as defaults

    return frozenset(n for n in vars(defaults) if n.startswith("NEWSBOT_"))


def check_names(settings: BaseSettings) -> None:
    """An unknown ``NEWSBOT_*`` name is a typo (BATCHSIZE for BATCH_SIZE): nothing would read it, and
    the run would go on with the default. Name the nearest known one."""
    known = known_newsbot_settings()
    for name in sorted(n for n in settings.attributes if n.startswith("NEWSBOT_") and n not in known):
        near = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise ConfigError(_where(settings, name), name, f"unknown newsbot setting{hint}")


def check_settings(settings: BaseSettings) -> None:
    """Raise :class:`ConfigError` for the first setting that cannot work."""
    check_names(settings)
    for name, check in CHECKS.items():
        value = settings.get(name)
        if value is None or value == "":
            continue
        problem = check(value)
        if problem:
            raise ConfigError(_where(settings, name), name, problem)
    output = settings.get("NEWSBOT_OUTPUT_DIR")
    if output is not None and not str(output).strip():
        raise ConfigError(_where(settings, "NEWSBOT_OUTPUT_DIR"), "NEWSBOT_OUTPUT_DIR", "must not be empty")
    if output is not None and is_remote(str(output)):
        try:
            output_location(settings)
        except (ValueError, OSError) as exc:
            raise ConfigError(
                _where(settings, "NEWSBOT_OUTPUT_DIR"), "NEWSBOT_OUTPUT_DIR", str(exc)
            ) from None
        if getbool(settings, "NEWSBOT_LOCK_ENABLED"):
            from newsbot.extensions.outputlock import lock_dir

            try:
                lock_dir(settings)
            except ConfigError as exc:
                raise ConfigError(_where(settings, "NEWSBOT_LOCK_DIR"), exc.field, exc.problem) from None


class SettingsCheck:
    """Runs :func:`check_settings` when the crawler is built (before the spider opens)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SettingsCheck:
        check_settings(crawler.settings)  # a ConfigError is reported once, by the entry point
        return cls()
