"""An article set in several sibling chunks keeps all of them (newsbot.extract.continuation).

Two real pages from ../shared, whose bodies trafilatura cuts after the first chunk, and pages built
the way such CMSs print them, for what must not be taken as a chunk: the next article of an
endless-scroll page, a rail of teasers in containers of the same class, a one-paragraph box.
"""

from __future__ import annotations

import pytest
from lxml.html import fromstring

from newsbot.bench.aeb import load_aeb, shingles
from newsbot.bench.evalpages import load_eval
from newsbot.config.paths import project_root
from newsbot.extract import extract_article
from newsbot.extract.continuation import continuation

SHARED = project_root().parent / "shared"

CHUNK_ONE = [
    "The convoy left the border crossing at dawn with forty trucks of flour, medicine and fuel for the "
    "two hospitals that are still open in the north of the province.",
    "Drivers said the road had been cleared of mines only the day before, and that they had been told "
    "to keep a distance of fifty metres between the vehicles for the whole journey.",
    "A spokesman for the relief agency said it was the first convoy to reach the area in six weeks, "
    "after three earlier attempts were turned back at checkpoints.",
]
CHUNK_TWO = [
    "At the first hospital, doctors said they had been operating by the light of phone torches since "
    "the generator ran out of diesel on Friday, and had stopped taking new patients.",
    "The fuel on the convoy will last about ten days, the hospital's director said, which is not "
    "enough unless the crossing stays open for the convoys planned for next week.",
]
CHUNK_THREE = [
    "The agency said it would try to send a second convoy on Thursday, if the parties to the fighting "
    "confirm the route, and that it had asked for the crossing to open every day.",
    "Neither side has commented on the request, and fighting continued on Tuesday near the road "
    "the trucks took, according to residents reached by phone.",
]


def _chunk(paragraphs: list[str], cls: str = "article-chunk") -> str:
    return f'<div class="{cls}">' + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"


def _page(*parts: str) -> str:
    return (
        "<html><head><title>Convoy reaches the north</title></head><body><article><h1>Convoy reaches the "
        f"north</h1><div class='chunks'>{''.join(parts)}</div></article></body></html>"
    )


AD = '<div class="ad-slot"><p>Advertisement</p></div>'


def test_the_chunks_after_an_ad_slot_continue_the_body() -> None:
    # a comment between the chunks is not an element with a class
    tree = fromstring(_page(_chunk(CHUNK_ONE), "<!-- ad -->", AD, _chunk(CHUNK_TWO), AD, _chunk(CHUNK_THREE)))
    found = continuation(tree, CHUNK_ONE)
    assert found.before == []
    assert found.after == CHUNK_TWO + CHUNK_THREE


def test_chunks_before_the_body_come_before_it() -> None:
    tree = fromstring(_page(_chunk(CHUNK_ONE), AD, _chunk(CHUNK_TWO), AD, _chunk(CHUNK_THREE)))
    found = continuation(tree, CHUNK_TWO)
    assert (found.before, found.after) == (CHUNK_ONE, CHUNK_THREE)


def test_paragraphs_the_body_has_are_not_added_again() -> None:
    tree = fromstring(_page(_chunk(CHUNK_ONE), AD, _chunk(CHUNK_TWO), AD, _chunk(CHUNK_THREE)))
    assert continuation(tree, CHUNK_ONE + CHUNK_TWO + CHUNK_THREE).after == []


def test_the_next_article_of_an_endless_page_is_not_a_chunk() -> None:
    # the same container class, but it opens with the next story's own headline
    nxt = '<div class="article-chunk"><h1>Talks resume in the capital</h1>' + "".join(
        f"<p>{p}</p>" for p in CHUNK_THREE
    ) + "</div>"  # fmt: skip
    tree = fromstring(_page(_chunk(CHUNK_ONE), AD, nxt))
    assert not continuation(tree, CHUNK_ONE)


def test_teasers_and_a_short_box_of_the_same_class_are_not_chunks() -> None:
    teasers = '<div class="article-chunk">' + "".join(
        f'<a href="/world/story-{i}"><h2>Story {i}</h2><p>{p}</p></a>' for i, p in enumerate(CHUNK_THREE)
    ) + "</div>"  # fmt: skip
    box = _chunk([CHUNK_TWO[0]])  # one paragraph: an author box, a note
    tree = fromstring(_page(_chunk(CHUNK_ONE), AD, teasers, box))
    assert not continuation(tree, CHUNK_ONE)


def test_containers_without_a_class_are_not_chunks() -> None:
    tree = fromstring(_page(_chunk(CHUNK_ONE, ""), AD, _chunk(CHUNK_TWO, "")))
    assert not continuation(tree, CHUNK_ONE)


def test_the_walk_stops_at_the_article() -> None:
    # two articles of one class side by side (an endless page without headlines in the markup
    # trafilatura sees): the body's own article is the last thing it looks in
    other = '<article class="post">' + "".join(f"<p>{p}</p>" for p in CHUNK_THREE) + "</article>"
    own = '<article class="post">' + "".join(f"<p>{p}</p>" for p in CHUNK_ONE) + "</article>"
    assert not continuation(fromstring(f"<html><body>{own}{other}</body></html>"), CHUNK_ONE)


# --- real pages ------------------------------------------------------------------------------------


def _covered(paragraph: str, body: str) -> bool:
    grams = shingles(paragraph)
    return sum((grams & shingles(body)).values()) >= 0.5 * sum(grams.values())


@pytest.mark.skipif(not (SHARED / "aeb-dev").is_dir(), reason="../shared/aeb-dev not present")
def test_a_body_set_in_chunks_between_ad_rails_is_whole() -> None:
    """A magazine story whose body is three chunks with an ad rail between them: trafilatura alone
    returns the first ten paragraphs of twenty-three."""
    page = next(p for p in load_aeb(SHARED / "aeb-dev") if p.id.startswith("2f42ef1d3e"))
    art = extract_article(page.html, page.url)
    body = "\n".join(art.paragraphs)
    truth = [p for p in page.truth.split("\n") if len(p.split()) >= 10]
    assert len(truth) > 20
    missing = [p for p in truth if not _covered(p, body)]
    assert missing == []
    assert art.extraction_path.endswith("+chunks")


@pytest.mark.skipif(
    not (SHARED / "trafilatura-eval").is_dir(), reason="../shared/trafilatura-eval not present"
)
def test_an_interview_set_in_modules_keeps_its_questions_and_answers() -> None:
    page = next(p for p in load_eval(SHARED / "trafilatura-eval") if p.file.startswith("iconmagazine.de"))
    body = " ".join(" ".join(extract_article(page.html, page.url).paragraphs).split())
    assert [s for s in page.with_ if " ".join(s.split()) not in body] == []
    assert [s for s in page.without if " ".join(s.split()) in body] == []
