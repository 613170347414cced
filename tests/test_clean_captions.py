"""Captions pruned at extraction (``newsbot.extract.body.CAPTION_XPATHS``)."""

from __future__ import annotations

from trafilatura.utils import load_html

from newsbot.extract.body import extract_body

PARAGRAPHS = [
    "Shells struck the main livestock market in El Fasher on Sunday morning, killing at least 19 "
    "people and wounding dozens, according to doctors and a local resistance committee.",
    "Witnesses said at least four rounds landed within minutes of each other as traders were setting "
    "up their stalls, and that there was nowhere for the crowd to hide from the shelling.",
    "The city, the last major urban centre in Darfur not held by the Rapid Support Forces, has been "
    "encircled for weeks, and aid agencies say food stocks are close to running out.",
    "The paramilitary force denied targeting civilians and accused the army of using residential "
    "districts and markets as cover for its artillery positions around the city.",
]
CAPTIONS = [
    "Smoke rises over the market after the shelling",
    "Traders gather what is left of their stalls",
    "A map of the front lines around the city",
]


def page() -> str:
    body = [
        f'<p class="has-drop-cap">{PARAGRAPHS[0]}</p>',
        '<img src="/a.jpg" alt=""><figcaption>' + CAPTIONS[0] + "</figcaption>",
        f"<p>{PARAGRAPHS[1]}</p>",
        f'<img src="/b.jpg" alt=""><p class="art-img-cap">{CAPTIONS[1]}</p>',
        f"<p>{PARAGRAPHS[2]}</p>",
        f'<div class="map-legende">{CAPTIONS[2]}</div>',
        f"<p>{PARAGRAPHS[3]}</p>",
    ]
    return (
        "<html><head><title>Shelling kills traders in El Fasher</title></head><body>"
        "<article><h1>Shelling kills traders in El Fasher</h1>" + "\n".join(body) + "</article></body></html>"
    )


def test_captions_pruned_drop_cap_paragraph_kept() -> None:
    html = page()
    tree = load_html(html)
    assert tree is not None
    paras = extract_body(tree, html, "https://example.invalid/sudan/el-fasher").paragraphs
    # The headline comes along (the duplicates stage removes it); no caption does.
    assert paras[-len(PARAGRAPHS) :] == PARAGRAPHS
    assert not set(CAPTIONS) & set(paras)
