"""Recall-first extraction: when the fast pass is suspect it escalates, and a page that ships its
article only in JSON-LD gets that text.

The pages are built the way the CMSs that cause each case print them: a body set in ``<div>``s
with almost no ``<p>`` (where trafilatura's fast pass keeps one block of a long story), and a
script-rendered page whose markup holds only a photo caption while its ``NewsArticle`` JSON-LD
holds the article.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsbot.bench.evalpages import SnippetScore, load_eval
from newsbot.config.paths import project_root
from newsbot.extract import extract_article
from newsbot.extract.body import LD_BODY_SHARE, structured_body

PARAGRAPHS = [
    "Shelling hit the eastern districts of the city for a third night, the regional governor said on "
    "Tuesday, damaging a school, two apartment blocks and the main water pumping station.",
    "Emergency crews worked through the night to restore power to about 40,000 homes, and the city "
    "council opened six heating points in metro stations for residents whose flats were left cold.",
    "The governor said two civilians were killed and eleven wounded, among them three children who "
    "were taken to the regional hospital; the figures could rise as rubble is cleared, he added.",
    "Aid groups warned that the pumping station was the last of three that supply the left bank, "
    "and that without it water would have to be brought in by truck for at least two weeks.",
    "Talks on a local ceasefire that would cover the station and the power plant broke up last week "
    "without agreement, and neither delegation has said when they will meet again.",
]


#: The rest of the story, in the JSON-LD only.
MORE = [
    "The pumping station had been repaired twice since the summer, the utility said, each time by "
    "crews working under the threat of further strikes on the same site.",
    "Residents of the left bank queued at water trucks on Tuesday afternoon with plastic canisters, "
    "and the city said it would add delivery points at schools that are closed for the week.",
    "The regional hospital said it had moved its surgical wards to the basement and was running on "
    "generators, with fuel for about five days if deliveries are not resumed.",
    "Humanitarian agencies said they had asked both sides for a pause in fighting around the station "
    "so that engineers could assess the damage, but had received no answer by Tuesday evening.",
]


def ld_page(body_html: str, article_body: str) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Third night of shelling",
        "articleBody": article_body,
    }
    return (
        "<html><head><title>Third night of shelling</title>"
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        f"<body><header><nav><a href='/'>Home</a> <a href='/world'>World</a></nav></header>{body_html}"
        "<footer>© News Example</footer></body></html>"
    )


def test_a_page_that_shows_only_a_caption_gets_its_json_ld_article_paragraph_by_paragraph() -> None:
    # trafilatura falls back on the articleBody itself here, as one paragraph: its lines are kept
    caption = "<figure><img src='a.jpg'></figure><div class='photo-text'>Firefighters at the pumping station "
    caption += "on Tuesday morning. Photo: AP</div>"
    html = ld_page(
        f"<main><h1>Third night of shelling</h1>{caption}<div id='root'></div></main>", "\n".join(PARAGRAPHS)
    )
    art = extract_article(html, "https://news.example/world/2026/12/01/third-night-of-shelling")
    assert art.paragraphs == PARAGRAPHS


def test_a_page_that_ships_its_article_only_in_json_ld_gets_that_text() -> None:
    caption = "<figure><img src='a.jpg'></figure><div class='photo-text'>Firefighters at the pumping station "
    caption += "on Tuesday morning, after the third night of shelling of the eastern districts. The station "
    caption += "supplies the left bank of the city; crews expect repairs to take at least two weeks. Photo: "
    caption += "Regional emergency service, via the regional administration's press office.</div>"
    html = ld_page(
        f"<main><h1>Third night of shelling</h1>{caption}<div id='root'></div></main>",
        "\n".join(PARAGRAPHS + MORE),
    )
    art = extract_article(html, "https://news.example/world/2026/12/01/third-night-of-shelling")
    assert art.extraction_path == "ld"
    assert art.paragraphs == PARAGRAPHS + MORE


def test_html_in_article_body_keeps_its_paragraphs_and_loses_its_tags() -> None:
    body = structured_body(
        "".join(f"<p>{p.replace('school', '<b>school</b>')}</p>" for p in PARAGRAPHS)
        + "<p>Tom &amp; Jerry&#39;s line</p>"
    )
    assert body.paragraphs == [*PARAGRAPHS, "Tom & Jerry's line"]
    assert body.path == "ld"


def test_the_markup_wins_when_it_holds_a_fair_share_of_the_article_body() -> None:
    # The markup shows the first three paragraphs; the JSON-LD has all five (more than a quarter
    # is in the markup): the extraction from the markup stays, structured as the page shows it.
    shown = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:3])
    html = ld_page(f"<article><h1>Third night of shelling</h1>{shown}</article>", "\n".join(PARAGRAPHS))
    art = extract_article(html, "https://news.example/world/2026/12/01/third-night-of-shelling")
    assert art.extraction_path in ("fast", "full")
    assert [p for p in art.paragraphs if p in PARAGRAPHS] == PARAGRAPHS[:3]
    assert sum(len(p) for p in PARAGRAPHS[:3]) >= LD_BODY_SHARE * sum(len(p) for p in PARAGRAPHS)


SHARED = project_root().parent / "shared"


@pytest.mark.skipif(not (SHARED / "trafilatura-eval").is_dir(), reason="../shared/trafilatura-eval absent")
def test_a_body_set_in_divs_escalates_to_the_full_pass() -> None:
    """A magazine story whose paragraphs are ``<div>``s: the fast pass keeps its first block
    (~700 of ~12,000 characters) and the page has little ``<p>`` text, so only the share of all
    its text shows the fast pass is short. The required snippets are trafilatura-eval's."""
    page = next(p for p in load_eval(SHARED / "trafilatura-eval") if p.file == "spiegel.de.albtraum.html")
    art = extract_article(page.html, page.url)
    assert art.extraction_path == "full"
    score = SnippetScore()
    score.add(page, "\n".join(art.paragraphs))
    assert score.with_missing == 0


