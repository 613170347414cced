"""Extraction: what newsbot does around trafilatura must not change what trafilatura finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from trafilatura.utils import load_html

from newsbot.extract.article import extract_article
from newsbot.extract.body import extract_body

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PAGES = sorted((ROOT / "tests" / "corpora" / "cleaning").glob("*.html")) + sorted(
    (ROOT / "newsbot" / "demo" / "site").rglob("*.html")
)


def test_there_are_pages_to_compare() -> None:
    assert len(PAGES) >= 30


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pre_cleaning_keeps_trafilaturas_body(page: Path) -> None:
    """The elements deleted before trafilatura runs are the ones its own cleaning deletes: the body
    is the one trafilatura finds in the whole page."""
    html = page.read_text(encoding="utf-8", errors="replace")
    url = f"https://example.org/{page.name}"
    whole = extract_body(load_html(html), html, url).paragraphs
    assert extract_article(html, url).paragraphs == whole


def test_byline_in_an_article_footer_is_still_found() -> None:
    """Footers and asides, which trafilatura deletes, go only after the byline search."""
    body = "".join(
        f"<p>Paragraph {i} of the story about the shelling of the city, with detail.</p>" for i in range(8)
    )
    html = (
        "<html><head><title>Shelling</title></head><body><article><h1>Shelling</h1>"
        f"<div class='content'>{body}</div>"
        "<footer><span class='author'>Amina Yusuf</span></footer></article></body></html>"
    )
    art = extract_article(html, "https://example.org/a")
    assert art.authors == ["Amina Yusuf"]
    assert art.paragraphs[-1].startswith("Paragraph 7")


EDGE_CASES = [
    "",
    "   ",
    "plain text, no markup",
    "<p>one block</p>",
    "<div><p>a</p><p>b</p></div>",
    "<html/><body><p>self-closing html</p></body>",
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x"/>\n<html><body>doctype</body></html>',
    '<?xml version="1.0" encoding="utf-8"?><html><body><p>x\x00y\x0b</p></body></html>',
    "<html><body>\ufffe\uffffnon-characters\x01</body></html>",
    "<html><head><meta charset='iso-8859-1'></head><body>é</body></html>",
]


@pytest.mark.parametrize(
    "text", [p.read_text(encoding="utf-8", errors="replace") for p in PAGES] + EDGE_CASES
)
def test_parse_html_builds_load_htmls_tree(text: str) -> None:
    """newsbot's parser is trafilatura's ``load_html`` made cheaper: the same tree, or None alike."""
    from lxml import etree

    from newsbot.extract.parse import parse_html

    ours, theirs = parse_html(text), load_html(text)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)


def test_an_article_rendered_by_script_is_read_from_its_noscript() -> None:
    # Blogger and similar platforms render the post with script and put its text in <noscript>;
    # without it the page is a heading and a long sidebar of label links.
    para = (
        "Over the past few years we have seen threats on the web becoming increasingly sophisticated, "
        "and phishing sites rotate their domains very quickly to avoid being blocked by lists."
    )
    article = "".join(f"<p>{para} Paragraph {i} adds one more detail of the new mode.</p>" for i in range(6))
    label = "<li><a href='/search/label/l{0}'>label number {0} of the blog</a></li>"
    labels = "".join(label.format(i) for i in range(80))
    html = f"""<html><head><title>Enhanced protection now available</title></head><body>
    <div class="header"><h1>Security Blog</h1><p>The latest news and insights on security.</p></div>
    <div class="post"><h3 class="post-title">Enhanced protection now available</h3>
    <div class="post-body"><script>render()</script><noscript>{article}</noscript></div></div>
    <div class="sidebar"><h2>Labels</h2><ul>{labels}</ul></div></body></html>"""
    art = extract_article(html, "https://blog.example/2020/05/protection.html")
    body = "\n".join(art.paragraphs)
    assert body.count(para) == 6
    assert "label number" not in body


_STANDFIRST = (
    "Aid convoys reached the besieged city for the first time in three months, officials said on Monday."
)
_STORY = "".join(
    f"<p>Paragraph {i} of the report: trucks carrying flour, medicine and fuel crossed the last "
    f"checkpoint before noon, and the drivers described the roads as badly damaged by shelling.</p>"
    for i in range(6)
)


def _page_with_standfirst(standfirst_html: str) -> str:
    return f"""<html><head><title>Aid reaches the city</title>
    <meta name="description" content="{_STANDFIRST}"></head><body>
    <div class="top"><h1>Aid reaches the city</h1>{standfirst_html}</div>
    <article><div class="story">{_STORY}</div></article></body></html>"""


def test_the_standfirst_shown_above_the_body_is_its_first_paragraph() -> None:
    art = extract_article(_page_with_standfirst(f'<p class="dek">{_STANDFIRST}</p>'), "https://n.example/a")
    assert art.paragraphs[0] == _STANDFIRST
    assert art.paragraphs.count(_STANDFIRST) == 1
    assert len(art.paragraphs) == 7


def test_a_description_only_in_meta_or_in_a_link_is_not_added() -> None:
    meta_only = extract_article(_page_with_standfirst(""), "https://n.example/a")
    linked = extract_article(
        _page_with_standfirst(f'<p><a href="/other">{_STANDFIRST}</a></p>'), "https://n.example/a"
    )
    for art in (meta_only, linked):
        assert _STANDFIRST not in art.paragraphs


def test_a_subtitle_in_the_headline_header_is_not_added() -> None:
    # A dek printed with the headline (in its <header>, or as a heading) is the page's subtitle:
    # article bodies leave it out.
    for dek in (f"<header><p class='dek'>{_STANDFIRST}</p></header>", f"<h2>{_STANDFIRST}</h2>"):
        art = extract_article(_page_with_standfirst(dek), "https://n.example/a")
        assert _STANDFIRST not in art.paragraphs


@pytest.mark.parametrize(
    ("player", "plays"),
    [
        ('<video controls poster="/p.jpg"><source src="/v.mp4"></video>', True),
        ('<iframe src="https://www.youtube.com/embed/abc123"></iframe>', True),
        ('<iframe src="https://ads.example.net/slot/7"></iframe>', False),
        ("", False),
    ],
)
def test_a_page_that_plays_a_video_is_known_as_one(player: str, plays: bool) -> None:
    html = f"<html><body><article><h1>Strike aftermath</h1>{player}{_STORY}</article></body></html>"
    assert extract_article(html, "https://n.example/video/a").has_video is plays


JETPACK_POST = """<html lang="de"><head><title>Neue Brücke über die Oder</title></head><body><article>
<h1>Neue Brücke über die Oder</h1><div class="entry-content">
<p>Die neue Brücke zwischen den beiden Ufern der Oder ist am Samstag nach drei Jahren Bauzeit für den
Verkehr freigegeben worden, zwei Monate später als zunächst geplant.</p>
<p>Nach Angaben der Stadtverwaltung sollen täglich rund zwölftausend Fahrzeuge die Brücke nutzen, die
bisher einen Umweg von gut zwanzig Kilometern über die Autobahn fahren mussten.</p>
<p>Für Fußgänger und Radfahrer gibt es auf beiden Seiten einen eigenen Weg, der durch ein Geländer
von der Fahrbahn getrennt ist und auch nachts beleuchtet wird.</p>
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social">
<h3 class="sd-title">Teilen mit:</h3><div class="sd-content"><ul><li><a href="?share=facebook">
<span>Facebook</span></a></li><li><a href="?share=email"><span>E-Mail</span></a></li></ul></div></div></div>
<div class="sharedaddy sd-block sd-like jetpack-likes-widget-wrapper"><h3 class="sd-title">Gefällt mir:</h3>
<div class="likes-widget-placeholder post-likes-widget-placeholder"><span class="button">
<span>Gefällt mir</span></span> <span class="loading">Wird geladen …</span></div></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">
<em>Ähnliche Beiträge</em></h3></div>
</div></article></body></html>"""


def test_the_sharing_likes_and_related_boxes_of_wordpress_are_not_body() -> None:
    # the boxes go, the post they sit in stays
    art = extract_article(JETPACK_POST, "https://blog.example.de/2026/11/bruecke/")
    body = "\n".join(art.paragraphs)
    assert "zwölftausend Fahrzeuge" in body and "nachts beleuchtet" in body
    for label in ("Teilen mit", "Gefällt mir", "Wird geladen", "Ähnliche Beiträge", "Facebook"):
        assert label not in body, label


@pytest.mark.skipif(
    not (SHARED / "trafilatura-eval").is_dir(), reason="../shared/trafilatura-eval not present"
)
def test_a_photo_post_keeps_its_text_without_the_sharing_box() -> None:
    """A WordPress photo post (trafilatura-eval): with the Jetpack box in the tree, trafilatura
    returned the post as one line that ended in the box's "Teilen mit:" and "Wird geladen"."""
    from newsbot.bench.evalpages import load_eval

    page = next(p for p in load_eval(SHARED / "trafilatura-eval") if "swap-stop.org.shuji" in p.file)
    body = " ".join(" ".join(extract_article(page.html, page.url).paragraphs).split())
    assert [s for s in page.with_ if s not in body] == []
    assert "Teilen mit:" not in body and "Wird geladen" not in body


