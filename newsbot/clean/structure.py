"""Structure-aware cleaning: what the page's markup shows is not article, in any language.

Runs first of the clean stages, on the paragraphs of extraction with their
:class:`~newsbot.extract.result.Block` facts (the element each was kept as, its link text, its
links to other pages of the same site). The cues, each kept because it helped on both aeb-dev and
trafilatura-eval, on both fixed halves of each (``newsbot bench cleaning``), and none tied to a
language:

* **teaser links** — a paragraph or list item that is mostly the text of links to other pages of
  the same site ("Read more: <headline>", a "most read" entry) links to another article, it is
  not part of this one. A sentence that happens to be one link (a lead linking to its own story
  page) ends like a sentence and has words enough: it stays, before the first paragraph of prose.
  After it, a sentence that is one link to the site ("Sign up for our daily newsletter!", "More
  information soon on our website.", a teaser headline with its question mark) is a teaser too
  (on trafilatura-eval 1 boilerplate snippet fewer, none required lost; aeb-dev F1 +0.0003: 19
  lines over both corpora, 17 of them teasers and prompts by reading).
* **label links** — a short label, a colon, then a link to a headline ("Read also: <headline>",
  "Lea más: …", "VEA TAMBIÉN: …", "Our Standards: <the agency's principles>"): the label is the
  only text outside the link, whatever site the link goes to (on trafilatura-eval 6 boilerplate
  snippets fewer, on both halves, no required one lost; aeb-dev unchanged). A list item is not one
  ("- Topic: headline via source" is a blog's link round-up, its article), nor a name after a
  label ("Earrings: <brand>", fewer than :data:`LABEL_LINK_WORDS` words after the colon).
* **teaser lists** — a list of :data:`TEASER_LIST_ITEMS` items or more, every one of which links
  to another page of the site: "more on this topic", each item a headline link and its summary.
  Lists like that one right after another count together: a grid of teasers set as one short
  list per row (on aeb-dev 2 residue lines fewer, F1 +0.0003; trafilatura-eval unchanged).
* **after the run of prose** — the article runs from its first to its last paragraph of prose
  (a ``p`` or ``quote`` of :data:`PROSE_WORDS` words or more, little link text). A heading after
  the last one opens a section that is not the article ("Popular on …", "Comments", a newsletter
  box): the heading goes, with the link lines after it. Plain lines after it stay: a recipe's
  ingredients or a post's closing notes come after a heading too (removing every line there cost
  27 required snippets on trafilatura-eval for 19 boilerplate ones).
* **captions** — a line that repeats the ``alt`` text of one of the page's images (2 to 30
  words) is the caption printed under it. On aeb-dev 8 residue lines fewer (a gallery's
  captions), F1 +0.0002; on trafilatura-eval no boilerplate snippet changed and one required one
  was lost: a recipe step whose photo repeats the step as its alt text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from newsbot.clean.text import normalise, word_count
from newsbot.extract.links import text_key
from newsbot.extract.result import Block, ExtractedArticle

if TYPE_CHECKING:
    from newsbot.clean.quality import QualityConfig

logger = logging.getLogger(__name__)

#: Link text of this share of a paragraph's letters or more makes it a link (prose has a few).
TEASER_LINK_DENSITY = 0.5
#: A teaser that ends like a sentence and has this many words is kept: it may be a lead.
SENTENCE_WORDS = 8
#: Link text of this share of a paragraph or more: the paragraph is one link.
WHOLE_LINK_DENSITY = 0.9
#: A ``p`` or ``quote`` of this many words, link density under :data:`PROSE_LINK_DENSITY`, is
#: prose: it bounds the article's run.
PROSE_WORDS = 15
PROSE_LINK_DENSITY = 0.3
#: A line after the run of prose with this much link text is a link line.
LINK_LINE_DENSITY = 0.5
#: A label link has at most this many words before its colon, and this many after it or more.
LABEL_WORDS = 3
LABEL_LINK_WORDS = 4
#: ... and all its text but the label is link text, give or take this many characters (the key
#: of the label and of the whole line are counted alike, letters and digits only).
LABEL_SLACK = 2
#: A list of at least this many items, each linking to another page of the site with at least
#: :data:`TEASER_LIST_DENSITY` of its text, is a teaser list.
TEASER_LIST_ITEMS = 3
TEASER_LIST_DENSITY = 0.2

_SENTENCE_END = (".", "!", "?", "。", "！", "？", "؟", "।", '"', "”", "»", "“", "’", ")")


@dataclass
class StructureResult:
    paragraphs: list[str]
    #: the blocks of ``paragraphs``
    blocks: list[Block]
    #: (category, text): ``structure/teaser``, ``structure/label_link``, ``structure/teaser_list``,
    #: ``structure/tail`` or ``structure/site_name``
    removed: list[tuple[str, str]] = field(default_factory=list)


def _sentence(text: str, words: int) -> bool:
    return words >= SENTENCE_WORDS and text.rstrip().endswith(_SENTENCE_END)


def is_teaser(text: str, block: Block, words: int | None = None, after_lead: bool = False) -> bool:
    """A paragraph that is mostly links to other pages of the page's own site; ``after_lead``:
    it comes after the first paragraph of prose, where a sentence that is one link is a teaser
    too."""
    if block.kind == "row" or not block.site_links or block.link_density < TEASER_LINK_DENSITY:
        return False
    if after_lead and block.link_density >= WHOLE_LINK_DENSITY:
        return True
    return not _sentence(text, word_count(text) if words is None else words)


def is_label_link(text: str, block: Block) -> bool:
    """A short label, a colon, then a link of a few words or more: "Read also: <headline>"."""
    if block.kind == "item" or not block.links or block.link_density < TEASER_LINK_DENSITY:
        return False
    label, colon, rest = text.partition(":")
    if not colon:
        label, colon, rest = text.partition("：")
    if not colon or len(label.split()) > LABEL_WORDS or word_count(rest) < LABEL_LINK_WORDS:
        return False
    # the label, and only the label, is outside the link ("Tankstellen: Wo kann man …" as one
    # link is a heading that links to its section, not a label and a link)
    return abs((block.chars - block.link_chars) - len(text_key(label))) <= LABEL_SLACK


def is_prose(block: Block, words: int) -> bool:
    return block.kind in ("p", "quote") and words >= PROSE_WORDS and block.link_density < PROSE_LINK_DENSITY


def teaser_lists(blocks: Sequence[Block]) -> set[int]:
    """Groups (lists) whose every item links to another page of the site, with
    :data:`TEASER_LIST_ITEMS` items or more counted over a run of such lists one after the other:
    a grid of teasers is often set as one short list per row."""
    items: dict[int, list[Block]] = {}
    for b in blocks:
        if b.kind == "item":
            items.setdefault(b.group, []).append(b)
    linking = {
        g
        for g, members in items.items()
        if all(m.site_links and m.link_density >= TEASER_LIST_DENSITY for m in members)
    }
    found: set[int] = set()
    run: set[int] = set()
    count = 0
    for b in [*blocks, None]:
        if b is not None and b.kind == "item" and b.group in linking:
            run.add(b.group)
            count += 1
        else:  # anything else ends a run of teaser lists
            if count >= TEASER_LIST_ITEMS:
                found |= run
            run, count = set(), 0
    return found


def clean_structure(
    paragraphs: Sequence[str],
    blocks: Sequence[Block],
    site_name: str | None = None,
    image_texts: frozenset[str] = frozenset(),
) -> StructureResult:
    """Remove teaser links, label links and teaser lists, the headings and link lines after the
    last paragraph of prose that follow a heading there, and the site's name alone on a line (a
    masthead: its ``og:site_name``, in every language), and a line that repeats the ``alt`` text
    of one of the page's images (``image_texts``, normal forms): the caption printed under it.

    ``blocks`` must be aligned with ``paragraphs``; without them (text that did not come from a
    page's tree) only the masthead is removed."""
    site = normalise(site_name) if site_name else None
    masthead = [site is not None and normalise(p) == site for p in paragraphs]
    if any(masthead):
        removed = [("structure/site_name", p) for p, m in zip(paragraphs, masthead, strict=True) if m]
        rest = [p for p, m in zip(paragraphs, masthead, strict=True) if not m]
        if len(blocks) != len(paragraphs):
            return StructureResult(rest, list(blocks), removed)
        kept = [b for b, m in zip(blocks, masthead, strict=True) if not m]
        res = clean_structure(rest, kept, None, image_texts)
        res.removed[:0] = removed
        return res
    if len(blocks) != len(paragraphs):
        return StructureResult(list(paragraphs), list(blocks))
    counts = [word_count(p) for p in paragraphs]
    prose = [i for i, (b, n) in enumerate(zip(blocks, counts, strict=True)) if is_prose(b, n)]
    last = prose[-1] if prose else len(paragraphs)
    lists = teaser_lists(blocks)
    res = StructureResult([], [])
    in_tail = False
    for i, (text, block, words) in enumerate(zip(paragraphs, blocks, counts, strict=True)):
        in_tail = in_tail or (i > last and block.kind == "head")
        if image_texts and block.kind != "head" and normalise(text) in image_texts:
            res.removed.append(("structure/caption", text))
        elif in_tail and (block.kind == "head" or block.link_density >= LINK_LINE_DENSITY):
            res.removed.append(("structure/tail", text))
        elif block.group in lists:
            res.removed.append(("structure/teaser_list", text))
        elif is_teaser(text, block, words, after_lead=bool(prose) and i > prose[0]):
            res.removed.append(("structure/teaser", text))
        elif is_label_link(text, block):
            res.removed.append(("structure/label_link", text))
        else:
            res.paragraphs.append(text)
            res.blocks.append(block)
    return res


def link_share(blocks: Sequence[Block]) -> float | None:
    """Share of ``blocks`` that are mostly link text to other pages of the page's own site; None
    without blocks (links unknown). A listing points into its own site: lines that link elsewhere
    are show notes, a reading list or sources, which an article can carry."""
    if not blocks:
        return None
    return sum(1 for b in blocks if b.site_links and b.link_density >= LINK_LINE_DENSITY) / len(blocks)


def too_little(
    paragraphs: Sequence[str], article: ExtractedArticle, quality: QualityConfig | None = None
) -> bool:
    """Fewer words than the quality verdict would ask of this page
    (:meth:`~newsbot.clean.quality.QualityConfig.word_floor`): worth a second, recall-mode
    extraction."""
    from newsbot.clean.quality import QualityConfig, effective_words

    floor = (quality or QualityConfig()).word_floor(article.is_article_markup, article.has_video)
    return effective_words("\n".join(paragraphs)) < floor


def extract_structured(
    html: str, url: str, hints: dict | None, quality: QualityConfig | None = None
) -> tuple[ExtractedArticle, StructureResult]:
    """Extraction, then :func:`clean_structure`; the article's paragraphs and blocks are what it
    kept. When that leaves too little text (:func:`too_little`, with the run's ``quality``
    settings), the page is extracted again in recall mode and the second result kept if it leaves
    more words: a real article must not be rejected because a fast, balanced pass kept only a
    notice. ``article.extraction_path`` says which pass the body is from (``fast``, ``full``,
    ``recall``, ``ld``, and ``+chunks`` when the article's other chunks were added)."""
    from newsbot.clean.quality import effective_words
    from newsbot.extract.result import extract_page

    art = extract_page(html, url, hints)
    res = clean_structure(art.paragraphs, art.blocks, art.site_name, art.image_texts)
    if too_little(res.paragraphs, art, quality):
        again = extract_page(html, url, hints, recall=True)
        retried = clean_structure(again.paragraphs, again.blocks, again.site_name, again.image_texts)
        better = effective_words("\n".join(retried.paragraphs)) > effective_words("\n".join(res.paragraphs))
        logger.debug("Recall-mode extraction of %s: %s", url, "kept" if better else "not better")
        if better:
            art, res = again, retried
    return replace(art, paragraphs=res.paragraphs, blocks=res.blocks), res
