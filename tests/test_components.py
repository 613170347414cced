"""Shared state is made of components chosen by settings; the run id is a setting."""

from __future__ import annotations

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newsbot.config.run import RunIdAddon, run_id
from newsbot.extensions.components import CrawlComponents, component
from newsbot.identify.seen import SeenStore, get_seen
from newsbot.scaleout.addon import RedisScaleOut


class OwnSeenStore(SeenStore):
    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls()


def test_the_seen_store_is_the_class_the_setting_names_built_once(tmp_path) -> None:
    crawler = get_crawler(
        settings_dict={"NEWSBOT_OUTPUT_DIR": str(tmp_path), "NEWSBOT_SEEN_STORE_CLASS": OwnSeenStore}
    )
    store = get_seen(crawler)
    assert type(store) is OwnSeenStore
    assert get_seen(crawler) is store  # one per crawl, shared by the spider and the pipelines
    # the extension built later for the same crawler holds the same instance
    assert CrawlComponents.from_crawler(crawler).get("NEWSBOT_SEEN_STORE_CLASS") is store


def test_a_switched_off_component_is_none(tmp_path) -> None:
    crawler = get_crawler(settings_dict={"NEWSBOT_OUTPUT_DIR": str(tmp_path), "NEWSBOT_SEEN_ENABLED": False})
    assert get_seen(crawler) is None
    assert component(crawler, "NEWSBOT_TEMPLATE_STORE_CLASS") is not None


def test_the_run_id_is_a_setting_chosen_once() -> None:
    settings = Settings()
    RunIdAddon().update_settings(settings)
    rid = settings["NEWSBOT_RUN_ID"]
    assert rid and run_id(get_crawler(settings_dict={"NEWSBOT_RUN_ID": rid})) == rid
    given = Settings({"NEWSBOT_RUN_ID": "cron-42"})
    RunIdAddon().update_settings(given)
    assert given["NEWSBOT_RUN_ID"] == "cron-42"


def test_the_redis_add_on_chooses_the_redis_state_at_add_on_priority() -> None:
    settings = Settings({"NEWSBOT_REDIS_URL": "redis://127.0.0.1:1/0"})
    settings.set("NEWSBOT_NEARDUP_INDEX_CLASS", "my.Index", priority="cmdline")
    RedisScaleOut().update_settings(settings)
    assert settings["NEWSBOT_SEEN_STORE_CLASS"] == "newsbot.scaleout.seen.RedisSeenStore"
    assert settings.getpriority("NEWSBOT_SEEN_STORE_CLASS") == settings.getpriority("SCHEDULER")
    assert settings["NEWSBOT_NEARDUP_INDEX_CLASS"] == "my.Index"  # -s still wins


def test_the_redis_state_wins_over_the_project_settings_defaults() -> None:
    # newsbot/settings.py declares the one-process classes at "project" priority, above "addon".
    settings = get_project_settings()
    settings.set("NEWSBOT_REDIS_URL", "redis://127.0.0.1:1/0", priority="cmdline")
    RedisScaleOut().update_settings(settings)
    assert settings["NEWSBOT_SEEN_STORE_CLASS"] == "newsbot.scaleout.seen.RedisSeenStore"
    assert settings["NEWSBOT_NEARDUP_INDEX_CLASS"] == "newsbot.scaleout.neardup.RedisSignatureIndex"
