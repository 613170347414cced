"""Stage results prepared in the two worker calls must be exactly what each stage computes itself."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from newsbot import prepared
from newsbot.items import ArticleItem
from newsbot.settings import ITEM_PIPELINES

SITE = Path(__file__).resolve().parents[1] / "newsbot" / "demo" / "site"
PAGES = sorted(SITE.rglob("*.html"))
COMPARED = (
    "title", "body", "authors", "language", "language_confidence", "conflict_score", "word_count",
    "content_hash", "duplicate_of", "removed",
)  # fmt: skip


def _pipelines(tmp_path: Path, **settings: Any) -> list[Any]:
    crawler = get_crawler(
        settings_dict={
            "NEWSBOT_OUTPUT_DIR": str(tmp_path),
            "NEWSBOT_TEMPLATE_WARMUP_DOCS": 0,
            "NEWSBOT_TEMPLATE_PERSIST": False,
            "ITEM_PIPELINES": ITEM_PIPELINES,
            **settings,
        }
    )
    order = sorted(
        (p for p in ITEM_PIPELINES if not p.endswith("ParquetStorePipeline")), key=ITEM_PIPELINES.get
    )
    built = []
    for path in order:
        pipe = build_from_crawler(load_object(path), crawler)
        if hasattr(pipe, "open_spider"):
            pipe.open_spider()
        built.append(pipe)
    return built


def _crawl(tmp_path: Path, forget_prepared: bool) -> dict[str, dict[str, Any]]:
    pipes = _pipelines(tmp_path)
    out: dict[str, dict[str, Any]] = {}

    async def run(item: ArticleItem) -> None:
        for pipe in pipes:
            if forget_prepared:
                item.prepared = None  # every stage computes its own result
            await pipe.process_item(item)

    for page in PAGES:
        rel = page.relative_to(SITE).as_posix()
        item = ArticleItem(
            url=f"https://{rel}", source=rel.split("/")[0], fetched_at=datetime(2026, 11, 24, tzinfo=UTC)
        )
        item.html = page.read_bytes()  # as the spider passes it: decoded in the worker call
        try:
            asyncio.run(run(item))
        except DropItem as exc:
            out[rel] = {"dropped": str(exc)}
            continue
        a = ItemAdapter(item)
        out[rel] = {k: a.get(k) for k in COMPARED}
    return out


def test_prepared_results_equal_what_each_stage_computes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: Counter[tuple[str, bool]] = Counter()
    real_take = prepared.take

    def counting_take(a: ItemAdapter, stage: str, inputs: Any) -> Any:
        result = real_take(a, stage, inputs)
        taken[stage, result is not prepared.MISSING] += 1
        return result

    monkeypatch.setattr(prepared, "take", counting_take)
    with_prepared = _crawl(tmp_path / "a", forget_prepared=False)
    # the prepared path was really taken, by every stage, for every page it reached
    stages = ("duplicates", "rules", "templates", "language", "relevance", "finalize", "neardup")
    assert {stage: taken[stage, True] >= 20 for stage in stages} == dict.fromkeys(stages, True)
    assert {stage: taken[stage, False] for stage in stages} == dict.fromkeys(stages, 0)
    monkeypatch.setattr(prepared, "take", real_take)
    alone = _crawl(tmp_path / "b", forget_prepared=True)
    assert with_prepared == alone
    stored = [r for r in alone.values() if "body" in r]
    assert len(stored) >= 20  # the demo's articles, not a run where everything was dropped
    assert any(r["duplicate_of"] for r in stored)  # the syndicated wire story
    assert {r["language"] for r in stored} >= {"en", "fr", "ar", "uk"}


def test_a_result_for_other_input_is_not_taken() -> None:
    a = ItemAdapter(ArticleItem(url="u", source="s", fetched_at=datetime.now(UTC)))
    prepared.offer(a, "rules", (["one", "two"], []), "result")
    assert prepared.take(a, "rules", (["one", "two", "three"], [])) is prepared.MISSING
    prepared.offer(a, "rules", (["one", "two"], []), "result")
    assert prepared.take(a, "rules", (["one", "two"], [])) == "result"
    assert prepared.take(a, "rules", (["one", "two"], [])) is prepared.MISSING  # taken once


def test_a_stage_recomputes_when_a_pipeline_in_between_changed_the_text(tmp_path: Path) -> None:
    """A user's pipeline between extraction and the rules adds a line: the rules stage must see it."""
    extract, duplicates, rules = _pipelines(tmp_path)[:3]
    item = ArticleItem(url="https://meridian/a", source="meridian", fetched_at=datetime.now(UTC))
    item.html = PAGES[0].read_text(encoding="utf-8")

    async def run() -> None:
        await extract.process_item(item)
        await duplicates.process_item(item)
        item.paragraphs = [*item.paragraphs, "Read more: Ceasefire talks resume in Doha"]
        await rules.process_item(item)

    asyncio.run(run())
    assert "Read more: Ceasefire talks resume in Doha" not in item.paragraphs
    assert any(text == "Read more: Ceasefire talks resume in Doha" for _, text in item.removed)


