"""``scrapy crawl`` for this project: Scrapy's command, with newsbot's checks before the engine starts.

Scrapy builds the spider and the extensions inside a task of the event loop: a spider argument or
an output directory that a component refuses ends there as an asyncio "Task exception was never
retrieved" traceback and exit code 1. This command, registered through ``COMMANDS_MODULE``,
checks the settings, the spider arguments and the output directory first
(:func:`newsbot.config.preflight.check_run`) and takes the output-directory lock, so those
problems print the line ``newsbot crawl`` prints and exit with its codes
(:mod:`newsbot.cli.exitcodes`): 2 for a usage or configuration error, 3 for a busy output
directory. Whatever still fails while the crawler starts is reported the same way, once. A run
that starts exits as Scrapy's own command does.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from newsbot.cli import exitcodes
from newsbot.cli.crawl import error, failure_exit_code
from newsbot.config.declared import getbool
from newsbot.config.errors import ConfigError
from newsbot.config.preflight import check_run, spider_class
from newsbot.config.run import new_run_id
from newsbot.extensions.outputlock import LockHeld, OutputLock, lock_dir

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            # Scrapy's own messages for no spider or several
            super().run(args, opts)
            return
        assert self.crawler_process is not None
        settings = self.crawler_process.settings
        try:
            spidercls = spider_class(settings, args[0])
            final = crawler_settings(settings, spidercls)
            check_run(final, spidercls, opts.spargs)
            lock = self._lock(settings, final, spidercls.name)
        except ConfigError as exc:
            error(str(exc))
            self.exitcode = exitcodes.USAGE
            return
        except LockHeld as exc:
            error(str(exc))
            self.exitcode = exitcodes.LOCKED
            return
        try:
            self._crawl(spidercls.name, opts.spargs)
        finally:
            if lock is not None:
                lock.release()

    def _lock(self, settings: Settings, final: Settings, name: str) -> OutputLock | None:
        """The output-directory lock, taken here so that a busy directory is one line, exit 3.

        Taken when the crawler would take it (``final``: cluster mode lifts it);
        :class:`~newsbot.extensions.outputlock.OutputLockExtension` re-enters it (same process).
        The run id is chosen now, in the settings the crawler is built from (the add-on keeps a
        preset one), so that the lock file names the run.
        """
        if not getbool(final, "NEWSBOT_LOCK_ENABLED"):
            return None
        if not settings.get("NEWSBOT_RUN_ID"):
            settings.set("NEWSBOT_RUN_ID", new_run_id(), priority="cmdline")
        directory = lock_dir(final)
        run = settings.get("NEWSBOT_RUN_ID")
        try:
            return OutputLock.acquire(directory, run=run, what=f"scrapy crawl {name}")
        except OSError as exc:
            raise ConfigError("settings", "NEWSBOT_LOCK_DIR", f"cannot lock {directory}: {exc}") from None

    def _crawl(self, name: str, spargs: dict[str, Any]) -> None:
        assert self.crawler_process is not None
        failures: list[BaseException] = []
        started = self.crawler_process.crawl(self._create_crawler(name), **spargs)
        _collect_failure(started, failures)
        self.crawler_process.start()
        if failures:
            self.exitcode = failure_exit_code(failures[0])
        elif self.crawler_process.bootstrap_failed:
            self.exitcode = exitcodes.ERROR


def crawler_settings(settings: Settings, spidercls: type[Any]) -> Settings:
    """A copy of ``settings`` as a crawler of ``spidercls`` will run with them: the spider's
    ``custom_settings`` and the add-ons applied, as :class:`~scrapy.crawler.Crawler` does when the
    crawl starts (the cluster add-on, for one, lifts the output-directory lock)."""
    crawler = Crawler(spidercls, settings)
    addons_log = logging.getLogger("scrapy.addons")
    quiet, addons_log.disabled = addons_log.disabled, True  # the real crawler lists its add-ons
    try:
        crawler.addons.load_settings(crawler.settings)
    finally:
        addons_log.disabled = quiet
    return crawler.settings


def _collect_failure(started: Any, failures: list[BaseException]) -> None:
    """Keep the exception the crawl's start ended with (a Deferred or an asyncio task), which
    also tells asyncio it was retrieved: it is reported once, by :func:`failure_exit_code`."""
    if hasattr(started, "addErrback"):
        started.addErrback(lambda failure: failures.append(failure.value))
        return

    def done(task: Any) -> None:
        if not task.cancelled() and task.exception() is not None:
            failures.append(task.exception())

    started.add_done_callback(done)
