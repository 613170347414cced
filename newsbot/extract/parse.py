"""Decoded page text to an lxml tree: trafilatura's ``load_html``, without two per-page costs.

* ``load_html`` removes characters XML forbids with a regular expression over the whole page
  (~0.55 ms on a 180 KB page) although almost no page has any: here the page is first searched
  for each of them, which is three times faster, and the removal runs only when one is there.
* ``lxml.html``'s parser looks up a Python class (form, input, label, ...) for every element
  object it hands out, through a Python callback; trafilatura's walks hand out hundreds of
  thousands. Here every element is a plain :class:`~lxml.html.HtmlElement`, looked up in C.
  trafilatura, htmldate and newsbot use nothing of the special classes.

Everything else is ``load_html``'s: same parser options, same repairs, same fallbacks, and the
same tree (a test compares the two on every test page).
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, INVALID_XML_CHARS, is_dubious_html

#: What ``INVALID_XML_CHARS`` matches, one character at a time (``str.__contains__`` is a fast
#: search; a character class is tried at every position).
_INVALID_XML = tuple(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF))

# trafilatura.utils.HTML_PARSER's options
_PARSER = HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def _repair(html: str, beginning: str) -> str:
    # trafilatura.utils.repair_faulty_html, its whole-page substitution only when it has work.
    if any(ch in html for ch in _INVALID_XML):
        html = INVALID_XML_CHARS.sub("", html)
    if "doctype" in beginning:  # libxml2 issue: https://bugs.launchpad.net/lxml/+bug/1955915
        first, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", first, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:  # a self-closing <html/> in the first lines
        if "<html" in line and line.endswith("/>"):
            html = FAULTY_HTML.sub(r"\1>", html, count=1)
            break
    return html


def _from_bytes(html: str) -> HtmlElement | None:
    try:
        return fromstring(html.encode("utf8", "surrogatepass"), parser=_PARSER)
    except Exception:  # lxml raises several kinds; load_html gives up on any of them too
        return None


def parse_html(html: str) -> HtmlElement | None:
    """The tree of a decoded page, or None when it is not HTML (as ``load_html`` decides)."""
    beginning = html[:50].lower()
    dubious = is_dubious_html(beginning)
    html = _repair(html, beginning)
    tree: HtmlElement | None = None
    tried_bytes = False
    try:
        tree = fromstring(html, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree = _from_bytes(html)
        tried_bytes = True
    except Exception:  # lxml's parser errors: try bytes below, as load_html does
        tree = None
    if (tree is None or len(tree) < 1) and not tried_bytes:
        tree = _from_bytes(html)
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree
