"""Start-up of a worker process (kept apart from :mod:`newsbot.workers`, which imports Scrapy).

A worker only runs the pure stage functions; importing Scrapy and Twisted there would cost
~25 MB per process for nothing.
"""

from __future__ import annotations

import os
from typing import Any

#: Workers run at a lower priority than the crawl's main process: when the cores are busy, the
#: reactor that feeds them pages and stores their results runs first. Without it, workers
#: starting up (imports, profiles) delayed the reactor by over 100 ms.
NICENESS = 5


def warm_up(plan: Any = None) -> None:
    """Install the crawl's plan, import the heavy modules and load the language profiles before
    the first page arrives, so the first calls do not pay for them inside the per-page timeout."""
    try:
        os.nice(NICENESS)
    except OSError:  # not permitted here: same priority as the parent
        pass
    import newsbot.clean.duplicates  # noqa: F401
    import newsbot.extract.article  # noqa: F401
    import newsbot.process.stages  # noqa: F401
    from newsbot.enrich.language import warm_up as load_profiles
    from newsbot.process.worker import install

    install(plan)
    load_profiles()
