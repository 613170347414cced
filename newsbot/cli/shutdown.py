"""SIGINT/SIGTERM during ``newsbot crawl``: the first stops the crawl cleanly, a second at once.

Installed in place of Scrapy's handlers (``CrawlerProcess.start(install_signal_handlers=False)``)
with Scrapy's own public helper, :func:`scrapy.utils.ossignal.install_shutdown_handlers`:

* **first signal**: says so on stderr, then :data:`newsbot.signals.stop_requested` makes sure no
  new request is sent (:mod:`newsbot.middlewares.stopping`), and
  :meth:`CrawlerProcess.stop <scrapy.crawler.CrawlerRunner.stop>` closes the spider: the
  transfers in flight finish, their pages are stored, the run summary is final;
* **second signal**: :data:`newsbot.signals.stop_now` has the store and the rejects writer write
  the rows they hold and the summary written last, then the reactor stops. The summary still
  counts exactly what is on disk.

Signal handlers only note the signal and hand the work to the reactor thread: logging or
writing from inside a handler could interrupt the same stream mid-write.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from types import FrameType

from scrapy.crawler import CrawlerProcess
from scrapy.utils.ossignal import install_shutdown_handlers, signal_names

from newsbot import signals as nb_signals

logger = logging.getLogger(__name__)


class Shutdown:
    """The signal handling of one ``CrawlerProcess``; ``received`` lists the signals in order."""

    def __init__(self, process: CrawlerProcess) -> None:
        self.process = process
        self.received: list[int] = []

    def install(self) -> None:
        """Call when the reactor is running (a ``after startup`` system event trigger)."""
        install_shutdown_handlers(self._first)

    def _first(self, signum: int, _frame: FrameType | None) -> None:
        from twisted.internet import reactor

        self.received.append(signum)
        install_shutdown_handlers(self._second)
        reactor.callFromThread(self._stop, signum)  # type: ignore[attr-defined]

    def _second(self, signum: int, _frame: FrameType | None) -> None:
        from twisted.internet import reactor

        self.received.append(signum)
        install_shutdown_handlers(signal.SIG_IGN)
        reactor.callFromThread(self._stop_now, signum)  # type: ignore[attr-defined]

    def _say(self, message: str) -> None:
        # On stderr whatever LOG_LEVEL is (the live display sets WARNING): the user pressed a key.
        sys.stderr.write(f"newsbot: {message}\n")
        sys.stderr.flush()
        logger.info(message)

    def _stop(self, signum: int) -> None:
        name = signal_names.get(signum, str(signum))
        self._say(
            f"received {name}: stopping; no new requests, finishing those in flight "
            f"(send {name} again to stop at once)"
        )
        for crawler in list(self.process.crawlers):
            crawler.stats.set_value("newsbot/shutdown_signal", name)
            crawler.signals.send_catch_log(nb_signals.stop_requested, signame=name)
        # Public API: closes every spider (reason "shutdown"); when they are closed, start()'s
        # stop_after_crawl stops the reactor.
        self.process.stop()

    def _stop_now(self, signum: int) -> None:
        from twisted.internet import reactor

        name = signal_names.get(signum, str(signum))
        self._say(f"received {name} again: stopping now; the pages in flight are not stored")
        for crawler in list(self.process.crawlers):
            crawler.signals.send_catch_log(nb_signals.stop_now, signame=name)
        with contextlib.suppress(RuntimeError):  # already stopping
            reactor.stop()  # type: ignore[attr-defined]


def install_after_startup(process: CrawlerProcess) -> Shutdown:
    """A :class:`Shutdown` installed as soon as the reactor runs (Scrapy installs its own there).

    Call once the crawler has installed the reactor (``process.crawl()``)."""
    from scrapy.utils.reactor import is_reactor_installed

    shutdown = Shutdown(process)
    if not is_reactor_installed():  # the crawl failed before it chose one: nothing to stop
        return shutdown
    from twisted.internet import reactor

    reactor.addSystemEventTrigger("after", "startup", shutdown.install)  # type: ignore[attr-defined]
    return shutdown


__all__ = ["Shutdown", "install_after_startup"]
