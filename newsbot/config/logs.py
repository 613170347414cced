"""The log of a ``newsbot crawl`` run: Scrapy's start-up and shutdown reports below INFO.

Under cron a run's log is read by someone looking for what went wrong. Scrapy opens every run with
~100 lines of INFO (versions, the enabled addons, extensions, middlewares and pipelines, the
overridden settings) and closes it with the stats dump; newsbot's own start line, progress line
and summary (:mod:`newsbot.extensions.progresslog`, ``newsbot.cli.crawl``) say what matters.
These records become DEBUG records, so ``-s LOG_LEVEL=DEBUG`` still shows them (as DEBUG).

A filter on each logger, not on a handler: Scrapy replaces its root handler when the crawler
is configured, and a logger's filters see exactly the records logged to that logger. Only
``newsbot crawl`` (and the commands built on it) installs them; ``scrapy crawl`` logs as Scrapy
does.
"""

from __future__ import annotations

import logging

#: Loggers whose INFO records are reports of the run's set-up, its end or Scrapy's own progress
#: line: the run's start line, progress lines and summary say what matters of them.
STARTUP_LOGGERS = (
    "scrapy.utils.log",  # "Scrapy 2.x started", versions
    "scrapy.addons",  # enabled addons
    "scrapy.middleware",  # enabled extensions, middlewares, pipelines
    "scrapy.crawler",  # overridden settings
    "scrapy.core.engine",  # spider opened, closing, closed
    "scrapy.statscollectors",  # the stats dump (all in DIR/runs/<run_id>.json too)
    "scrapy.extensions.logstats",  # replaced by newsbot's progress line
    "scrapy.extensions.telnet",
    # "Ignoring response <404 ...>": the page's reject line says it
    "scrapy.spidermiddlewares.httperror",
)


class DemoteInfo(logging.Filter):
    """Turns INFO records into DEBUG records (warnings and errors pass unchanged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO:
            record.levelno = logging.DEBUG
            record.levelname = logging.getLevelName(logging.DEBUG)
        return True


_DEMOTE = DemoteInfo()


def quiet_scrapy_reports() -> None:
    """Install :class:`DemoteInfo` on :data:`STARTUP_LOGGERS` (idempotent)."""
    for name in STARTUP_LOGGERS:
        logger = logging.getLogger(name)
        if _DEMOTE not in logger.filters:
            logger.addFilter(_DEMOTE)
