from __future__ import annotations

import asyncio
import json
from pathlib import Path

from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsbot.clean.templates import TemplateConfig, TemplateLearner
from newsbot.items import ArticleItem
from newsbot.pipelines.page import PagePipeline

FOOTER = "Get the Meridian Post app for breaking alerts from the front lines"
PROMO = "© 2024 Meridian Post — independent reporting since 1998"
BACKGROUND = (
    "Russia launched its full-scale invasion of Ukraine in February 2022, and since then the war has "
    "killed tens of thousands of civilians and displaced millions of people across the country and abroad."
)


PLACES = ["Kharkiv", "Rafah", "El Fasher", "Goma", "Khartoum", "Sumy", "Jenin", "Mariupol", "Idlib", "Aleppo"]
NAMES = ["Amina", "Oleh", "Fatima", "Jean", "Musa", "Iryna", "Yusuf", "Hana", "Omar", "Lena"]


def article(i: int) -> list[str]:
    # Lines differ by words (the learner folds digits, so numbers alone would not tell them apart).
    place, name = PLACES[i % 10] + "-" + PLACES[(i // 10) % 10], NAMES[i % 10] + " " + NAMES[(i // 10) % 10]
    return [
        f"Shelling hit {place} overnight, officials said.",
        f"A witness, {name}, described the damage to the school and the clinic.",
        BACKGROUND,
        FOOTER,
        PROMO.replace("2024", str(2020 + i % 5)),
    ]


def test_learns_recurring_lines_not_prose() -> None:
    learner = TemplateLearner(TemplateConfig(min_docs=3))
    for i in range(4):
        learner.observe("meridian", article(i), f"https://m.example/{i}")
    res = learner.strip("meridian", article(9))
    assert FOOTER in res.removed and any(r.startswith("©") for r in res.removed)
    # A long prose line needs far more evidence than four documents.
    assert BACKGROUND in res.paragraphs
    assert res.paragraphs[0].startswith("Shelling hit")
    # A page seen twice counts once; another source learns nothing from this one.
    assert not learner.observe("meridian", article(0), "https://m.example/0")
    assert learner.strip("other", article(9)).removed == []


def test_state_round_trip_and_cap(tmp_path: Path) -> None:
    learner = TemplateLearner(TemplateConfig(max_lines=50))
    for i in range(40):
        learner.observe("meridian", article(i), f"u{i}")
    assert len(learner.sources["meridian"].lines) <= 50
    path = tmp_path / "state" / "templates.json"
    learner.save(path)
    assert json.loads(path.read_text())["version"] == 1
    assert json.loads(path.read_text()) == learner.to_json()  # written source by source, same JSON
    assert not list(path.parent.glob(".templates-*"))  # no temporary file left behind
    again = TemplateLearner.load(path, TemplateConfig(max_lines=50))
    assert again.documents("meridian") == 40
    assert FOOTER in again.strip("meridian", article(99)).removed
    (tmp_path / "bad.json").write_text("{not json")
    assert TemplateLearner.load(tmp_path / "bad.json").documents("meridian") == 0


def _item(i: int, source: str = "meridian") -> ArticleItem:
    from datetime import UTC, datetime

    return ArticleItem(
        url=f"https://m.example/{i}", source=source, fetched_at=datetime.now(UTC), paragraphs=article(i)
    )


def _pipeline(tmp_path: Path, **settings: object) -> PagePipeline:
    """The page pipeline with only the template stage doing anything to these paragraphs."""
    only_templates = {"NEWSBOT_CLEAN_DUPLICATES": False, "NEWSBOT_CLEAN_RULES": False}
    # the stages run inline, in this process: the reactor runs for the session, so the default would
    # start a worker pool that no engine closes (the pool is tested by crawls: tests/test_crawl.py)
    inline = {"NEWSBOT_WORKERS": 0}
    crawler = get_crawler(
        settings_dict={"NEWSBOT_OUTPUT_DIR": str(tmp_path), **inline, **only_templates, **settings}
    )
    return build_from_crawler(PagePipeline, crawler)


@deferred_f_from_coro_f
async def test_pipeline_buffers_first_articles_until_evidence(tmp_path: Path) -> None:
    async def run() -> list[ArticleItem]:
        pipe = _pipeline(tmp_path, NEWSBOT_TEMPLATE_WARMUP_DOCS=4, NEWSBOT_TEMPLATE_WARMUP_TIMEOUT=30)
        tasks = [asyncio.ensure_future(pipe.process_item(_item(i))) for i in range(3)]
        await asyncio.sleep(0.05)
        assert not any(t.done() for t in tasks)  # held: too little evidence yet
        last = await pipe.process_item(_item(3))
        items = [*(await asyncio.gather(*tasks)), last]
        pipe.templates.spider_closed()
        return items

    items = await run()
    # The first articles got the same cleaning as the fourth.
    for it in items:
        assert FOOTER not in it.paragraphs
        assert ("templates", FOOTER) in it.removed
    assert (tmp_path / "state" / "templates.json").exists()

    async def second_run() -> ArticleItem:
        pipe = _pipeline(tmp_path, NEWSBOT_TEMPLATE_WARMUP_DOCS=4)
        return await pipe.process_item(_item(50))  # enough evidence from the saved state: not held

    assert FOOTER not in (await second_run()).paragraphs


@deferred_f_from_coro_f
async def test_pipeline_timer_releases_a_lone_article(tmp_path: Path) -> None:
    async def run() -> ArticleItem:
        pipe = _pipeline(tmp_path, NEWSBOT_TEMPLATE_WARMUP_TIMEOUT=0.05, NEWSBOT_TEMPLATE_PERSIST=False)
        return await asyncio.wait_for(pipe.process_item(_item(1, "lonely")), timeout=5)

    item = await run()
    assert item.paragraphs == article(1)


@deferred_f_from_coro_f
async def test_pipeline_idle_releases(tmp_path: Path) -> None:
    async def run() -> ArticleItem:
        pipe = _pipeline(tmp_path, NEWSBOT_TEMPLATE_WARMUP_TIMEOUT=60, NEWSBOT_TEMPLATE_PERSIST=False)
        task = asyncio.ensure_future(pipe.process_item(_item(1, "idle")))
        await asyncio.sleep(0.01)
        pipe.templates.spider_idle()
        return await asyncio.wait_for(task, timeout=5)

    assert (await run()).paragraphs == article(1)


STANDFIRST = "Aid agencies have received less than a third of the money they asked for this winter."


@deferred_f_from_coro_f
async def test_a_standfirst_is_learned_neither_from_copies_nor_from_the_front_page(tmp_path: Path) -> None:
    """A feed's tracking URL and a sitemap's clean URL fetch one article twice, and the front page
    lists its standfirst: neither may count as another document with that line, or whichever copy
    comes last loses its standfirst (and two crawls of one site store different bodies)."""
    body = [STANDFIRST, *article(1)[:3]]
    front = [STANDFIRST, *(f"{PLACES[i]}: what we know about the strikes" for i in range(8))]

    def item(url: str, paragraphs: list[str]) -> ArticleItem:
        from datetime import UTC, datetime

        return ArticleItem(url=url, source="meridian", fetched_at=datetime.now(UTC), paragraphs=paragraphs)

    async def run() -> tuple[list[ArticleItem], int]:
        pipe = _pipeline(
            tmp_path,
            NEWSBOT_TEMPLATE_MIN_DOCS=3,
            NEWSBOT_TEMPLATE_WARMUP_DOCS=1,
            NEWSBOT_TEMPLATE_PERSIST=False,
        )
        out = [
            await pipe.process_item(item("https://m.example/world/aid?utm_source=rss", list(body))),
            await pipe.process_item(item("https://m.example/", list(front))),
            await pipe.process_item(item("https://m.example/world/aid", list(body))),
        ]
        return out, pipe.templates.learner.documents("meridian")

    items, documents = await run()
    assert documents == 1  # one article; the front page (rejected) taught nothing
    for it in (items[0], items[2]):
        assert it.paragraphs[0] == STANDFIRST
        assert ("templates", STANDFIRST) not in it.removed


def test_state_written_by_the_hex_key_version_still_loads(tmp_path: Path) -> None:
    """State files keep their layout (hex line hashes, [docs, first, last]); memory holds ints."""
    import hashlib
    import re

    from newsbot.clean.text import normalise

    old_key = hashlib.blake2b(re.sub(r"\d+", "0", normalise(FOOTER)).encode(), digest_size=8).hexdigest()
    path = tmp_path / "templates.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "sources": {"meridian": {"docs": 12, "recent": [], "lines": {old_key: [12, 0, 11]}}},
            }
        )
    )
    learner = TemplateLearner.load(path)
    story = "Shelling hit the district overnight, officials said, and rescue teams worked until dawn " * 2
    assert learner.strip("meridian", [story, FOOTER]).removed == [FOOTER]
    learner.save(path)
    assert json.loads(path.read_text())["sources"]["meridian"]["lines"] == {old_key: [12, 0, 11]}
