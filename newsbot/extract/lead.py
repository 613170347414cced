"""The lead (standfirst) that trafilatura leaves out: the page's description, shown above the body.

Many pages print their standfirst in the header of the article, outside the element trafilatura
takes as the body, and repeat it as their meta/OpenGraph description. When the description's
text is on the page (in a paragraph of its own; not in a link, which is a teaser of another page;
not in a heading or the headline's ``<header>``, where it is a subtitle) and the body does not
hold it, the paragraph that shows it is the article's lead and goes
first. Measured on trafilatura-eval: 50 of the required snippets that neither newsbot nor bare
trafilatura found were in the description (``newsbot bench cleaning``).
"""

from __future__ import annotations

from lxml.html import HtmlElement

from newsbot.clean.text import normalise, word_count

#: A description shorter than this is a tagline or a label, not a standfirst.
LEAD_MIN_WORDS = 8
#: The start of the description looked up in the page's text (descriptions are often cut short).
PREFIX_CHARS = 60
#: The element shown is the lead only when it is about as long as the description: a container
#: of the lead and more is not one paragraph.
MAX_LEAD_GROWTH = 2.0
_DATA = frozenset({"script", "style", "template"})
_HEADLINE = frozenset({"header", "h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset({"p", "div", "h2", "h3", "header", "section", "li", "td", "article", "main", "body"})


def shown_description(tree: HtmlElement, description: str | None) -> str | None:
    """The text of the paragraph of ``tree`` that shows ``description`` (read before trafilatura
    prunes the tree), or None."""
    if not description or word_count(description) < LEAD_MIN_WORDS:
        return None
    desc = " ".join(description.split())
    prefix = desc[:PREFIX_CHARS]
    for node in tree.xpath("//body//text()[contains(normalize-space(.), $p)]", p=prefix):
        element = node.getparent()
        if element is None or element.tag in _DATA:
            continue  # structured data, not shown
        shown: str | None = None
        if node.is_tail:
            # Loose text after an element (an image box, a <br>): that run of text is the lead,
            # shown in the element's parent, not in the element it follows.
            shown, element = str(node), element.getparent()
            if element is None:
                continue
        outer = {element.tag, *(a.tag for a in element.iterancestors())}
        if "a" in outer:
            return None  # a teaser linking to another page
        if outer & _HEADLINE:
            # In the headline's header or a heading: the page's subtitle (dek), which article
            # bodies leave out (aeb-dev's truth does, 9 of 14 times).
            return None
        if shown is None:
            while element.tag not in _BLOCKS and element.getparent() is not None:
                element = element.getparent()
            shown = element.text_content()
        text = " ".join(shown.split())
        return text if len(text) <= MAX_LEAD_GROWTH * len(desc) + 40 else None
    return None


def missing_lead(shown: str | None, body: list[str]) -> bool:
    """Is the lead ``shown`` on the page absent from the extracted ``body``?"""
    if not shown:
        return False
    return normalise(shown[:PREFIX_CHARS]) not in normalise(" ".join(body))
