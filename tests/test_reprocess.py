"""``newsbot reprocess``: a crawl kept its raw pages (``NEWSBOT_WARC_ENABLED``); a cleaning rule
changes; reprocessing the WARC files gives the same records with the new bodies, and asks the site
for nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.data.hostile.harness import FAST, article_requests, hostile_site, newsbot, read_articles, summaries
from tests.test_warc_writer import WARC_ON, assert_rows_name_their_responses

#: a paragraph every page of the site has, and a rule (a settings override) that removes it
PARAGRAPH = "Humanitarian agencies warned that the fighting had forced thousands of families"
#: The site's pages share every paragraph but a number, which the template learner strips from the
#: later pages, in whatever order they come: off, so that each body depends on the rules alone.
NO_TEMPLATES = ["-s", "NEWSBOT_CLEAN_TEMPLATES=False"]
RULE = "[test]\nline: humanitarian agencies warned that the fighting had forced thousands of families .*\n"


#: columns a reprocess may change: the body and what is computed from it, and the run's own
BODY_AND_RUN = {"body", "word_count", "content_hash", "run_id", "fetched_at", "date"}


@pytest.fixture(scope="module")
def site():
    with hostile_site() as base:
        yield base


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reprocess") / "out"
    proc = newsbot(
        "crawl", "--output", str(out), *FAST, *WARC_ON, *NO_TEMPLATES,
        "--feeds", f"{site}/feed.xml?n=8&gz=1", "--urls", f"{site}/article/30",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture
def rules(tmp_path: Path) -> list[str]:
    extra = tmp_path / "override.rules"
    extra.write_text(RULE, encoding="utf-8")
    return [*NO_TEMPLATES, "-s", f"NEWSBOT_CLEANING_RULES=settings/cleaning,{extra}"]


def bodies(out: Path) -> dict[str, str]:
    return {r["id"]: r["body"] for r in read_articles(out).select(["id", "body"]).to_pylist()}


def without_paragraph(body: str) -> str:
    return "\n".join(p for p in body.split("\n") if not p.startswith(PARAGRAPH))


def dataset_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "articles").rglob("*.parquet"))}


def test_reprocess_into_a_new_directory_applies_the_new_rule_and_fetches_nothing(
    site, crawled, rules, tmp_path
) -> None:
    old = bodies(crawled)
    assert len(old) == 9 and all(PARAGRAPH in b for b in old.values())
    before = dataset_files(crawled)
    fetched = article_requests(site)

    new = tmp_path / "new"
    proc = newsbot("reprocess", "--output", str(crawled), "--into", str(new), *FAST, *rules)
    assert proc.returncode == 0, proc.stderr[-3000:]

    assert article_requests(site) == fetched, "reprocess sent a request to the site"
    assert summaries(new)[-1]["finish_reason"] == "finished"
    got = bodies(new)
    assert set(got) == set(old)
    for id_, body in got.items():
        assert PARAGRAPH not in body
        assert body == without_paragraph(old[id_])
    # Everything but the body (and what follows from it) and the run is the crawl's record again:
    # the same source, discovery path, listing, listing hints, raw page.
    was = {r["id"]: r for r in read_articles(crawled).to_pylist()}
    for row in read_articles(new).to_pylist():
        differing = sorted(c for c in row if c not in BODY_AND_RUN and row[c] != was[row["id"]][c])
        assert differing == [], (row["url"], differing)
    # NEWDIR's rows name their raw pages under NEWDIR; the feed's record made no reject
    assert assert_rows_name_their_responses(new) == 9
    assert not (new / "rejects").exists() or not list((new / "rejects").rglob("*.parquet"))
    assert dataset_files(crawled) == before, "the source dataset is left as it was"


def test_reprocess_in_place_swaps_the_whole_dataset(site, crawled, rules, tmp_path) -> None:
    out = tmp_path / "copy"
    shutil.copytree(crawled, out)
    old = bodies(out)
    fetched = article_requests(site)

    proc = newsbot("reprocess", "--output", str(out), *FAST, *rules)
    assert proc.returncode == 0, proc.stderr[-3000:]

    assert article_requests(site) == fetched
    got = bodies(out)
    assert set(got) == set(old)
    assert all(body == without_paragraph(old[id_]) for id_, body in got.items())
    assert assert_rows_name_their_responses(out) == 9
    assert not list(out.glob(".reprocess-*")), "the staging directory is removed"
    assert [s["finish_reason"] for s in summaries(out)] == ["finished", "finished"]


def test_a_failing_reprocess_leaves_the_dataset_as_it_was(crawled, tmp_path) -> None:
    out = tmp_path / "copy"
    shutil.copytree(crawled, out)
    before = dataset_files(out)
    bad = tmp_path / "bad.rules"
    bad.write_text("[test]\nline: (unclosed\n", encoding="utf-8")
    proc = newsbot("reprocess", "--output", str(out), *FAST, "-s", f"NEWSBOT_CLEANING_RULES={bad}")
    assert proc.returncode == 2
    assert "bad.rules" in proc.stderr
    assert dataset_files(out) == before
    assert not list(out.glob(".reprocess-*"))


def test_reprocess_refuses_a_target_that_holds_a_dataset_or_a_source_without_warc(crawled, tmp_path) -> None:
    other = tmp_path / "other"
    (other / "articles").mkdir(parents=True)
    proc = newsbot("reprocess", "--output", str(crawled), "--into", str(other))
    assert proc.returncode == 2 and "already holds a dataset" in proc.stderr
    proc = newsbot("reprocess", "--output", str(tmp_path / "empty"))
    assert proc.returncode == 2 and "no WARC files" in proc.stderr