@pytest.mark.skipif(not (SHARED / "trafilatura-eval").is_dir(), reason="../shared/trafilatura-eval absent")
def test_a_lead_set_as_loose_text_after_the_photo_box_is_kept() -> None:
    """A broadcaster's story set as text between ``<br>``s in one ``<div>``, its lead right after
    the photo box (the box's tail): trafilatura's fast pass drops the lead, which the page also
    gives as its description. The required snippets are trafilatura-eval's."""
    page = next(
        p for p in load_eval(SHARED / "trafilatura-eval") if p.file == "world.kbs.co.kr-Temperatures.html"
    )
    art = extract_article(page.html, page.url)
    score = SnippetScore()
    score.add(page, "\n".join(art.paragraphs))
    assert score.with_missing == 0


def test_the_eval_pages_are_decoded_as_a_crawl_decodes_them(tmp_path: Path) -> None:
    """A page stored in its own charset (windows-1252 here) reads as text, not as U+FFFD: the
    benchmark scores what a crawl of the page would store."""
    page_html = "<html><head><meta charset='windows-1252'></head><body><p>Die Brücke über die Straße</p>"
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "p.html.gz").write_bytes(gzip.compress(page_html.encode("cp1252")))
    (tmp_path / "evaldata.json").write_text(
        json.dumps({"https://x.example/p": {"file": "p.html", "with": ["Brücke über"], "without": []}})
    )
    (page,) = load_eval(tmp_path)
    assert "Die Brücke über die Straße" in page.html and "\ufffd" not in page.html


@pytest.mark.skipif(
    not (SHARED / "trafilatura-eval").is_dir(), reason="../shared/trafilatura-eval not present"
)
def test_the_full_pass_is_not_narrowed_by_the_caption_prune() -> None:
    """A news page whose fast pass keeps only the standfirst: the full pass finds the article's
    text, which it lost when the caption prune had changed its choice among candidates."""
    page = next(
        p for p in load_eval(SHARED / "trafilatura-eval") if p.file.startswith("badische-zeitung.de-Wohnungs")
    )
    art = extract_article(page.html, page.url)
    body = " ".join(" ".join(art.paragraphs).split())
    assert art.extraction_path.startswith("full")
    assert [s for s in page.with_ if s not in body] == []
