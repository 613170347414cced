"""The Redis connection and the names of every key newsbot keeps there.

All keys start with ``NEWSBOT_REDIS_PREFIX`` (default ``newsbot``); one prefix is one dataset, so
two clusters writing different datasets can share a server with different prefixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scrapy.settings import BaseSettings

from newsbot.config.declared import default

if TYPE_CHECKING:  # redis is imported only when a crawl actually uses it
    import redis

#: Connection options: short timeouts, so a dead server fails the crawl loudly instead of hanging.
CONNECTION_OPTIONS = {"socket_timeout": 30, "socket_connect_timeout": 10, "retry_on_timeout": True}


def redis_url(settings: BaseSettings) -> str | None:
    url = settings.get("NEWSBOT_REDIS_URL")
    return str(url) if url else None


def connect(url: str) -> redis.Redis:
    import redis

    """A client returning bytes (fingerprints and hashes are stored as raw bytes)."""
    return redis.Redis.from_url(url, **CONNECTION_OPTIONS)


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix; ``spider`` scoped keys also carry the spider name."""

    prefix: str = "newsbot"

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Keys:
        return cls(settings.get("NEWSBOT_REDIS_PREFIX") or default("NEWSBOT_REDIS_PREFIX"))

    def requests(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:requests"

    def fingerprints(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:fp"

    def listing_claim(self, spider: str, fingerprint: str) -> str:
        return f"{self.prefix}:{spider}:listing:{fingerprint}"

    def worker(self, spider: str, run_id: str) -> str:
        return f"{self.prefix}:{spider}:worker:{run_id}"

    def workers_pattern(self, spider: str) -> str:
        return f"{self.prefix}:{spider}:worker:*"

    def domain_slot(self, host: str) -> str:
        return f"{self.prefix}:slot:{host}"

    @property
    def seen(self) -> str:
        return f"{self.prefix}:seen"

    @property
    def seen_claims(self) -> str:
        return f"{self.prefix}:seen-claims"

    @property
    def seen_loaded(self) -> str:
        return f"{self.prefix}:seen-loaded"

    @property
    def neardup(self) -> str:
        return f"{self.prefix}:nd"
