"""The switch: with ``NEWSBOT_REDIS_URL`` set, a crawl joins the cluster; without it nothing changes.

Registered in ``ADDONS`` (``newsbot/settings.py``). A Scrapy add-on sees the final settings,
``-s`` options included, and sets its values at the ``addon`` priority, so anything a user sets
on the command line (``-s SCHEDULER_PERSIST=False``...) still wins.
"""

from __future__ import annotations

import logging

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newsbot.config.declared import default, getbool
from newsbot.scaleout.keys import redis_url

logger = logging.getLogger(__name__)

#: What the add-on sets when NEWSBOT_REDIS_URL is set (the queue and dupefilter keys are
#: completed with the prefix).
CLUSTER_SETTINGS = {
    "SCHEDULER": "newsbot.scaleout.scheduler.ClusterScheduler",
    "DUPEFILTER_CLASS": "newsbot.scaleout.dupefilter.ExpiringRedisDupeFilter",
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    # The queue is the cluster's: one process closing must not empty it for the others.
    "SCHEDULER_PERSIST": True,
}


class RedisScaleOut:
    """Scrapy add-on: the Redis frontier, dupefilter, politeness and coordinator."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = redis_url(settings)
        if not url:
            return
        prefix = settings.get("NEWSBOT_REDIS_PREFIX") or default("NEWSBOT_REDIS_PREFIX")
        values = {
            **CLUSTER_SETTINGS,
            "REDIS_URL": url,
            "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:fp",
        }
        for name, value in values.items():
            settings.set(name, value, priority="addon")
        # The shared state is the cluster's. newsbot/settings.py declares the one-process classes
        # at "project" priority, above the add-on's: set at "add-on" they were silently ignored
        # and every process kept a seen-URL memory of its own. -s and spider settings still win.
        components = {"NEWSBOT_SEEN_STORE_CLASS": "newsbot.scaleout.seen.RedisSeenStore"}
        if getbool(settings, "NEWSBOT_REDIS_NEARDUP"):
            components["NEWSBOT_NEARDUP_INDEX_CLASS"] = "newsbot.scaleout.neardup.RedisSignatureIndex"
        for name, value in components.items():
            project = settings.getpriority(name) == SETTINGS_PRIORITIES["project"]
            settings.set(name, value, priority="project" if project else "addon")
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", "newsbot.scaleout.politeness.ClusterDomainDelayMiddleware", 950
        )
        settings.set_in_component_priority_dict(
            "EXTENSIONS", "newsbot.scaleout.cluster.ClusterCoordinator", 50
        )
        # Workers of one cluster write into one dataset (their files carry their run ids), so the
        # one-run-per-directory lock is lifted unless the user set it explicitly.
        if (settings.getpriority("NEWSBOT_LOCK_ENABLED") or 0) <= SETTINGS_PRIORITIES["project"]:
            settings.set("NEWSBOT_LOCK_ENABLED", False, priority="project")
        logger.debug("newsbot cluster mode on %s (prefix %s)", url, prefix)