def test_a_hover_card_inside_a_sentence_is_not_read_into_it() -> None:
    card = (
        '<span class="person"><a href="/people/amina-yusuf">Amina Yusuf</a><span class="person-card">'
        '<span><img src="/img/yusuf.jpg" alt=""><a class="name" href="/people/amina-yusuf">Amina Yusuf</a>'
        '<a href="/world/2026/11/yusuf-visits-camps">Yusuf visits the camps on the western border</a> '
        '<a href="/world/2026/10/yusuf-budget">Aid budget passes after a long night</a></span></span></span>'
    )
    sentence = (
        f"<p>The delegation led by {card} arrived in the border town on Tuesday and met the families "
        "who have lived in the school buildings since the summer.</p>"
    )
    rest = "".join(
        f"<p>Paragraph {i}: the families said the water trucks come twice a week and the clinic has "
        "run out of insulin, and asked the delegation for a date for the return.</p>"
        for i in range(4)
    )
    head = "<html><head><title>Delegation visits</title></head>"
    html = f"{head}<body><article>{sentence}{rest}</article></body></html>"
    body = "\n".join(extract_article(html, "https://news.example/world/2026/11/delegation").paragraphs)
    assert (
        "The delegation led by Amina Yusuf arrived in the border town on Tuesday and met the families" in body
    )
    assert "camps on the western border" not in body and "Aid budget" not in body


