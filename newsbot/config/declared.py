"""Setting values with the defaults declared once, in :mod:`newsbot.settings`.

A crawler built from the project's settings has every declared ``NEWSBOT_*`` value already; one
built from bare Scrapy settings (``scrapy.utils.test.get_crawler``, a tool embedding newsbot's
components) gets the declared default here instead of a second default at the point of use.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

import newsbot.settings as project


def default(name: str) -> Any:
    """The default of ``name`` as declared in :mod:`newsbot.settings`."""
    try:
        return getattr(project, name)
    except AttributeError:
        raise KeyError(f"{name} is not declared in newsbot/settings.py") from None


def declared(settings: BaseSettings, name: str, *, base: bool = False) -> Any:
    """``settings[name]``, or its declared default; ``base``: a component dict merged over its
    ``<name>_BASE`` the way ``settings.getwithbase`` does."""
    if base:
        if f"{name}_BASE" in settings:
            return settings.getwithbase(name)
        merged = BaseSettings(default(f"{name}_BASE"))
        merged.update(settings.getdict(name))
        return merged
    if name in settings:
        return settings[name]
    return default(name)


def getbool(settings: BaseSettings, name: str) -> bool:
    """``settings.getbool(name)`` with the declared default."""
    return settings.getbool(name, default(name))


def getint(settings: BaseSettings, name: str) -> int:
    """``settings.getint(name)`` with the declared default."""
    return settings.getint(name, default(name))


def getfloat(settings: BaseSettings, name: str) -> float:
    """``settings.getfloat(name)`` with the declared default."""
    return settings.getfloat(name, default(name))
