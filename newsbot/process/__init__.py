"""Process: the pure work on one page, run in one worker call (DESIGN.md's extract → clean → enrich).

:mod:`.plan` builds, once per crawl, the picklable :class:`~.plan.Plan` (which stages, with which
rule files, lexicon and parameters) from ``NEWSBOT_PAGE_STAGES``; :mod:`.stages` holds the stage
functions; :mod:`.page` the :class:`~.page.Page` that carries a page into a worker and its
results back. The main process (:mod:`newsbot.pipelines.page`) keeps only what needs shared state.

Only light modules are imported here (no Scrapy, no pyarrow): workers import this package.
"""
