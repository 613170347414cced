"""What both entry points check before the engine starts: settings, spider arguments, output dir.

``newsbot crawl`` and the project's ``scrapy crawl`` (:mod:`newsbot.commands.crawl`) call
:func:`check_run` before they build a crawler, so a bad ``-s``, ``-a`` or output directory stops
the run with one line naming the setting or argument (exit code 2) and nothing is fetched. The
same errors are still raised where the components meet them (a spider's ``from_crawler``, the
settings-check extension) for runs started some other way, but only as a second line of defence:
by then Scrapy has begun starting the engine and reports them with a traceback.
"""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from typing import Any

from scrapy.settings import BaseSettings

from newsbot.config.errors import ConfigError

logger = logging.getLogger(__name__)


def spider_class(settings: BaseSettings, name: str) -> type[Any]:
    """The project's spider called ``name``; ConfigError naming the known ones otherwise."""
    from scrapy.spiderloader import get_spider_loader

    loader = get_spider_loader(settings)
    try:
        return loader.load(name)
    except KeyError:
        known = ", ".join(sorted(loader.list()))
        raise ConfigError("command line", "spider", f"no spider {name!r} (known: {known})") from None


def check_output(settings: BaseSettings) -> None:
    """ConfigError unless the output directory can be created and written to.

    A local directory is created and a file is made and removed in it, which is what the run
    does first (the lock, the run summary); an object store is left to its first write, as a
    test write would need the credentials' write permission checked the same way anyway.
    """
    from newsbot.storage.location import output_location

    try:
        out = output_location(settings)
    except ValueError as exc:
        raise ConfigError("settings", "NEWSBOT_OUTPUT_DIR", str(exc)) from None
    if not out.is_local:
        return
    path = out.local_path
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".newsbot-write-check-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
        raise ConfigError("settings", "NEWSBOT_OUTPUT_DIR", f"cannot write to {path}: {reason}") from None


def check_run(settings: BaseSettings, spidercls: type[Any], kwargs: dict[str, Any]) -> None:
    """Raise ConfigError for anything that would make the run fail at start or crawl nothing."""
    from newsbot.extensions.settingscheck import check_settings

    check_settings(settings)
    check = getattr(spidercls, "check_arguments", None)
    if check is not None:
        check(kwargs, settings)
    check_output(settings)
