"""Start-up of a worker process (kept apart from :mod:`newsbot.workers`, which imports Scrapy).

A worker only runs the pure stage functions; importing Scrapy and Twisted there would cost
~25 MB per process for nothing.
"""

from __future__ import annotations


def warm_up() -> None:
    """Import the heavy modules and load the language profiles before the first page arrives,
    so the first calls do not pay for them inside the per-page timeout."""
    import newsbot.clean.duplicates  # noqa: F401
    import newsbot.extract.article  # noqa: F401
    import newsbot.worker_jobs  # noqa: F401
    from newsbot.enrich.language import warm_up as load_profiles

    load_profiles()
