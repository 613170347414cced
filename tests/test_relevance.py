"""Conflict relevance: the lexicon on the dev calibration set, lexicon validation, the pipeline."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsbot.config.errors import ConfigError
from newsbot.config.paths import settings_path
from newsbot.enrich.relevance import Lexicon, load_lexicon, normalise
from newsbot.items import ArticleItem
from newsbot.pipelines.enrich import RelevancePipeline

LEXICON_DIR = settings_path("relevance")
DEV_SET = Path(__file__).parent / "data" / "relevance-dev.jsonl"
DEV = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
NINE = {"en", "fr", "es", "de", "ar", "fa", "tr", "uk", "ru"}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon(LEXICON_DIR)


def test_lexicon_covers_nine_languages(lexicon: Lexicon) -> None:
    assert NINE <= set(lexicon.languages)
    assert NINE <= {d["language"] for d in DEV}


@pytest.mark.parametrize("art", [d for d in DEV if d["label"] == 1], ids=lambda d: d["id"])
def test_conflict_coverage_scores_above_half(lexicon: Lexicon, art: dict) -> None:
    assert lexicon.score(art["title"], art["body"], art["language"]) > 0.5


@pytest.mark.parametrize("art", [d for d in DEV if d["label"] == 0], ids=lambda d: f"{d['id']}-{d['kind']}")
def test_hard_negatives_score_below_half(lexicon: Lexicon, art: dict) -> None:
    assert lexicon.score(art["title"], art["body"], art["language"]) < 0.5


def test_score_is_a_probability_and_title_counts_more(lexicon: Lexicon) -> None:
    filler = "The city council met on Monday to discuss the budget for schools and roads. " * 4
    in_title = lexicon.assess("Airstrike hits village", filler, "en")
    in_body = lexicon.assess("Council meets", "Airstrike hits village. " + filler, "en")
    assert in_title and in_body
    assert 0.0 <= in_body.score < in_title.score <= 1.0


def test_unknown_language_is_not_scored(lexicon: Lexicon) -> None:
    assert lexicon.score("Attacco aereo", "Bombardamenti", "it") is None


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ar", "والجيش بالصواريخ للقوات", {"جيش", "صواريخ", "قوات"}),  # clitics و ب ال لل
        ("ar", "إطلاق النار", {"اطلاق النار"}),  # hamza folded
        ("ru", "после обстрелами ВСУ", {"обстрел", "всу"}),  # case endings
        ("uk", "перемир’я", {"перемир"}),  # typographic apostrophe
        ("tr", "İSRAİL ORDUSUNUN saldırıları", {"ordu", "saldırı"}),  # dotted capital I
        ("de", "Drohnenangriffen", {"drohnenangriff"}),  # compound head and ending
        ("fa", "حمله‌های هوایی", {"حمله های هوایی"}),  # ZWNJ before the plural suffix
        ("en", "an air-strike", {"air-strike"}),  # hyphen matches the space in a phrase
    ],
)
def test_inflection_and_normalisation(lexicon: Lexicon, language: str, text: str, expected: set[str]) -> None:
    found = {w for words in lexicon.explain(text, language).values() for w in words}
    for stem in expected:
        assert any(stem in w for w in found), (stem, found)


def test_whole_words_only(lexicon: Lexicon) -> None:
    assert lexicon.explain("warranty warden", "en") == {}
    # Russian "осадки" (rainfall) is not "осада" (siege).
    assert not any("осад" in w for ws in lexicon.explain("сильные осадки", "ru").values() for w in ws)


def test_normalise() -> None:
    assert normalise("  ЁЛКА\n\tи  всё ", "ru") == "елка и все"
    assert normalise("Iğdır İli", "tr") == "ığdır ili"
    assert normalise("قُتِلَ", "ar") == "قتل"


# --- lexicon validation ---------------------------------------------------------------------------

GOOD = 'language = "xx"\n\n[[group]]\nname = "g"\nweight = 1.0\nterms = ["alpha", "beta*"]\n'


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        (GOOD.replace("weight = 1.0", 'weight = "high"'), "group[0] (g).weight", 5),
        (GOOD.replace("weight = 1.0", "weight = 0"), "group[0] (g).weight", 5),
        (GOOD.replace('"beta*"', '"be*ta"'), "group[0] (g).terms[1]", 6),
        (GOOD.replace('"beta*"', '"alpha"'), "group[0] (g).terms[1]", 6),
        (GOOD.replace('"beta*"', "3"), "group[0] (g).terms[1]", None),
        (GOOD.replace("terms =", "termz ="), "group[0] (g).termz", 6),
        (GOOD.replace('language = "xx"', 'language = "english"'), "language", None),
        ("colour = 1\n" + GOOD, "colour", 1),
        (GOOD + "colour = 1\n", "group[0] (g).colour", 7),
    ],
)
def test_validation_errors_name_file_line_and_field(
    tmp_path: Path, text: str, field: str, line: int | None
) -> None:
    path = tmp_path / "xx.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_lexicon(tmp_path)
    err = info.value
    assert err.where == str(path) and err.field == field and err.line == line
    assert "xx.toml" in str(err) and field in str(err)


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "xx.toml").write_text(GOOD + 'oops = "\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"xx\.toml:7: invalid TOML"):
        load_lexicon(tmp_path)


def test_scoring_file_is_validated(tmp_path: Path) -> None:
    (tmp_path / "xx.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "scoring.toml").write_text("[scoring]\nslope = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"scoring\.toml:2: field 'slope'"):
        load_lexicon(tmp_path)


def test_duplicate_language_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"b\.toml: field 'language': 'xx' is already defined"):
        load_lexicon(tmp_path)


def test_missing_lexicon(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_lexicon(tmp_path / "nope")


# --- pipeline -------------------------------------------------------------------------------------


def _item(art: dict, **kw: object) -> ArticleItem:
    return ArticleItem(
        url="https://example.org/" + art["id"],
        source="example",
        fetched_at=datetime.now(UTC),
        title=art["title"],
        paragraphs=art["body"].split(". "),
        **kw,  # type: ignore[arg-type]
    )


def _dev(kind: str, label: int, language: str = "en") -> dict:
    return next(d for d in DEV if d["kind"] == kind and d["label"] == label and d["language"] == language)


@deferred_f_from_coro_f
async def test_pipeline_scores_and_counts() -> None:
    crawler = get_crawler(settings_dict={})
    pipe = build_from_crawler(RelevancePipeline, crawler)
    war = _item(_dev("strike", 1), language="en")
    football = _item(_dev("sport", 0), language="en")
    assert await pipe.process_item(war) is war
    await pipe.process_item(football)
    assert war.conflict_score > 0.5 > football.conflict_score
    stats = crawler.stats.get_stats()
    assert stats["newsbot/relevance/conflict"] == 1 and stats["newsbot/relevance/other"] == 1


@deferred_f_from_coro_f
async def test_pipeline_uses_declared_language_without_detection() -> None:
    pipe = build_from_crawler(RelevancePipeline, get_crawler(settings_dict={}))
    item = _item(_dev("strike", 1, "ru"), hints={"language": "ru-RU"})
    await pipe.process_item(item)
    assert item.conflict_score > 0.5


@deferred_f_from_coro_f
async def test_pipeline_drops_below_minimum() -> None:
    crawler = get_crawler(settings_dict={"NEWSBOT_MIN_CONFLICT_SCORE": "0.5"})
    pipe = build_from_crawler(RelevancePipeline, crawler)
    await pipe.process_item(_item(_dev("strike", 1), language="en"))
    with pytest.raises(DropItem, match=r"^relevance:0\.\d\d$"):
        await pipe.process_item(_item(_dev("business", 0), language="en"))
    unscored = _item(_dev("strike", 1), language="it")
    with pytest.raises(DropItem, match=r"^relevance:0\.00$"):
        await pipe.process_item(unscored)
    stats = crawler.stats.get_stats()
    assert stats["newsbot/dropped/relevance"] == 2 and stats["newsbot/relevance/unscored"] == 1


def test_pipeline_lexicon_setting_and_errors(tmp_path: Path) -> None:
    lex = tmp_path / "lex"
    shutil.copytree(LEXICON_DIR, lex)
    pipe = build_from_crawler(
        RelevancePipeline, get_crawler(settings_dict={"NEWSBOT_RELEVANCE_LEXICON": str(lex)})
    )
    assert "uk" in pipe.lexicon
    (lex / "uk.toml").write_text('language = "uk"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"uk\.toml: field 'group'"):
        build_from_crawler(
            RelevancePipeline, get_crawler(settings_dict={"NEWSBOT_RELEVANCE_LEXICON": str(lex)})
        )
    with pytest.raises(ConfigError, match="NEWSBOT_MIN_CONFLICT_SCORE"):
        build_from_crawler(RelevancePipeline, get_crawler(settings_dict={"NEWSBOT_MIN_CONFLICT_SCORE": 2}))


def test_pipeline_switched_off() -> None:
    with pytest.raises(NotConfigured):
        build_from_crawler(
            RelevancePipeline, get_crawler(settings_dict={"NEWSBOT_RELEVANCE_ENABLED": "False"})
        )


def test_longest_term_wins_and_matches_do_not_overlap(lexicon: Lexicon) -> None:
    assert lexicon.explain("a price war on milk", "en") == {"business and markets (-2)": ["price war"]}
    assert lexicon.explain("the drone strikes", "en") == {"strikes and fighting (+3)": ["drone strikes"]}
