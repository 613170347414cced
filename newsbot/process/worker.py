"""The plan a worker process runs: handed over once, when the process starts.

The pool's initializer (:func:`newsbot.process.worker_setup.warm_up`) calls :func:`install` with the
crawl's plan, so each page's call carries only the page.
"""

from __future__ import annotations

from newsbot.process.page import Page
from newsbot.process.plan import Plan, finish_page, process_page

_plan: Plan | None = None


def install(plan: Plan | None) -> None:
    global _plan
    _plan = plan


def run_installed(page: Page, finish: bool = False) -> Page:
    """:func:`~newsbot.process.plan.process_page` (or, with ``finish``, :func:`finish_page`)
    with the installed plan: the one call a worker makes per page."""
    if _plan is None:
        raise RuntimeError("no plan installed in this worker process")
    return (finish_page if finish else process_page)(_plan, page)
