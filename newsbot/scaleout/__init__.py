"""Scale-out on Redis: many crawl processes, one frontier, no page fetched twice.

Everything here is inert unless ``NEWSBOT_REDIS_URL`` is set; then the :mod:`~newsbot.scaleout.addon`
switches a crawl to:

* a shared request queue and an expiring, shared request dupefilter (scrapy-redis's scheduler and
  dupefilter, adapted in :mod:`~newsbot.scaleout.scheduler` and :mod:`~newsbot.scaleout.dupefilter`);
* a claim per feed/sitemap URL, so one process of the cluster fetches each listing per poll;
* a cluster-wide minimum interval per site (:mod:`~newsbot.scaleout.politeness`);
* the seen-article memory and near-duplicate signatures in Redis (:mod:`~newsbot.scaleout.seen`,
  :mod:`~newsbot.scaleout.neardup`);
* a worker registry, so a process that runs out of work waits while others may still discover
  some (:mod:`~newsbot.scaleout.cluster`).

See ``docs/scale-out.md``.
"""
