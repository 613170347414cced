"""Where the user-editable configuration lives (``settings/`` next to ``scrapy.cfg``)."""

from __future__ import annotations

from pathlib import Path

import newsbot


def project_root() -> Path:
    """The directory holding ``scrapy.cfg``; the source checkout when run from elsewhere."""
    # Imported here: worker processes resolve settings paths too and should not load Scrapy.
    from scrapy.utils.conf import closest_scrapy_cfg

    cfg = closest_scrapy_cfg()
    if cfg:
        return Path(cfg).parent
    return Path(newsbot.__file__).resolve().parent.parent


def settings_path(*parts: str) -> Path:
    return project_root().joinpath("settings", *parts)


def resolve(value: str | Path | None, default: Path) -> Path:
    """A configured path; relative paths are taken from the project root."""
    if not value:
        return default
    p = Path(value)
    return p if p.is_absolute() or p.exists() else project_root() / p
