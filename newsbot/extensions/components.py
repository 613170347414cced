"""The crawl's shared components, each chosen by a setting and built once with ``build_from_crawler``.

Like Scrapy's ``SCHEDULER`` and ``DUPEFILTER_CLASS``, a setting names the class of each piece of
shared state, so a deployment swaps one without touching the code that uses it (the Redis
add-on, :mod:`newsbot.scaleout.addon`, sets the Redis classes at add-on priority):

==============================  ==============================================  ==================
setting                         default                                         used by
==============================  ==============================================  ==================
``NEWSBOT_WORKER_POOL_CLASS``   :class:`newsbot.process.pool.ProcessPoolRunner`       pipelines, spiders
``NEWSBOT_SEEN_STORE_CLASS``    :class:`newsbot.identify.seen.SeenStore`         spiders, identify
``NEWSBOT_NEARDUP_INDEX_CLASS`` :class:`newsbot.pipelines.identify.FileIndex`    near-duplicates
``NEWSBOT_TEMPLATE_STORE_CLASS`` :class:`newsbot.pipelines.templates.TemplateStore` the page pipeline
==============================  ==============================================  ==================

:func:`component` returns the crawl's instance, built on first use; a class that raises
``NotConfigured`` (its stage switched off) gives None. The instances are held by the
:class:`CrawlComponents` extension, which every component user finds with the public
``crawler.get_extension``.
"""

from __future__ import annotations

import weakref
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler, load_object

from newsbot.config.declared import declared

#: components asked for before the extension manager exists (a spider's ``from_crawler``), or in
#: a crawler built without newsbot's extensions (``scrapy.utils.test.get_crawler``)
_early: weakref.WeakKeyDictionary[Crawler, CrawlComponents] = weakref.WeakKeyDictionary()


class CrawlComponents:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._built: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlComponents:
        # The components a spider asked for while the crawler was being set up are the crawl's.
        return _early.pop(crawler, None) or cls(crawler)

    def get(self, setting: str) -> Any:
        if setting not in self._built:
            cls = load_object(declared(self.crawler.settings, setting))
            try:
                self._built[setting] = build_from_crawler(cls, self.crawler)
            except NotConfigured:
                self._built[setting] = None
        return self._built[setting]


def component(crawler: Crawler, setting: str) -> Any:
    """The crawl's instance of the class ``setting`` names (None: switched off)."""
    holder: CrawlComponents | None = None
    try:
        holder = crawler.get_extension(CrawlComponents)
    except RuntimeError:  # the extension manager is not built yet
        holder = None
    if holder is None:
        holder = _early.get(crawler)
        if holder is None:
            holder = _early[crawler] = CrawlComponents(crawler)
    return holder.get(setting)
