"""Keep the crawler away from private networks: loopback, RFC 1918, link-local, cloud metadata.

Feeds, sitemaps and redirects are written by third parties. Without this guard a feed entry or a
``Location`` header could point the crawler at ``http://169.254.169.254/latest/meta-data/`` (cloud
credentials), at ``http://127.0.0.1:6379/`` or at an intranet host, and the response would land in
the dataset. Every request is checked here; redirects are checked too, because
``RedirectMiddleware`` builds a new request that goes through ``process_request`` again.

The operator can reach private addresses by naming the host: hosts of the sources in the registry,
of URLs given on the command line, of endpoint settings (``NEWSBOT_GDELT_API_URL``,
``NEWSBOT_RELIEFWEB_API_URL``), and anything in ``NEWSBOT_ALLOWED_PRIVATE_HOSTS`` (host names, IP
addresses or CIDR networks). ``NEWSBOT_BLOCK_PRIVATE_ADDRESSES=False`` turns the guard off.

Host names are resolved (all A and AAAA records; one private address is enough to block). The
check happens before the connection, so a host that changes its DNS answer between the check and
the connection (DNS rebinding) is not stopped; pinning the checked address would need a custom
download handler.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from newsbot.config.args import split_list
from newsbot.config.declared import getbool
from newsbot.config.errors import ConfigError

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Endpoint settings whose hosts the operator has named by setting them.
ENDPOINT_SETTINGS = ("NEWSBOT_GDELT_API_URL", "NEWSBOT_RELIEFWEB_API_URL")
#: Ranges that ``is_global`` does not flag but that reach inside a cloud or a carrier network.
_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "100.64.0.0/10",  # carrier-grade NAT (also Alibaba Cloud's metadata address)
        "fd00::/8",  # unique local addresses, e.g. AWS IMDS at fd00:ec2::254
        "fec0::/10",  # deprecated site-local
    )
)
_DNS_CACHE_SECONDS = 300.0


class BlockedAddress(IgnoreRequest):
    """The request would reach a private, loopback, link-local or metadata address."""

    reason = "blocked_address"


def is_private(ip: IPAddress) -> bool:
    """Anything that is not a public unicast address on the internet."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return is_private(ip.ipv4_mapped)
    if any(ip in net for net in _EXTRA_BLOCKED):
        return True
    return not ip.is_global or ip.is_multicast


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    # inet_aton accepts the forms browsers and curl accept too: 2130706433, 0x7f.1, 127.1
    if host and all(c in "0123456789abcdefx." for c in host.lower()) and host[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


class NamedHosts:
    """Hosts and networks the operator named, so private addresses behind them are allowed."""

    def __init__(self, hosts: Iterable[str] = (), networks: Iterable[IPNetwork] = ()) -> None:
        self.hosts = {h.lower().rstrip(".") for h in hosts if h}
        self.networks = tuple(networks)

    def add_url(self, url: str | None) -> None:
        host = urlsplit(url or "").hostname
        if host:
            self.hosts.add(host.lower().rstrip("."))

    def allows(self, host: str, ips: Iterable[IPAddress] = ()) -> bool:
        if host in self.hosts:
            return True
        return bool(self.networks) and all(any(ip in n for n in self.networks) for ip in ips)

    @classmethod
    def parse(cls, values: Iterable[str]) -> NamedHosts:
        hosts, networks = [], []
        for value in values:
            if "/" in value:
                networks.append(ipaddress.ip_network(value, strict=False))
            else:
                hosts.append(value)
        return cls(hosts, networks)


class PrivateAddressMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        try:
            self.named = NamedHosts.parse(split_list(crawler.settings.get("NEWSBOT_ALLOWED_PRIVATE_HOSTS")))
        except ValueError as exc:
            raise ConfigError("setting", "NEWSBOT_ALLOWED_PRIVATE_HOSTS", str(exc)) from exc
        for name in ENDPOINT_SETTINGS:
            self.named.add_url(crawler.settings.get(name))
        self._cache: dict[str, tuple[float, tuple[IPAddress, ...]]] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        if not getbool(crawler.settings, "NEWSBOT_BLOCK_PRIVATE_ADDRESSES"):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        """Collect the hosts the operator named: registry sources and command-line URLs."""
        for src in getattr(spider, "registry", {}).values():
            for host in src.hosts:
                self.named.hosts.add(host.lower())
        args = getattr(spider, "args", None)
        for name in ("feeds", "sitemaps", "urls"):
            for url in getattr(args, name, ()) or ():
                self.named.add_url(url)
        for host in getattr(spider, "allowed_private_hosts", ()) or ():
            self.named.hosts.add(str(host).lower())

    async def _resolve(self, host: str, port: int) -> tuple[IPAddress, ...]:
        cached = self._cache.get(host)
        now = time.monotonic()
        if cached and now - cached[0] < _DNS_CACHE_SECONDS:
            return cached[1]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return ()  # unresolvable: the download fails on its own with a DNS error
        ips = tuple({ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos})
        self._cache[host] = (now, ips)
        return ips

    async def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            return None
        host = (parts.hostname or "").lower().rstrip(".")
        if host in self.named.hosts:
            return None
        literal = _literal(host)
        ips: tuple[IPAddress, ...]
        if literal is not None:
            ips = (literal,)
        else:
            try:
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                return None  # a bad port fails in the download handler with its own message
            ips = await self._resolve(host, port)
        bad = [ip for ip in ips if is_private(ip)]
        if not bad or self.named.allows(host, ips):
            return None
        source = request.meta.get("newsbot_source")
        self.stats.inc_value("newsbot/blocked_address")
        if source:
            self.stats.inc_value(f"newsbot/source/{source}/blocked_address")
        via = request.meta.get("redirect_urls") or []
        logger.warning(
            "Blocked %s: %s resolves to non-public address %s%s (name the host in "
            "NEWSBOT_ALLOWED_PRIVATE_HOSTS to allow it)",
            request.url,
            host,
            bad[0],
            f", redirected from {via[0]}" if via else "",
        )
        raise BlockedAddress(f"{host} is {bad[0]}")
