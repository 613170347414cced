"""Why a request failed, as a stable reason code, and a failing host said once, in one line.

A host that is down makes every request to it fail: its robots.txt, each feed and sitemap, every
queued article, each after its retries. Scrapy logs each of these (``Gave up retrying`` at ERROR,
a traceback for the robots.txt), so a run with the network down wrote thousands of lines.
:class:`HostFailureLog` sees every request's final outcome, after RetryMiddleware gave up, and
logs the first failure of each host as one WARNING line with its reason: ``dns``, ``connection``
(refused), ``timeout``, ``tls``, ``network`` or the HTTP status of a server error; the host's later
failures are DEBUG lines. The reject of each page, and the per-listing warnings of the spider,
say the same thing again: they are DEBUG lines for these reasons (:func:`is_host_failure`).
Everything is still counted in the stats and the run summary.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure

from newsbot.middlewares.connections import ResponseTooLarge
from newsbot.middlewares.stopping import StoppedBeforeFetch

logger = logging.getLogger(__name__)

#: Download errors by class, most specific first: Scrapy's own (2.13+) and Twisted's underneath.
_ERROR_REASONS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((ResponseTooLarge,), "too_large"),
    ((CannotResolveHostError, twisted_errors.DNSLookupError), "dns"),
    ((DownloadTimeoutError, twisted_errors.TimeoutError, twisted_errors.TCPTimedOutError), "timeout"),
    ((DownloadConnectionRefusedError, twisted_errors.ConnectError), "connection"),
)

#: Reasons that belong to the host, not to one page: the host line reports them.
HOST_REASONS = frozenset({"dns", "timeout", "connection", "tls", "network"})

#: Statuses that say the server, not the page, has a problem (after RetryMiddleware's retries).
HOST_STATUSES = frozenset({429}) | frozenset(range(500, 600))


def is_host_failure(reason: str, status: int | None = None) -> bool:
    """Whether a reject or listing failure with this reason is the host's, said by its one line."""
    return reason in HOST_REASONS or (status is not None and status in HOST_STATUSES)


def _is_tls(value: BaseException) -> bool:
    """A TLS handshake or certificate failure, however deep Twisted and Scrapy wrapped it."""
    from OpenSSL import SSL

    seen: set[int] = set()
    todo: list[Any] = [value]
    while todo:
        exc = todo.pop()
        if isinstance(exc, Failure):
            exc = exc.value
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        if isinstance(exc, SSL.Error | twisted_errors.SSLError):
            return True
        # ResponseNeverReceived / ResponseFailed carry the Failures of the connection in .reasons
        todo.extend(getattr(exc, "reasons", None) or [])
        todo.extend(e for e in (exc.__cause__, exc.__context__) if e is not None)
    return False


def failure_reason(failure: Failure) -> tuple[str, str, int | None]:
    """``(reason, detail, http_status)`` of a failed request, for rejects and logs.

    Reasons are stable codes an operator can count and grep: ``http_404``, ``timeout``,
    ``too_large``, ``redirect_loop``, ``blocked_address``, ``robots_txt``, ``dns``,
    ``connection``, ``tls``, ``network``.
    """
    value = failure.value
    name = type(value).__name__
    text = str(value)
    if failure.check(HttpError):
        status = value.response.status
        return f"http_{status}", "", status
    if failure.check(IgnoreRequest):
        explicit = getattr(value, "reason", None)
        if explicit:
            return str(explicit), text[:300], None
        low = text.lower()
        if "max redirections" in low:
            return "redirect_loop", text[:300], None
        if "max size" in low or "download_maxsize" in low:
            return "too_large", text[:300], None
        if "robots.txt" in low:
            return "robots_txt", text[:300], None
        return "ignored", text[:300] or "filtered by a middleware", None
    for classes, reason in _ERROR_REASONS:
        if failure.check(*classes):
            return reason, f"{name}: {text}"[:300], None
    if _is_tls(value):
        return "tls", f"{name}: {text}"[:300], None
    low_name = name.lower()
    if "timeout" in low_name or "timedout" in low_name:
        return "timeout", f"{name}: {text}"[:300], None
    if "dnslookup" in low_name or "dns" in low_name:
        return "dns", f"{name}: {text}"[:300], None
    if "cancelled" in low_name and "max size" in text.lower():
        return "too_large", text[:300], None
    if "connection" in low_name or "refused" in low_name:
        return "connection", f"{name}: {text}"[:300], None
    return "network", f"{name}: {text}"[:300], None


class HostFailureLog:
    """Downloader middleware: the first failure of each host as one WARNING line.

    Below RetryMiddleware (550), so it sees a request's outcome once its retries are spent; it
    sees the robots.txt requests of RobotsTxtMiddleware too. Counts
    ``newsbot/failing_hosts`` (hosts reported).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.reported: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostFailureLog:
        return cls(crawler)

    def _report(self, request: Request, reason: str, detail: str) -> None:
        host = urlparse_cached(request).netloc
        if host in self.reported:
            logger.debug("Host %s: %s failed too (%s: %s)", host, request.url, reason, detail)
            return
        self.reported.add(host)
        self.crawler.stats.inc_value("newsbot/failing_hosts")
        source = request.meta.get("newsbot_source")
        logger.warning(
            "Host %s failing: %s (%s; first at %s%s); its further failures are DEBUG lines",
            host,
            reason,
            detail,
            request.url,
            f", source {source}" if source else "",
        )

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest | StoppedBeforeFetch):
            return  # filtered (robots.txt rules, a blocked address, the crawl stopping), not failed
        reason, detail, _ = failure_reason(Failure(exception))
        if reason in HOST_REASONS:
            self._report(request, reason, detail)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in HOST_STATUSES:
            self._report(request, f"http_{response.status}", f"HTTP {response.status}")
        return response
