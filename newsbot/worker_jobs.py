"""What one page costs the worker processes: two calls, each running several pure stages.

:func:`extract_and_clean` runs extraction and the stateless clean stages (duplicated text,
boilerplate rules) and computes what template learning compares lines by; :func:`analyse_text`
runs language detection, relevance scoring, the record's body and hash, and the shingle hashes
of its near-duplicate signature. The stateful parts (template learning, the seen-URL memory, the
near-duplicate index, storage) stay in the main process and receive the results: see
:mod:`newsbot.prepared` for how each pipeline takes the result meant for it.

Only light modules are imported here (no Scrapy, no pyarrow): workers import this module.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from newsbot.clean.rules import cached_rules
from newsbot.clean.stages import CleanResult, clean_paragraphs
from newsbot.clean.templates import LineFacts, line_facts
from newsbot.enrich.language import UNDETERMINED, LanguageGuess, detect_language, iso639_1, sample_text
from newsbot.enrich.relevance import score_with_lexicon
from newsbot.extract.decode import decode_html
from newsbot.extract.result import ExtractedArticle, extract_page
from newsbot.identify.shingles import normal_hash, normalise_text, signature_input
from newsbot.storage.text import clean_text, count_words


@dataclass
class CleanedPage:
    article: ExtractedArticle
    #: the stateless clean stages on ``article.paragraphs``, each stage's result included
    cleaned: CleanResult
    #: template facts of the cleaned paragraphs
    facts: dict[str, LineFacts] = field(default_factory=dict)


def extract_and_clean(
    html: str | bytes,
    url: str,
    hints: dict | None,
    duplicates: bool,
    rule_paths: tuple[str, ...] | None,
    content_type: str | None = None,
) -> CleanedPage:
    """Extract a page, then remove duplicated text and rule boilerplate as the clean stages would.

    ``html`` may be the response's bytes: they are decoded here with the ``content_type`` header
    (:func:`newsbot.extract.decode.decode_html`).
    """
    if isinstance(html, bytes):
        html = decode_html(html, content_type)[1]
    art = extract_page(html, url, hints)
    cleaned = clean_paragraphs(
        art.paragraphs,
        title=art.title,
        description=art.description,
        rules=cached_rules(rule_paths) if rule_paths is not None else None,
        duplicates=duplicates,
        authors=art.authors,
    )
    return CleanedPage(art, cleaned, line_facts(cleaned.paragraphs))


@dataclass
class AnalysedText:
    language: LanguageGuess | None
    #: the language relevance was scored in, and the score (None: no lexicon for it / stage off)
    relevance_language: str | None
    score: float | None
    body: str
    word_count: int
    content_hash: str
    #: the body's shingle hashes for its near-duplicate signature (None: too short, or stage off)
    shingles: array | None


@dataclass(frozen=True)
class AnalysisPlan:
    """Which stages :func:`analyse_text` runs; the crawl's settings decide them
    (:mod:`newsbot.pipelines.analysis`)."""

    language: bool
    lexicon: str | None
    #: (shingle size, minimum shingles) of the near-duplicate index, or None
    neardup: tuple[int, int] | None


def relevance_language(detected: str | None, declared: str | None) -> str:
    """The language relevance is scored in: the detected one, else the page's declaration."""
    if detected and detected != UNDETERMINED:
        return detected
    return iso639_1(declared) or UNDETERMINED


def analyse_text(
    title: str | None,
    text: str,
    declared: str | None,
    current_language: str | None,
    plan: AnalysisPlan,
) -> AnalysedText:
    """Language, relevance, the stored body with its word count and hash, and the signature.

    ``text`` is the cleaned paragraphs joined by newlines; ``current_language`` what the record
    says before detection (used for relevance when detection is off).
    """
    guess = detect_language(sample_text(title, text), declared) if plan.language else None
    language = relevance_language(guess.code if guess else current_language, declared)
    score = score_with_lexicon(plan.lexicon, title, text, language) if plan.lexicon else None
    body = clean_text(text, multiline=True) or ""
    normal = normalise_text(body)  # what the hash and the shingles are taken from
    shingles = signature_input(body, *plan.neardup, normal=normal) if plan.neardup is not None else None
    return AnalysedText(
        language=guess,
        relevance_language=language if plan.lexicon else None,
        score=score,
        body=body,
        word_count=count_words(body),
        content_hash=normal_hash(normal),
        shingles=shingles,
    )
