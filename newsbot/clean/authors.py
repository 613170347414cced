"""Bylines and author bios, recognised by the record's own author names.

No rule file can name the author of a page, but extraction knows it (``authors``: structured data
or the page's byline markup). Two kinds of paragraph are removed with it:

* a **byline**: a short paragraph made of nothing but author names, after an optional byline word
  ("By", "Par", "Por", "Von", "Автор:", "بقلم", "نویسنده:") and before an optional place, outlet or
  role after a comma or a dash ("Par Josué Mumbere, à Goma", "Дмитрий Волков"). Such a line is never
  prose, so it goes wherever it is;
* an **author bio**: a paragraph whose subject is an author, i.e. that starts with the author's full
  name ("Hannah Okoro is a research fellow at …", "Markus Albrecht ist Oberst a. D. …", "علی محمدی،
  پژوهشگر … است"). Only the first or the last paragraph of the body is a bio (peeled off one at a
  time, so the bios of two authors at the end both go): in the middle of the story a sentence that
  starts with the author's name is the story.

Names are compared on the normal form of :mod:`newsbot.clean.text` with accents dropped and the
Arabic and Persian forms of ی and ک unified (metadata and body often differ there). A bio needs a
personal name of two words or more: a desk name ("La rédaction", "Staff") or a one-word name would
make the first words of a real paragraph look like a bio.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from newsbot.clean.text import normalise, words

#: A bio is a few sentences; a longer first or last paragraph is the story.
BIO_MAX_WORDS = 80
#: A byline is the names plus a place or a role.
BYLINE_MAX_WORDS = 16
#: Words that make an author name a desk or an agency, not a person.
_DESK = re.compile(
    r"\b(?:staff|team|desk|editors?|editorial|newsroom|reporters?|correspondents?|writers?|agency|agencies|"
    r"rédaction|redacción|redaccion|redaktion|редакция|редакція|служба|group|گروه|سرویس|تحریریه|"
    r"خبرگزاری|التحرير|فريق|قسم|وكالة|مكتب|haber merkezi|servisi)\b"
)
_BYLINE_WORD = re.compile(
    r"^(?:by|written by|reported by|words by|text by|par|por|von|di|door|av|propos recueillis par|"
    r"texto de|автор(?:ы|и|ка)?|текст|yazan|haber|بقلم|به قلم|كتب|كتبت|نویسنده|نوشته)\s*[:\-—–]?\s*"
)
_JOINER = re.compile(r"^\s*(?:,|&|\+|/|،|\band\b|\bet\b|\by\b|\bund\b|\bи\b|\bі\b|\bта\b|\bve\b|و)\s*")
_TAIL = re.compile(r"^\s*[,|\-—–،:]\s*[^.!?؟]{0,80}$")
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u0640": None})


@dataclass
class AuthorResult:
    paragraphs: list[str]
    #: (kind, text) with kind "byline" or "author_bio"
    removed: list[tuple[str, str]] = field(default_factory=list)


@cache
def _name_table() -> dict[int, str | None]:
    # Combining marks dropped and the letters unified in one translate: a loop over the characters
    # of every paragraph was a third of the clean stage's time.
    table: dict[int, str | None] = {
        cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))
    }
    table.update(_LETTERS)
    return table


def name_form(text: str) -> str:
    """Comparison form of a name or paragraph: normalised, accents dropped, ی/ک unified."""
    norm = normalise(text)
    if norm.isascii():
        return norm  # nothing to decompose, drop or unify
    return unicodedata.normalize("NFKD", norm).translate(_name_table())


def _is_personal(name: str) -> bool:
    """Two words or more and no desk word; in a cased script, two capitalised words ("Sami
    al-Ahmadi" is a person, "La rédaction" is not)."""
    parts = name.split()
    if len(parts) < 2 or _DESK.search(name_form(name)):
        return False
    cased = [p for p in parts if any(c.isupper() or c.islower() for c in p)]
    return not cased or sum(1 for p in cased if any(c.isupper() for c in p)) >= 2


def _starts_with(text: str, names: Sequence[str]) -> str | None:
    """The rest of ``text`` after a leading name (at a word boundary), else None."""
    for name in names:
        if text.startswith(name) and (len(text) == len(name) or not text[len(name)].isalnum()):
            return text[len(name) :]
    return None


def _is_byline(form: str, names: Sequence[str]) -> bool:
    if len(words(form)) > BYLINE_MAX_WORDS:
        return False
    text = _BYLINE_WORD.sub("", form, count=1)
    rest = _starts_with(text, names)
    if rest is None:
        return False
    while True:
        joined = _JOINER.match(rest)
        if not joined:
            break
        after = _starts_with(rest[joined.end() :], names)
        if after is None:
            break
        rest = after
    rest = rest.strip()
    return not rest or bool(_TAIL.match(rest))


def _is_bio(form: str, names: Sequence[str]) -> bool:
    if len(words(form)) > BIO_MAX_WORDS:
        return False
    rest = _starts_with(form, names)
    # The name is the subject: something follows it ("X is …", "X, …", "X — …").
    return rest is not None and bool(rest.strip(" .,;:!?-—–،"))


def remove_author_lines(paragraphs: Sequence[str], authors: Sequence[str] | None) -> AuthorResult:
    """Drop bylines (anywhere) and author bios (first or last paragraph) of ``authors``."""
    clean = [a.strip() for a in authors or () if a and len(a.strip()) >= 3]
    if not clean or not paragraphs:
        return AuthorResult(list(paragraphs))
    # Longest first: "Anna Maria Smith" before "Anna Maria".
    all_names = sorted({name_form(a) for a in clean}, key=len, reverse=True)
    personal = sorted({name_form(a) for a in clean if _is_personal(a)}, key=len, reverse=True)
    removed: list[tuple[str, str]] = []
    kept: list[str] = []
    for para in paragraphs:
        if _is_byline(name_form(para), all_names):
            removed.append(("byline", para))
        else:
            kept.append(para)
    if personal:
        while kept and _is_bio(name_form(kept[0]), personal):
            removed.append(("author_bio", kept.pop(0)))
        while kept and _is_bio(name_form(kept[-1]), personal):
            removed.append(("author_bio", kept.pop()))
    return AuthorResult(kept, removed)
