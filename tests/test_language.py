"""Language detection: deterministic, ISO 639-1 codes, declared-language fallback, and the pipeline."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsbot.config.errors import ConfigError
from newsbot.enrich.language import (
    DECLARED_CONFIDENCE,
    UNDETERMINED,
    detect_language,
    iso639_1,
    sample_text,
)
from newsbot.items import ArticleItem
from newsbot.pipelines.enrich import LanguagePipeline

SAMPLES = {
    "en": "The government announced new measures on Tuesday to support families facing higher energy bills.",
    "fr": "Le gouvernement a annoncé mardi de nouvelles mesures pour soutenir les familles face à la hausse.",
    "es": "El gobierno anunció el martes nuevas medidas para apoyar a las familias ante la subida.",
    "de": "Die Regierung hat am Dienstag neue Maßnahmen angekündigt, um Familien zu helfen.",
    "ar": "أعلنت الحكومة يوم الثلاثاء عن إجراءات جديدة لدعم الأسر في مواجهة ارتفاع أسعار الطاقة.",
    "fa": "دولت روز سه‌شنبه اقدامات تازه‌ای را برای حمایت از خانواده‌ها در برابر افزایش قیمت انرژی اعلام کرد.",
    "tr": "Hükümet salı günü, artan enerji fiyatları karşısında ailelere yeni önlemler açıkladı.",
    "ru": "Правительство во вторник объявило о новых мерах поддержки семей в связи с ростом цен на энергию.",
    "uk": "Уряд у вівторок оголосив про нові заходи підтримки родин у зв'язку зі зростанням цін на енергію.",
}

# Short and mixed, so that langdetect's random sampling gives different probabilities from one
# unseeded run to the next.
AMBIGUOUS = "Novi Sad Bratislava Kosice hotel restaurant centrum 2024 program info kontakt"


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_detects_nine_languages_as_iso639_1(code: str) -> None:
    guess = detect_language(SAMPLES[code])
    assert guess.code == code
    assert guess.method == "detected"
    assert 0.5 < guess.confidence <= 1.0


def test_same_text_same_answer_in_any_order() -> None:
    first = [detect_language(AMBIGUOUS) for _ in range(5)]
    for code in SAMPLES:  # other texts in between must not change the next answer
        detect_language(SAMPLES[code])
    later = [detect_language(t) for t in [SAMPLES["ru"], AMBIGUOUS, SAMPLES["uk"], AMBIGUOUS]]
    assert len(set(first)) == 1
    assert later[1] == later[3] == first[0]


def test_same_answer_in_another_process() -> None:
    code = (
        "from newsbot.enrich.language import detect_language as d;"
        f"print(d({SAMPLES['fr']!r}).code, d({AMBIGUOUS!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    detect_language(SAMPLES["ar"])  # different history in this process
    assert out.strip() == f"fr {detect_language(AMBIGUOUS)}"


def test_chinese_variants_map_to_zh() -> None:
    text = "中华人民共和国国务院今天发布了关于进一步加强能源安全保障工作的通知，要求各地区各部门认真落实。"
    assert detect_language(text).code == "zh"


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("en-GB", "en"),
        ("EN_us", "en"),
        ("zh-cn", "zh"),
        ("zh-Hant-TW", "zh"),
        ("iw", "he"),
        ("fil", None),
        ("", None),
    ],
)
def test_iso639_1(tag: str, code: str | None) -> None:
    assert iso639_1(tag) == code


def test_short_text_falls_back_to_declared_language() -> None:
    guess = detect_language("Gaza: live", declared="fr-FR")
    assert (guess.code, guess.confidence, guess.method) == ("fr", DECLARED_CONFIDENCE, "declared")
    assert detect_language("12:30 — 3 / 4", declared=None) == detect_language("", None)
    assert detect_language("", None).code == UNDETERMINED
    assert detect_language("", None).confidence == 0.0


def test_long_text_ignores_a_wrong_declaration() -> None:
    guess = detect_language(SAMPLES["de"] + " " + SAMPLES["de"], declared="en")
    assert guess.code == "de" and guess.method == "detected"


def test_sample_text_cuts_the_body_at_a_word() -> None:
    body = "word " * 1000
    sample = sample_text("Title", body, limit=100)
    assert sample.startswith("Title\n") and len(sample) <= 106 and not sample.endswith("wor")
    assert sample_text(None, "short") == "short"


# --- pipeline -------------------------------------------------------------------------------------


def _item(title: str, paragraphs: list[str], **kw: object) -> ArticleItem:
    return ArticleItem(
        url="https://example.org/a",
        source="example",
        fetched_at=datetime.now(UTC),
        title=title,
        paragraphs=paragraphs,
        **kw,  # type: ignore[arg-type]
    )


@deferred_f_from_coro_f
async def test_pipeline_sets_language_and_counts() -> None:
    crawler = get_crawler(settings_dict={})
    pipe = build_from_crawler(LanguagePipeline, crawler)
    item = _item("Уряд оголосив нові заходи", [SAMPLES["uk"]])
    assert await pipe.process_item(item) is item
    assert item.language == "uk" and item.language_confidence and item.language_confidence > 0.5
    short = _item("", [], hints={"language": "ar"})
    await pipe.process_item(short)
    assert (short.language, short.language_confidence) == ("ar", DECLARED_CONFIDENCE)
    stats = crawler.stats.get_stats()
    assert stats["newsbot/language/uk"] == 1 and stats["newsbot/language/ar"] == 1


@deferred_f_from_coro_f
async def test_pipeline_reads_body_when_there_are_no_paragraphs() -> None:
    pipe = build_from_crawler(LanguagePipeline, get_crawler(settings_dict={}))
    item = _item("", [], body=SAMPLES["tr"])
    await pipe.process_item(item)
    assert item.language == "tr"


@pytest.mark.parametrize("setting", ["en, fr", ["en", "FR-fr"]])
@deferred_f_from_coro_f
async def test_pipeline_drops_other_languages(setting: object) -> None:
    crawler = get_crawler(settings_dict={"NEWSBOT_LANGUAGES": setting})
    pipe = build_from_crawler(LanguagePipeline, crawler)
    await pipe.process_item(_item("", [SAMPLES["fr"]]))
    with pytest.raises(DropItem, match="^language:es$"):
        await pipe.process_item(_item("", [SAMPLES["es"]]))
    assert crawler.stats.get_value("newsbot/dropped/language") == 1


def test_pipeline_rejects_a_bad_language_setting() -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_LANGUAGES.*'english'"):
        build_from_crawler(LanguagePipeline, get_crawler(settings_dict={"NEWSBOT_LANGUAGES": "english"}))


def test_pipeline_switched_off() -> None:
    with pytest.raises(NotConfigured):
        build_from_crawler(LanguagePipeline, get_crawler(settings_dict={"NEWSBOT_LANGUAGE_ENABLED": False}))


def test_batched_detector_gives_langdetects_own_probabilities() -> None:
    """The faster sampling loop is a rewrite of langdetect's: same numbers, to the last bit."""
    import json
    from pathlib import Path

    from langdetect.detector import Detector

    from newsbot.enrich.language import _factory

    corpus = Path(__file__).parent / "corpora" / "relevance" / "articles.jsonl"
    texts = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) >= 80
    for article in texts:
        sample = sample_text(article["title"], article["body"])
        ours = _factory().create()
        ours.append(sample)
        stock = Detector(_factory())
        stock.append(sample)
        assert type(ours) is not Detector
        assert [(c.lang, c.prob) for c in ours.get_probabilities()] == [
            (c.lang, c.prob) for c in stock.get_probabilities()
        ], article["id"]


def test_rewritten_ngram_extraction_gives_langdetects_own_ngrams() -> None:
    """``append`` and ``_extract_ngrams`` are rewrites of langdetect's loops: same text kept, same
    n-grams in the same order (the random sampling draws from that list), on every kind of
    character their branches treat apart: capitals, runs of spaces, URLs and e-mail addresses,
    Vietnamese marks, Romanian commas, Persian yeh, kana, CJK, Hangul, punctuation."""
    import random

    from langdetect.detector import Detector

    from newsbot.enrich.language import _factory

    alphabet = list("abcXYZ  .,!—\u00a0\t\nÉéßșțی ابپ ạệ あア 一二 가 ") + [" http://x.org/a ", " a@b.com "]
    rnd = random.Random(7)
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 120))) for _ in range(2000)]
    texts += ["NATO AND THE UN", "Київ  під   обстрілом", "Tiếng Việt có dấu", "A.B.C. DEF ghi"]
    for text in texts:
        ours = _factory().create()
        ours.append(text)
        stock = Detector(_factory())
        stock.append(text)
        assert ours.text == stock.text, text
        assert ours._extract_ngrams() == stock._extract_ngrams(), text