@pytest.mark.parametrize("module", ["newsbot.worker_jobs", "newsbot.worker_setup"])
def test_worker_modules_stay_light(module: str) -> None:
    """Workers run only pure functions: Scrapy, Twisted, pyarrow, numpy would cost memory per process."""
    code = (
        f"import sys, {module}; from newsbot.worker_setup import warm_up; warm_up();"
        "heavy = ('scrapy', 'twisted', 'pyarrow', 'numpy', 'scipy', 'duckdb');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _finalize_and_store(
    tmp_path: Path, body: str, change_after_finalize: str | None = None
) -> dict[str, Any]:
    import pyarrow.dataset as ds

    crawler = get_crawler(settings_dict={"NEWSBOT_OUTPUT_DIR": str(tmp_path)})
    finalize = build_from_crawler(load_object("newsbot.pipelines.finalize.FinalizePipeline"), crawler)
    store = build_from_crawler(load_object("newsbot.pipelines.store.ParquetStorePipeline"), crawler)
    # a record built from an API answer: a body, no paragraphs, no page
    item = ArticleItem(url="https://api.example.org/r/1", source="api", fetched_at=datetime.now(UTC))
    item.title = "Report"
    item.body = body

    async def run() -> None:
        await finalize.process_item(item)
        if change_after_finalize is not None:
            item.body = change_after_finalize  # a pipeline of the user's, between the two
        await store.process_item(item)

    asyncio.run(run())
    store.spider_closed()
    row = ds.dataset(tmp_path / "articles", format="parquet", partitioning="hive").to_table().to_pylist()[0]
    # the feed export (-o out.parquet) writes the same row
    import io

    import pyarrow.parquet as pq

    from newsbot.storage.exporter import ParquetItemExporter

    buf = io.BytesIO()
    exporter = ParquetItemExporter(buf)
    exporter.start_exporting()
    exporter.export_item(item)
    exporter.finish_exporting()
    exported = pq.read_table(io.BytesIO(buf.getvalue())).to_pylist()[0]
    assert (exported["body"], exported["content_hash"]) == (row["body"], row["content_hash"])
    return row


def test_the_stored_body_is_the_one_that_was_hashed_and_counted(tmp_path: Path) -> None:
    """Finalize cleans an API record's body before hashing it, and the store keeps that body
    instead of cleaning it a second time (which unescaped ``&amp;amp;`` once more)."""
    from newsbot.identify.shingles import content_hash
    from newsbot.storage.text import count_words

    row = _finalize_and_store(tmp_path, "<p>Shelling in Kharkiv &amp;amp; Izium</p>\n\n<p>Two   dead.</p>")
    assert row["body"] == "Shelling in Kharkiv &amp; Izium\nTwo dead."
    assert row["content_hash"] == content_hash(row["body"])
    assert row["word_count"] == count_words(row["body"])


def test_the_store_cleans_a_body_changed_after_finalize(tmp_path: Path) -> None:
    row = _finalize_and_store(tmp_path, "Two dead.", change_after_finalize="<b>Two</b>  dead &amp; one hurt.")
    assert row["body"] == "Two dead & one hurt."


def test_a_result_computed_with_other_rule_files_is_not_taken(tmp_path: Path) -> None:
    """Prepared results are tagged with the settings they were computed with: a rules stage
    built on other rule files than the extraction worker used runs its own rules."""
    extract, duplicates = _pipelines(tmp_path / "a")[:2]
    own = tmp_path / "own.rules"
    own.write_text("[sponsored]\nline: sponsored content\n", encoding="utf-8")
    crawler = get_crawler(
        settings_dict={"NEWSBOT_OUTPUT_DIR": str(tmp_path / "b"), "NEWSBOT_CLEANING_RULES": str(own)}
    )
    rules = build_from_crawler(load_object("newsbot.pipelines.clean.BoilerplateRulesPipeline"), crawler)
    item = ArticleItem(url="https://meridian/a", source="meridian", fetched_at=datetime.now(UTC))
    item.html = (SITE / "meridian" / "world" / "2026" / "11" / "sudan-displacement-camps.html").read_bytes()

    async def run() -> None:
        for pipe in (extract, duplicates, rules):
            await pipe.process_item(item)

    asyncio.run(run())
    assert "2 min read" in item.paragraphs  # the bundled rules would have removed it
