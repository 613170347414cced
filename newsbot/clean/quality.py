"""Is what is left an article? Reject codes for pages that are not.

:func:`assess` returns ``None`` for an article, else a reason code that the pipeline puts at the
start of its ``DropItem`` message (the rejects writer files it under that code):

* ``empty`` — no text left;
* ``too_short`` — fewer words than ``min_words``, or than ``min_article_words`` when the page's
  markup declares an article and it plays no video (CJK text counts two characters a word);
* ``not_article:error_page`` — an error page served with status 200 ("Page not found", "404");
* ``not_article:paywall`` — a login or subscription wall with a teaser;
* ``not_article:video`` — a video page whose text is a caption;
* ``not_article:listing`` — an index page: many short, link-like lines and no prose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsbot.clean.text import normalise, word_count, word_parts, words_of_parts

#: Arabic script writes clitics (and, the, to) into the word, so the same text has fewer words.
_ARABIC = re.compile(r"[\u0600-\u06ff]")

_ERROR_TITLE = re.compile(
    r"^(?:error\b|oops\b|sorry\b|(?:http\s*)?(?:error\s*)?(?:404|403|410|500|502|503)\b|.*\b(?:page|article|"
    r"content|story) (?:not found|cannot be found|could not be found|(?:is )?no longer available|"
    r"doesn['’]t exist|does not exist|has (?:been )?(?:moved|removed|deleted))\b|not found\b|"
    r"page introuvable|erreur 404|página no encontrada|error 404|seite nicht gefunden|fehler 404|"
    r"страница не найдена|ошибка 404|сторінку не знайдено|сторінка не знайдена|помилка 404|"
    r"الصفحة غير موجودة|خطأ 404|صفحه (?:مورد نظر )?(?:یافت نشد|پیدا نشد)|sayfa bulunamadı|"
    r"access denied|forbidden|service unavailable|just a moment|attention required|"
    r"are you a robot|verify you are (?:a )?human)",
    re.IGNORECASE,
)
_ERROR_TEXT = re.compile(
    r"(?:the page you (?:are|were) looking for|we (?:can['’]t|cannot|couldn['’]t) find (?:the|that|this) "
    r"page|page (?:you requested )?(?:could not|cannot|can['’]t) be found|this page (?:does not|doesn['’]t) "
    r"exist|404 (?:error|not found)|error 404|la page (?:que vous cherchez|demandée) |la página que "
    r"buscas|die (?:gewünschte|angeforderte) seite|запрашиваемая страница|сторінку, яку ви шукаєте|"
    r"enable cookies|checking your browser|please verify you are a human)",
    re.IGNORECASE,
)
_PAYWALL_TEXT = re.compile(
    r"(?:subscribe to (?:continue|read)|to continue reading|sign in to (?:continue|read)|log in to "
    r"(?:continue|read)|for subscribers only|réservé aux abonnés|exclusivo para suscriptores|"
    r"nur für abonnenten|только для подписчиков|лише для передплатників|للمشتركين فقط|"
    r"already a subscriber|create (?:a )?free account to)",
    re.IGNORECASE,
)


@dataclass
class QualityConfig:
    min_words: int = 50
    #: a page whose markup declares an article (og:type, JSON-LD) is one with less: a local news
    #: brief, the free lead of a paywalled story, a short post are records a reader wants
    min_article_words: int = 25
    #: listing detection: at least this many lines, most of them short
    listing_min_lines: int = 8
    listing_short_words: int = 10
    listing_short_share: float = 0.7
    #: ... and, when the page's links are known, at least this share of them mostly links
    listing_link_share: float = 0.5
    #: a page with this many words of prose in long paragraphs is an article whatever else it has
    prose_words: int = 150
    video_max_words: int = 120
    error_max_words: int = 200

    def word_floor(self, is_article: bool, has_video: bool) -> int:
        """The fewest words a page may have: ``min_article_words`` when its markup declares an
        article and it plays no video, else ``min_words``."""
        return self.min_article_words if is_article and not has_video else self.min_words


def _effective(words: int, arabic: bool) -> int:
    # ~1.25 English words per Arabic/Persian word: "وقالت" is "and she said".
    return int(words * 1.25) if arabic else words


def effective_words(text: str) -> int:
    return _effective(word_count(text), bool(_ARABIC.search(text)))


def _paragraph_words(paragraphs: Sequence[str]) -> tuple[int, list[int]]:
    """:func:`effective_words` of the paragraphs joined by newlines, and of each, counting each once."""
    parts = [(*word_parts(p), bool(_ARABIC.search(p))) for p in paragraphs]
    total = _effective(
        words_of_parts(sum(w for w, _, _ in parts), sum(c for _, c, _ in parts)), any(a for _, _, a in parts)
    )
    return total, [_effective(words_of_parts(w, c), a) for w, c, a in parts]


def assess(
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    page_type: str | None = None,
    removed: Sequence[tuple[str, str]] = (),
    is_article: bool = False,
    url: str | None = None,
    config: QualityConfig | None = None,
    link_share: float | None = None,
    has_video: bool = False,
) -> str | None:
    """``None`` for an article, else a reject reason code (see the module docstring).

    ``link_share`` is the share of the body's lines that are mostly links to the site's own
    pages, when extraction knew the page's links (:func:`newsbot.clean.structure.link_share`): a
    page of short lines that are not such links (a recipe, a table of facts, a poem, show notes
    linking elsewhere) is not a listing. ``has_video``: the page
    plays a video, so short text beside it is a caption even where the markup says article."""
    cfg = config or QualityConfig()
    text = "\n".join(paragraphs)
    if not text.strip():
        return "empty"
    if url and not is_article and is_front_page(url):
        # A site's front page lists teasers that read like sentences; it is never an article.
        return "not_article:front_page"
    n_words, counts = _paragraph_words(paragraphs)
    long_words = sum(c for c in counts if c >= 20)

    head = " ".join(paragraphs[:3])
    if n_words <= cfg.error_max_words and (
        (title and _ERROR_TITLE.match(normalise(title))) or _ERROR_TEXT.search(head)
    ):
        return "not_article:error_page"
    # A wall, not an article behind a notice: the notice is only a reason when little text is left.
    if n_words < cfg.min_words and (
        _PAYWALL_TEXT.search(text) or any(stage.endswith("paywall") for stage, _ in removed)
    ):
        return "not_article:paywall"
    if page_type and "video" in page_type.lower() and n_words <= cfg.video_max_words:
        return "not_article:video"
    # Table rows ("| a | b |") are data, not links: they do not make a page a listing.
    lines = [c for p, c in zip(paragraphs, counts, strict=True) if not p.startswith("|")]
    # A page whose markup declares an article needs much less prose to count as one.
    prose_needed = cfg.min_words if is_article else cfg.prose_words
    if (
        len(lines) >= cfg.listing_min_lines
        and long_words < prose_needed
        and sum(1 for c in lines if c <= cfg.listing_short_words) >= cfg.listing_short_share * len(lines)
        and not _has_sentences(paragraphs)
        and (link_share is None or link_share >= cfg.listing_link_share)
    ):
        return "not_article:listing"
    if n_words < cfg.word_floor(is_article, has_video):
        return "too_short"
    return None


_FRONT_PATH = re.compile(r"^/?(?:index\.\w{3,5}|home|[a-z]{2}(?:[-_][a-z]{2})?)?/?$", re.IGNORECASE)


def is_front_page(url: str) -> bool:
    """The root of a site or of a language edition: ``/``, ``/index.html``, ``/en/``, ``/fr-fr``."""
    parts = urlsplit(url)
    return not parts.query and bool(_FRONT_PATH.match(parts.path or "/"))


def _has_sentences(paragraphs: Sequence[str]) -> bool:
    """A few paragraphs that end like sentences: a list of headlines has (almost) none."""
    ended = sum(1 for p in paragraphs if p.rstrip().endswith((".", "!", "?", "。", "؟", '."', ".”", "»")))
    return ended >= max(3, len(paragraphs) // 3)
