"""The quality verdict: what is not an article is rejected with a reason."""

from __future__ import annotations

import pytest

from newsbot.clean.quality import assess, is_front_page

TEASERS = [
    "Overnight attacks on substations cut electricity to most of the southern city.",
    "Our live coverage of the battle for the regional capital, updated through the day.",
    "Negotiators could not agree on who would monitor a proposed 30-day truce.",
    "Aid agencies have received less than a third of the money they asked for.",
    "A new report tracks checkpoints, closed military zones and farmland across the valley.",
    "The defence ministry is promising fixed-term contracts to fill gaps on the front.",
    "Underwriters in London say cover for a single transit now costs more than the freight.",
    "A hat-trick in 19 minutes sends Rovers top of the table.",
]


@pytest.mark.parametrize(
    ("url", "front"),
    [
        ("https://news.example.org/", True),
        ("https://news.example.org", True),
        ("https://news.example.org/index.html", True),
        ("https://news.example.org/fr/", True),
        ("https://news.example.org/en-gb", True),
        ("https://news.example.org/world/2026/11/24/kharkiv", False),
        ("https://news.example.org/?page=2", False),
        ("https://news.example.org/news", False),
    ],
)
def test_front_page_urls(url: str, front: bool) -> None:
    assert is_front_page(url) is front


def test_front_page_of_teaser_sentences_is_rejected() -> None:
    assert assess(TEASERS, url="https://news.example.org/") == "not_article:front_page"


def test_same_text_on_an_article_url_is_judged_as_text() -> None:
    # Eight one-sentence paragraphs at an article URL are not rejected as a front page.
    assert assess(TEASERS, url="https://news.example.org/world/2026/11/24/roundup") is None


def test_front_page_that_declares_an_article_is_kept() -> None:
    assert assess(TEASERS, url="https://blog.example.org/", is_article=True) is None


def test_words_counted_per_paragraph_add_up_to_the_texts_count() -> None:
    """``assess`` counts each paragraph once and derives the total: the same numbers as counting
    the joined text, with CJK pairs and the Arabic factor rounded on the whole."""
    import random

    from newsbot.clean.quality import _paragraph_words, effective_words

    rnd = random.Random(5)
    alphabet = list("ab c 1 2,.") + ["中文字", "日本", "وقالت", "  "]
    for _ in range(5000):
        paragraphs = [
            "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 12)))
            for _ in range(rnd.randrange(1, 6))
        ]
        total, each = _paragraph_words(paragraphs)
        assert total == effective_words("\n".join(paragraphs)), paragraphs
        assert each == [effective_words(p) for p in paragraphs], paragraphs


#: a local news brief of 35 words, the whole of the story
BRIEF = [
    "Ormalingen, 7 November",
    "The regional council met employers and staff in the town hall to discuss how firms can find "
    "enough workers while skilled labour is scarce. The head of personnel of a large hospital took part.",
]


def test_a_short_brief_is_an_article_when_the_page_declares_one_and_plays_no_video() -> None:
    assert 25 <= sum(len(p.split()) for p in BRIEF) < 50
    assert assess(BRIEF, is_article=True) is None
    # the same words beside a video are its caption; without article markup, too little to judge
    assert assess(BRIEF, is_article=True, has_video=True) == "too_short"
    assert assess(BRIEF) == "too_short"
    assert assess(BRIEF[:1], is_article=True) == "too_short"