@pytest.mark.skipif(
    not (SHARED / "trafilatura-eval").is_dir(), reason="../shared/trafilatura-eval not present"
)
def test_a_newsletter_form_is_not_body() -> None:
    """A tourism board's article (trafilatura-eval) with a newsletter sign-up under it: the form
    that asks for an e-mail address went into the body line by line ("E-Mail Adresse", "abschicken")."""
    from newsbot.bench.evalpages import load_eval

    page = next(p for p in load_eval(SHARED / "trafilatura-eval") if "austria.info.radfahren" in p.file)
    paragraphs = extract_article(page.html, page.url).paragraphs
    body = " ".join(" ".join(paragraphs).split())
    assert [s for s in page.with_ if " ".join(s.split()) not in body] == []
    form = (
        "Mit unserem Newsletter erhalten Sie",
        "abschicken",
        "gekennzeichnete Felder",
        "Mit der Registrierung",
    )
    assert not [p for p in paragraphs if any(text in p for text in form)]


def _page_in_one_form() -> str:
    paragraphs = "".join(
        f"<p>Абзац {i}: рятувальники працювали всю ніч біля зруйнованого будинку, а мешканці сусідніх "
        "кварталів приносили воду, ковдри й ліки до пункту незламності на розі вулиці.</p>"
        for i in range(14)
    )
    article = f"<article><h2>Ніч після удару</h2>{paragraphs}</article>"
    # ASP.NET: the whole page is one form, with the site's search box in it (and the headline an
    # <h2>: only the size of the form tells it from a sign-up box)
    article = f'<form id="aspnetForm" method="post"><input type="search" name="q">{article}</form>'
    return f"<html><head><title>Ніч після удару</title></head><body>{article}</body></html>"


def test_a_page_set_inside_one_form_keeps_its_body() -> None:
    html = _page_in_one_form()
    paragraphs = extract_article(html, "https://news.example.ua/2026/11/nich").paragraphs
    assert sum("рятувальники працювали" in p for p in paragraphs) == 14
