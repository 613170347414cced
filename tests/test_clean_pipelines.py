from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsbot.clean.quality import assess
from newsbot.config.errors import ConfigError
from newsbot.items import ArticleItem
from newsbot.pipelines.clean import QualityPipeline
from newsbot.pipelines.page import PagePipeline
from newsbot.pipelines.templates import TemplateStore
from newsbot.process.build import build_plan

DATA = Path(__file__).parent / "data"


def _crawler(tmp_path: Path, **settings: object):
    # the stages run inline, in this process: the reactor runs for the session, so the default would
    # start a worker pool that no engine closes (the pool is tested by crawls: tests/test_crawl.py)
    return get_crawler(settings_dict={"NEWSBOT_OUTPUT_DIR": str(tmp_path), "NEWSBOT_WORKERS": 0, **settings})


@deferred_f_from_coro_f
async def test_dirty_record_through_the_pipelines(tmp_path: Path) -> None:
    lines = (DATA / "dirty-record.txt").read_text(encoding="utf-8").splitlines()
    crawler = _crawler(tmp_path, NEWSBOT_TEMPLATE_WARMUP_DOCS=1)
    pipes = [build_from_crawler(cls, crawler) for cls in (PagePipeline, QualityPipeline)]
    item = ArticleItem(
        url="https://example.org/a",
        source="example",
        fetched_at=datetime.now(UTC),
        title=lines[0],
        description=lines[2],
        paragraphs=lines[1:],
    )

    async def run() -> ArticleItem:
        for p in pipes:
            await p.process_item(item)
        return item

    await run()
    assert item.paragraphs == [lines[2], *lines[4:16]]
    assert crawler.stats.get_value("newsbot/clean/duplicates/paragraphs_removed") == 12
    assert crawler.stats.get_value("newsbot/clean/rules/read_time") == 1
    assert crawler.stats.get_value("newsbot/clean/rules/image") == 1
    assert ("rules/read_time", "2 min read") in item.removed


@pytest.mark.parametrize(
    ("stage", "setting"),
    [
        ("duplicates", "NEWSBOT_CLEAN_DUPLICATES"),
        ("rules", "NEWSBOT_CLEAN_RULES"),
        ("templates", "NEWSBOT_CLEAN_TEMPLATES"),
        ("quality", "NEWSBOT_CLEAN_QUALITY"),
    ],
)
def test_switches(tmp_path: Path, stage: str, setting: str) -> None:
    assert stage in build_plan(_crawler(tmp_path).settings).names
    crawler = _crawler(tmp_path, **{setting: False})
    assert stage not in build_plan(crawler.settings).names
    if stage == "templates":
        with pytest.raises(NotConfigured):
            build_from_crawler(TemplateStore, crawler)
    if stage == "quality":
        with pytest.raises(NotConfigured):
            build_from_crawler(QualityPipeline, crawler)


def test_bad_user_rules_stop_the_run(tmp_path: Path) -> None:
    f = tmp_path / "x.rules"
    f.write_text("line: [unclosed\n")
    with pytest.raises(ConfigError):
        build_from_crawler(PagePipeline, _crawler(tmp_path, NEWSBOT_CLEANING_RULES=[str(f)]))


PROSE = (
    "Shelling hit the eastern district overnight, killing at least nine people and wounding "
    "dozens more, according to the regional governor, who said rescuers were still searching."
)


@pytest.mark.parametrize(
    ("paragraphs", "kwargs", "reason"),
    [
        ([], {}, "empty"),
        (["Nine killed in overnight shelling."], {}, "too_short"),
        (
            ["The page you are looking for does not exist.", "Go to the homepage"],
            {"title": "Page not found"},
            "not_article:error_page",
        ),
        ([f"Headline number {i} about the war" for i in range(20)], {}, "not_article:listing"),
        (["Troops advanced on the town.", "Subscribe to continue reading"], {}, "not_article:paywall"),
        (["Watch: drone footage of the strike."], {"page_type": "videoobject"}, "not_article:video"),
        ([PROSE, PROSE.replace("nine", "ten")], {}, None),
        (
            ["قالت وزارة الصحة إن القصف أسفر عن مقتل تسعة أشخاص وإصابة العشرات في الحي الشرقي من المدينة"]
            * 1,
            {},
            "too_short",
        ),
        (["东部地区昨夜遭到炮击" * 12], {}, None),
    ],
)
def test_quality_reasons(paragraphs: list[str], kwargs: dict, reason: str | None) -> None:
    assert assess(paragraphs, **kwargs) == reason


@deferred_f_from_coro_f
async def test_quality_pipeline_drop_message_starts_with_code(tmp_path: Path) -> None:
    pipe = build_from_crawler(QualityPipeline, _crawler(tmp_path, NEWSBOT_MIN_WORDS=5))
    item = ArticleItem(url="u", source="s", fetched_at=datetime.now(UTC), paragraphs=["Too few here."])
    with pytest.raises(DropItem, match=r"^too_short: "):
        await pipe.process_item(item)
    ok = ArticleItem(url="u", source="s", fetched_at=datetime.now(UTC), paragraphs=[PROSE])
    assert await pipe.process_item(ok) is ok
